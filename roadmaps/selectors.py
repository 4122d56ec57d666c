"""Reads of roadmaps, always through the scoping rule, with their joins done once.

The figures (execution, reporting rate, cascade status) are computed here from
a handful of queries per roadmap, never one query per measure or school.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from roadmaps.deadlines import plan_period
from roadmaps.models import (
    Assignment,
    Evidence,
    Measure,
    ProgressReport,
    Revision,
    Roadmap,
    Section,
)
from schools.history import ChangeRecord
from schools.models import School

# A report for a period is on time when sent by this many days after the period ends
# («до 10 числа месяца, следующего за отчётным», as orders usually put it).
REPORT_GRACE_DAYS = 10


# --------------------------------------------------------------------------- periods


def roadmap_period(roadmap: Roadmap) -> tuple[date, date]:
    """The period deadlines are read in: the roadmap's dates, its academic year,
    else the school year of its order date (or of today), as `plan_period` reads them."""
    if roadmap.period_start and roadmap.period_end:
        return roadmap.period_start, roadmap.period_end
    year = (roadmap.academic_year or "").strip()
    if len(year) >= 4 and year[:4].isdigit():
        first = int(year[:4])
        return date(first, 9, 1), date(first + 1, 8, 31)
    plan = plan_period(order_date=roadmap.order_date, today=timezone.localdate())
    return plan.start, plan.end


MONTHS_IN = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def reporting_periods(roadmap: Roadmap) -> list[tuple[date, date]]:
    """Calendar months, quarters, half-years or years covering the roadmap's
    period, clipped to it."""
    start, end = roadmap_period(roadmap)
    step = MONTHS_IN.get(roadmap.reporting_period, 3)
    month0 = (start.month - 1) // step * step + 1
    cursor = date(start.year, month0, 1)
    periods = []
    while cursor <= end:
        last_month = cursor.month + step - 1
        year = cursor.year + (last_month - 1) // 12
        last_month = (last_month - 1) % 12 + 1
        period_end = date(year, last_month, calendar.monthrange(year, last_month)[1])
        periods.append((max(cursor, start), min(period_end, end)))
        cursor = period_end + timedelta(days=1)
    return periods


def period_containing(roadmap: Roadmap, day: date) -> tuple[date, date]:
    periods = reporting_periods(roadmap)
    if not periods:  # a period that ends before it starts: report on it as a whole
        return roadmap_period(roadmap)
    for period in periods:
        if period[0] <= day <= period[1]:
            return period
    return periods[-1] if day > periods[-1][1] else periods[0]


# --------------------------------------------------------------------------- roadmaps


def roadmap_list(*, user, status: str = "", level: str = "", search: str = ""):
    qs = (
        Roadmap.objects.visible_to(user)
        .select_related("region", "municipality", "school", "parent")
        .annotate(measure_count=Count("measures", distinct=True))
        .order_by("-created_at", "-pk")
    )
    if status:
        qs = qs.filter(status=status)
    if level == "region":
        qs = qs.filter(municipality__isnull=True)
    elif level == "municipality":
        qs = qs.filter(municipality__isnull=False, school__isnull=True)
    elif level == "school":
        qs = qs.filter(school__isnull=False)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(order_number__iexact=search))
    return qs


def _in_force_rank(roadmap, today: date):
    """A roadmap put in force before one only approved, then one whose period holds
    today, then one not past, then the latest approved."""
    current = (roadmap.period_start is None or roadmap.period_start <= today) and (
        roadmap.period_end is None or roadmap.period_end >= today
    )
    not_past = roadmap.period_end is None or roadmap.period_end >= today
    return (
        roadmap.status == Roadmap.Status.IN_FORCE,
        current,
        not_past,
        roadmap.approved_at.timestamp() if roadmap.approved_at else 0,
        roadmap.pk,
    )


def _approved(user):
    return Roadmap.objects.visible_to(user).filter(
        status__in=(Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    )


def roadmap_in_force(*, user, municipality=None, school=None, today: date | None = None):
    """The roadmap in force at a node, as the dashboards show it (`_in_force_rank`).
    A roadmap of a past year approved today does not displace it."""
    today = today or timezone.localdate()
    qs = _approved(user)
    if school is not None:
        qs = qs.filter(school=school)
    elif municipality is not None:
        qs = qs.filter(municipality=municipality, school__isnull=True)
    candidates = qs.select_related("region", "municipality", "school").order_by(
        "-approved_at", "-pk"
    )[:20]
    return max(candidates, key=lambda r: _in_force_rank(r, today), default=None)


def municipal_roadmaps_in_force(*, user, municipalities, today: date | None = None) -> dict:
    """`roadmap_in_force` of every municipality at once, {municipality id: roadmap}:
    one query for a region of any size."""
    today = today or timezone.localdate()
    best = {}
    for roadmap in (
        _approved(user)
        .filter(municipality__in=[m.pk for m in municipalities], school__isnull=True)
        .select_related("region", "municipality")
    ):
        held = best.get(roadmap.municipality_id)
        if held is None or _in_force_rank(roadmap, today) > _in_force_rank(held, today):
            best[roadmap.municipality_id] = roadmap
    return best


def roadmap_get(*, user, pk) -> Roadmap:
    return Roadmap.objects.select_related(
        "region", "municipality", "school", "parent"
    ).get_visible_or_404(user, pk=pk)


def section_get(*, user, pk) -> Section:
    return Section.objects.select_related("roadmap").get_visible_or_404(user, pk=pk)


def measure_get(*, user, pk) -> Measure:
    return Measure.objects.select_related(
        "roadmap__region", "roadmap__municipality", "roadmap__school", "section", "updated_by"
    ).get_visible_or_404(user, pk=pk)


def measure_list(*, roadmap: Roadmap) -> list[Measure]:
    """The measures of a roadmap in document order, each with `body_list`,
    `school_list` and `indicator_list`: three grouped queries for the whole
    roadmap instead of Django's per-object prefetch (the page of 150 measures
    spent most of its time there)."""
    from roadmaps.models import Indicator
    from schools.models import Body

    measures = list(
        roadmap.measures.select_related("section", "source_measure").order_by(
            "section__position", "section_id", "position", "pk"
        )
    )
    bodies_of, schools_of, indicators_of = defaultdict(list), defaultdict(list), defaultdict(list)
    body_links = list(
        Measure.responsible_bodies.through.objects.filter(measure__roadmap=roadmap).values_list(
            "measure_id", "body_id"
        )
    )
    school_links = list(
        Measure.responsible_schools.through.objects.filter(measure__roadmap=roadmap).values_list(
            "measure_id", "school_id"
        )
    )
    bodies = Body.objects.in_bulk({b for _m, b in body_links})
    schools = School.objects.in_bulk({s for _m, s in school_links})
    for measure_id, body_id in body_links:
        bodies_of[measure_id].append(bodies[body_id])
    for measure_id, school_id in school_links:
        schools_of[measure_id].append(schools[school_id])
    for indicator in Indicator.objects.filter(measure__roadmap=roadmap).order_by("pk"):
        indicators_of[indicator.measure_id].append(indicator)
    for measure in measures:
        measure.body_list = bodies_of.get(measure.pk, [])
        measure.school_list = schools_of.get(measure.pk, [])
        measure.indicator_list = indicators_of.get(measure.pk, [])
    return measures


def roadmap_outline(roadmap: Roadmap) -> list[dict]:
    """Sections as a tree, depth first, each with its measures: what the detail page walks."""
    sections = list(roadmap.sections.order_by("position", "pk"))
    measures = defaultdict(list)
    for measure in measure_list(roadmap=roadmap):
        measures[measure.section_id].append(measure)
    children = defaultdict(list)
    for section in sections:
        children[section.parent_id].append(section)
    rows = []
    if measures.get(None):
        rows.append({"section": None, "depth": 0, "measures": measures[None]})

    def walk(parent_id, depth):
        for section in children.get(parent_id, []):
            rows.append(
                {"section": section, "depth": depth, "measures": measures.get(section.pk, [])}
            )
            walk(section.pk, depth + 1)

    walk(None, 0)
    return rows


def indicator_get(*, user, pk):
    from roadmaps.models import Indicator

    return Indicator.objects.select_related("measure__roadmap").get_visible_or_404(user, pk=pk)


def revision_list(*, roadmap: Roadmap):
    return roadmap.revisions.select_related("created_by").order_by("-number")


def revision_get(*, user, pk) -> Revision:
    return Revision.objects.select_related("roadmap").get_visible_or_404(user, pk=pk)


def change_list(*, user, roadmap: Roadmap | None = None):
    qs = ChangeRecord.objects.visible_to(user).select_related("by")
    if roadmap is not None:
        qs = qs.filter(roadmap=roadmap)
    return qs


def change_get(*, user, pk) -> ChangeRecord:
    return ChangeRecord.objects.select_related("by", "roadmap").get_visible_or_404(user, pk=pk)


# --------------------------------------------------------------------------- assignments and reports


def assignment_get(*, user, pk) -> Assignment:
    return Assignment.objects.select_related(
        "measure__roadmap", "measure__section", "school", "body"
    ).get_visible_or_404(user, pk=pk)


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


def next_due(measure: Measure, today: date) -> date | None:
    dates = measure.due_dates
    upcoming = [d for d in dates if d >= today]
    if upcoming:
        return upcoming[0]
    return dates[-1] if dates else None


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
    from schools.policy import roles_for
    from schools.scoping import bodies_of, reach_of

    today = today or timezone.localdate()
    active = (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    if own:
        roles = roles_for("roadmaps.report_progress")
        own_schools = reach_of(user, roles).schools
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
    qs = qs.select_related(
        "measure__roadmap__municipality",
        "measure__roadmap__school",
        "measure__section",
        "school",
        "body",
    ).prefetch_related(
        Prefetch(
            "reports",
            queryset=ProgressReport.objects.filter(is_current=True).order_by("-period_start"),
        )
    )
    if school is not None:
        qs = qs.filter(school=school)
    if body is not None:
        qs = qs.filter(body=body)
    rows = []
    for assignment in qs:
        due = next_due(assignment.measure, today)
        reports = list(assignment.reports.all())
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


def overdue_assignments(*, user, today: date | None = None, limit: int = 15):
    """The overdue school assignments the user reaches, earliest due first, as
    `my_assignments` rows, and how many there are in all. A municipality has
    thousands of assignments: this reads their ids and deadlines as plain values
    and builds whole objects only for the `limit` rows shown."""
    today = today or timezone.localdate()
    active = (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    base = Assignment.objects.visible_to(user).filter(
        school__isnull=False, measure__roadmap__status__in=active
    )
    pairs = list(base.values_list("pk", "measure_id"))
    due_of = {}
    for measure_id, dates in Measure.objects.filter(pk__in={m for _a, m in pairs}).values_list(
        "pk", "deadline_dates"
    ):
        days = [date.fromisoformat(d) for d in dates or []]
        upcoming = [d for d in days if d >= today]
        due_of[measure_id] = upcoming[0] if upcoming else (days[-1] if days else None)
    done = set(
        ProgressReport.objects.filter(
            assignment__in=base,
            is_current=True,
            status=ProgressReport.Status.DONE,
            review_state=ProgressReport.Review.ACCEPTED,
        ).values_list("assignment_id", flat=True)
    )
    late = sorted(
        (due_of[m], a)
        for a, m in pairs
        if due_of.get(m) is not None and due_of[m] < today and a not in done
    )
    shown = [a for _due, a in late[:limit]]
    objects = {
        a.pk: a
        for a in Assignment.objects.filter(pk__in=shown)
        .select_related("measure__roadmap", "measure__section", "school", "body")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=ProgressReport.objects.filter(is_current=True).order_by("-period_start"),
            )
        )
    }
    rows = []
    for due, pk in late[:limit]:
        assignment = objects[pk]
        reports = list(assignment.reports.all())
        rows.append(
            {
                "assignment": assignment,
                "due": due,
                "overdue": True,
                "done": False,
                "latest": reports[0] if reports else None,
            }
        )
    return rows, len(late)


def review_queue(*, user, roadmap: Roadmap | None = None):
    """Current reports waiting for review that the user may review."""
    qs = (
        ProgressReport.objects.visible_to(user, roles=_reviewer_roles())
        .filter(is_current=True, review_state=ProgressReport.Review.SUBMITTED)
        .select_related(
            "assignment__measure__roadmap", "assignment__school", "assignment__body", "submitted_by"
        )
        .prefetch_related("evidence")
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


# --------------------------------------------------------------------------- figures


class AssignmentRow(NamedTuple):
    pk: int
    measure_id: int
    school_id: int | None


def _due_of(measure: Measure, roadmap: Roadmap) -> date:
    dates = measure.due_dates
    return dates[-1] if dates else roadmap_period(roadmap)[1]


EXECUTION_CACHE_SECONDS = 600


def roadmap_execution_cached(*, roadmap: Roadmap, user, today: date | None = None) -> dict:
    """`roadmap_execution` kept in the cache under a stamp of the roadmap (its
    version) and of its reports (count, last sent, last reviewed) and the user's
    reach: a dashboard opened again reads two small aggregates instead of every
    assignment, and any change to the roadmap or a report computes it afresh."""
    import hashlib

    from django.core.cache import cache
    from django.db.models import Max

    from schools.scoping import reach_of

    today = today or timezone.localdate()
    stamp = ProgressReport.objects.filter(assignment__measure__roadmap=roadmap).aggregate(
        n=Count("pk"), sent=Max("submitted_at"), reviewed=Max("reviewed_at")
    )
    reach = reach_of(user)
    key = repr(
        (
            roadmap.pk,
            roadmap.version,
            str(roadmap.updated_at),
            today.isoformat(),
            stamp["n"],
            str(stamp["sent"]),
            str(stamp["reviewed"]),
            reach.everything,
            sorted(reach.regions),
            sorted(reach.municipalities),
            sorted(reach.schools),
        )
    )
    key = "roadmaps:execution:" + hashlib.sha256(key.encode()).hexdigest()
    execution = cache.get(key)
    if execution is None:
        execution = roadmap_execution(roadmap=roadmap, user=user, today=today)
        cache.set(key, execution, EXECUTION_CACHE_SECONDS)
    return execution


def roadmap_execution(*, roadmap: Roadmap, user=None, today: date | None = None) -> dict:
    """Execution of a roadmap from accepted reports only.

    A measure is done when every one of its assignments has an accepted report
    "done"; on time when the last of those was submitted by the measure's last
    due date (the period's end when the deadline yields no date). Overdue: not
    done and the due date has passed. Cancelled assignments leave the count.
    Figures are given for the whole roadmap, by school and by top-level section,
    beside the reporting rate per school.
    """
    today = today or timezone.localdate()
    qs = Assignment.objects.filter(measure__roadmap=roadmap)
    if user is not None:
        qs = qs.visible_to(user)
    # Plain tuples: a roadmap of 150 measures for 7 schools has over a thousand assignments.
    assignments = [AssignmentRow(*row) for row in qs.values_list("pk", "measure_id", "school_id")]
    visible = {a.pk for a in assignments}
    measures = {
        m.pk: m
        for m in roadmap.measures.only(
            "pk", "roadmap_id", "section_id", "deadline_kind", "deadline_dates"
        )
    }
    due_of = {pk: _due_of(m, roadmap) for pk, m in measures.items()}
    accepted = defaultdict(list)
    for assignment_id, status, submitted_at in ProgressReport.objects.filter(
        assignment__measure__roadmap=roadmap,
        is_current=True,
        review_state=ProgressReport.Review.ACCEPTED,
    ).values_list("assignment_id", "status", "submitted_at"):
        if assignment_id in visible:
            accepted[assignment_id].append((status, submitted_at))

    def state_of(assignment):
        measure = measures[assignment.measure_id]
        due = due_of[assignment.measure_id]
        reports = accepted.get(assignment.pk, [])
        if any(status == ProgressReport.Status.CANCELLED for status, _at in reports):
            return "cancelled", due
        done = [at for status, at in reports if status == ProgressReport.Status.DONE]
        if done:
            when = max(timezone.localtime(at).date() for at in done)
            return ("done_on_time" if when <= due else "done_late"), due
        if measure.deadline_kind == "on_demand" and not measure.deadline_dates:
            return "open", due  # «по мере необходимости» is never late
        return ("overdue" if due < today else "open"), due

    states = {a.pk: state_of(a)[0] for a in assignments}

    def summary(keys_states: list[str]) -> dict:
        counted = [s for s in keys_states if s != "cancelled"]
        total = len(counted)
        on_time = counted.count("done_on_time")
        late = counted.count("done_late")
        overdue = counted.count("overdue")
        return {
            "total": total,
            "done": on_time + late,
            "done_on_time": on_time,
            "done_late": late,
            "overdue": overdue,
            "open": counted.count("open"),
            "share_done": _share(on_time + late, total),
            "share_on_time": _share(on_time, total),
            "share_overdue": _share(overdue, total),
        }

    by_measure = defaultdict(list)
    for assignment in assignments:
        by_measure[assignment.measure_id].append(states[assignment.pk])
    measure_states = {}
    for mid, items in by_measure.items():
        live = [s for s in items if s != "cancelled"]
        if not live:
            measure_states[mid] = "cancelled"
        elif all(s.startswith("done") for s in live):
            measure_states[mid] = "done_late" if "done_late" in live else "done_on_time"
        elif "overdue" in live:
            measure_states[mid] = "overdue"
        else:
            measure_states[mid] = "open"

    by_school = defaultdict(list)
    for assignment in assignments:
        if assignment.school_id:
            by_school[assignment.school_id].append(states[assignment.pk])
    schools = School.objects.in_bulk(list(by_school))
    sections = {sec.pk: sec for sec in roadmap.sections.all()}
    by_section = defaultdict(list)
    section_objs = {}
    for mid, state in measure_states.items():
        top = sections.get(measures[mid].section_id)
        while top is not None and top.parent_id is not None:
            top = sections[top.parent_id]
        key = top.pk if top else None
        section_objs[key] = top
        by_section[key].append(state)
    rates = reporting_rate(roadmap=roadmap, assignments=assignments, today=today)
    school_rows = [
        {"school": schools[sid], **summary(items), "rate": rates.get(sid)}
        for sid, items in by_school.items()
    ]
    school_rows.sort(
        key=lambda r: (
            r["share_done"] if r["share_done"] is not None else -1,
            r["school"].short_name,
        )
    )
    section_rows = [{"section": section_objs[k], **summary(v)} for k, v in by_section.items()]
    section_rows.sort(key=lambda r: r["section"].position if r["section"] else -1)
    return {
        "measures": summary(list(measure_states.values())),
        "measure_states": measure_states,
        "assignments": summary(list(states.values())),
        "by_school": school_rows,
        "by_section": section_rows,
    }


def _share(part: int, total: int) -> float | None:
    return round(100 * part / total, 1) if total else None


def reporting_rate(
    *, roadmap: Roadmap, assignments=None, today: date | None = None
) -> dict[int, dict]:
    """Per school: reports due for the ended periods, sent on time, late, missing.

    A period is due for an assignment when it has ended (before `today`) and
    started after the roadmap was approved. Any submitted report counts here,
    accepted or not: this is about reporting, not about execution.
    """
    today = today or timezone.localdate()
    if assignments is None:
        assignments = list(
            Assignment.objects.filter(measure__roadmap=roadmap, school__isnull=False)
        )
    assignments = [a for a in assignments if a.school_id]
    # Reports are due from the approving order's date (the system may record it later).
    approved = roadmap.order_date or (
        timezone.localtime(roadmap.approved_at).date() if roadmap.approved_at else None
    )
    periods = [
        p
        for p in reporting_periods(roadmap)
        if p[1] < today and (approved is None or p[1] >= approved)
    ]
    first_sent = {}
    reports = ProgressReport.objects.filter(assignment__measure__roadmap=roadmap).values_list(
        "assignment_id", "period_start", "submitted_at"
    )
    for assignment_id, period_start, submitted_at in reports:
        key = (assignment_id, period_start)
        if key not in first_sent or submitted_at < first_sent[key]:
            first_sent[key] = submitted_at
    rates: dict[int, dict] = {}
    for assignment in assignments:
        row = rates.setdefault(
            assignment.school_id, {"due": 0, "on_time": 0, "late": 0, "missing": 0}
        )
        for start, end in periods:
            row["due"] += 1
            sent = first_sent.get((assignment.pk, start))
            if sent is None:
                row["missing"] += 1
            elif timezone.localtime(sent).date() <= end + timedelta(days=REPORT_GRACE_DAYS):
                row["on_time"] += 1
            else:
                row["late"] += 1
    for row in rates.values():
        row["share_on_time"] = _share(row["on_time"], row["due"])
        row["share_missing"] = _share(row["missing"], row["due"])
    return rates


# --------------------------------------------------------------------------- cascade


def _norm(text: str) -> str:
    return " ".join((text or "").replace("ё", "е").split()).lower()


def cascade_status(*, roadmap: Roadmap, user=None) -> list[dict]:
    """Per school of the municipality: its roadmap from this one (not started,
    draft, approved…), the required municipal measures missing from it, and the
    measures whose text or deadline the school changed."""
    schools = School.objects.filter(municipality_id=roadmap.municipality_id, is_active=True)
    if user is not None:
        schools = schools.visible_to(user)
    schools = list(schools.order_by("short_name"))
    municipal = list(roadmap.measures.prefetch_related("responsible_schools"))
    children = {}
    for child in (
        roadmap.school_roadmaps.exclude(status=Roadmap.Status.CLOSED)
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.only(
                    "pk", "roadmap_id", "number", "text", "deadline_text", "source_measure_id"
                ),
            )
        )
        .order_by("created_at")
    ):
        children[child.school_id] = child
    rows = []
    for school in schools:
        required = [
            m
            for m in municipal
            if m.for_all_schools or any(s.pk == school.pk for s in m.responsible_schools.all())
        ]
        child = children.get(school.pk)
        if child is None:
            rows.append(
                {
                    "school": school,
                    "roadmap": None,
                    "state": "not_started",
                    "missing": required,
                    "changed": [],
                }
            )
            continue
        sourced = {}
        for measure in child.measures.all():
            if measure.source_measure_id:
                sourced.setdefault(measure.source_measure_id, measure)
        missing = [m for m in required if m.pk not in sourced]
        changed = []
        for m in municipal:
            copy = sourced.get(m.pk)
            if copy is None:
                continue
            fields = []
            if _norm(copy.text) != _norm(m.text):
                fields.append({"label": _("мероприятие"), "before": m.text, "after": copy.text})
            if _norm(copy.deadline_text) != _norm(m.deadline_text):
                fields.append(
                    {"label": _("срок"), "before": m.deadline_text, "after": copy.deadline_text}
                )
            if fields:
                changed.append({"measure": m, "copy": copy, "fields": fields})
        state = (
            "approved"
            if child.status in (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
            else child.status
        )
        rows.append(
            {
                "school": school,
                "roadmap": child,
                "state": state,
                "missing": missing,
                "changed": changed,
            }
        )
    return rows


def roadmap_as_parsed(roadmap: Roadmap):
    """The roadmap as the document parser would have found it: what the exporters take."""
    from roadmaps.importers.parsed import (
        ParsedApproval,
        ParsedMeasure,
        ParsedOrder,
        ParsedRoadmap,
        ParsedSection,
    )

    sections = list(roadmap.sections.order_by("position", "pk"))
    by_section = defaultdict(list)
    for m in roadmap.measures.order_by("position", "pk"):
        by_section[m.section_id].append(
            ParsedMeasure(
                number=m.number,
                text=m.text,
                participants=m.participants,
                deadline_text=m.deadline_text,
                responsible_text=m.responsible_text,
                result=m.result,
                document=m.document_text,
                extra=m.visible_extra,
            )
        )
    nodes = {
        s.pk: ParsedSection(number=s.number, title=s.title, measures=by_section.get(s.pk, []))
        for s in sections
    }
    top = []
    if by_section.get(None):
        top.append(ParsedSection(number="", title="", measures=by_section[None]))
    for s in sections:
        if s.parent_id and s.parent_id in nodes:
            nodes[s.parent_id].sections.append(nodes[s.pk])
        else:
            top.append(nodes[s.pk])
    approvals = []
    for item in roadmap.approvals or []:
        if isinstance(item, dict) and "label" in item:
            approvals.append(
                ParsedApproval(
                    **{k: item.get(k, "") for k in ("label", "position", "name", "date_text")}
                )
            )
    return ParsedRoadmap(
        title=roadmap.title,
        period_start=roadmap.period_start,
        period_end=roadmap.period_end,
        preamble=roadmap.preamble,
        order=ParsedOrder(
            number=roadmap.order_number,
            date=roadmap.order_date,
            place=roadmap.order_place,
            title=roadmap.order_title,
            signatory=roadmap.order_signatory,
            signatory_position=roadmap.order_signatory_position,
            body=roadmap.order_body,
            preamble=roadmap.order_preamble,
            items=list(roadmap.order_items or []),
        ),
        sections=top,
        closing=roadmap.closing,
        approvals=approvals,
    )
