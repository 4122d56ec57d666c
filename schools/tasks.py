from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="schools.send_reminders", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60
)
def send_reminders() -> dict:
    """Daily (beat): one task per region, so that regions run side by side on as many
    workers as there are and a failure in one region leaves the others reminded."""
    from django.utils import timezone

    from infra.jobs import enqueue
    from schools.models import Region

    today = timezone.localdate().isoformat()
    regions = list(Region.objects.order_by("pk").values_list("pk", flat=True))
    queued = sum(enqueue(send_reminders_region, region_id, today) for region_id in regions)
    return {"regions": len(regions), "queued": queued}


@shared_task(
    name="schools.send_reminders_region",
    acks_late=True,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    max_retries=3,
    autoretry_for=(ConnectionError, OperationalError, InterfaceError),
    retry_backoff=True,
)
def send_reminders_region(region_id: int, today: str) -> dict:
    """What falls due within a week and what is overdue, in one region. Safe to repeat:
    each reminder is told once."""
    from datetime import date

    from roadmaps.reminders import reminders_send

    return reminders_send(today=date.fromisoformat(today), region_id=region_id)


@shared_task(name="schools.send_weekly_summary", acks_late=True)
def send_weekly_summary() -> int:
    from roadmaps.reminders import weekly_summary_send

    return weekly_summary_send()


@shared_task(name="schools.backup", acks_late=False, time_limit=90 * 60, soft_time_limit=80 * 60)
def backup() -> dict:
    """Nightly (beat, when BACKUP_DIR is set): dump, verify, rotate (schools/backup.py).
    Not acks_late: a backup cut off by a dead worker is not worth repeating blindly."""
    from pathlib import Path

    from django.conf import settings

    from schools.backup import backup_scheduled

    return backup_scheduled(root=Path(settings.BACKUP_DIR), keep=settings.BACKUP_KEEP)


@shared_task(
    name="schools.send_notification_mail",
    acks_late=True,  # idempotent: each notification is claimed before it is mailed
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
    time_limit=5 * 60,
    soft_time_limit=4 * 60,
)
def send_notification_mail(ids: list[int]) -> int:
    """After an event: mail its notifications to those who want it by mail now."""
    from schools.notifications import notifications_mail

    return notifications_mail(ids=ids)


@shared_task(
    name="schools.send_notification_digest",
    acks_late=True,
    time_limit=20 * 60,
    soft_time_limit=15 * 60,
)
def send_notification_digest() -> int:
    """Daily (beat): one message per person with the day's events they want by mail."""
    from schools.notifications import digest_send

    return digest_send()
