"""Who is told what: every event reaches the people it concerns, once, in the
list and (after commit, as they chose) by mail."""

from datetime import date, datetime

import pytest
from django.core import mail
from django.utils import timezone

from roadmaps.models import Assignment, ProgressReport
from roadmaps.services.assignment import assignments_create
from roadmaps.services.measure import measure_create
from roadmaps.services.report import (
    progress_report_accept,
    progress_report_return,
    progress_report_submit,
)
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from roadmaps.services.section import section_create
from schools.models import Membership, Notification, ReminderPreference
from schools.notifications import digest_send, mark_read, notify
from tests import factories as f


def notes(user, kind=None):
    qs = Notification.objects.filter(user=user)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("pk"))


@pytest.fixture
def people(world):
    """Emails for the cast, and Mia working in municipality A's body."""
    for user in (world.bob, world.carol, world.mia, world.alice, world.dan):
        user.email = f"{user.username}@example.ru"
        user.save()
    Membership.objects.filter(user=world.mia).update(body=world.body_a)
    Notification.objects.all().delete()  # what building the world told
    return world


@pytest.fixture
def roadmap(people, django_capture_on_commit_callbacks):
    world = people
    roadmap = roadmap_create(
        owner=world.muni_a,
        title="Дорожная карта уведомлений",
        by=world.bob,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 5, 31),
    )
    section = section_create(roadmap=roadmap, title="Раздел", number="1.", by=world.bob)
    measure_create(
        roadmap=roadmap,
        section=section,
        number="1.1.",
        text="Анализ результатов ВПР на педсоветах",
        deadline_text="октябрь 2025",
        responsible_text="ОО",
        by=world.bob,
    )
    measure_create(
        roadmap=roadmap,
        section=section,
        number="1.2.",
        text="Семинар для заместителей директоров",
        deadline_text="ноябрь 2025",
        responsible_text="ОО",
        by=world.bob,
    )
    measure_create(
        roadmap=roadmap,
        section=section,
        number="1.3.",
        text="Методические рекомендации по объективности",
        deadline_text="декабрь 2025",
        responsible_text=world.body_a.name,
        by=world.bob,
    )
    with django_capture_on_commit_callbacks(execute=True):
        roadmap_approve(
            roadmap=roadmap, by=world.bob, order_number="7", order_date=date(2025, 9, 1)
        )
        assignments_create(roadmap=roadmap, by=world.bob)
    return roadmap


def assignment(roadmap, number, **node):
    return Assignment.objects.get(measure__roadmap=roadmap, measure__number=number, **node)


def submit(assignment, by, **extra):
    return progress_report_submit(
        assignment=assignment,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 11, 30),
        status=extra.pop("status", ProgressReport.Status.IN_PROGRESS),
        comment=extra.pop("comment", "Проведено"),
        by=by,
        **extra,
    )


# --------------------------------------------------------------------------- assignments


def test_an_assignment_tells_each_school_deputy_and_the_body_members_once(people, roadmap):
    world = people
    carols = notes(world.carol, "assigned")
    assert [n.title for n in carols] == ["Вам поручены мероприятия дорожной карты: 2"]
    assert "1.1. Анализ результатов ВПР" in carols[0].body
    assert "Методические рекомендации" not in carols[0].body
    mias = notes(world.mia, "assigned")
    assert [n.title for n in mias] == [
        "Вам поручено мероприятие: 1.3. Методические рекомендации по объективности"
    ]
    assert mias[0].url == f"/roadmaps/assignments/{assignment(roadmap, '1.3.').pk}/report/"
    # The official gave the work: he is not told about it; nobody of B hears of it.
    assert notes(world.bob, "assigned") == []
    assert notes(world.dan) == []
    # Giving the same assignments again tells nobody anything new.
    assignments_create(roadmap=roadmap, by=world.bob)
    assert len(notes(world.carol, "assigned")) == 1


def test_assignment_mail_goes_after_commit_one_message_per_person(people, roadmap):
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["carol@example.ru"] == "Вам поручены мероприятия дорожной карты: 2"
    assert subjects["mia@example.ru"].startswith("Вам поручено мероприятие: 1.3.")
    assert "bob@example.ru" not in subjects
    assert len(mail.outbox) == 2


