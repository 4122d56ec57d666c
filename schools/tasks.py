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
