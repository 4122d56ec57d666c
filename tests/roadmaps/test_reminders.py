"""Reminders follow the schedules: once per occurrence, quiet when done, never for continuous work."""

from datetime import date, datetime

import pytest
from django.core import mail
from django.utils import timezone

from roadmaps.reminders import reminders_send, weekly_summary_send
from roadmaps.services.report import progress_report_return
from schools.models import Notification, ReminderPreference
from tests import factories as f


@pytest.fixture
def roadmap(world):
    world.carol.email = "carol@example.ru"
    world.carol.save()
    return f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[
            ("1.", "Анализ результатов ВПР на педсоветах", "октябрь 2025"),
            ("2.", "Мониторинг посещаемости консультаций", "ежемесячно"),
            ("3.", "Обеспечение объективности процедур", "В течение года"),
            ("4.", "Общественное наблюдение", "по графику проведения ВПР"),
        ],
    )


def carols():
    return list(
        Notification.objects.filter(user__username="carol")
        .order_by("key")
        .values_list("kind", "title")
    )


def test_a_deadline_a_week_ahead_is_told_once_even_if_the_job_runs_twice(world, roadmap):
    reminders_send(today=date(2025, 10, 27))
    reminders_send(today=date(2025, 10, 28))
    due = [title for kind, title in carols() if kind == "due_soon"]
    assert "Срок 31.10.2025: 1. Анализ результатов ВПР на педсоветах" in due
    assert "Срок 31.10.2025: 2. Мониторинг посещаемости консультаций" in due
    assert not any("Обеспечение объективности" in t for _, t in carols())  # continuous never nags
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["carol@example.ru"]


def test_a_missed_deadline_becomes_overdue_and_a_done_report_makes_it_quiet(world, roadmap):
    reminders_send(today=date(2025, 11, 3))
    assert (
        "overdue",
        "Просрочено с 31.10.2025: 1. Анализ результатов ВПР на педсоветах",
    ) in carols()
    f.report_progress(
        roadmap=roadmap,
        number="1.",
        school=world.school_a1,
        by=world.carol,
        when=timezone.make_aware(datetime(2025, 11, 4, 10)),
    )
    Notification.objects.all().delete()
    reminders_send(today=date(2025, 11, 10))
    assert not any("1. Анализ" in t for _, t in carols())


def test_a_recurring_measure_reminds_once_per_occurrence(world, roadmap):
    f.report_progress(
        roadmap=roadmap, number="2.", school=world.school_a1, by=world.carol
    )  # Sep–Nov
    reminders_send(today=date(2025, 10, 27))
    assert not any("2. Мониторинг" in t for _, t in carols())
    reminders_send(today=date(2025, 12, 26))
    assert ("due_soon", "Срок 31.12.2025: 2. Мониторинг посещаемости консультаций") in carols()


def test_a_measure_tied_to_the_vpr_calendar_reminds_when_the_calendar_gives_a_date(world, roadmap):
    from assessments.results.models import Procedure

    reminders_send(today=date(2026, 4, 10))
    assert not any("4. Общественное" in t for _, t in carols())
    Procedure.objects.update_or_create(
        region=world.region,
        instrument="vpr",
        subject="history",
        grade=7,
        year=2026,
        season="spring",
        defaults={"starts_on": date(2026, 4, 14)},
    )
    reminders_send(today=date(2026, 4, 10))
    assert ("due_soon", "Срок 14.04.2026: 4. Общественное наблюдение") in carols()


def test_people_who_turned_reminders_off_are_left_alone(world, roadmap):
    ReminderPreference.objects.create(user=world.carol, in_app=True, email=False)
    reminders_send(today=date(2025, 10, 27))
    assert carols() and mail.outbox == []
    ReminderPreference.objects.filter(user=world.carol).update(in_app=False)
    Notification.objects.all().delete()
    reminders_send(today=date(2025, 10, 27))
    assert carols() == []


def test_a_returned_report_reaches_the_deputy_with_the_reason(world, roadmap):
    sent = f.report_progress(roadmap=roadmap, number="1.", school=world.school_a1, by=world.carol)
    progress_report_return(report=sent, reason="Нет протокола педсовета", by=world.bob)
    reminders_send(today=date(2025, 11, 10))
    returned = Notification.objects.get(user=world.carol, kind="returned")
    assert returned.body == "Нет протокола педсовета"


def test_officials_get_a_weekly_summary_of_overdue_work(world, roadmap):
    world.bob.email = "bob@example.ru"
    world.bob.save()
    weekly_summary_send(today=date(2025, 11, 10))
    weekly_summary_send(today=date(2025, 11, 11))  # the same week: nothing new
    summary = Notification.objects.get(user=world.bob, kind="summary")
    assert "Альфа-школа №1: 1" in summary.body and "Альфа-школа №2: 1" in summary.body
    assert [m.to for m in mail.outbox] == [["bob@example.ru"]]


def test_the_notification_page_lists_reminders_and_saves_preferences(client, world, roadmap):
    reminders_send(today=date(2025, 10, 27))
    client.force_login(world.carol)
    html = client.get("/account/notifications/").content.decode()
    assert "Срок 31.10.2025" in html
    client.post("/account/notifications/", {"in_app": "on"})
    assert ReminderPreference.objects.get(user=world.carol).email is False
    note = Notification.objects.filter(user=world.carol).first()
    response = client.post(f"/account/notifications/{note.pk}/read/")
    assert response.status_code == 302 and response.url == note.url
    note.refresh_from_db()
    assert note.read_at is not None
