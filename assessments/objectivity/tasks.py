"""Background work of the objectivity checks. Thin: the services do the work."""

from celery import shared_task


@shared_task(
    name="assessments.run_checks", acks_late=True, time_limit=20 * 60, soft_time_limit=18 * 60
)
def run_checks_task(run_id: int) -> str:
    """Run one requested objectivity check; a finished run is left alone, an
    interrupted one starts over (its rows are written in one transaction)."""
    from assessments.objectivity.services.runs import check_run_execute

    return check_run_execute(run_id=run_id).status
