"""One report through submit → return → resubmit → accept, in the browser: each
step's notification arrives in the bell of the right person (the deputy or the
official) and by mail, and nobody else's. Waits are on what the user sees."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from roadmaps.models import ProgressReport
from roadmaps.selectors.period import reporting_periods
from schools.models import Notification
from tests import factories as f
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

MEASURE = "Анализ результатов ВПР на педсоветах"


def log_in_as(page, live_server, username):
    page.context.clear_cookies()
    login(page, live_server, username, f.PASSWORD)
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()


def unread(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def expect_bell(page, user):
    """The bell shows the person's unread count (no figure when there is none)."""
    count = unread(user)
    bell = page.locator("a.bell")
    expect(bell).to_have_attribute("data-unread", str(count))
    if count:
        expect(bell.locator(".bell-count")).to_have_text(str(count))
    else:
        expect(bell.locator(".bell-count")).to_have_count(0)


def open_notification(page, title):
    """From the bell to the list, then to what the notification is about."""
    page.locator("a.bell").click()
    item = page.locator("ul.notifications li.unread", has_text=title)
    expect(item).to_be_visible()
    item.get_by_role("button", name=title).click()
    page.wait_for_load_state()


def test_a_report_goes_round_and_each_person_is_told(page, live_server, world, screenshot):
    for user in (world.bob, world.carol):
        user.email = f"{user.username}@example.ru"
        user.save()
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[("1.", MEASURE, "октябрь 2025")],
        title="Дорожная карта для уведомлений",
    )
    start, end = reporting_periods(roadmap)[0]
    period = f"{start.isoformat()}:{end.isoformat()}"

    # The deputy has been given the measure: her bell says so, and so does her mail.
    log_in_as(page, live_server, "carol")
    expect_bell(page, world.carol)
    screenshot("notify-1-carol-bell")
    open_notification(page, f"Вам поручено мероприятие: 1. {MEASURE}")
    expect(page.locator("main")).to_contain_text(MEASURE)
    page.get_by_label("Отчётный период").select_option(period)
    page.get_by_label("Состояние").select_option("in_progress")
    page.get_by_label("Комментарий").fill("Анализ проведён в трёх классах")
    page.get_by_role("button", name="Отправить на проверку").click()
    expect(page.locator("ul.messages")).to_contain_text("Отчёт отправлен на проверку")
    first = ProgressReport.objects.get(assignment__measure__roadmap=roadmap)

    # The official sees the report waiting in his bell and returns it with a reason.
    log_in_as(page, live_server, "bob")
    expect_bell(page, world.bob)
    screenshot("notify-2-bob-bell")
    open_notification(page, f"Отчёт на проверку: 1. {MEASURE}")
    assert page.url.endswith(f"/roadmaps/reports/{first.pk}/")
    page.get_by_label("Причина возврата").fill("Приложите протокол педсовета")
    page.get_by_role("button", name="Вернуть").click()
    expect(page.locator("ul.messages")).to_contain_text("Отчёт возвращён")
    expect_bell(page, world.bob)  # nothing new for him: he returned it

    # The deputy reads the reason in her list and sends the report again.
    log_in_as(page, live_server, "carol")
    expect_bell(page, world.carol)
    page.locator("a.bell").click()
    returned = page.locator("ul.notifications li.unread", has_text="Отчёт возвращён")
    expect(returned).to_contain_text("Приложите протокол педсовета")
    screenshot("notify-3-carol-returned")
    open_notification(page, f"Отчёт возвращён: 1. {MEASURE}")
    page.get_by_role("link", name="Отправить исправленный отчёт").click()
    page.get_by_label("Отчётный период").select_option(period)
    page.get_by_label("Состояние").select_option("in_progress")
    page.get_by_label("Комментарий").fill("Протокол педсовета №3 от 28.10.2025")
    page.get_by_role("button", name="Отправить на проверку").click()
    expect(page.locator("ul.messages")).to_contain_text("Отчёт отправлен на проверку")
    second = ProgressReport.objects.get(assignment__measure__roadmap=roadmap, is_current=True)
    assert second.previous == first

    # The official is told it came back, opens it and accepts it.
    log_in_as(page, live_server, "bob")
    expect_bell(page, world.bob)
    open_notification(page, f"Отчёт исправлен и снова на проверке: 1. {MEASURE}")
    assert page.url.endswith(f"/roadmaps/reports/{second.pk}/")
    page.get_by_role("button", name="Принять").click()
    expect(page.locator("ul.messages")).to_contain_text("Отчёт принят")

    # The deputy learns it was accepted, and clears her bell.
    log_in_as(page, live_server, "carol")
    expect_bell(page, world.carol)
    page.locator("a.bell").click()
    expect(page.locator("ul.notifications li.unread", has_text="Отчёт принят")).to_be_visible()
    screenshot("notify-4-carol-accepted")
    page.get_by_role("button", name="Отметить все прочитанными").click()
    expect(page.locator("ul.messages")).to_contain_text("Все уведомления отмечены прочитанными")
    expect_bell(page, world.carol)
    assert unread(world.carol) == 0

    # Each step went to the right person only, in the list and by mail.
    def titles(user):
        return [
            re.sub(r":.*", "", n.title)
            for n in Notification.objects.filter(user=user, url__contains="/roadmaps/").order_by(
                "pk"
            )
            if MEASURE in n.title
        ]

    assert titles(world.carol) == [
        "Вам поручено мероприятие",
        "Отчёт возвращён",
        "Отчёт принят",
    ]
    assert titles(world.bob) == ["Отчёт на проверку", "Отчёт исправлен и снова на проверке"]
    assert titles(world.victor) == titles(world.dan) == titles(world.mia) == []
    mailed = [(m.to[0], re.sub(r":.*", "", m.subject)) for m in mail.outbox if MEASURE in m.subject]
    assert mailed == [
        ("carol@example.ru", "Вам поручено мероприятие"),
        ("bob@example.ru", "Отчёт на проверку"),
        ("carol@example.ru", "Отчёт возвращён"),
        ("bob@example.ru", "Отчёт исправлен и снова на проверке"),
        ("carol@example.ru", "Отчёт принят"),
    ]

    # On a phone the list and the bell fit the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/account/notifications/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("a.bell-phone")).to_be_visible()  # not folded away with the menu
    screenshot("notify-5-carol-phone")


