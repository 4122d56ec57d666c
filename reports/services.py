"""Requesting and building documents. Building happens in Celery (inline without Redis)."""

from __future__ import annotations

import hashlib
import json
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from infra.output.pdf import html_to_pdf
from reports.builders import DocumentParamsError, builder_for
from reports.models import Document
from schools.scoping import acts_for

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _inputs_key(kind, fmt, params, built_from) -> str:
    payload = json.dumps(
        {"kind": kind, "format": fmt, "params": params, "built_from": built_from},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _load_builders():
    # Builders register themselves on import.
    from reports.builders import documents  # noqa: F401


def document_request(*, kind: str, fmt: str, params: dict, user) -> Document:
    """Ask for a document. The same inputs give the same document without building it again.

    Raises Http404 when the parameters name objects out of the user's scope and
    DocumentParamsError for parameters that make no sense.
    """
    _load_builders()
    builder = builder_for(kind)
    if fmt not in builder.formats:
        raise DocumentParamsError(_("Формат %s для этого документа не поддерживается.") % fmt)
    if not user.has_perm("reports.build_document"):
        raise DocumentParamsError(_("Ваша роль не позволяет заказывать документы."))
    prepared = builder.prepare(params=params, user=user)
    placement = _placement(prepared)
    # A document is filed where its source sits; a user may order only what lands in
    # their own reach (a deputy reads her municipality's roadmap, but its execution
    # report belongs to the municipality, so she may not order it): nothing is created.
    if not acts_for(user, placement):
        raise Http404
    key = _inputs_key(kind, fmt, params, prepared.built_from)
    # Dedupe by inputs within that placement, whoever asked before.
    existing = (
        Document.objects.filter(inputs_key=key, **placement)
        .exclude(status=Document.Status.FAILED)
        .first()
    )
    if existing is not None:
        return existing
    with transaction.atomic():
        document = Document.objects.create(
            kind=kind,
            format=fmt,
            params=params,
            inputs_key=key,
            title=prepared.title,
            region=prepared.region,
            municipality=prepared.municipality,
            school=prepared.school,
            built_from=prepared.built_from,
            requested_by=user,
        )
        transaction.on_commit(document.send)
    return document


def _placement(prepared) -> dict:
    return {
        "region_id": getattr(prepared.region, "pk", None),
        "municipality_id": getattr(prepared.municipality, "pk", None),
        "school_id": getattr(prepared.school, "pk", None),
    }


def document_render_html(*, kind: str, params: dict, user) -> str:
    """The document as the browser preview shows it: the same template as the PDF."""
    _load_builders()
    builder = builder_for(kind)
    prepared = builder.prepare(params=params, user=user)
    return render_to_string(builder.template, builder.context(prepared))


def document_build(*, document_id: int) -> Document:
    """Build the file of a requested document. Safe to run twice: a built one is left alone."""
    _load_builders()
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status == Document.Status.DONE:
            return document
        document.status = Document.Status.RUNNING
        document.started_at = timezone.now()
        document.progress = 10
        document.error = ""
        document.save(update_fields=["status", "started_at", "progress", "error"])
    try:
        content, pages = _build_bytes(document)
    except Exception as exc:
        logger.exception("document %s failed", document_id)
        message = (
            str(exc)
            if isinstance(exc, DocumentParamsError)
            else _(
                "Документ не удалось построить: внутренняя ошибка. Попробуйте ещё раз или сообщите администратору."
            )
        )
        Document.objects.filter(pk=document_id).update(
            status=Document.Status.FAILED, error=message, finished_at=timezone.now(), progress=100
        )
        document.refresh_from_db()
        document_notify(document=document)
        return document
    name = f"{document.kind}-{document.inputs_key[:8]}.{document.format}"
    document.file.save(name, ContentFile(content), save=False)
    document.pages = pages
    document.size = len(content)
    document.status = Document.Status.DONE
    document.progress = 100
    document.finished_at = timezone.now()
    document.save(update_fields=["file", "pages", "size", "status", "progress", "finished_at"])
    document_notify(document=document)
    return document


def document_notify(*, document: Document) -> None:
    """Tell the person who ordered a document that it is ready or why it is not."""
    from django.urls import reverse

    from schools.models import Notification
    from schools.notifications import notify

    done = document.status == Document.Status.DONE
    notify(
        [document.requested_by],
        kind=Notification.Kind.DOCUMENT_DONE if done else Notification.Kind.DOCUMENT_FAILED,
        key=f"document:{document.pk}:{document.status}",
        title=(_("Документ готов: %s") if done else _("Документ не построен: %s")) % document.title,
        body="" if done else document.error,
        url=reverse("reports:document-detail", args=[document.pk]),
    )


def _build_bytes(document: Document) -> tuple[bytes, int | None]:
    def progress(value):
        Document.objects.filter(pk=document.pk).update(progress=value)

    return document_render_bytes(
        kind=document.kind,
        fmt=document.format,
        params=document.params,
        user=document.requested_by,
        progress=progress,
    )


def document_render_bytes(
    *, kind: str, fmt: str, params: dict, user, progress=None
) -> tuple[bytes, int | None]:
    """The file of a document and its page count (PDF only), built now, in this process."""
    _load_builders()
    builder = builder_for(kind)
    if fmt not in builder.formats:
        raise DocumentParamsError(_("Формат %s для этого документа не поддерживается.") % fmt)
    prepared = builder.prepare(params=params, user=user)
    context = builder.context(prepared)
    if progress:
        progress(40)
    if fmt == Document.Format.PDF:
        pdf = html_to_pdf(render_to_string(builder.template, dict(context, for_print=True)))
        return pdf.content, pdf.pages
    if fmt == Document.Format.DOCX:
        return builder.to_docx(context), None
    return builder.to_xlsx(context), None
