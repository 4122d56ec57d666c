"""Background work of the assessments app. Thin: the services do the work."""

from celery import shared_task


@shared_task(
    name="assessments.import_batch", acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60
)
def import_batch_task(batch_id: int) -> str:
    """Run one queued import; a batch already finished is left alone (safe to retry)."""
    from assessments.services import import_batch_run

    return import_batch_run(batch_id=batch_id).status