def test_a_methodist_is_told_of_her_bodys_measure_and_reports_on_it(
    page, live_server, world, screenshot
):
    from datetime import date

    from roadmaps.services.assignment import assignments_create
    from roadmaps.services.measure import measure_create
    from roadmaps.services.roadmap import roadmap_approve, roadmap_create
    from schools.models import Membership

    Membership.objects.filter(user=world.mia).update(body=world.body_a)
    roadmap = roadmap_create(
        owner=world.muni_a,
        title="Дорожная карта методической службы",
        by=world.bob,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 5, 31),
    )
    measure_create(
        roadmap=roadmap,
        number="3.1.",
        text="Методические рекомендации по объективному оцениванию",
        deadline_text="декабрь 2025",
        responsible_text=world.body_a.name,
        by=world.bob,
    )
    roadmap_approve(roadmap=roadmap, by=world.bob, order_number="5")
    assignments_create(roadmap=roadmap, by=world.bob)
    start, end = reporting_periods(roadmap)[0]

    page.set_viewport_size({"width": 1366, "height": 900})
    log_in_as(page, live_server, "mia")
    expect_bell(page, world.mia)
    block = page.locator("main")
    expect(block).to_contain_text("Мероприятия, за которые отвечает")
    expect(block).to_contain_text("3.1. Методические рекомендации по объективному оцениванию")
    screenshot("notify-6-methodist-home-1366")
    open_notification(page, "Вам поручено мероприятие: 3.1. Методические рекомендации")
    page.get_by_label("Отчётный период").select_option(f"{start.isoformat()}:{end.isoformat()}")
    page.get_by_label("Состояние").select_option("in_progress")
    page.get_by_label("Комментарий").fill("Проект рекомендаций обсуждён на РМО")
    page.get_by_role("button", name="Отправить на проверку").click()
    expect(page.locator("ul.messages")).to_contain_text("Отчёт отправлен на проверку")

    # The official reviewing it is told; the methodist's own menu has her tasks.
    log_in_as(page, live_server, "bob")
    page.locator("a.bell").click()
    expect(
        page.locator("ul.notifications li.unread", has_text="Отчёт на проверку: 3.1.")
    ).to_be_visible()
    log_in_as(page, live_server, "mia")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    expect(page.locator("a.bell-phone")).to_be_visible()
    screenshot("notify-7-methodist-home-390")
