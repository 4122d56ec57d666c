"""The figures of roadmaps: execution by measure and school, reporting rate, the
cascade status of school roadmaps; a handful of queries per roadmap, never one
per measure or school."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from roadmaps.models import (
    Assignment,
    Measure,
    ProgressReport,
    Roadmap,
    RoadmapActivity,
)
from roadmaps.selectors.assignment import AssignmentRow, StampedRoadmap, _due_of
from roadmaps.selectors.period import REPORT_GRACE_DAYS, reporting_periods
from schools.models import School

EXECUTION_CACHE_SECONDS = 600


def roadmap_stamps(*, roadmaps, user, today: date | None = None) -> dict[int, str]:
    """A stamp of what each roadmap's figures are made of, by roadmap id: the roadmap as
    read (its version and last change), its activity token (RoadmapActivity: new with
    every line of its history, so with any change to it, its sections, measures,
    assignments and reports made through the services or the admin), the day and the
    user's reach. One query for all of them, reading a row per roadmap, or none when
    the caller read the tokens with the roadmaps (`_tokens_read`); the cache keys of
    the roadmaps' figures start with them."""
    import hashlib

    from schools.scoping import home_nodes

    today = today or timezone.localdate()
    roadmaps = list(roadmaps)
    tokens = _tokens_read(roadmaps)
    if tokens is None:
        tokens = dict(
            RoadmapActivity.objects.of_scoped(roadmap__in=[r.pk for r in roadmaps]).values_list(
                "roadmap_id", "token"
            )
        )
    reach = home_nodes(user).key
    stamps = {}
    for roadmap in roadmaps:
        key = repr(
            (
                roadmap.pk,
                roadmap.version,
                str(roadmap.updated_at),
                tokens.get(roadmap.pk),
                today.isoformat(),
                reach,
            )
        )
        stamps[roadmap.pk] = hashlib.sha256(key.encode()).hexdigest()
    return stamps


def _tokens_read(roadmaps) -> dict[int, str | None] | None:
    """The activity tokens the caller read with `roadmaps`, by id, or None when any of
    them came without its token: a Roadmap read with select_related("activity") (None
    for a roadmap that has no token yet), or a StampedRoadmap (read with its token,
    roadmaps.selectors.assignment.STAMP_COLUMNS)."""
    tokens = {}
    for roadmap in roadmaps:
        if isinstance(roadmap, StampedRoadmap):
            tokens[roadmap.pk] = roadmap.token
        elif isinstance(roadmap, Roadmap) and Roadmap.activity.is_cached(roadmap):
            # None when the join found no row (the attribute would raise).
            activity = Roadmap.activity.related.get_cached_value(roadmap)
            tokens[roadmap.pk] = activity.token if activity is not None else None
        else:
            return None
    return tokens


def roadmap_stamp(*, roadmap: Roadmap, user, today: date | None = None) -> str:
    """The stamp of one roadmap's figures (`roadmap_stamps`)."""
    return roadmap_stamps(roadmaps=[roadmap], user=user, today=today)[roadmap.pk]


