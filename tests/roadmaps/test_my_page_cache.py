"""«Мои мероприятия» keeps what it prints of the user's rows in the cache
(roadmaps.views.report.my_page_cached) under a digest of everything the rows are made
of: a page served from the cache equals the page built afresh, and every change to a
row, its measure, roadmap, school or reports shows at once, whether made through the
services, the admin or a queryset's update()."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.utils import timezone

from roadmaps.models import Assignment, Measure, ProgressReport, Roadmap
from roadmaps.services.measure import measure_update
from roadmaps.services.report import progress_report_accept, progress_report_return
from roadmaps.services.roadmap import roadmap_close
from schools.models import Municipality, School
from tests import factories as f
from tests.roadmaps.test_outline_cache import admin_change

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
TODAY = date(2025, 11, 15)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The page's day, moved by the tests that need another."""
    day = {"today": TODAY}
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day["today"])
    return day


@pytest.fixture
def roadmap(world):
    cache.clear()
    return f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[
            ("1.1.", "Анализ результатов ВПР", "до 1 октября 2025 г."),
            ("1.2.", "Семинар для учителей", "до 1 декабря 2025 г."),
        ],
    )


@pytest.fixture
def root():
    return f.user("root", is_superuser=True, is_staff=True)


def my_page(client, user) -> str:
    client.force_login(user)
    response = client.get("/roadmaps/my/")
    assert response.status_code == 200
    return TOKEN.sub('name="csrfmiddlewaretoken" value="*"', response.content.decode())


def rows(client, user) -> str:
    page = my_page(client, user)
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_the_cached_page_equals_the_fresh_one(client, world, roadmap):
    sent = f.report_progress(roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol)
    progress_report_return(report=sent, reason="Нет подписи", by=world.bob)
    cache.clear()
    fresh = my_page(client, world.carol)
    assert "Нет подписи" in fresh and "Семинар для учителей" in fresh
    assert my_page(client, world.carol) == fresh  # from the cache
    cache.clear()
    assert my_page(client, world.carol) == fresh


def test_a_page_from_the_cache_reads_one_digest_and_no_rows(
    client, world, roadmap, settings, django_assert_max_num_queries
):
    my_page(client, world.carol)
    # The session's user with the scope stamp, the digest; the memberships, the menu's
    # counts and the rows from the cache (and the session too, when Redis keeps it).
    with django_assert_max_num_queries(2 if settings.SESSION_ENGINE == "config.sessions" else 3):
        assert client.get("/roadmaps/my/").status_code == 200


def test_reports_sent_returned_and_accepted_show_at_once(client, world, roadmap):
    assert "Отчитаться" in rows(client, world.carol) and "Нет подписи" not in rows(
        client, world.carol
    )
    sent = f.report_progress(roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol)
    assert f'href="/roadmaps/reports/{sent.pk}/"' in rows(client, world.carol)
    progress_report_return(report=sent, reason="Нет подписи", by=world.bob)
    assert "Нет подписи" in rows(client, world.carol)
    again = f.report_progress(
        roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol
    )
    progress_report_accept(report=again, by=world.bob)
    page = rows(client, world.carol)
    assert "Нет подписи" not in page and f'href="/roadmaps/reports/{again.pk}/"' in page


def test_a_measure_changed_and_a_roadmap_closed_show_at_once(client, world, roadmap):
    measure = Measure.objects.select_related("roadmap").get(roadmap=roadmap, number="1.2.")
    measure_update(measure=measure, by=world.bob, version=measure.version, text="Открытый урок")
    page = rows(client, world.carol)
    assert "Открытый урок" in page and "Семинар для учителей" not in page
    roadmap_close(roadmap=Roadmap.objects.get(pk=roadmap.pk), by=world.bob)
    assert "Открытый урок" not in rows(client, world.carol)


def test_the_next_day_shows_what_became_overdue(client, world, roadmap, today):
    assert rows(client, world.carol).count("просрочено") == 1  # 1.1. since October
    today["today"] = date(2025, 12, 2)
    assert rows(client, world.carol).count("просрочено") == 2


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Measure, "text", "Мероприятие из админки"),
        (Roadmap, "order_number", "777-од"),
        (School, "short_name", "Гимназия на Морской"),
        (Municipality, "name", "Альфаград-на-Волге"),
    ],
)
def test_changes_in_the_admin_show_at_once(client, world, roadmap, root, model, field, value):
    objects = {
        Measure: Measure.objects.get(roadmap=roadmap, number="1.1."),
        Roadmap: Roadmap.objects.get(pk=roadmap.pk),
        School: School.objects.get(pk=world.school_a1.pk),
        Municipality: Municipality.objects.get(pk=world.muni_a.pk),
    }
    assert value not in rows(client, world.carol)
    admin_change(client, root, model, objects[model], **{field: value})
    assert value in rows(client, world.carol)


