"""Indexes of the roadmaps tables that serve the pages of the load mix, each chosen
from EXPLAIN ANALYZE on the load region (bench/load/make_region.py: 1,000 schools,
100,000 assignments, 33,000 reports), and their unique constraints. Kept here so
models.py stays a list of fields."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ASSIGNMENT_CONSTRAINTS = [
    models.UniqueConstraint(
        fields=["measure", "school"],
        condition=Q(school__isnull=False),
        name="assignment_unique_school",
        violation_error_message=_("Мероприятие уже поручено этой школе."),
    ),
    models.UniqueConstraint(
        fields=["measure", "body"],
        condition=Q(body__isnull=False),
        name="assignment_unique_body",
        violation_error_message=_("Мероприятие уже поручено этому органу."),
    ),
    models.UniqueConstraint(
        fields=["measure"],
        condition=Q(body__isnull=True, school__isnull=True),
        name="assignment_unique_person",
        violation_error_message=_("Мероприятие уже поручено."),
    ),
]

PROGRESS_REPORT_CONSTRAINTS = [
    models.UniqueConstraint(
        fields=["assignment", "period_start"],
        condition=Q(is_current=True),
        name="progress_report_one_current_per_period",
        violation_error_message=_("За этот период отчёт уже есть."),
    ),
]

ROADMAP_INDEXES = [
    # The roadmap list, newest first (the model's ordering): PostgreSQL walks this
    # index and joins the owners of the page's fifty roadmaps only, instead of joining
    # a region's thousand roadmaps to their schools and sorting them (the analyst's
    # /roadmaps/: 12.9 -> 0.6 ms of EXPLAIN ANALYZE at the load region).
    models.Index(fields=["-created_at", "-id"], name="roadmap_newest_idx"),
]

PROGRESS_REPORT_INDEXES = [
    # The API lists a region's reports newest first, and the review queues oldest
    # first: both walk this index and stop at the page (88 -> 3 ms at page 50).
    models.Index(fields=["-submitted_at", "-id"], name="progressreport_newest_idx"),
    # The reports waiting for review, by assignment: the queue's count and the
    # dashboard's queue join a municipality's assignments to this small index
    # instead of scanning every report (8.6 -> 2.4 ms).
    models.Index(
        fields=["assignment"],
        condition=Q(is_current=True, review_state="submitted"),
        name="progressreport_queue_idx",
    ),
    # The accepted «done» reports, by assignment: what makes an assignment done in
    # the overdue list and the execution figures (an index-only scan of a third of
    # the reports instead of a filtered scan of all of them).
    models.Index(
        fields=["assignment"],
        condition=Q(is_current=True, review_state="accepted", status="done"),
        name="progressreport_done_idx",
    ),
    # The reports waiting for review in a municipality, oldest first: the review
    # queue of a municipal official counts them and reads its page from this index
    # (a municipality's few hundred entries) instead of joining the region's ten
    # thousand waiting reports to their assignments (22 -> 1 ms at the load region).
    models.Index(
        fields=["municipality", "submitted_at", "id"],
        condition=Q(is_current=True, review_state="submitted"),
        name="progressreport_queue_muni_idx",
    ),
]
