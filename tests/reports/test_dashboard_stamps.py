"""The official's execution figures and the analyst's comparison are kept in the cache
under each roadmap's stamp (its activity token, written with every line of its
history): each change made through the services or the admin shows at the next look."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from reports.dashboard.blocks import dashboard
from roadmaps.models import Assignment, Measure, Roadmap, Section
from roadmaps.services.assignment import assignments_create
from roadmaps.services.measure import (
    measure_create,
    measure_delete,
    measure_move,
    measure_update,
)
from roadmaps.services.report import progress_report_accept, progress_report_return
from roadmaps.services.roadmap import roadmap_close
from roadmaps.services.section import section_create, section_update
from schools.selectors import membership_list
from tests import factories as f

TODAY = date(2026, 1, 15)


@pytest.fixture
def roadmap(world):
    cache.clear()
    return f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[
            ("1.1.", "Анализ результатов ВПР на педагогических советах", "октябрь 2025"),
            ("1.2.", "Перекрёстная проверка работ", "март 2026"),
        ],
    )


def block_of(user):
    (block,) = dashboard(user=user, memberships=list(membership_list(user=user)), today=TODAY)
    return block


def share_of(world, municipality):
    """The analyst's share done of the municipality's roadmap in force."""
    rows = {r["municipality"].pk: r for r in block_of(world.alice)["municipalities"]}
    return rows[municipality.pk]["share_done"]


def chart_titles(svg):
    return re.findall(r"<title>([^<]*)</title>", svg)


def done_for_every_school(roadmap, number, world):
    for school in (world.school_a1, world.school_a2):
        sent = f.report_progress(roadmap=roadmap, number=number, school=school, by=world.bob)
        progress_report_accept(report=sent, by=world.bob)


def test_the_figures_follow_reports_accepted_and_returned(world, roadmap):
    assert block_of(world.bob)["execution"]["measures"]["done"] == 0
    assert share_of(world, world.muni_a) == 0.0
    done_for_every_school(roadmap, "1.1.", world)
    assert block_of(world.bob)["execution"]["measures"]["done"] == 1
    assert share_of(world, world.muni_a) == 50.0
    sent = f.report_progress(roadmap=roadmap, number="1.2.", school=world.school_a1, by=world.bob)
    assert block_of(world.bob)["queue_count"] == 1
    progress_report_return(report=sent, reason="Нет протокола.", by=world.bob)
    block = block_of(world.bob)
    assert block["queue_count"] == 0
    assert block["execution"]["assignments"]["done"] == 2


def test_the_figures_follow_a_measure_added_and_assigned_and_one_deleted(world, roadmap):
    assert block_of(world.bob)["execution"]["measures"]["total"] == 2
    done_for_every_school(roadmap, "1.1.", world)
    assert share_of(world, world.muni_a) == 50.0
    section = Section.objects.get(roadmap=roadmap)
    added = measure_create(
        roadmap=roadmap,
        section=section,
        number="1.3.",
        by=world.bob,
        text="Наблюдение на ВПР",
        deadline_text="апрель 2026",
        responsible_text="ОО",
    )
    assignments_create(roadmap=roadmap, by=world.bob, measures=[added.pk])
    assert Assignment.objects.filter(measure=added).count() == 2
    assert block_of(world.bob)["execution"]["measures"]["total"] == 3
    assert share_of(world, world.muni_a) == 33.3
    measure_delete(measure=Measure.objects.get(roadmap=roadmap, number="1.2."), by=world.bob)
    assert block_of(world.bob)["execution"]["measures"]["total"] == 2
    assert share_of(world, world.muni_a) == 50.0


def test_the_section_chart_follows_a_section_renamed_and_a_measure_moved(world, roadmap):
    titles = chart_titles(block_of(world.bob)["section_chart"])
    assert any("Организационные мероприятия" in t for t in titles), titles
    section = Section.objects.get(roadmap=roadmap)
    section_update(section=section, by=world.bob, title="Организация работы")
    titles = chart_titles(block_of(world.bob)["section_chart"])
    assert any("Организация работы" in t for t in titles), titles
    other = section_create(roadmap=roadmap, title="Контроль проведения", number="2.", by=world.bob)
    measure = Measure.objects.select_related("roadmap").get(roadmap=roadmap, number="1.2.")
    measure_move(measure=measure, by=world.bob, section=other)
    titles = chart_titles(block_of(world.bob)["section_chart"])
    assert any("Контроль проведения" in t for t in titles), titles


def test_the_figures_follow_a_report_accepted_in_the_admin(client, world, roadmap):
    from tests.security.test_admin_history import form_data

    sent = f.report_progress(roadmap=roadmap, number="1.2.", school=world.school_a1, by=world.bob)
    block = block_of(world.bob)
    assert block["queue_count"] == 1 and block["execution"]["assignments"]["done"] == 0
    root = f.user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:roadmaps_progressreport_change", args=[sent.pk])
    data = form_data(client.get(url))
    data["review_state"] = "accepted"
    # The admin's date and time boxes of the sending moment.
    data["submitted_at_0"], data["submitted_at_1"] = "20.10.2025", "12:00:00"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    block = block_of(world.bob)
    assert block["queue_count"] == 0 and block["execution"]["assignments"]["done"] == 1


def test_a_change_in_one_municipality_leaves_the_others_share_cached(world, roadmap):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = f.approved_roadmap(
        municipality=world.muni_b,
        by=world.dan,
        measures=[("1.1.", "Анализ результатов ВПР", "октябрь 2025")],
    )
    assert Roadmap.objects.filter(pk=other.pk, status=Roadmap.Status.APPROVED).exists()
    assert share_of(world, world.muni_b) == 0.0
    done_for_every_school(roadmap, "1.1.", world)

    def executions():
        with CaptureQueriesContext(connection) as captured:
            share = share_of(world, world.muni_a)
        return share, sum('FROM "roadmaps_assignment"' in q["sql"] for q in captured)

    # The changed roadmap's assignments are read again; the other's share comes from
    # the cache (its roadmap's stamp did not change).
    share, reads = executions()
    assert share == 50.0 and reads == 1
    share, reads = executions()
    assert share == 50.0 and reads == 0


# --- the official's overdue list, kept in the cache -------------------------------------


def overdue_of(user, today=TODAY):
    (block,) = dashboard(user=user, memberships=list(membership_list(user=user)), today=today)
    return [r["school_id"] for r in block["overdue"]], block["overdue_count"]


def test_the_overdue_list_follows_a_report_accepted(world, roadmap):
    assert overdue_of(world.bob) == ([world.school_a1.pk, world.school_a2.pk], 2)  # 1.1 in October
    sent = f.report_progress(roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.bob)
    assert overdue_of(world.bob)[1] == 2  # sent, not yet accepted
    progress_report_accept(report=sent, by=world.bob)
    assert overdue_of(world.bob) == ([world.school_a2.pk], 1)


def test_the_overdue_list_follows_a_deadline_moved_and_the_day(world, roadmap):
    assert overdue_of(world.bob)[1] == 2
    measure = Measure.objects.select_related("roadmap").get(roadmap=roadmap, number="1.2.")
    measure_update(
        measure=measure, by=world.bob, version=measure.version, deadline_text="декабрь 2025"
    )
    assert overdue_of(world.bob)[1] == 4
    assert overdue_of(world.bob, today=date(2025, 11, 15))[1] == 2  # only 1.1 was due by then
    assert overdue_of(world.bob, today=date(2025, 10, 15))[1] == 0


def test_the_overdue_list_follows_a_measure_deleted_and_the_roadmaps_status(world, roadmap):
    measure_delete(measure=Measure.objects.get(roadmap=roadmap, number="1.1."), by=world.bob)
    assert overdue_of(world.bob) == ([], 0)
    measure = Measure.objects.select_related("roadmap").get(roadmap=roadmap, number="1.2.")
    measure_update(
        measure=measure, by=world.bob, version=measure.version, deadline_text="декабрь 2025"
    )
    assert overdue_of(world.bob)[1] == 2
    roadmap_close(roadmap=Roadmap.objects.get(pk=roadmap.pk), by=world.bob)
    assert overdue_of(world.bob) == ([], 0)


def test_the_overdue_list_shows_a_school_renamed_at_once(world, roadmap):
    """Only which assignments are late is cached: the rows are read afresh."""
    from schools.models import School

    overdue_of(world.bob)
    School.objects.filter(pk=world.school_a2.pk).update(short_name="Школа на Лесной")
    block = block_of(world.bob)
    assert "Школа на Лесной" in {r["school__short_name"] for r in block["overdue"]}
