"""Background work of the assessments app. Thin: the services do the work."""

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
    from assessments.models import ImportBatch
    from assessments.services import import_batch_run

    batch = import_batch_run(batch_id=batch_id)
    if batch.status == ImportBatch.Status.DONE and batch.procedure_id and not batch.dry_run:
        from config.background import enqueue

        enqueue(warm_reference_tables, batch.procedure_id)
        from assessments.objectivity_services import reruns_after_import

        reruns_after_import(procedure=batch.procedure)
    return batch.status


@shared_task(
    name="assessments.warm_reference_tables",
    acks_late=True,
    ignore_result=True,
    time_limit=10 * 60,
    soft_time_limit=9 * 60,
    max_retries=3,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
)
def warm_reference_tables(procedure_id: int) -> int:
    """Compute the region's and municipalities' tables once, so the first page is fast."""
    from assessments.analytics_selectors import reference_tables_warm
    from assessments.models import Procedure

    procedure = Procedure.objects.filter(pk=procedure_id).first()
    return reference_tables_warm(procedure=procedure) if procedure else 0


@shared_task(
    name="assessments.run_checks", acks_late=True, time_limit=20 * 60, soft_time_limit=18 * 60
)
def run_checks_task(run_id: int) -> str:
    """Run one requested objectivity check; a finished run is left alone, an
    interrupted one starts over (its rows are written in one transaction)."""
    from assessments.objectivity_services import check_run_execute

    return check_run_execute(run_id=run_id).status
