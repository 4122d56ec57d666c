from celery import shared_task


@shared_task(name="schools.send_reminders", acks_late=True)
def send_reminders() -> dict:
    """Daily: what falls due within a week and what is overdue. Safe to repeat: each
    reminder is told once."""
    from roadmaps.reminders import reminders_send

    return reminders_send()


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
