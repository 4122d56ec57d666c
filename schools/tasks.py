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
