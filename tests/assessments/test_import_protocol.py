"""ОГЭ/ЕГЭ protocols of the regional centre and aggregated per-school tables."""

import pytest

from assessments.results.importers.common import ProcedureKey
from assessments.results.importers.protocol import parse_extended, parse_short
from assessments.results.models import (
    Instrument,
    Procedure,
    Result,
    ResultPrivacy,
    Scale,
    SchoolAggregate,
    Subject,
)
from assessments.results.services.imports import results_import
from assessments.results.services.rows import person_hash
from infra.problems import ImportFailed

PROTOCOL = (
    "Код МСУ;Код ОО;Класс;Код ППЭ;Аудитория;Фамилия;Имя;Отчество;Документ;"
    "Задания с кратким ответом;Задания с развёрнутым ответом;Первичный балл;Отметка\n"
    "A;770001;9а;0101;12;Иванов;Иван;Иванович;4510 123456;++-+-1;2(3)1(2)0(2);9;3\n"
    "A;770001;9б;0101;12;Петрова;Анна;Сергеевна;4510 654321;+++++2;3(3)2(2)2(2);14;4\n"
    "B;770101;9а;0102;3;Сидоров;Пётр;;4511 000111;--x---;0(3)0(2)0(2);0;2\n"
)


@pytest.mark.parametrize(
    "text, scores",
    [
        ("++-+-1", [1, 1, 0, 1, 0, 1]),
        ("+x-2", [1, None, 0, 2]),
        ("", []),
        ("01120", [0, 1, 1, 2, 0]),
    ],
)
def test_short_answers_are_one_character_per_task(text, scores):
    assert parse_short(text) == scores


def test_unreadable_short_answers_are_refused():
    assert parse_short("++?") is None


@pytest.mark.parametrize(
    "text, pairs",
    [("2(3)1(2)0(2)", [(2, 3), (1, 2), (0, 2)]), ("", []), ("10(12)", [(10, 12)])],
)
def test_extended_answers_are_score_and_maximum_per_task(text, pairs):
    assert parse_extended(text) == pairs


@pytest.mark.parametrize("text", ["2(3)1", "4(3)", "2[3]"])
def test_broken_extended_answers_are_refused(text):
    assert parse_extended(text) is None