def test_a_body_measure_without_members_goes_to_the_municipal_officials(people):
    world = people
    Membership.objects.filter(user=world.mia).update(body=None)
    f.approved_roadmap(
        municipality=world.muni_a,
        by=world.alice,
        measures=[("1.", "Совещание руководителей", "октябрь 2025")],
    )
    roadmap = roadmap_create(
        owner=world.muni_a,
        title="Вторая",
        by=world.alice,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 5, 31),
    )
    measure_create(
        roadmap=roadmap,
        number="1.",
        text="Приказ о наблюдателях",
        deadline_text="март 2026",
        responsible_text=world.body_a.name,
        by=world.alice,
    )
    roadmap_approve(roadmap=roadmap, by=world.alice, order_number="8")
    assignments_create(roadmap=roadmap, by=world.alice)
    bobs = [n.title for n in notes(world.bob, "assigned")]
    assert "Вам поручено мероприятие: 1. Приказ о наблюдателях" in bobs
    assert notes(world.mia, "assigned") == []


# --------------------------------------------------------------------------- reports


def test_a_submitted_report_reaches_the_reviewers_not_the_sender(people, roadmap):
    world = people
    report = submit(assignment(roadmap, "1.1.", school=world.school_a1), world.carol)
    bobs = notes(world.bob, "submitted")
    assert [n.title for n in bobs] == [
        "Отчёт на проверку: 1.1. Анализ результатов ВПР на педсоветах"
    ]
    assert bobs[0].url == f"/roadmaps/reports/{report.pk}/"
    assert "Альфа-школа №1" in bobs[0].body and "01.09.2025–30.11.2025" in bobs[0].body
    assert notes(world.carol, "submitted") == []
    # The municipality has its official: the region's analyst is not bothered.
    assert notes(world.alice) == [] and notes(world.dan) == []


def test_return_resubmit_accept_each_reach_the_right_person(people, roadmap):
    world = people
    first = submit(assignment(roadmap, "1.1.", school=world.school_a1), world.carol)
    progress_report_return(report=first, reason="Нет протокола педсовета", by=world.bob)
    returned = notes(world.carol, "returned")
    assert [n.body for n in returned] == ["Нет протокола педсовета"]
    assert returned[0].title.startswith("Отчёт возвращён: 1.1.")
    assert notes(world.bob, "returned") == []

    second = submit(
        assignment(roadmap, "1.1.", school=world.school_a1), world.carol, comment="Протокол №3"
    )
    again = notes(world.bob, "submitted")
    assert [n.title.split(":")[0] for n in again] == [
        "Отчёт на проверку",
        "Отчёт исправлен и снова на проверке",
    ]
    assert again[1].url == f"/roadmaps/reports/{second.pk}/"

    progress_report_accept(report=second, by=world.bob)
    accepted = notes(world.carol, "accepted")
    assert [n.title for n in accepted] == [
        "Отчёт принят: 1.1. Анализ результатов ВПР на педсоветах"
    ]
    assert notes(world.bob, "accepted") == []


def test_a_body_member_reports_on_her_body_measure_and_hears_the_verdict(people, roadmap):
    world = people
    body_assignment = assignment(roadmap, "1.3.", body=world.body_a)
    report = submit(body_assignment, world.mia)
    assert [n.title for n in notes(world.bob, "submitted")] == [
        "Отчёт на проверку: 1.3. Методические рекомендации по объективности"
    ]
    progress_report_accept(report=report, by=world.bob)
    assert len(notes(world.mia, "accepted")) == 1


