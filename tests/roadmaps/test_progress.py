"""Progress and execution figures at scale: the pages run a number of queries that
does not grow with the rows shown, and the figures follow the rules they state."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmaps.models import Assignment, ProgressReport, Roadmap
from roadmaps.selectors.execution import roadmap_execution
from roadmaps.services import matching
from roadmaps.services.assignment import assignments_create
from roadmaps.services.measure import measure_create
from roadmaps.services.report import (
    progress_report_accept,
    progress_report_return,
    progress_report_submit,
)
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from tests import factories as f
from tests.roadmaps.world import PDF

PERIOD = {"period_start": date(2025, 9, 1), "period_end": date(2026, 8, 31)}
Q = {"period_start": date(2025, 9, 1), "period_end": date(2025, 9, 30)}


def grow(world, roadmap, n: int):
    """Add n measures for every school, n more schools, and a report on each assignment of A1."""
    section = roadmap.sections.first()
    for i in range(n):
        f.school(municipality=world.muni_a, name=f"Альфа-школа доп. {roadmap.pk}-{i}")
    for i in range(n):
        measure_create(
            roadmap=roadmap,
            section=section,
            number=f"2.{n}.{i}",  # grow() runs twice: numbers stay unique
            text=f"Мероприятие {i}",
            deadline_text="В течение года",
            responsible_text="ОО, Альфа-орган управления образованием",
            by=world.bob,
        )
    assignments_create(roadmap=roadmap, by=world.bob)
    for assignment in Assignment.objects.filter(measure__roadmap=roadmap, school=world.school_a1):
        if not assignment.reports.exists():
            report = progress_report_submit(
                assignment=assignment,
                status="done",
                files=[("справка.pdf", PDF)],
                by=world.carol,
                **Q,
            )
            progress_report_accept(report=report, by=world.bob)


def queries(client, url):
    """Queries of the page once its caches are warm: a change of the tree (grow() adds
    schools) renews the scope token, so the first page after it reads the memberships
    once, at any N."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "name, user, kwargs",
    [
        ("roadmap-detail", "bob", True),
        ("roadmap-editor", "bob", True),
        ("roadmap-list", "bob", False),
        ("assignment-list", "carol", False),
        ("report-queue", "bob", False),
    ],
)
def test_pages_run_the_same_number_of_queries_for_n_and_3n_rows(client, world, name, user, kwargs):
    roadmap = world.extra["roadmap_roadmap_a"]
    url = reverse(f"roadmaps:{name}", kwargs={"roadmap_pk": roadmap.pk} if kwargs else {})
    client.force_login(getattr(world, user))
    grow(world, roadmap, 3)
    small = queries(client, url)
    grow(world, roadmap, 6)
    large = queries(client, url)
    assert large == small, f"{name}: {small} queries at N, {large} at 3N"


def test_the_measures_api_runs_the_same_number_of_queries_for_n_and_3n_rows(client, world):
    roadmap = world.extra["roadmap_roadmap_a"]
    client.force_login(world.bob)
    grow(world, roadmap, 3)
    small = queries(client, "/api/v1/measures/")
    grow(world, roadmap, 6)
    assert queries(client, "/api/v1/measures/") == small


def test_a_late_done_report_counts_as_done_but_not_on_time(world, monkeypatch):
    from roadmaps.deadlines import Schedule

    monkeypatch.setattr(
        matching,
        "parse_deadline",
        lambda text, **kw: Schedule(text=text, kind="date", dates=(date(2025, 10, 1),)),
    )
    roadmap = roadmap_create(owner=world.muni_a, title="Срочный план", by=world.bob, **PERIOD)
    measure_create(
        roadmap=roadmap,
        text="Приказ о наблюдателях",
        deadline_text="до 01.10.2025",
        responsible_text="Альфа-школа №1",
        by=world.bob,
    )
    roadmap_approve(roadmap=roadmap, by=world.bob)
    assignment = Assignment.objects.get(measure__roadmap=roadmap)
    report = progress_report_submit(
        assignment=assignment,
        status="done",
        by=world.carol,
        now=datetime(2025, 10, 20, 9, tzinfo=UTC),
        **Q,
    )
    progress_report_accept(report=report, by=world.bob)
    figures = roadmap_execution(roadmap=roadmap, today=date(2025, 11, 1))
    assert figures["measures"]["done"] == 1
    assert figures["measures"]["done_on_time"] == 0 and figures["measures"]["done_late"] == 1
    assert figures["measures"]["share_on_time"] == 0.0


def test_a_cancelled_measure_leaves_the_denominator(world):
    roadmap = roadmap_create(owner=world.muni_a, title="План", by=world.bob, **PERIOD)
    for text in ("Первое", "Второе"):
        measure_create(roadmap=roadmap, text=text, responsible_text="Альфа-школа №1", by=world.bob)
    roadmap_approve(roadmap=roadmap, by=world.bob)
    first, second = Assignment.objects.filter(measure__roadmap=roadmap).order_by(
        "measure__position"
    )
    for assignment, status in ((first, "cancelled"), (second, "done")):
        report = progress_report_submit(assignment=assignment, status=status, by=world.carol, **Q)
        progress_report_accept(report=report, by=world.bob)
    figures = roadmap_execution(roadmap=roadmap, today=date(2025, 10, 1))
    assert figures["measures"]["total"] == 1 and figures["measures"]["share_done"] == 100.0


def test_a_returned_report_does_not_count_until_accepted(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    report = world.extra["roadmap_report_a"]
    progress_report_return(report=report, reason="Нет подписи", by=world.bob)
    figures = roadmap_execution(roadmap=roadmap, today=date(2025, 10, 1))
    assert figures["assignments"]["done"] == 0
    assert ProgressReport.objects.get(pk=report.pk).review_state == "returned"


def test_an_official_of_another_municipality_sees_no_figures_of_a(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    progress_report_accept(report=world.extra["roadmap_report_a"], by=world.bob)
    figures = roadmap_execution(roadmap=roadmap, user=world.dan, today=date(2025, 10, 1))
    assert figures["assignments"]["total"] == 0 and figures["by_school"] == []


def test_a_school_deputy_sees_only_her_schools_row(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    figures = roadmap_execution(roadmap=roadmap, user=world.carol, today=date(2025, 10, 1))
    assert [row["school"] for row in figures["by_school"]] == [world.school_a1]


def test_approval_makes_assignments_for_every_active_school_only(world):
    closed = f.school(municipality=world.muni_a, name="Альфа-школа закрытая")
    closed.is_active = False
    closed.save()
    roadmap = roadmap_create(owner=world.muni_a, title="План", by=world.bob, **PERIOD)
    measure_create(roadmap=roadmap, text="Анализ", responsible_text="ОУ", by=world.bob)
    roadmap_approve(roadmap=roadmap, by=world.bob)
    schools = set(
        Assignment.objects.filter(measure__roadmap=roadmap).values_list("school", flat=True)
    )
    assert schools == {world.school_a1.pk, world.school_a2.pk}
    assert Roadmap.objects.get(pk=roadmap.pk).status == "approved"
