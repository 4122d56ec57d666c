from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _document_stopped(document) -> None:
    from reports.services import document_notify

    document_notify(document=document)


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Документы и отчёты")

    def ready(self):
        from infra import jobs
        from reports.models import Document
        from reports.tasks import build_document

        jobs.register(
            Document, task=build_document, notify=_document_stopped, counter="documents_failed"
        )
