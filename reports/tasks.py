from celery import shared_task
from django.db import InterfaceError, OperationalError

from reports.services import document_build


@shared_task(
    name="reports.build_document",
    acks_late=True,
    ignore_result=True,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    max_retries=3,
    autoretry_for=(ConnectionError, OperationalError, InterfaceError),
    retry_backoff=True,
)
def build_document(document_id: int) -> str:
    """Build one requested document; idempotent (a built one is left alone), so a
    redelivery or a retry after the database came back does no harm."""
    return document_build(document_id=document_id).status
