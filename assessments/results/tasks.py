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
    A successful import, once committed, is announced (`results_imported`): the
    analytic tables of its procedure are warmed and the checks asked for re-run."""
    from assessments.results.models import ImportBatch
    from assessments.results.services.batches import import_batch_run, results_announce

    batch = import_batch_run(batch_id=batch_id)
    if batch.status == ImportBatch.Status.DONE and batch.procedure_id and not batch.dry_run:
        # import_batch_run has returned, so the import's transaction is committed.
        results_announce(procedure_id=batch.procedure_id, batch_id=batch.pk)
    return batch.status
