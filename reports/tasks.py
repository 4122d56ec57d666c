from celery import shared_task

from reports.services import document_build


@shared_task(
    name="reports.build_document",
    acks_late=True,
    max_retries=2,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
)
def build_document(document_id: int) -> str:
    """Build one requested document; idempotent, so a redelivery does no harm."""
    return document_build(document_id=document_id).status
