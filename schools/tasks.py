from celery import shared_task


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