def test_reviewers_mail_follows_their_choices(people, roadmap, django_capture_on_commit_callbacks):
    world = people
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit(assignment(roadmap, "1.1.", school=world.school_a1), world.carol)
    assert [m.to for m in mail.outbox] == [["bob@example.ru"]]
    message = mail.outbox[0]
    assert message.subject == "Отчёт на проверку: 1.1. Анализ результатов ВПР на педсоветах"
    assert "http://127.0.0.1:8000/roadmaps/reports/" in message.body

    # Bob does not want submissions by mail: the list still has them.
    mail.outbox.clear()
    ReminderPreference.objects.create(user=world.bob, email_muted=["submitted"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(assignment(roadmap, "1.2.", school=world.school_a1), world.carol)
    assert mail.outbox == []
    assert len(notes(world.bob, "submitted")) == 2


def test_nothing_is_mailed_when_the_transaction_rolls_back(
    people, roadmap, django_capture_on_commit_callbacks
):
    world = people
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(assignment(roadmap, "1.1.", school=world.school_a1), world.carol)
    assert mail.outbox == []  # queued for after commit, not sent inside the transaction
    # One mail task; the other callback moves the bell's count on after commit.
    assert [c.__qualname__ for c in callbacks if "mail" in c.__qualname__] == [
        "mail_after_commit.<locals>.<lambda>"
    ]


def test_a_digest_reader_gets_one_message_a_day_with_everything(
    people, roadmap, django_capture_on_commit_callbacks
):
    world = people
    ReminderPreference.objects.create(user=world.bob, email_digest=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit(assignment(roadmap, "1.1.", school=world.school_a1), world.carol)
        submit(assignment(roadmap, "1.2.", school=world.school_a1), world.carol)
    assert mail.outbox == []
    assert digest_send() == 1
    assert [m.to for m in mail.outbox] == [["bob@example.ru"]]
    digest = mail.outbox[0]
    assert digest.subject == "Дорожные карты: события за день (2)"
    assert "1.1. Анализ результатов ВПР" in digest.body and "1.2. Семинар" in digest.body
    assert digest_send() == 0  # told once
    assert len(mail.outbox) == 1


def test_the_digest_sends_what_a_lost_mail_task_left(people, roadmap):
    """The broker was down when the event happened: the next digest mails it."""
    world = people
    mail.outbox.clear()
    submit(assignment(roadmap, "1.1.", school=world.school_a1), world.carol)  # no commit here
    assert digest_send() == 0  # too fresh: a task may still be on its way
    later = timezone.now() + timezone.timedelta(hours=2)
    assert digest_send(now=later) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.ru"]]


# --------------------------------------------------------------------------- reminders


def test_body_members_get_deadline_reminders_once_and_continuous_work_never_nags(people, roadmap):
    from roadmaps.reminders import reminders_send

    world = people
    reminders_send(today=date(2025, 12, 26))
    reminders_send(today=date(2025, 12, 27))
    mias = [n.title for n in notes(world.mia, "due_soon")]
    assert mias == ["Срок 31.12.2025: 1.3. Методические рекомендации по объективности"]
    # The second threshold, the day before, is told once too.
    reminders_send(today=date(2025, 12, 30))
    reminders_send(today=date(2025, 12, 31))
    mias = [n.title for n in notes(world.mia, "due_soon")]
    assert mias == [
        "Срок 31.12.2025: 1.3. Методические рекомендации по объективности",
        "Срок завтра, 31.12.2025: 1.3. Методические рекомендации по объективности",
    ]
    reminders_send(today=date(2026, 1, 5))
    reminders_send(today=date(2026, 1, 6))
    overdue = [n.title for n in notes(world.mia, "overdue")]
    assert overdue == ["Просрочено с 31.12.2025: 1.3. Методические рекомендации по объективности"]


def test_a_missed_reminder_window_is_not_told_late(people, roadmap, settings):
    from roadmaps.reminders import reminders_send

    world = people
    settings.REMINDER_DAYS = [10, 3]
    reminders_send(today=date(2025, 12, 29))  # the job did not run ten days before
    assert [n.title for n in notes(world.mia, "due_soon")] == [
        "Срок 31.12.2025, осталось дней — 2: 1.3. Методические рекомендации по объективности"
    ]


def test_a_continuous_measure_never_reminds(people):
    from roadmaps.reminders import reminders_send

    world = people
    f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[("1.", "Обеспечение объективности процедур", "В течение года")],
    )
    for day in (date(2025, 10, 1), date(2026, 5, 25), date(2026, 6, 10)):
        reminders_send(today=day)
    assert notes(world.carol, "due_soon") == notes(world.carol, "overdue") == []


# --------------------------------------------------------------------------- markers


def test_a_marker_reaches_the_municipal_officials_once_and_its_answer_the_school(people):
    from assessments.objectivity.models import CheckFinding, FlagAnswer
    from assessments.objectivity.services.flags import flag_dismiss
    from assessments.objectivity.services.runs import markers_notify

    world = people
    finding = CheckFinding.objects.get(school=world.school_a1, marker=True)
    markers_notify(run=finding.run)
    markers_notify(run=finding.run)  # a check run again tells nothing new
    bobs = notes(world.bob, "marker")
    assert [n.title for n in bobs] == ["Маркер необъективности: Альфа-школа №1, 4 МА"]
    assert bobs[0].url == f"/assessments/objectivity/findings/{finding.pk}/"
    assert notes(world.dan, "marker") == [] and notes(world.carol, "marker") == []

    second_official = f.user("olga", role=f.Role.MUNICIPAL_OFFICIAL, node=world.muni_a)
    FlagAnswer.objects.filter(school=world.school_a1).delete()
    flag_dismiss(finding=finding, reason="Перепроверка работ подтвердила отметки.", by=world.bob)
    assert [n.title for n in notes(world.carol, "marker_answered")] == [
        f"Маркер снят: Альфа-школа №1, {finding.procedure}"
    ]
    assert len(notes(second_official, "marker_answered")) == 1
    assert notes(world.bob, "marker_answered") == []


# --------------------------------------------------------------------------- documents and imports


def test_a_failed_document_tells_who_ordered_it_why(people):
    from reports.models import Document
    from reports.services import document_build

    world = people
    document = Document.objects.create(
        kind="order",
        format="pdf",
        title="Приказ о несуществующей карте",
        params={"roadmap": 999999},
        region=world.region,
        municipality=world.muni_a,
        requested_by=world.bob,
    )
    document_build(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    (note,) = notes(world.bob, "document_failed")
    assert note.title == "Документ не построен: Приказ о несуществующей карте"
    assert note.body == document.error and note.url == f"/documents/{document.pk}/"


def test_a_built_document_tells_who_ordered_it(people, roadmap):
    from reports.models import Document
    from reports.services import document_build, document_request

    world = people
    document = document_request(
        kind="order", fmt="docx", params={"roadmap": roadmap.pk}, user=world.bob
    )
    document_build(document_id=document.pk)  # the task, queued after commit
    assert Document.objects.get(pk=document.pk).status == Document.Status.DONE
    (note,) = notes(world.bob, "document_done")
    assert note.title.startswith("Документ готов: ")
    assert notes(world.carol, "document_done") == []


def test_an_import_tells_its_uploader_how_it_ended(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.results.services.batches import import_batch_create, import_batch_run

    world = people
    upload = SimpleUploadedFile("vpr.csv", "Код;Класс\n1;4а\n".encode(), "text/csv")
    batch = import_batch_create(user=world.carol, upload=upload)
    import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == batch.Status.FAILED
    (note,) = notes(world.carol, "import_failed")
    assert note.title == "Загрузка не удалась: vpr.csv"
    assert note.body and note.url == f"/assessments/imports/{batch.pk}/"
    assert notes(world.bob) == []


def test_the_sweep_tells_who_ordered_a_document_whose_worker_died(people):
    from infra.jobs import sweep
    from reports.models import Document

    world = people
    started = timezone.make_aware(datetime(2025, 1, 1, 10))
    document = Document.objects.create(
        kind="order",
        format="pdf",
        title="Приказ",
        params={},
        region=world.region,
        status=Document.Status.RUNNING,
        started_at=started,
        requested_by=world.bob,
    )
    sweep()
    assert [n.url for n in notes(world.bob, "document_failed")] == [f"/documents/{document.pk}/"]


# --------------------------------------------------------------------------- pages


def test_the_bell_counts_unread_and_marking_read_one_and_all(client, people, roadmap):
    world = people
    submit(assignment(roadmap, "1.1.", school=world.school_a1), world.carol)
    submit(assignment(roadmap, "1.2.", school=world.school_a1), world.carol)
    client.force_login(world.bob)
    html = client.get("/").content.decode()
    assert 'class="bell"' in html and 'data-unread="2"' in html
    assert "Уведомления, непрочитанных: 2" in html

    first, second = notes(world.bob, "submitted")
    response = client.post(f"/account/notifications/{first.pk}/read/", {"stay": "1"})
    assert response.status_code == 302 and response.url == "/account/notifications/"
    assert 'data-unread="1"' in client.get("/").content.decode()
    unread_page = client.get("/account/notifications/?unread=1").content.decode()
    assert second.title in unread_page and f"/account/notifications/{first.pk}/read/" not in (
        unread_page
    )

    client.post("/account/notifications/read-all/")
    assert 'data-unread="0"' in client.get("/").content.decode()
    assert not Notification.objects.filter(user=world.bob, read_at__isnull=True).exists()


def test_the_bell_shows_every_change_at_the_next_look(client, people):
    """The count is remembered between pages (a query less on each) and every change of
    the person's notifications shows on the next page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = people
    client.force_login(world.bob)

    def bell():
        html = client.get("/").content.decode()
        return html.split('data-unread="', 1)[1].split('"', 1)[0]

    assert bell() == "0"
    with CaptureQueriesContext(connection) as queries:
        assert bell() == "0"
    assert not any("schools_notification" in q["sql"] for q in queries.captured_queries)

    notify([world.bob], kind="submitted", key="bell-1", title="Первое", mail=False)
    assert bell() == "1"
    note = Notification.objects.create(user=world.bob, kind="submitted", key="bell-2", title="Т")
    assert bell() == "2"
    notify([world.carol], kind="submitted", key="bell-3", title="Не Бобу", mail=False)
    assert bell() == "2"
    note.read_at = timezone.now()
    note.save()
    assert bell() == "1"
    mark_read(user=world.bob)
    assert bell() == "0"
    Notification.objects.create(user=world.bob, kind="submitted", key="bell-4", title="Ещё")
    assert bell() == "1"
    Notification.objects.filter(user=world.bob).delete()
    assert bell() == "0"


def test_a_count_read_before_a_change_is_not_shown_after_it(people):
    """A page that counted before the change and stores its count after it stores it
    under the old version: the next look counts again."""
    from schools.notifications import unread_changed, unread_count

    world = people
    assert unread_count(world.bob) == 0
    Notification.objects.bulk_create(
        [Notification(user=world.bob, kind="submitted", key="race", title="Гонка")]
    )  # written without the service: the cache does not know yet
    assert unread_count(world.bob) == 0
    unread_changed([world.bob.pk])
    assert unread_count(world.bob) == 1


def test_nobody_marks_another_persons_notification(client, people, roadmap):
    world = people
    submit(assignment(roadmap, "1.1.", school=world.school_a1), world.carol)
    (note,) = notes(world.bob, "submitted")
    client.force_login(world.dan)
    assert client.post(f"/account/notifications/{note.pk}/read/").status_code == 404
    client.post("/account/notifications/read-all/")
    note.refresh_from_db()
    assert note.read_at is None


def test_the_preferences_choose_events_by_mail_and_the_digest(client, people):
    world = people
    client.force_login(world.bob)
    page = client.get("/account/notifications/").content.decode()
    assert "О каких событиях писать на почту" in page and "отчёт на проверку" in page
    client.post(
        "/account/notifications/",
        {
            "in_app": "on",
            "email": "on",
            "email_digest": "on",
            "email_kinds": ["returned", "accepted"],
        },
    )
    preference = ReminderPreference.objects.get(user=world.bob)
    assert preference.email_digest is True
    assert preference.wants_email("returned") and not preference.wants_email("submitted")
    assert not preference.wants_email("marker")
    # An unknown event kind is refused with a message, and nothing changes.
    response = client.post("/account/notifications/", {"email": "on", "email_kinds": ["nonsense"]})
    assert response.status_code == 200
    assert "Выберите корректный вариант" in response.content.decode()
    preference.refresh_from_db()
    assert preference.email_digest is True
    # The weekly summary is the municipal officials' only.
    assert "Еженедельная сводка" in page
    client.force_login(world.carol)
    assert "Еженедельная сводка" not in client.get("/account/notifications/").content.decode()


def test_a_real_check_run_tells_each_municipality_of_its_own_flagged_schools(
    db, django_capture_on_commit_callbacks
):
    from assessments.objectivity.models import CheckFinding
    from assessments.objectivity.services.runs import check_run_request
    from schools.models import Municipality
    from tests.generators.first import RegionSpec, generate_region
    from tests.generators.objectivity_store import generated_region_store

    spec = RegionSpec(
        n_schools=60, n_municipalities=2, years=(2024, 2025), target_year_index=1, cheat_share=0.2
    )
    region = generate_region(spec, seed=5)
    stored = generated_region_store(region, code="92", name="Край уведомлений")
    first, second = Municipality.objects.filter(region=stored).order_by("pk")[:2]
    analyst = f.user("analyst", role=f.Role.REGIONAL_ANALYST, node=stored)
    official = f.user(
        "official", role=f.Role.MUNICIPAL_OFFICIAL, node=first, email="official@example.ru"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run = check_run_request(user=analyst, year=region.target_year, region=stored)
    markers = CheckFinding.objects.filter(run=run, marker=True)
    own = {(m.school_id, m.procedure_id) for m in markers if m.municipality_id == first.pk}
    assert own and markers.filter(municipality=second).exists()
    told = {n.key for n in notes(official, "marker")}
    assert told == {f"marker:{school}:{procedure}" for school, procedure in own}
    assert notes(analyst, "marker") == []
    (done,) = notes(analyst, "check_done")
    run.refresh_from_db()
    flagged = run.counts["flagged"]
    assert done.title == (
        f"Проверка объективности за {run.year} год завершена (Край уведомлений): "
        f"школ с маркерами — {flagged}"
    )
    assert done.url == f"/assessments/objectivity/runs/{run.pk}/"
    # All the new markers in one message, not one message per marker.
    (message,) = [m for m in mail.outbox if m.to == ["official@example.ru"]]
    assert len(own) > 1 and message.subject == f"Дорожные карты: новые уведомления ({len(own)})"
    assert message.body.count("Маркер необъективности:") == len(own)
    # Checked again after the data changed (a school opened; the same data would give
    # back the same run): no marker is told twice.
    f.school(municipality=second, name="Новая школа", code="929999")
    with django_capture_on_commit_callbacks(execute=True):
        again = check_run_request(user=analyst, year=region.target_year, region=stored)
    assert again.pk != run.pk and CheckFinding.objects.filter(run=again, marker=True).exists()
    assert len(notes(official, "marker")) == len(own)


def test_answering_a_marker_with_a_measure_tells_the_school(people, roadmap):
    from assessments.objectivity.models import CheckFinding, FlagAnswer
    from assessments.objectivity.services.flags import flag_answer_with_measure

    world = people
    FlagAnswer.objects.filter(school=world.school_a1).delete()
    finding = CheckFinding.objects.get(school=world.school_a1, marker=True)
    measure = roadmap.measures.get(number="1.1.")
    flag_answer_with_measure(finding=finding, measure=measure, by=world.bob)
    (note,) = notes(world.carol, "marker_answered")
    assert note.title == (
        f"Ответ на маркер: Альфа-школа №1, {finding.procedure} — мероприятие 1.1."
    )
    assert note.body == measure.text
    assert notes(world.bob, "marker_answered") == [] and notes(world.dan) == []


def test_a_finished_import_tells_its_uploader(people):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.results.models import Instrument, Procedure, Subject
    from assessments.results.services.batches import import_batch_create, import_batch_run

    world = people
    procedure = Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )
    form = Path(__file__).resolve().parents[1] / "data" / "vpr-result-form-example.xlsx"
    upload = SimpleUploadedFile(form.name, form.read_bytes())
    batch = import_batch_create(user=world.carol, upload=upload, procedure=procedure)
    import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == batch.Status.DONE
    (note,) = notes(world.carol, "import_done")
    assert note.title == "Результаты загружены: vpr-result-form-example.xlsx"
    assert note.url == f"/assessments/imports/{batch.pk}/"
    assert notes(world.carol, "import_failed") == []


def test_a_check_that_could_not_run_tells_who_asked_why(people):
    from assessments.objectivity.models import CheckRun
    from assessments.objectivity.services.runs import check_run_execute

    world = people
    run = CheckRun.objects.create(
        region=world.region, municipality=world.muni_a, year=1999, requested_by=world.bob
    )
    check_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == CheckRun.Status.FAILED
    (note,) = notes(world.bob, "check_failed")
    assert note.title == "Проверка объективности за 1999 год не выполнена (Альфаград)"
    assert note.body == run.error and note.body
