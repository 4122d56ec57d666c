"""Finding 8 of issue #16: a corrected results file keeps the pupils' learning routes
(ИОМ). A route follows its pupil's new row by participant code; a route whose pupil
is gone from the new file is kept and marked; the import summary says which."""

from assessments.analytics.models import LearningRoute
from assessments.analytics.services import learning_route_save
from assessments.results.models import Result
from assessments.results.services.imports import results_import
from tests.assessments.test_import_vpr_form import FORM, edited_form

STEPS = [{"planned_result": "Решение задач", "tasks": "5", "forms": "Группа", "done": True}]


def _route_for(world, procedure, code, note):
    result = Result.objects.get(procedure=procedure, school=world.school_a1, participant_code=code)
    return learning_route_save(result=result, steps=STEPS, note=note, by=world.carol)


def test_a_corrected_file_keeps_every_route_and_says_what_happened(world, procedure, tmp_path):
    results_import(source=FORM, user=world.carol, procedure=procedure)
    _route_for(world, procedure, "40002", "Занятия по средам")
    _route_for(world, procedure, "40018", "Пропустил тему дробей")
    # The corrected file: 40018 turns out absent, 40002's first task is marked 0.
    path = edited_form(
        tmp_path,
        {
            ("Протокол", "B19"): "отсутствовал",
            ("Протокол_2", "B19"): "отсутствовал",
            ("Протокол", "C3"): 0,
            ("Протокол_2", "C3"): 0,
        },
    )
    outcome = results_import(source=path, user=world.carol, procedure=procedure)

    assert LearningRoute.objects.count() == 2
    followed = LearningRoute.objects.get(participant_code="40002")
    assert followed.note == "Занятия по средам" and followed.steps[0]["forms"] == "Группа"
    assert not followed.detached
    assert followed.result() == Result.objects.get(
        procedure=procedure, school=world.school_a1, participant_code="40002"
    )
    kept = LearningRoute.objects.get(participant_code="40018")
    assert kept.note == "Пропустил тему дробей" and kept.detached
    assert kept.result() is None
    assert outcome.routes_followed == 1 and outcome.routes_detached == 1
    assert outcome.as_dict()["routes_detached"] == 1


def test_a_route_marked_detached_follows_again_when_its_pupil_comes_back(
    world, procedure, tmp_path
):
    results_import(source=FORM, user=world.carol, procedure=procedure)
    _route_for(world, procedure, "40018", "Пропустил тему дробей")
    absent = edited_form(
        tmp_path, {("Протокол", "B19"): "отсутствовал", ("Протокол_2", "B19"): "отсутствовал"}
    )
    results_import(source=absent, user=world.carol, procedure=procedure)
    assert LearningRoute.objects.get(participant_code="40018").detached
    back = results_import(source=FORM, user=world.carol, procedure=procedure)
    route = LearningRoute.objects.get(participant_code="40018")
    assert not route.detached and route.result().participant_code == "40018"
    assert back.routes_followed == 1 and back.routes_detached == 0
