"""Evidence files of progress reports: checked, named and stored; the proof pack of
a school's period as one ZIP."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from infra.files import FileRejected, check_zip, read_bytes, sniff_kind
from roadmaps.models import (
    DocumentKind,
    Evidence,
    ProgressReport,
)
from roadmaps.services.base import _person
from schools.models import School

EVIDENCE_TYPES = {
    "pdf": (".pdf", "application/pdf"),
    "docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "png": (".png", "image/png"),
    "jpeg": (".jpg", "image/jpeg"),
}


def evidence_type(data: bytes) -> str | None:
    """'pdf', 'docx', 'xlsx', 'png' or 'jpeg' by the content; None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    kind = sniff_kind(data)
    return kind if kind in ("docx", "xlsx") else None


def sanitise_filename(name: str, extension: str) -> str:
    """A file name safe to store and to send back: no path, no control characters,
    the extension of the real type."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]+', "_", name).strip(" .")
    stem = name[: name.rfind(".")] if "." in name else name
    stem = re.sub(r"\s+", " ", stem).strip()[:150] or _("файл")
    return f"{stem}{extension}"


@dataclass
class CheckedFile:
    data: bytes
    name: str
    type: str
    kind: str

    @property
    def extension(self) -> str:
        return EVIDENCE_TYPES[self.type][0]

    @property
    def content_type(self) -> str:
        return EVIDENCE_TYPES[self.type][1]


def evidence_check(
    source, *, kind: str = DocumentKind.OTHER, filename: str | None = None
) -> CheckedFile:
    """Read an uploaded file (or a (name, bytes) pair), refusing it when too big,
    empty, or not PDF, DOCX, XLSX, PNG or JPEG by its content."""
    if isinstance(source, tuple):
        filename, source = source[0], ContentFile(source[1], name=source[0])
    try:
        data, name = read_bytes(source, filename=filename)
    except FileRejected as exc:
        raise ValidationError(str(exc)) from exc
    if not data:
        raise ValidationError(_("Файл «%s» пуст.") % name)
    found = evidence_type(data)
    if found is None:
        raise ValidationError(
            _(
                "Файл «%s» не принят: подтверждающие документы принимаются в PDF, DOCX, XLSX, PNG или JPEG."
            )
            % name
        )
    if found in ("docx", "xlsx"):
        try:
            names = check_zip(data, name).namelist()
        except FileRejected as exc:
            raise ValidationError(str(exc)) from exc
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise ValidationError(
                _("Файл «%s» содержит макросы; сохраните документ без макросов.") % name
            )
    if kind not in DocumentKind.values:
        kind = DocumentKind.OTHER
    return CheckedFile(
        data=data, name=sanitise_filename(name, EVIDENCE_TYPES[found][0]), type=found, kind=kind
    )


def _evidence_save(*, report: ProgressReport, checked: CheckedFile, by) -> Evidence:
    digest = hashlib.sha256(checked.data).hexdigest()
    evidence = Evidence(
        report=report,
        original_name=checked.name,
        kind=checked.kind,
        size=len(checked.data),
        sha256=digest,
        content_type=checked.content_type,
        uploaded_by=_person(by),
    )
    evidence.file.save(
        f"{report.pk}-{digest[:16]}{checked.extension}", ContentFile(checked.data), save=False
    )
    evidence.save()
    return evidence


def proof_pack_build(*, school: School, period_start: date, period_end: date, user) -> bytes:
    """A ZIP for an inspection: index.pdf listing the school's reports of the period
    and every evidence file they carry. Reads only what `user` reaches."""
    from infra.output.pdf import html_to_pdf

    reports = list(
        ProgressReport.objects.visible_to(user)
        .filter(
            assignment__school=school,
            is_current=True,
            period_start__lte=period_end,
            period_end__gte=period_start,
        )
        .select_related("assignment__measure__roadmap", "submitted_by", "reviewed_by")
        .prefetch_related("evidence")
        .order_by(
            "assignment__measure__roadmap_id", "assignment__measure__position", "period_start"
        )
    )
    buffer = io.BytesIO()
    used: set[str] = set()
    rows = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for report in reports:
            names = []
            for evidence in report.evidence.all():
                measure = report.assignment.measure
                prefix = re.sub(r"[^\w.-]+", "_", measure.number or str(measure.pk)).strip(
                    "._"
                ) or str(measure.pk)
                name = f"{prefix}_{evidence.original_name}"
                stem, dot, ext = name.rpartition(".")
                n = 2
                while name in used:
                    name = f"{stem}_{n}.{ext}" if dot else f"{name}_{n}"
                    n += 1
                used.add(name)
                try:
                    with evidence.file.open("rb") as handle:
                        archive.writestr(f"files/{name}", handle.read())
                except FileNotFoundError:
                    name = _("%s (файл не найден в хранилище)") % name
                names.append(
                    {"name": name, "kind": evidence.get_kind_display(), "sha256": evidence.sha256}
                )
            rows.append({"report": report, "files": names})
        html = render_to_string(
            "roadmaps/proof_pack_index.html",
            {
                "school": school,
                "period_start": period_start,
                "period_end": period_end,
                "rows": rows,
                "built_at": timezone.now(),
            },
        )
        archive.writestr("index.pdf", html_to_pdf(html).content)
    return buffer.getvalue()
