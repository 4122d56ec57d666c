"""Mail through a real SMTP server (aiosmtpd on a free local port), as production
sends it: the event commits, the Celery task mails, the server receives."""

import socket
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from roadmaps.models import Assignment, ProgressReport
from roadmaps.services.report import progress_report_submit
from schools.models import Notification
from schools.notifications import notifications_mail
from tests import factories as f


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = "https://roadmaps.example.ru"
    yield inbox
    controller.stop()


@pytest.fixture
def roadmap(world):
    world.bob.email = "bob@example.ru"
    world.bob.save()
    world.carol.email = "carol@example.ru"
    world.carol.save()
    return f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[("1.", "Анализ результатов ВПР на педсоветах", "октябрь 2025")],
    )


def submit(world, roadmap):
    return progress_report_submit(
        assignment=Assignment.objects.get(measure__roadmap=roadmap, school=world.school_a1),
        period_start=date(2025, 9, 1),
        period_end=date(2025, 11, 30),
        status=ProgressReport.Status.IN_PROGRESS,
        comment="Проведено",
        by=world.carol,
    )


def test_a_submitted_report_arrives_by_smtp_to_the_reviewer(
    world, roadmap, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(world, roadmap)
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["bob@example.ru"]
    # A long subject is folded onto the next line; clients unfold it.
    assert (
        message["Subject"].strip() == "Отчёт на проверку: 1. Анализ результатов ВПР на педсоветах"
    )
    body = message.get_content()
    assert body.startswith("Здравствуйте, bob!")
    assert f"https://roadmaps.example.ru/roadmaps/reports/{report.pk}/" in body
    note = Notification.objects.get(user=world.bob, key=f"submitted:{report.pk}")
    assert note.emailed_at is not None


def test_mail_that_the_server_refused_stays_unsent_for_the_next_try(world, roadmap, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.EMAIL_TIMEOUT = 2
    report = submit(world, roadmap)
    note = Notification.objects.get(user=world.bob, key=f"submitted:{report.pk}")
    with pytest.raises(OSError):
        notifications_mail(ids=[note.pk])
    note.refresh_from_db()
    assert note.emailed_at is None  # the task retries; the digest sends it at the latest
