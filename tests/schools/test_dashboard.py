"""Each role opens the product and sees what needs it."""

import re
from datetime import date

import pytest

from roadmaps import services
from schools.dashboard import dashboard
from schools.selectors import membership_list
from tests import factories as f

TODAY = date(2026, 1, 15)


@pytest.fixture
def roadmap(world):
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[
            ("1.1.", "Анализ результатов ВПР на педагогических советах", "октябрь 2025"),
            ("1.2.", "Перекрёстная проверка работ", "март 2026"),
        ],
    )
    accepted = f.report_progress(
        roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol
    )
    services.progress_report_accept(report=accepted, by=world.bob)
    return roadmap


def blocks_of(user):
    return dashboard(user=user, memberships=list(membership_list(user=user)), today=TODAY)


def test_the_official_sees_execution_overdue_schools_and_the_review_queue(world, roadmap):
    f.report_progress(
        roadmap=roadmap, number="1.2.", school=world.school_a2, by=world.bob, status="in_progress"
    )
    (block,) = blocks_of(world.bob)
    assert block["roadmap"] == roadmap
    assert block["execution"]["measures"]["total"] == 2
    assert [r["assignment"].school for r in block["overdue"]] == [world.school_a2]  # 1.1 in October
    assert block["queue_count"] == 1
    titles = re.findall(r"<title>([^<]*)</title>", block["school_chart"])
    assert "Альфа-школа №1: 50\u00a0%" in titles, titles


def test_the_deputy_sees_returned_reports_with_the_reason_and_what_is_due(world, roadmap):
    sent = f.report_progress(roadmap=roadmap, number="1.2.", school=world.school_a1, by=world.carol)
    services.progress_report_return(
        report=sent, reason="Приложите протокол педсовета", by=world.bob
    )
    (block,) = blocks_of(world.carol)
    assert [r.review_reason for r in block["returned"]] == ["Приложите протокол педсовета"]
    assert block["overdue"] == []  # 1.1 accepted, 1.2 is due in March
    march = dashboard(
        user=world.carol,
        memberships=list(membership_list(user=world.carol)),
        today=date(2026, 3, 2),
    )[0]
    assert [r["assignment"].measure.number for r in march["due_soon"]] == ["1.2."]


def test_the_regional_analyst_compares_municipalities(world, roadmap):
    (block,) = blocks_of(world.alice)
    rows = {r["municipality"].name: r for r in block["municipalities"]}
    assert set(rows) == {"Альфаград", "Бетаград"}
    assert rows["Альфаград"]["roadmap"] == roadmap and rows["Альфаград"]["share_done"] == 0.0


def test_the_official_of_another_municipality_sees_none_of_it(world, roadmap):
    (block,) = blocks_of(world.dan)
    assert block.get("roadmap") != roadmap
    assert all(r["assignment"].school.municipality == world.muni_b for r in block["overdue"])
    assert "Альфа" not in block.get("school_chart", "")


def test_the_home_page_shows_each_block(client, world, roadmap):
    client.force_login(world.bob)
    html = client.get("/").content.decode()
    assert roadmap.title in html and "Отчётов ждут проверки" not in html
    assert "Выполнение по школам" in html
