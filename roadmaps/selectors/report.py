"""Reads of progress reports and their evidence: one, the ones to correct, the
reviewer's queue, a report's history."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from roadmaps.models import (
    Assignment,
    Evidence,
    ProgressReport,
    Roadmap,
)


def report_get(*, user, pk) -> ProgressReport:
    return (
        ProgressReport.objects.select_related(
            "assignment__measure__roadmap",
            "assignment__school",
            "assignment__body",
            "previous",
            "submitted_by",
            "reviewed_by",
        )
        .prefetch_related("evidence")
        .get_visible_or_404(user, pk=pk)
    )


def report_to_correct(*, assignment: Assignment, pk=None) -> ProgressReport | None:
    """The report a new one corrects: the one named by `pk` when it is a current,
    not yet accepted report of `assignment`, otherwise its latest returned report."""
    current = (
        assignment.reports.filter(is_current=True)
        .exclude(review_state=ProgressReport.Review.ACCEPTED)
        .prefetch_related("evidence")
    )
    if pk is not None and str(pk).isdigit():
        named = current.filter(pk=int(pk)).first()
        if named is not None:
            return named
    return (
        current.filter(review_state=ProgressReport.Review.RETURNED)
        .order_by("-period_start", "-pk")
        .first()
    )


def evidence_get(*, user, pk) -> Evidence:
    return Evidence.objects.select_related("report__assignment").get_visible_or_404(user, pk=pk)


def review_queue(*, user, roadmap: Roadmap | None = None):
    """Current reports waiting for review that the user may review, oldest first,
    each with its `evidence_count` (a subquery per row shown, not the files read)."""
    files = (
        Evidence.objects.of_scoped(report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        ProgressReport.objects.visible_to(user, roles=_reviewer_roles())
        .filter(is_current=True, review_state=ProgressReport.Review.SUBMITTED)
        .select_related(
            "assignment__measure__roadmap", "assignment__school", "assignment__body", "submitted_by"
        )
        .annotate(evidence_count=Coalesce(Subquery(files, output_field=IntegerField()), Value(0)))
        .order_by("submitted_at", "pk")
    )
    if roadmap is not None:
        qs = qs.filter(assignment__measure__roadmap=roadmap)
    return qs


def _reviewer_roles():
    from schools.policy import roles_for

    return roles_for("roadmaps.review_report")


def report_changes(report: ProgressReport) -> list[dict]:
    """What a re-submission changed against the report it replaces."""
    previous = report.previous
    if previous is None:
        return []
    changes = []
    for label, show in (
        (_("Состояние"), lambda r: r.get_status_display()),
        (_("Комментарий"), lambda r: r.comment),
        (_("Значение показателя"), lambda r: r.actual_value),
    ):
        before, after = show(previous), show(report)
        if before != after:
            changes.append({"label": label, "before": before, "after": after})
    old_files = {e.sha256: e.original_name for e in previous.evidence.all()}
    new_files = {e.sha256: e.original_name for e in report.evidence.all()}
    added = [n for h, n in new_files.items() if h not in old_files]
    removed = [n for h, n in old_files.items() if h not in new_files]
    if added or removed:
        changes.append(
            {"label": _("Файлы"), "before": ", ".join(removed), "after": ", ".join(added)}
        )
    return changes
