"""Reads of progress reports and their evidence: one, the ones to correct, the
reviewer's queue, a report's history."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from infra.cache_once import spread
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


# What the review queue's lists print of each report, as plain values: no report,
# assignment, measure, roadmap, school, body and user objects for fifty rows.
QUEUE_COLUMNS = (
    "pk",
    "submitted_at",
    "previous_id",
    "period_start",
    "period_end",
    "status",
    "evidence_count",
    "assignment__measure__number",
    "assignment__measure__text",
    "assignment__school_id",
    "assignment__school__short_name",
    "assignment__body_id",
    "assignment__body__short_name",
    "assignment__body__name",
    "assignment__assignee_text",
)


def queue_rows(reports):
    """`review_queue` (or a slice of it) as dicts of QUEUE_COLUMNS, in its order;
    `assignee_of(row)` names the assignee as `Assignment.assignee` does. Count the
    queue before, not the rows: their joins would be counted too."""
    return reports.values(*QUEUE_COLUMNS)


REVIEW_QUEUE_CACHE_SECONDS = 600


def review_queue_head_cached(*, user, roadmap: Roadmap, stamp: str, shown: int = 10) -> dict:
    """The reports of `roadmap` waiting for the user's review: {"queue": the oldest
    `shown` as `queue_rows` dicts, "queue_count": how many}. Kept in the cache under the
    roadmap's stamp (roadmaps.selectors.execution.roadmap_stamps: a report sent,
    reviewed or changed in the admin renews it) and the nodes the user reviews in; the
    home page's block and the roadmap's page read the same entry, so the roadmap's page
    does not join its five thousand assignments to the reports to count them."""
    import hashlib

    from django.core.cache import cache

    from schools.scoping import home_nodes

    scope = repr(home_nodes(user, roles=_reviewer_roles()).key)
    key = (
        f"roadmaps:queue:rows:{user.pk}:{stamp}:{shown}:"
        + hashlib.sha256(scope.encode()).hexdigest()
    )
    queue = cache.get(key)
    if queue is None:
        reports = review_queue(user=user, roadmap=roadmap)
        queue = {"queue": list(queue_rows(reports[:shown])), "queue_count": reports.count()}
        cache.set(key, queue, spread(REVIEW_QUEUE_CACHE_SECONDS))
    return queue


def assignee_of(row: dict, prefix: str = "assignment__") -> str:
    """`str(Assignment.assignee)` from a row of values (`queue_rows`, whose assignment
    fields start with `prefix`): the school's short name, else the body's short name or
    name, else the assignee's text."""
    if row[f"{prefix}school_id"] is not None:
        return row[f"{prefix}school__short_name"]
    if row[f"{prefix}body_id"] is not None:
        return row[f"{prefix}body__short_name"] or row[f"{prefix}body__name"]
    return row[f"{prefix}assignee_text"]


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