def test_a_report_changed_in_the_admin_shows_at_once(client, world, roadmap, root):
    sent = f.report_progress(roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol)
    progress_report_return(report=sent, reason="Нет подписи", by=world.bob)
    assert "Нет подписи" in rows(client, world.carol)
    submitted = timezone.localtime(sent.submitted_at)
    admin_change(
        client,
        root,
        ProgressReport,
        sent,
        review_reason="Нет печати",
        # The admin's split date and time, which form_data leaves out.
        submitted_at_0=submitted.strftime("%d.%m.%Y"),
        submitted_at_1=submitted.strftime("%H:%M:%S"),
    )
    assert "Нет печати" in rows(client, world.carol)


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (lambda w, r: Measure.objects.filter(roadmap=r).update(text="Правка запросом"), "Правка запросом"),
        (lambda w, r: Measure.objects.filter(roadmap=r).update(deadline_text="каждый месяц"), "каждый месяц"),
        (lambda w, r: Roadmap.objects.filter(pk=r.pk).update(order_number="99-у"), "99-у"),
        (lambda w, r: Roadmap.objects.filter(pk=r.pk).update(period_start=date(2024, 9, 1)), "2024–2026"),
        (lambda w, r: School.objects.filter(pk=w.school_a1.pk).update(short_name="Лицей"), "Лицей"),
        (lambda w, r: Municipality.objects.filter(pk=w.muni_a.pk).update(name="Альфаполь"), "Альфаполь"),
    ],
)  # fmt: skip
def test_changes_by_a_querysets_update_show_at_once(client, world, roadmap, change, shown):
    assert shown not in rows(client, world.carol)
    change(world, roadmap)
    assert shown in rows(client, world.carol)


def test_reports_changed_by_a_querysets_update_show_at_once(client, world, roadmap):
    sent = f.report_progress(roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol)
    progress_report_return(report=sent, reason="Нет подписи", by=world.bob)
    assert "Нет подписи" in rows(client, world.carol)
    ProgressReport.objects.filter(pk=sent.pk).update(review_reason="Нет печати")
    assert "Нет печати" in rows(client, world.carol)
    ProgressReport.objects.filter(pk=sent.pk).update(is_current=False)
    assert f'href="/roadmaps/reports/{sent.pk}/"' not in rows(client, world.carol)


def test_an_assignment_removed_by_a_query_leaves_the_page_at_once(client, world, roadmap):
    assert "Семинар для учителей" in rows(client, world.carol)
    Assignment.objects.filter(
        measure__roadmap=roadmap, measure__number="1.2.", school=world.school_a1
    ).delete()
    assert "Семинар для учителей" not in rows(client, world.carol)


def test_a_requirement_to_adopt_a_school_roadmap_shows_at_once(client, world, roadmap):
    assert "Начать на основе муниципальной" not in my_page(client, world.carol)
    Roadmap.objects.filter(pk=roadmap.pk).update(
        requires_school_roadmaps=True, school_roadmaps_due=date(2025, 12, 20)
    )
    page = my_page(client, world.carol)
    assert "Начать на основе муниципальной" in page and "20.12.2025" in page
    Roadmap.objects.filter(pk=roadmap.pk).update(school_roadmaps_due=date(2026, 1, 10))
    assert "10.01.2026" in my_page(client, world.carol)


def test_each_user_gets_the_rows_of_their_own_school(client, world, roadmap):
    other = f.user("olga", role=f.Role.SCHOOL_DEPUTY, node=world.school_a2)
    sent = f.report_progress(roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol)
    progress_report_return(report=sent, reason="Нет подписи", by=world.bob)
    assert "Нет подписи" in rows(client, world.carol)
    theirs = rows(client, other)
    assert "Нет подписи" not in theirs and world.school_a2.short_name in theirs


def test_someone_who_reports_on_nothing_reads_that_there_is_nothing(client, world, roadmap):
    page = rows(client, world.alice)  # a regional analyst: no assignments of her own
    assert "Поручений по действующим дорожным картам нет." in page


def test_a_deputy_moved_to_another_school_reads_its_rows_at_once(client, world, roadmap):
    from schools.models import Membership

    assert world.school_a1.short_name in my_page(client, world.carol)
    Membership.objects.filter(user=world.carol).update(school=world.school_a2)
    page = my_page(client, world.carol)
    assert f"/schools/{world.school_a2.pk}/" in page or world.school_a2.short_name in page
    assert world.school_a1.short_name not in page
