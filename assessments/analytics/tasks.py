"""Background work of the analytic tables. Thin: the selectors do the work."""

from celery import shared_task

from assessments.results.tasks import TRANSIENT


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
    from assessments.analytics.selectors import reference_tables_warm
    from assessments.results.models import Procedure

    procedure = Procedure.objects.filter(pk=procedure_id).first()
    return reference_tables_warm(procedure=procedure) if procedure else 0
