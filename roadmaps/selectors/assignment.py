"""Reads of assignments: one, the assignee's own with what is due next, the overdue."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import NamedTuple

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Window,
)
from django.db.models.functions import Cast
from django.utils import timezone

from infra.cache_once import spread
from roadmaps.models import (
    Assignment,
    Measure,
    ProgressReport,
    Roadmap,
)
from roadmaps.selectors.period import roadmap_period
from roadmaps.selectors.report import assignee_of
from schools.models import School


def assignment_get(*, user, pk) -> Assignment:
    return Assignment.objects.select_related(
        "measure__roadmap", "measure__section", "school", "body"
    ).get_visible_or_404(user, pk=pk)


def next_due(measure: Measure, today: date) -> date | None:
    return due_among(measure.due_dates, today)


def due_among(dates: list[date], today: date) -> date | None:
    """The first of a measure's dates on or after `today`, else its last (overdue)."""
    upcoming = [d for d in dates if d >= today]
    if upcoming:
        return upcoming[0]
    return dates[-1] if dates else None


def _my_queryset(*, user, school: School | None = None, body=None, own: bool = False):
    """The assignments `my_assignments` lists (see there), in active roadmaps. Its SQL is
    made of the user's reach (with and without `roles`), bodies and the drafts setting
    only: `my_assignment_rows_digest` keeps it under them (a new input joins that key)."""
    from schools.policy import roles_for
    from schools.scoping import bodies_of, home_nodes

    active = (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    if own:
        roles = roles_for("roadmaps.report_progress")
        own_schools = home_nodes(user, roles).schools
        qs = Assignment.objects.visible_to(user, roles=roles).filter(
            Q(school__in=sorted(own_schools)) | Q(school__isnull=True),
            measure__roadmap__status__in=active,
        )
        bodies = bodies_of(user)
        if bodies:
            # The measures of the bodies the user works in (a methodist's ИМЦ).
            qs = qs | Assignment.objects.visible_to(user).filter(
                body__in=sorted(bodies), measure__roadmap__status__in=active
            )
            qs = qs.distinct()
    else:
        qs = Assignment.objects.visible_to(user).filter(
            school__isnull=False, measure__roadmap__status__in=active
        )
    if school is not None:
        qs = qs.filter(school=school)
    if body is not None:
        qs = qs.filter(body=body)
    return qs


def _roadmaps_of(roadmap_ids) -> dict[int, Roadmap]:
    """The roadmaps of a list's rows with their owners (for the label): a few, read once."""
    return (
        Roadmap.objects.of_scoped(pk__in=set(roadmap_ids))
        .select_related("municipality", "school")
        .in_bulk()
    )


def my_assignments(
    *,
    user,
    today: date | None = None,
    school: School | None = None,
    body=None,
    own: bool = False,
) -> list[dict]:
    """Assignments in active roadmaps, by due date, each with its current reports.

    By default: every school's assignment the user reaches (an official's overview).
    With `own`: what the user reports on: the assignments of the user's own
    schools, those of bodies and persons at the levels where the user reports
    (a municipal official gets the education authority's measures), and those
    of the bodies the user works in (Membership.body: a methodist's ИМЦ).
    """
    today = today or timezone.localdate()
    qs = _my_queryset(user=user, school=school, body=body, own=own)
    # No section: the rows print the measure, its roadmap's label and the assignee. The
    # roadmaps are few: read once below, not once a row in the join.
    qs = qs.select_related("measure", "school", "body")
    assignments = list(qs)
    roadmaps = _roadmaps_of(a.measure.roadmap_id for a in assignments)
    # The current reports of the rows, grouped here: prefetch_related would build and
    # clone a queryset for each of a hundred assignments (a tenth of the page's time).
    reports_of: dict[int, list[ProgressReport]] = {}
    for report in ProgressReport.objects.of_scoped(
        assignment__in=[a.pk for a in assignments], is_current=True
    ).order_by("-period_start"):
        reports_of.setdefault(report.assignment_id, []).append(report)
    rows = []
    for assignment in assignments:
        assignment.measure.roadmap = roadmaps[assignment.measure.roadmap_id]
        due = next_due(assignment.measure, today)
        reports = reports_of.get(assignment.pk, [])
        latest = reports[0] if reports else None
        done = any(
            r.status == ProgressReport.Status.DONE
            and r.review_state == ProgressReport.Review.ACCEPTED
            for r in reports
        )
        rows.append(
            {
                "assignment": assignment,
                "due": due,
                "overdue": bool(due and due < today and not done),
                "done": done,
                "latest": latest,
            }
        )
    rows.sort(key=lambda r: (r["done"], r["due"] or date.max, r["assignment"].measure.position))
    return rows


class Reference(NamedTuple):
    """A school or body a row names: its key and the name people read."""

    pk: int
    short_name: str

    def __str__(self):
        return self.short_name


class CurrentReport(NamedTuple):
    pk: int
    status: str
    review_state: str
    review_reason: str


class MyRow(NamedTuple):
    """A row of «Мои мероприятия» as plain values (`my_assignment_rows`)."""

    pk: int
    school: Reference | None
    assignee: str
    roadmap: Roadmap
    number: str
    text: str
    deadline_text: str
    requires_evidence: bool
    document_kind: str
    due: date | None
    overdue: bool
    done: bool
    latest: CurrentReport | None


# The values of a row of «Мои мероприятия» (MyRow), in the order `my_assignment_rows`
# unpacks them.
_MY_ROW_FIELDS = (
    "pk",
    "school_id",
    "school__short_name",
    "body__short_name",
    "body__name",
    "assignee_text",
    "measure__roadmap_id",
    "measure__number",
    "measure__text",
    "measure__deadline_text",
    "measure__deadline_dates",
    "measure__position",
    "measure__requires_evidence",
    "measure__document_kind",
)
# What the page shows of a row's roadmap: its label (owner, period, order, status) and
# whether it asks the school for a roadmap of its own, and by when. The names of the
# owners and of the rows' schools are not among them: the scope stamp covers them.
_MY_ROADMAP_FIELDS = tuple(
    "measure__roadmap__" + name
    for name in (
        "title",
        "status",
        "academic_year",
        "period_start",
        "period_end",
        "order_number",
        "order_date",
        "requires_school_roadmaps",
        "school_roadmaps_due",
        "region_id",
        "municipality_id",
        "school_id",
    )
)
# What a row shows of its current reports: the latest one's link, status, review and
# reason, and whether one of them is an accepted «done».
_MY_REPORT_FIELDS = tuple(
    "current_report__" + name
    for name in ("pk", "status", "review_state", "review_reason", "period_start")
)


def my_assignment_rows_digest(*, user) -> str:
    """A digest of everything `my_assignment_rows` reads and the page prints of it (each
    row's values, its roadmap's label and school-roadmap requirement, its current
    reports), as the user sees them, in one query that returns one value: a cache key
    of the page's rows changes with any of them, whether changed through the services,
    the admin or a queryset's update().

    Except the names of regions, municipalities and schools (the rows' schools, the
    roadmaps' owners): a key made with it holds the scope stamp as well, which every
    change to them renews (schools.models.ScopeStamp). Joining the three names to every
    row cost PostgreSQL a millisecond a page, more than the rows' other values."""
    from infra.digest import kept_queryset_digest
    from schools.policy import roles_for
    from schools.scoping import bodies_of, visibility_key

    def build():
        current = FilteredRelation("reports", condition=Q(reports__is_current=True))
        rows = (name for name in _MY_ROW_FIELDS if name != "school__short_name")
        return (
            _my_queryset(user=user, own=True)
            .order_by()
            .annotate(current_report=current)
            .values_list(*rows, *_MY_ROADMAP_FIELDS, *_MY_REPORT_FIELDS)
        )

    # Everything `_my_queryset(own=True)` builds its SQL from.
    key = (
        "roadmaps:my-rows",
        visibility_key(user, roles_for("roadmaps.report_progress")),
        visibility_key(user),
        bodies_of(user),
        settings.ROADMAP_DRAFTS_SHARED_DOWN,
    )
    return kept_queryset_digest(key, build)


def my_assignment_rows(*, user, today: date | None = None) -> list[MyRow]:
    """The rows of `my_assignments(own=True)` (the same assignments, order, due dates,
    overdue and latest report) as plain values read with `values_list`: the assignee's
    page of a hundred rows built three hundred model instances (assignment, measure,
    school) a request, half of its read, to print a dozen of their values."""
    today = today or timezone.localdate()
    values = list(_my_queryset(user=user, own=True).order_by().values_list(*_MY_ROW_FIELDS))
    roadmaps = _roadmaps_of(v[6] for v in values)
    reports_of: dict[int, list[tuple]] = {}
    for report in (
        ProgressReport.objects.of_scoped(assignment__in=[v[0] for v in values], is_current=True)
        .order_by("-period_start")
        .values_list("assignment_id", "pk", "status", "review_state", "review_reason")
    ):
        reports_of.setdefault(report[0], []).append(report)
    done_state = (ProgressReport.Status.DONE, ProgressReport.Review.ACCEPTED)
    schools: dict[int, Reference] = {}
    keyed = []
    for (
        pk,
        school_id,
        school_name,
        body_short,
        body_name,
        assignee_text,
        roadmap_id,
        number,
        text,
        deadline_text,
        deadline_dates,
        position,
        requires_evidence,
        document_kind,
    ) in values:
        due = due_among([date.fromisoformat(d) for d in deadline_dates or []], today)
        reports = reports_of.get(pk, [])
        done = any((r[2], r[3]) == done_state for r in reports)
        school = None
        if school_id is not None:
            if school_id not in schools:
                schools[school_id] = Reference(school_id, school_name)
            school = schools[school_id]
        # Assignment.assignee: the school, else the body, else the text as written.
        assignee = school_name if school_id is not None else (body_short or body_name)
        row = MyRow(
            pk=pk,
            school=school,
            assignee=assignee if assignee is not None else assignee_text,
            roadmap=roadmaps[roadmap_id],
            number=number,
            text=text,
            deadline_text=deadline_text,
            requires_evidence=requires_evidence,
            document_kind=document_kind,
            due=due,
            overdue=bool(due and due < today and not done),
            done=done,
            latest=CurrentReport(*reports[0][1:]) if reports else None,
        )
        keyed.append(((done, due or date.max, position, pk), row))
    keyed.sort(key=lambda kr: kr[0])
    return [row for _key, row in keyed]


def _school_due_queryset(*, user, school: School):
    """The school's assignments in active roadmaps with the measure's number, text,
    dates and position, and one accepted «done» report's id (None when there is none).
    Its SQL is made of the user's reach, the school and the drafts setting only:
    `school_assignments_due_digest` keeps it under them (a new input joins that key)."""
    active = (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    accepted = ProgressReport.objects.of_scoped(
        assignment=OuterRef("pk"),
        is_current=True,
        status=ProgressReport.Status.DONE,
        review_state=ProgressReport.Review.ACCEPTED,
    )
    return (
        Assignment.objects.visible_to(user)
        .filter(school=school, measure__roadmap__status__in=active)
        .select_related("measure")
        .only("measure__number", "measure__text", "measure__deadline_dates", "measure__position")
        # One accepted report's id, not EXISTS: PostgreSQL turns an EXISTS into a hashed
        # subplan reading every accepted report of the region (15,000 rows, 7-10 ms at
        # the load region); a scalar subquery with LIMIT probes the partial index
        # progressreport_done_idx once a row (0.6 ms for a school's hundred).
        .annotate(done_report=Subquery(accepted.values("pk")[:1]))
    )


def school_assignments_due_digest(*, user, school: School) -> str:
    """A digest of everything `school_assignments_due` reads (each assignment's id, its
    measure's number, text, dates and position, whether it is done): a cache key of
    the rows changes with any of them, in one query that returns one value."""
    from infra.digest import kept_queryset_digest
    from schools.scoping import visibility_key

    def build():
        return (
            _school_due_queryset(user=user, school=school)
            .order_by()
            .values_list(
                "pk",
                "measure__number",
                "measure__text",
                "measure__deadline_dates",
                "measure__position",
                "done_report",
            )
        )

    # Everything `_school_due_queryset` builds its SQL from.
    key = (
        "roadmaps:school-due",
        visibility_key(user),
        school.pk,
        settings.ROADMAP_DRAFTS_SHARED_DOWN,
    )
    return kept_queryset_digest(key, build)


def school_assignments_due(*, user, school: School, today: date | None = None) -> list[dict]:
    """The school's assignments in active roadmaps as `my_assignments` rows (due date,
    done, overdue) without their reports: what the deputy's dashboard lists. Reads
    each measure's number, text and dates, and whether an accepted «done» report
    exists, in one query: no roadmap, section or report objects for a hundred rows."""
    today = today or timezone.localdate()
    qs = _school_due_queryset(user=user, school=school)
    rows = []
    for assignment in qs:
        assignment.done = assignment.done_report is not None
        due = next_due(assignment.measure, today)
        rows.append(
            {
                "assignment": assignment,
                "due": due,
                "overdue": bool(due and due < today and not assignment.done),
                "done": assignment.done,
                "latest": None,
            }
        )
    rows.sort(key=lambda r: (r["done"], r["due"] or date.max, r["assignment"].measure.position))
    return rows


class LastItemText(Func):
    """The last element of a JSON array, as text (PostgreSQL's `->> -1`; SQLite's
    JSON path `$[#-1]`, since it reads no negative index)."""

    output_field = TextField()
    template = "(%(expressions)s ->> -1)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="json_extract(%(expressions)s, '$[#-1]')")


OVERDUE_CACHE_SECONDS = 600
# What the official's overdue list prints of each assignment.
OVERDUE_COLUMNS = (
    "pk",
    "measure__number",
    "measure__text",
    "school_id",
    "school__short_name",
    "body_id",
    "body__short_name",
    "body__name",
    "assignee_text",
)


def overdue_assignments(*, user, today: date | None = None, limit: int = 15):
    """The overdue school assignments the user reaches in the active roadmaps they
    see, earliest due first, how many there are in all, and the stamps of those
    roadmaps by id (`roadmap_stamps`, which the dashboard reuses for the one in force).

    Which assignments are late, and how many, is kept in the cache under the stamps of
    those roadmaps (roadmaps.selectors.execution.roadmap_stamps: each one's activity
    token, new with any change to its measures, assignments and reports, the day and
    the reach) and the set of them: a look again reads two small rows instead of
    counting a municipality's thousands of late assignments. The rows shown are read
    afresh each time, as dicts of OVERDUE_COLUMNS with their `due` date and `assignee`
    (the name `Assignment.assignee` gives)."""
    from django.core.cache import cache

    from roadmaps.selectors.execution import roadmap_stamps

    today = today or timezone.localdate()
    active = (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    # What a stamp reads of each roadmap, its activity token joined, as tuples: no model
    # objects for fifty roadmaps, no second query for their tokens.
    roadmaps = [
        StampedRoadmap(*row)
        for row in Roadmap.objects.visible_to(user)
        .filter(status__in=active)
        .order_by("pk")
        .values_list(*STAMP_COLUMNS)
    ]
    stamps = roadmap_stamps(roadmaps=roadmaps, user=user, today=today)
    digest = hashlib.sha256(repr(sorted(stamps.items())).encode()).hexdigest()
    key = f"roadmaps:overdue:{limit}:{digest}"
    late = cache.get(key)
    if late is None:
        late = _late_assignments(user=user, today=today, limit=limit, roadmaps=roadmaps)
        cache.set(key, late, spread(OVERDUE_CACHE_SECONDS))
    # The rows shown as plain values: what the dashboard prints of each (the measure's
    # number and text, the assignee), not a dozen objects a row.
    values = {
        row["pk"]: row
        for row in Assignment.objects.of_scoped(pk__in=[pk for pk, _due, _n in late]).values(
            *OVERDUE_COLUMNS
        )
    }
    rows = []
    for pk, due, _n in late:
        row = values.get(pk)
        if row is None:
            continue  # deleted with its school since (no roadmap's history tells)
        rows.append({**row, "due": due, "assignee": assignee_of(row, prefix="")})
    return rows, late[0][2] if late else 0, stamps


def _late_assignments(*, user, today: date, limit: int, roadmaps) -> list[tuple]:
    """(id, due date, how many in all) of the first `limit` late, unaccepted school
    assignments the user reaches in `roadmaps`. A municipality has thousands of
    assignments: the late measures come from their deadlines (a few hundred rows),
    and PostgreSQL counts and orders the late assignments in one query (the count as
    a window over them), so only the `limit` rows shown are read."""
    base = Assignment.objects.visible_to(user).filter(
        school__isnull=False, measure__roadmap__in=[r.pk for r in roadmaps]
    )
    # A measure is late when none of its dates is still ahead; it was due on the last.
    late_measures = [
        measure_id
        for measure_id, dates in Measure.objects.of_scoped(
            pk__in=base.order_by().values("measure_id")
        ).values_list("pk", "deadline_dates")
        if dates and all(date.fromisoformat(d) < today for d in dates)
    ]
    accepted = ProgressReport.objects.of_scoped(
        assignment=OuterRef("pk"),
        is_current=True,
        status=ProgressReport.Status.DONE,
        review_state=ProgressReport.Review.ACCEPTED,
    )
    late = (
        base.filter(measure_id__in=late_measures)
        .exclude(Exists(accepted))
        .annotate(
            due=Cast(LastItemText(F("measure__deadline_dates")), DateField()),
            late_count=Window(Count("pk")),
        )
        .order_by("due", "pk")
        .values_list("pk", "due", "late_count")[:limit]
    )
    return [tuple(row) for row in late]


class StampedRoadmap(NamedTuple):
    """What `roadmap_stamps` reads of a roadmap, read as STAMP_COLUMNS: its activity
    token with it (None: it has none yet)."""

    pk: int
    version: int
    updated_at: datetime
    token: str | None


# The columns of a StampedRoadmap, the token through the roadmap's one-to-one activity
# row (a LEFT JOIN).
STAMP_COLUMNS = ("pk", "version", "updated_at", "activity__token")


class AssignmentRow(NamedTuple):
    pk: int
    measure_id: int
    school_id: int | None


def _due_of(measure: Measure, roadmap: Roadmap) -> date:
    dates = measure.due_dates
    return dates[-1] if dates else roadmap_period(roadmap)[1]
