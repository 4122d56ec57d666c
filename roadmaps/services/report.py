"""Progress reports: submitted by the assignee, accepted or returned by the reviewer."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadmaps import notices
from roadmaps.models import (
    DocumentKind,
    Evidence,
    ProgressReport,
    Roadmap,
)
from roadmaps.services.base import (
    ACTIVE,
    REPORT_FIELDS,
    _locked,
    _person,
    _record,
    _require,
    _state,
)
from roadmaps.services.evidence import _evidence_save, evidence_check


def _parse_decimal(value):
    if value in (None, ""):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation as exc:
        raise ValidationError(_("Значение показателя «%s» — не число.") % value) from exc


def progress_report_submit(
    *,
    assignment,
    period_start: date,
    period_end: date,
    status: str,
    by,
    comment: str = "",
    actual_value=None,
    files=(),
    evidence_kind: str | None = None,
    now=None,
) -> ProgressReport:
    """Report on an assignment for one period. A re-submission (after a return, or
    while the previous one waits for review) links `previous` and keeps its files.
    "Done" needs evidence of the measure's declared kind when it requires evidence."""
    _require(by, "roadmaps.report_progress", assignment)
    measure = assignment.measure
    roadmap = Roadmap.objects.get(pk=measure.roadmap_id)
    if roadmap.status not in ACTIVE:
        raise ValidationError(
            _("Отчитываться можно только по утверждённой и действующей дорожной карте.")
        )
    if status not in ProgressReport.Status.values:
        raise ValidationError(_("Неизвестное состояние выполнения."))
    if period_start is None or period_end is None or period_start > period_end:
        raise ValidationError(_("Неверно указан отчётный период."))
    kind = evidence_kind or measure.document_kind or DocumentKind.OTHER
    checked = [evidence_check(f, kind=kind) for f in files]
    actual = _parse_decimal(actual_value)
    with transaction.atomic():
        previous = (
            ProgressReport.objects.select_for_update()
            .filter(assignment=assignment, period_start=period_start, is_current=True)
            .first()
        )
        if previous is not None and previous.review_state == ProgressReport.Review.ACCEPTED:
            raise ValidationError(_("Отчёт за этот период уже принят."))
        carried = list(previous.evidence.all()) if previous is not None else []
        if status == ProgressReport.Status.DONE and measure.requires_evidence:
            kinds = {c.kind for c in checked} | {e.kind for e in carried}
            needed = measure.document_kind
            if (needed and needed != DocumentKind.OTHER and needed not in kinds) or not kinds:
                label = DocumentKind(needed).label if needed else _("подтверждающий документ")
                raise ValidationError(
                    _("Чтобы отметить мероприятие выполненным, приложите документ: %s.") % label
                )
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        try:
            with transaction.atomic():  # a savepoint: a concurrent submission wins cleanly
                report = ProgressReport.objects.create(
                    assignment=assignment,
                    municipality_id=assignment.municipality_id,
                    period_start=period_start,
                    period_end=period_end,
                    status=status,
                    comment=(comment or "").strip(),
                    actual_value=actual,
                    submitted_by=_person(by),
                    submitted_at=now or timezone.now(),
                    previous=previous,
                )
        except IntegrityError as exc:
            raise ValidationError(
                _(
                    "Отчёт за этот период только что отправил другой пользователь; обновите страницу."
                )
            ) from exc
        for old in carried:
            Evidence.objects.create(
                report=report,
                file=old.file.name,
                original_name=old.original_name,
                kind=old.kind,
                size=old.size,
                sha256=old.sha256,
                content_type=old.content_type,
                uploaded_by=old.uploaded_by,
            )
        # A file already carried over (or given twice) is kept once: people attach
        # the same protocol again when they correct a returned report.
        kept = {old.sha256 for old in carried}
        new_files = []
        for item in checked:
            digest = hashlib.sha256(item.data).hexdigest()
            if digest not in kept:
                kept.add(digest)
                new_files.append(item)
        for item in new_files:
            _evidence_save(report=report, checked=item, by=by)
        _record(
            obj=report,
            action="submit",
            by=by,
            before=_state(previous, REPORT_FIELDS) if previous else None,
            after=dict(
                _state(report, REPORT_FIELDS),
                **({"files": [c.name for c in new_files]} if new_files else {}),
            ),
            roadmap=roadmap,
            node=assignment,
        )
        notices.report_submitted(report=report, by=by)
    return report


def _review(*, report: ProgressReport, by, state: str, reason: str = "") -> ProgressReport:
    _require(by, "roadmaps.review_report", report)
    with transaction.atomic():
        current = _locked(ProgressReport, report)
        if not current.is_current or current.review_state != ProgressReport.Review.SUBMITTED:
            raise ValidationError(_("Этот отчёт уже проверен или заменён новым."))
        before = _state(current, REPORT_FIELDS)
        current.review_state = state
        current.review_reason = reason
        current.reviewed_by = _person(by)
        current.reviewed_at = timezone.now()
        current.save()
        measure = current.assignment.measure
        if state == ProgressReport.Review.ACCEPTED and current.actual_value is not None:
            indicators = list(measure.indicators.all())
            if len(indicators) == 1 and measure.assignments.count() == 1:
                indicators[0].actual_value = current.actual_value
                indicators[0].save(update_fields=["actual_value"])
        _record(
            obj=current,
            action=state,
            by=by,
            before=before,
            after=_state(current, REPORT_FIELDS),
            roadmap=measure.roadmap,
            node=current.assignment,
        )
        notices.report_reviewed(report=current, by=by)
    report.refresh_from_db()  # the caller's instance follows the change
    return current


def progress_report_accept(*, report: ProgressReport, by) -> ProgressReport:
    return _review(report=report, by=by, state=ProgressReport.Review.ACCEPTED)


def progress_report_return(*, report: ProgressReport, reason: str, by) -> ProgressReport:
    """Send a report back; the school sees `reason` and re-submits."""
    if not (reason or "").strip():
        raise ValidationError(_("Укажите причину возврата: школа её увидит."))
    return _review(
        report=report, by=by, state=ProgressReport.Review.RETURNED, reason=reason.strip()
    )