def write(tmp_path, text, name="protocol.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def oge_key():
    return ProcedureKey(instrument=Instrument.OGE, subject=Subject.MATH, year=2026)


def test_a_protocol_is_parsed_into_task_scores_and_names_are_not_kept(world, tmp_path, oge_key):
    outcome = results_import(
        source=write(tmp_path, PROTOCOL), user=world.alice, procedure_key=oge_key
    )
    procedure = Procedure.objects.get(pk=outcome.procedure_id)
    assert outcome.format == "protocol" and outcome.rows == 3 and procedure.grade == 9
    assert [t.max_score for t in procedure.tasks.order_by("position")] == [
        1,
        1,
        1,
        1,
        1,
        2,
        3,
        2,
        2,
    ]
    ivanov = Result.objects.get(procedure=procedure, class_name="9а", school=world.school_a1)
    assert ivanov.scores == [1, 1, 0, 1, 0, 1, 2, 1, 0]
    # The tasks add up to 7, the protocol says 9: the protocol's score is kept, with a warning.
    assert ivanov.primary_score == 9
    assert [(w.row, w.column) for w in outcome.warnings if "Первичный балл" in w.message] == [
        (2, "Первичный балл")
    ]
    assert (ivanov.exam_point, ivanov.room, ivanov.answers) == ("0101", "12", "++-+-1")
    assert ivanov.last_name == "" and "Иван" not in ivanov.participant_code
    salt = ResultPrivacy.objects.get(region=world.region).salt
    assert ivanov.person_hash == person_hash(
        salt=salt,
        last_name="Иванов",
        first_name="Иван",
        patronymic="Иванович",
        document="4510 123456",
    )
    sidorov = Result.objects.get(procedure=procedure, school=world.school_b1)
    assert sidorov.scores[2] is None and sidorov.scores[1] == 0


def test_names_are_kept_when_the_region_turns_it_on(world, tmp_path, oge_key):
    ResultPrivacy.objects.filter(region=world.region).update(store_names=True)
    outcome = results_import(
        source=write(tmp_path, PROTOCOL), user=world.alice, procedure_key=oge_key
    )
    names = set(
        Result.objects.filter(procedure_id=outcome.procedure_id).values_list("last_name", flat=True)
    )
    assert names == {"Иванов", "Петрова", "Сидоров"}


def test_the_same_person_hashes_alike_across_years_and_differently_across_regions():
    one = person_hash(salt="s1", last_name="Ёлкин", first_name="Пётр", document="45 10 123456")
    assert one == person_hash(
        salt="s1", last_name="елкин", first_name="пётр", document="4510123456"
    )
    assert one != person_hash(
        salt="s2", last_name="Ёлкин", first_name="Пётр", document="45 10 123456"
    )


def test_the_oge_marks_follow_the_scale_with_the_geometry_condition(world, tmp_path):
    key = ProcedureKey(instrument=Instrument.OGE, subject=Subject.MATH, year=2026)
    # 25 tasks: 1–14 algebra, 15–19 and 23–25 geometry; here all 19 short tasks + 6 extended.
    header = "Код ОО;Фамилия;Документ;Часть 1;Часть 2;Отметка\n"
    algebra_only = "+" * 14 + "-" * 5 + ";2(2)2(2)2(2)0(2)0(2)0(2)"
    with_geometry = "+" * 14 + "++---" + ";2(2)2(2)2(2)0(2)0(2)0(2)"
    path = write(tmp_path, header + f"770001;А;1;{algebra_only};3\n770001;Б;2;{with_geometry};4\n")
    outcome = results_import(source=path, user=world.alice, procedure_key=key)
    rows = {r.primary_score: r for r in Result.objects.filter(procedure_id=outcome.procedure_id)}
    assert rows[20].mark == 2 and rows[20].mark_mismatch  # 20 points but no geometry
    assert rows[22].mark == 5 and rows[22].mark_mismatch


def test_a_protocol_with_broken_answer_strings_writes_nothing(world, tmp_path, oge_key):
    text = PROTOCOL.replace("2(3)1(2)0(2)", "2(3)1(2)0", 1)
    with pytest.raises(ImportFailed) as failed:
        results_import(source=write(tmp_path, text), user=world.alice, procedure_key=oge_key)
    problem = failed.value.problems[0]
    assert (problem.row, problem.column) == (2, "Задания с развёрнутым ответом")
    assert not Procedure.objects.filter(instrument=Instrument.OGE).exists()


def test_ege_test_scores_come_from_a_test_score_scale(world, tmp_path):
    Scale.objects.create(
        region=None,
        instrument=Instrument.EGE,
        year=2026,
        grade=11,
        subject=Subject.RUSSIAN,
        kind=Scale.Kind.TEST_SCORE,
        max_score=3,
        ranges=[[0, 0, 0], [1, 1, 24], [2, 2, 50], [3, 3, 100]],
    )
    key = ProcedureKey(instrument=Instrument.EGE, subject=Subject.RUSSIAN, year=2026)
    path = write(
        tmp_path, "Код ОО;Фамилия;Документ;Краткий ответ;Тестовый балл\n770001;А;1;++-;50\n"
    )
    outcome = results_import(source=path, user=world.alice, procedure_key=key)
    row = Result.objects.get(procedure_id=outcome.procedure_id)
    assert (row.procedure.grade, row.test_score, row.mark, row.mark_mismatch) == (
        11,
        50,
        None,
        False,
    )


def test_aggregated_mark_shares_become_counts_per_school(world, tmp_path):
    key = ProcedureKey(instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2019)
    path = write(
        tmp_path,
        "Код ОО;Количество участников;% «2»;% «3»;% «4»;% «5»\n"
        "770001;50;10;30;40;20\n770101;20;0;25;50;25\n",
    )
    outcome = results_import(source=path, user=world.alice, procedure_key=key)
    assert outcome.format == "aggregate"
    rows = {
        a.school_id: a for a in SchoolAggregate.objects.filter(procedure_id=outcome.procedure_id)
    }
    assert rows[world.school_a1.pk].mark_counts == {"2": 5, "3": 15, "4": 20, "5": 10}
    assert rows[world.school_b1.pk].participants == 20
    again = results_import(source=path, user=world.alice, procedure_key=key)
    assert again.unchanged


def test_aggregated_histograms_are_kept_per_score(world, tmp_path):
    key = ProcedureKey(instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2019)
    path = write(tmp_path, "Код ОО;0;1;2;3;4;5;6\n770001;0;1;2;3;4;5;6\n")
    outcome = results_import(source=path, user=world.bob, procedure_key=key)
    aggregate = SchoolAggregate.objects.get(procedure_id=outcome.procedure_id)
    assert aggregate.histogram == [0, 1, 2, 3, 4, 5, 6] and aggregate.participants == 21
