"""What the cascade table of a municipal roadmap tells of each school's copy: the
required measures it lacks and the measures whose text or deadline the school changed,
read without the schools' copied measures (roadmaps.selectors.execution.cascade_status)."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmaps.models import Measure
from roadmaps.selectors.execution import cascade_status
from roadmaps.services.cascade import roadmap_cascade, school_roadmap_start_from
from roadmaps.services.measure import measure_create, measure_update
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from tests import factories as f


def _municipal(world, texts=(("1.", "Анализ результатов ВПР", "Май"), ("2.", "Совещание", "Март"))):
    roadmap = roadmap_create(owner=world.muni_a, title="План", by=world.bob)
    for number, text, deadline in texts:
        measure_create(
            roadmap=roadmap,
            number=number,
            text=text,
            responsible_text="ОО",
            deadline_text=deadline,
            by=world.bob,
        )
    roadmap_approve(roadmap=roadmap, by=world.bob)
    roadmap_cascade(roadmap=roadmap, due=date(2026, 4, 1), by=world.bob)
    return roadmap


def _row(roadmap, school):
    return next(row for row in cascade_status(roadmap=roadmap) if row["school"] == school)


def _changed(row):
    return [(c["measure"].number, [x["label"] for x in c["fields"]]) for c in row["changed"]]


def test_a_copy_written_with_other_spacing_case_or_yo_is_no_change(world):
    roadmap = _municipal(world, texts=(("1.", "Разбор ВПР: всё  по классам", "Май"),))
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    (copy,) = child.measures.all()
    measure_update(
        measure=copy, version=copy.version, text=" разбор впр:  все по КЛАССАМ ", by=world.carol
    )
    assert _changed(_row(roadmap, world.school_a1)) == []

    copy.refresh_from_db()
    measure_update(measure=copy, version=copy.version, deadline_text="Июнь", by=world.carol)
    row = _row(roadmap, world.school_a1)
    assert _changed(row) == [("1.", ["срок"])]
    assert row["changed"][0]["fields"][0] == {"label": "срок", "before": "Май", "after": "Июнь"}


def test_a_measure_copied_twice_is_compared_on_its_first_copy(world):
    roadmap = _municipal(world)
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    first, second = child.measures.order_by("position")
    # The school copied measure 1. once more, below, and rewrote that second copy; it
    # dropped measure 2.: the duplicate must not stand for it.
    Measure.objects.create(
        roadmap=child,
        number="1.",
        text="Другой текст",
        deadline_text="Май",
        source_measure=first.source_measure,
        position=second.position + 1,
    )
    second.delete()
    row = _row(roadmap, world.school_a1)
    assert _changed(row) == []
    assert [m.number for m in row["missing"]] == ["2."]

    # Now the first copy (by position) is the rewritten one.
    Measure.objects.filter(pk=first.pk).update(position=second.position + 2)
    row = _row(roadmap, world.school_a1)
    assert _changed(row) == [("1.", ["мероприятие"])]
    assert row["changed"][0]["copy"].text == "Другой текст"


def test_a_complete_copy_lacks_nothing_and_a_school_without_one_lacks_every_measure(world):
    roadmap = _municipal(world)
    school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    assert _row(roadmap, world.school_a1)["missing"] == []
    assert _row(roadmap, world.school_a1)["state"] == "draft"
    assert [m.number for m in _row(roadmap, world.school_a2)["missing"]] == ["1.", "2."]


def test_the_cascade_s_queries_do_not_grow_with_the_school_roadmaps(world):
    roadmap = _municipal(world)

    def queries_with(n):
        for i in range(n):
            school = f.school(municipality=world.muni_a)
            child = school_roadmap_start_from(municipal=roadmap, school=school, by=world.bob)
            copy = child.measures.order_by("position").first()
            if i % 2:
                measure_update(
                    measure=copy, version=copy.version, deadline_text="Июнь", by=world.bob
                )
            else:
                copy.delete()
        with CaptureQueriesContext(connection) as captured:
            rows = cascade_status(roadmap=roadmap)
        return len(captured.captured_queries), rows

    few, rows = queries_with(2)
    many, rows = queries_with(6)
    assert many == few <= 7
    started = [row for row in rows if row["roadmap"] is not None]
    assert len(started) == 8
    assert sum(1 for row in started if row["changed"]) == 4
    assert sum(1 for row in started if [m.number for m in row["missing"]] == ["1."]) == 4
