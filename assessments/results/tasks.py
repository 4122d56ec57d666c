"""Background work of results imports. Thin: the services do the work."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

# Errors that pass when the database is back (a restart, a dropped connection).
TRANSIENT = (ConnectionError, OperationalError, InterfaceError)


@shared_task(
    name="assessments.import_batch",
    acks_late=True,
    ignore_result=True,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    max_retries=3,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
)
def import_batch_task(batch_id: int) -> str:
    """Run one queued import; a batch already finished is left alone (safe to retry).
    The write is one transaction, so a retry after a failure starts from nothing.
    A successful import then warms the analytic tables of its procedure."""
    from assessments.results.models import ImportBatch
    from assessments.results.services.batches import import_batch_run

    batch = import_batch_run(batch_id=batch_id)
    if batch.status == ImportBatch.Status.DONE and batch.procedure_id and not batch.dry_run:
        from assessments.analytics.tasks import warm_reference_tables
        from infra.jobs import enqueue

        enqueue(warm_reference_tables, batch.procedure_id)
        from assessments.objectivity.services.runs import reruns_after_import

        reruns_after_import(procedure=batch.procedure)
    return batch.status