def roadmap_execution_cached(
    *, roadmap: Roadmap, user, today: date | None = None, stamp: str | None = None
) -> dict:
    """`roadmap_execution` kept in the cache under the roadmap's stamp (`roadmap_stamp`,
    or the one the caller already read): a page opened again reads one small
    aggregate instead of every assignment, and any change computes it afresh (by one
    request when several miss it at once: `infra.cache_once`)."""
    from infra.cache_once import get_once

    today = today or timezone.localdate()
    stamp = stamp or roadmap_stamp(roadmap=roadmap, user=user, today=today)
    return get_once(
        "roadmaps:execution:" + stamp,
        lambda: roadmap_execution(roadmap=roadmap, user=user, today=today),
        EXECUTION_CACHE_SECONDS,
    )


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
    qs = Assignment.objects.of_scoped(measure__roadmap=roadmap)
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
    for assignment_id, status, submitted_at in ProgressReport.objects.of_scoped(
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
    schools = School.objects.of_scoped().in_bulk(list(by_school))
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
            Assignment.objects.of_scoped(measure__roadmap=roadmap, school__isnull=False)
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
    reports = ProgressReport.objects.of_scoped(assignment__measure__roadmap=roadmap).values_list(
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


def _norm(text: str) -> str:
    return " ".join((text or "").replace("ё", "е").split()).lower()


def cascade_status(*, roadmap: Roadmap, user=None, measures=None, children=None) -> list[dict]:
    """Per school of the municipality: its roadmap from this one (not started,
    draft, approved…), the required municipal measures missing from it, and the
    measures whose text or deadline the school changed. Only the listed schools'
    roadmaps are read (a deputy's page reads one, not the municipality's), and the
    measures each school must carry are found from one set per measure, not by
    scanning every measure's schools for every school. `measures`: the roadmap's
    measures the caller has read with their `school_list` (roadmaps.selectors.measure.
    measure_list, as the roadmap's page does), taken instead of reading them again.
    `children`: the school roadmaps made from this one that the user sees, as the
    roadmap's page has read them for its list (roadmaps.views.cascade), taken instead
    of reading them again (a child whose school is not among the user's listed schools
    is left out, as the query does). The children's copied measures are not read: SQL
    counts them and returns only the ids of an incomplete child's copies and the copies
    whose text or deadline differs from the municipal measure (`_sources_copied`,
    `_copies_edited`), so a miss of the page's cache costs a few small queries."""
    schools = School.objects.of_scoped(municipality_id=roadmap.municipality_id, is_active=True)
    if user is not None:
        schools = schools.visible_to(user)
    schools = list(schools.order_by("short_name"))
    responsible = defaultdict(set)
    if measures is not None:
        # The roadmap's own order (Measure.Meta: position, pk), not the outline's.
        municipal = sorted(measures, key=lambda m: (m.position, m.pk))
        for measure in municipal:
            for school in measure.school_list:
                responsible[school.pk].add(measure.pk)
    else:
        municipal = list(
            roadmap.measures.only(
                "pk", "roadmap_id", "position", "number", "text", "deadline_text", "for_all_schools"
            ).order_by("position", "pk")
        )
        for measure_id, school_id in Measure.responsible_schools.through.objects.filter(
            measure__roadmap=roadmap
        ).values_list("measure_id", "school_id"):
            responsible[school_id].add(measure_id)
    for_all = [m for m in municipal if m.for_all_schools]
    listed = {school.pk for school in schools}
    if children is not None:
        # Oldest first, as the query below: a school's newest roadmap is the one kept.
        taken = sorted(
            (c for c in children if c.status != Roadmap.Status.CLOSED and c.school_id in listed),
            key=lambda c: (c.created_at, c.pk),
        )
    else:
        taken = (
            roadmap.school_roadmaps.exclude(status=Roadmap.Status.CLOSED)
            .filter(school_id__in=listed)
            .order_by("created_at", "pk")
        )
    children = {}
    for child in taken:
        children[child.school_id] = child
    kept = [child.pk for child in children.values()]
    sourced = _sources_copied(children=kept, measures=[m.pk for m in municipal])
    edited = _copies_edited(roadmap=roadmap, children=kept)
    rows = []
    for school in schools:
        own = responsible.get(school.pk)
        required = [m for m in municipal if m.for_all_schools or m.pk in own] if own else for_all
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
        copied = sourced.get(child.pk)  # None: every municipal measure has its copy
        missing = [] if copied is None else [m for m in required if m.pk not in copied]
        changed = []
        copies = edited.get(child.pk)
        for m in municipal if copies else ():
            copy = copies.get(m.pk)
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
        rows.append(
            {
                "school": school,
                "roadmap": child,
                "state": cascade_state(child.status),
                "missing": missing,
                "changed": changed,
            }
        )
    return rows


def _sources_copied(*, children: list[int], measures: list[int]) -> dict[int, set]:
    """Which of the municipal `measures` (ids) each of the school roadmaps `children`
    has a copy of, {child id: {measure id}}, for the children that lack a copy of some:
    a child absent from the answer has a copy of every one. The copies are counted in
    SQL, a row a child; only the ids of an incomplete child's copies are read, not the
    thousands of copied measures of a municipality."""
    if not children or not measures:
        return {}
    copies = Measure.objects.of_scoped(roadmap_id__in=children, source_measure_id__in=measures)
    counts = dict(
        copies.order_by()
        .values("roadmap_id")
        .annotate(n=Count("source_measure_id", distinct=True))
        .values_list("roadmap_id", "n")
    )
    incomplete = [child for child in children if counts.get(child, 0) < len(set(measures))]
    sourced: dict[int, set] = {child: set() for child in incomplete}
    if incomplete:
        for child, source in (
            copies.filter(roadmap_id__in=incomplete)
            .order_by()
            .values_list("roadmap_id", "source_measure_id")
            .distinct()
        ):
            sourced[child].add(source)
    return sourced


def _copies_edited(*, roadmap: Roadmap, children: list[int]) -> dict[int, dict]:
    """The copies whose text or deadline differs from their municipal measure in the
    school roadmaps `children`, {child id: {municipal measure id: copy}}: the first
    copy of each measure in the child's order (position, id), as cascade_status
    compares them. The database compares the texts as written, so only the few copies
    a school edited come back; `_norm` then tells a real change from a different
    spacing or case."""
    if not children:
        return {}
    earlier = Measure.objects.of_scoped(
        roadmap_id=OuterRef("roadmap_id"), source_measure_id=OuterRef("source_measure_id")
    ).filter(
        Q(position__lt=OuterRef("position"))
        | Q(position=OuterRef("position"), pk__lt=OuterRef("pk"))
    )
    edited: dict[int, dict] = {}
    for copy in (
        Measure.objects.of_scoped(roadmap_id__in=children, source_measure__roadmap=roadmap)
        .exclude(text=F("source_measure__text"), deadline_text=F("source_measure__deadline_text"))
        .exclude(Exists(earlier))
        .only("pk", "roadmap_id", "number", "text", "deadline_text", "source_measure_id")
        .order_by()
    ):
        edited.setdefault(copy.roadmap_id, {})[copy.source_measure_id] = copy
    return edited


CASCADE_STATES = ("not_started", "draft", "approved")


def cascade_state(status: str | None) -> str:
    """A school's state in the cascade (one of CASCADE_STATES) from the status of its
    newest school roadmap made from the municipal one that is not closed (None: it has
    none): the roadmap's page (cascade_status) and the home page's counts
    (cascade_state_counts) read it the same way."""
    if status is None:
        return "not_started"
    if status in (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE):
        return "approved"
    return "draft"


def cascade_state_counts(*, roadmap: Roadmap, user) -> dict[str, int]:
    """How many of the schools `cascade_status` lists are in each state, {state: n} in
    the order of CASCADE_STATES, the states with none left out: what the home page
    shows of the cascade. The same schools (the municipality's active ones the user
    sees) and the same school roadmap of each (its newest one made from `roadmap` that
    is not closed), read in one query of a value per school, without a measure: the
    state is the school roadmap's status, and the copied measures that
    `cascade_status` compares change no state."""
    newest = (
        Roadmap.objects.of_scoped(parent=roadmap, school=OuterRef("pk"))
        .exclude(status=Roadmap.Status.CLOSED)
        .order_by("-created_at", "-pk")
        .values("status")[:1]
    )
    statuses = (
        School.objects.of_scoped(municipality_id=roadmap.municipality_id, is_active=True)
        .visible_to(user)
        .annotate(cascade_status=Subquery(newest))
        .order_by()  # counted, not listed: no join to the municipalities for the order
        .values_list("cascade_status", flat=True)
    )
    counts = Counter(cascade_state(status) for status in statuses)
    return {state: counts[state] for state in CASCADE_STATES if counts[state]}
