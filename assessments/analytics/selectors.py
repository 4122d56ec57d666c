"""Reads behind the analytic pages: a procedure's results at one level (a class,
a school, a municipality, the region) as numpy columns, and the standard
tables computed from them by `assessments.analytics`.

Speed: every level is one `values_list` query whose columns go straight into
numpy arrays (`ResultArrays`); no model instances are built. The task scores
are read as JSON text and parsed in one pass for the whole level.

Scoping, and its one deliberate exception
-----------------------------------------
Pupil-level rows (a class, a school) are read through
`Result.objects.visible_to(user)`, like every other read of tenant data.

The reference levels shown beside a school (its municipality and the region,
as ФИС ОКО shows them) are the ONE place in the product that reads beyond the
user's reach: a school deputy does not reach the other schools' rows, yet must
see the municipality's and the region's figures. `reference_arrays` (and
`reference_tables`, which counts those rows to key its cache) reads them from
the procedure's whole queryset on purpose, and only for a
procedure the user already sees and for the municipality or region the user
sits in (or reaches). What leaves this module for such a level is never
pupil-level: the arrays carry no participant codes or classes, only the
aggregate tables are computed from them, and every table part computed from
fewer pupils than `settings.ANALYTICS_MIN_GROUP` (default 10) is suppressed
(`assessments.analytics.suppress`) before it is shown. The unsuppressed
aggregate tables of a reference level are kept in the server's cache (never
sent anywhere) so the region's million rows are read once per import. The
same suppression applies to every table shown outside the school itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min
from django.http import Http404
from django.utils.translation import gettext as _

from assessments.analytics import (
    Deficits,
    Dynamics,
    GroupTables,
    MarkStatistics,
    ResultArrays,
    Scale,
    SideBySide,
    TaskInfo,
    YearInput,
    deficits,
    dynamics,
    group_tables,
    mark_statistics,
    suppress,
)
from assessments.analytics.arrays import arrays_from_queryset
from assessments.analytics.records import fill_marks
from assessments.results.models import Procedure, Result, SchoolAggregate, Task
from assessments.results.models import Scale as ScaleModel
from schools.models import Municipality, School
from schools.scoping import home_nodes

DEFAULT_MIN_GROUP = 10

LEVEL_CLASS = "class"
LEVEL_SCHOOL = "school"
LEVEL_MUNICIPALITY = "municipality"
LEVEL_REGION = "region"


def min_group() -> int:
    """The smallest group whose figures may be shown outside its school."""
    return int(getattr(settings, "ANALYTICS_MIN_GROUP", DEFAULT_MIN_GROUP))


# --- procedures, tasks, scale -------------------------------------------------------


def analytics_procedure_list(*, user):
    """The procedures the user sees, newest first."""
    return (
        Procedure.objects.visible_to(user)
        .select_related("region")
        .order_by("-year", "instrument", "subject", "grade", "season")
    )


def analytics_procedure_get(*, user, pk) -> Procedure:
    return Procedure.objects.select_related("region").get_visible_or_404(user, pk=pk)


def procedure_tasks(*, user, procedure) -> list[TaskInfo]:
    """The tasks in the order of `Result.scores`; with several variants, the
    tasks of the first one (variants share the structure of the form)."""
    rows = list(
        Task.objects.visible_to(user)
        .filter(procedure=procedure)
        .order_by("variant", "position")
        .values_list("variant", "number", "max_score", "level", "planned_result")
    )
    if rows:
        first_variant = rows[0][0]
        rows = [r for r in rows if r[0] == first_variant]
    return [
        TaskInfo(number=number, max_score=maximum, level=level, planned_result=planned)
        for _variant, number, maximum, level, planned in rows
    ]


def procedure_scale(procedure) -> Scale | None:
    """The mark boundaries of the procedure's scale (region's own first, then
    the federal one; a ВПР with objectivity control uses the ВПР scale). None
    when there is none or it converts to test scores rather than marks."""
    from assessments.results.selectors import scale_find

    found = scale_find(procedure=procedure)
    return scale_from_model(found)


def scale_from_model(scale: ScaleModel | None) -> Scale | None:
    if scale is None or scale.kind != ScaleModel.Kind.MARK or not scale.ranges:
        return None
    try:
        return Scale({int(value): (int(low), int(high)) for low, high, value in scale.ranges})
    except (ValueError, TypeError):
        return None


# --- who may see what --------------------------------------------------------------


def is_school_own(user, school_id) -> bool:
    """Whether `user` belongs to the school itself (or is a superuser): only
    they see participant codes, journal differences and deficits per pupil."""
    return home_nodes(user).owns_school(school_id)


def school_for_results(*, user, pk) -> School:
    """A school whose results the user may read; 404 otherwise."""
    school = School.objects.select_related("municipality", "region").get_visible_or_404(user, pk=pk)
    if not user.has_perm("assessments.view_results", school):
        raise Http404
    return school


def municipality_for_results(*, user, pk) -> Municipality:
    """A municipality the user reaches, or the one the user's school lies in
    (its figures are shown to the school as aggregates); 404 otherwise."""
    municipality = (
        Municipality.objects.aggregate_visible_to(user, level="municipality")
        .select_related("region")
        .filter(pk=pk)
        .first()
    )
    if municipality is None:
        raise Http404
    return municipality


def home_level(*, user, procedure) -> tuple[str, object]:
    """Where a user starts: their school, else their municipality, else the region."""
    home = home_nodes(user)
    if home.schools:
        school = School.objects.visible_to(user).filter(
            pk__in=sorted(home.schools), region=procedure.region_id
        )
        school = school.order_by("short_name").first()
        if school is not None:
            return LEVEL_SCHOOL, school
    if home.municipalities:
        municipality = Municipality.objects.visible_to(user).filter(
            pk__in=sorted(home.municipalities), region=procedure.region_id
        )
        municipality = municipality.order_by("name").first()
        if municipality is not None:
            return LEVEL_MUNICIPALITY, municipality
    return LEVEL_REGION, procedure.region


def school_arrays(*, user, procedure, school, task_count, scale) -> ResultArrays:
    """A school's pupils (with classes and codes), through the user's reach."""
    queryset = Result.objects.visible_to(user).filter(
        procedure=procedure, year=procedure.year, school=school
    )
    return arrays_from_queryset(queryset, task_count=task_count, scale=scale, pupil_detail=True)


def reference_arrays(*, procedure, municipality=None, task_count, scale) -> ResultArrays:
    """THE EXCEPTION to the scoping rule (see the module docstring): every
    result of the procedure in `municipality` (or in the whole region), read
    beyond the user's reach, for aggregate tables only. The arrays carry no
    classes or codes; callers suppress small groups before showing anything."""
    queryset = Result.objects.aggregate_of(municipality or procedure.region).filter(
        procedure=procedure, region_id=procedure.region_id, year=procedure.year
    )
    return arrays_from_queryset(queryset, task_count=task_count, scale=scale, pupil_detail=False)


# --- the page's tables -----------------------------------------------------------------


@dataclass
class Column:
    """One level shown side by side. `arrays` is None for a reference level
    whose tables came from the cache (they were computed from arrays before)."""

    kind: str  # LEVEL_*
    title: str
    node: object  # the School, Municipality or Region (a class: its School)
    n: int
    pupil_detail: bool  # the user belongs to this school: codes may be shown
    class_name: str = ""
    arrays: ResultArrays | None = None


@dataclass
class AnalyticsPage:
    procedure: Procedure
    tasks: list[TaskInfo]
    scale: Scale | None
    columns: list[Column]
    tables: SideBySide  # small groups already suppressed where they must be
    dynamics: Dynamics | None
    dynamics_title: str
    classes: list[str]  # classes of the school (for the picker), own users only
    deficits: Deficits | None  # own users of the school only
    minimum: int

    @property
    def first(self) -> Column:
        return self.columns[0]


def _region_title(region) -> str:
    return _("Регион: %(name)s") % {"name": region.name}


def _municipality_title(municipality) -> str:
    return _("Муниципалитет: %(name)s") % {"name": municipality.name}


# Reference tables are kept this long; a new import changes the key anyway.
REFERENCE_CACHE_SECONDS = 24 * 3600


def _reference_key(procedure, municipality_pk, fingerprint: dict, tasks, scale, title) -> str:
    basis = repr(
        (
            {k: fingerprint[k] for k in ("n", "low", "high")},
            scale.boundaries if scale else None,
            list(tasks),
            str(title),
        )
    )
    return "analytics:reference:{}:{}:{}".format(
        procedure.pk,
        municipality_pk if municipality_pk is not None else "region",
        hashlib.sha256(basis.encode()).hexdigest()[:32],
    )


def reference_tables(
    *, procedure, tasks, scale, title: str, municipality=None
) -> tuple[GroupTables, int]:
    """The (unsuppressed) tables of the municipality or the region, and their
    pupil count, from the cache when the procedure's rows there have not
    changed since. The key holds the count and the id range of those rows
    (one index scan) and the tasks and scale they were computed with, so an
    import, a deletion or a new scale makes a new key. Suppression is applied
    by the caller, never stored."""
    rows = Result.objects.aggregate_of(municipality or procedure.region).filter(
        procedure=procedure, region_id=procedure.region_id, year=procedure.year
    )
    fingerprint = rows.aggregate(n=Count("id"), low=Min("id"), high=Max("id"))
    key = _reference_key(
        procedure, getattr(municipality, "pk", None), fingerprint, tasks, scale, title
    )
    cached = cache.get(key)
    if cached is not None:
        return cached, fingerprint["n"]
    arrays = reference_arrays(
        procedure=procedure, municipality=municipality, task_count=len(tasks), scale=scale
    )
    tables = group_tables(title, arrays, tasks, scale, pupil_lists=False)
    cache.set(key, tables, REFERENCE_CACHE_SECONDS)
    return tables, len(arrays)


def reference_tables_warm(*, procedure) -> int:
    """Compute and cache the reference tables of the region and of every
    municipality of `procedure` from one read of its rows, so the first page
    after an import is fast. For a background task after an import (it runs
    without a user: it only fills the server's cache, nothing is shown).
    Returns the number of levels cached."""
    procedure = Procedure.objects.of_scoped(pk=procedure.pk).select_related("region").get()
    tasks = _tasks_by_procedure([procedure]).get(procedure.pk, [])
    scale = procedure_scale(procedure)
    rows = Result.objects.aggregate_of(procedure.region).filter(
        procedure=procedure, year=procedure.year
    )
    fingerprints = {
        row["municipality_id"]: row
        for row in rows.order_by()
        .values("municipality_id")
        .annotate(n=Count("id"), low=Min("id"), high=Max("id"))
    }
    if not fingerprints:
        return 0
    region_print = {
        "n": sum(f["n"] for f in fingerprints.values()),
        "low": min(f["low"] for f in fingerprints.values()),
        "high": max(f["high"] for f in fingerprints.values()),
    }
    arrays = reference_arrays(procedure=procedure, task_count=len(tasks), scale=scale)
    title = _region_title(procedure.region)
    cache.set(
        _reference_key(procedure, None, region_print, tasks, scale, title),
        group_tables(title, arrays, tasks, scale, pupil_lists=False),
        REFERENCE_CACHE_SECONDS,
    )
    schools = dict(
        School.objects.aggregate_of(procedure.region).values_list("pk", "municipality_id")
    )
    school_ids = np.array(sorted(schools), dtype=np.int64)
    municipality_of = np.array([schools[pk] for pk in school_ids], dtype=np.int64)
    position = np.clip(np.searchsorted(school_ids, arrays.school_id), 0, len(school_ids) - 1)
    municipality_column = municipality_of[position]
    for municipality in Municipality.objects.aggregate_of(procedure.region).filter(
        pk__in=list(fingerprints)
    ):
        title = _municipality_title(municipality)
        cache.set(
            _reference_key(
                procedure, municipality.pk, fingerprints[municipality.pk], tasks, scale, title
            ),
            group_tables(
                title,
                arrays.take(municipality_column == municipality.pk),
                tasks,
                scale,
                pupil_lists=False,
            ),
            REFERENCE_CACHE_SECONDS,
        )
    return 1 + len(fingerprints)


def analytics_page(
    *,
    user,
    procedure,
    level: str,
    school: School | None = None,
    municipality: Municipality | None = None,
    class_name: str = "",
    with_deficits: bool = False,
    with_references: bool = True,
) -> AnalyticsPage:
    """The side-by-side tables of `level` and the levels above it.

    `school`/`municipality` must already be checked against the user
    (`school_for_results`, `municipality_for_results`). A class is given by
    `class_name` with its school and is shown only to the school's own users.
    """
    tasks = procedure_tasks(user=user, procedure=procedure)
    scale = procedure_scale(procedure)
    minimum = min_group()
    region = procedure.region
    columns: list[Column] = []
    raw: dict[str, GroupTables] = {}
    classes: list[str] = []

    if level in (LEVEL_CLASS, LEVEL_SCHOOL):
        own = is_school_own(user, school.pk)
        school_data = school_arrays(
            user=user, procedure=procedure, school=school, task_count=len(tasks), scale=scale
        )
        if own:
            classes = sorted({str(c) for c in school_data.class_name}, key=_class_key)
        if level == LEVEL_CLASS and own and class_name in classes:
            class_data = school_data.take(school_data.class_name == class_name)
            title = _("Класс %(name)s") % {"name": class_name}
            columns.append(
                Column(LEVEL_CLASS, title, school, len(class_data), own, class_name, class_data)
            )
        columns.append(
            Column(LEVEL_SCHOOL, school.short_name, school, len(school_data), own, "", school_data)
        )
        for index, column in enumerate(columns):
            raw[column.title] = group_tables(
                column.title,
                column.arrays,
                tasks,
                scale,
                pupil_lists=index == 0 and column.pupil_detail,
            )
        municipality = school.municipality
    references = []
    # Deficits and routes need the school's own pupils only.
    if with_references or not columns:
        if municipality is not None:
            references.append((LEVEL_MUNICIPALITY, _municipality_title(municipality), municipality))
        references.append((LEVEL_REGION, _region_title(region), None))
    for kind, title, node in references:
        tables, n = reference_tables(
            procedure=procedure, tasks=tasks, scale=scale, title=title, municipality=node
        )
        columns.append(Column(kind, title, node if node is not None else region, n, False))
        raw[title] = tables

    shown = SideBySide(
        tasks=list(tasks),
        scale=scale,
        levels={
            c.title: raw[c.title] if c.pupil_detail else suppress(raw[c.title], minimum)
            for c in columns
        },
    )

    trend_column = next(c for c in columns if c.kind != LEVEL_CLASS)
    trend = None
    if with_references:
        trend = level_dynamics(
            user=user,
            procedure=procedure,
            column=trend_column,
            current=raw[trend_column.title].marks,
        )
    if trend is not None and not trend_column.pupil_detail:
        trend = suppress(trend, minimum)

    first = columns[0]
    found_deficits = None
    if with_deficits and first.pupil_detail and first.arrays is not None:
        found_deficits = deficits(first.arrays, tasks, scale)

    return AnalyticsPage(
        procedure=procedure,
        tasks=tasks,
        scale=scale,
        columns=columns,
        tables=shown,
        dynamics=trend,
        dynamics_title=trend_column.title,
        classes=classes,
        deficits=found_deficits,
        minimum=minimum,
    )


def _class_key(name: str):
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 0, name)


# --- dynamics over years ------------------------------------------------------------


def _level_filter(column: Column) -> dict:
    if column.kind == LEVEL_SCHOOL:
        return {"school_id": column.node.pk}
    if column.kind == LEVEL_MUNICIPALITY:
        return {"municipality_id": column.node.pk}
    return {"region_id": column.node.pk}


def level_dynamics(*, user, procedure, column: Column, current: MarkStatistics) -> Dynamics | None:
    """The mark statistics of the same test (instrument, subject, grade,
    season) over the years the user sees, at the column's level.

    One grouped query per year (counts by mark and primary score), so the
    region's history costs a few small queries; a year known only from
    per-school aggregates (older files) is counted from those. Like the
    reference levels, a municipality or region the user does not reach is
    read as aggregates only and suppressed by the caller.
    """
    procedures = list(
        Procedure.objects.visible_to(user)
        .filter(
            region_id=procedure.region_id,
            instrument=procedure.instrument,
            subject=procedure.subject,
            grade=procedure.grade,
            season=procedure.season,
        )
        .order_by("year")
    )
    if not procedures:
        return None
    tasks_by_procedure = _tasks_by_procedure(procedures)
    where = _level_filter(column)
    years: dict[object, YearInput] = {}
    for other in procedures:
        tasks = tasks_by_procedure.get(other.pk)
        if other.pk == procedure.pk:
            stats = current
        else:
            stats = _year_statistics(user, other, where, procedure_scale(other))
        if stats is None:
            continue
        years[other.year] = YearInput(tasks=tasks, statistics=stats)
    return dynamics(years) if years else None


def _tasks_by_procedure(procedures) -> dict[int, list[TaskInfo]]:
    found: dict[int, list[TaskInfo]] = {}
    first_variant: dict[int, str] = {}
    for pk, variant, number, maximum, level, planned in (
        Task.objects.of_scoped(procedure__in=procedures)
        .order_by("procedure", "variant", "position")
        .values_list("procedure_id", "variant", "number", "max_score", "level", "planned_result")
    ):
        first_variant.setdefault(pk, variant)
        if variant == first_variant[pk]:
            found.setdefault(pk, []).append(TaskInfo(number, maximum, level, planned))
    return found


def _year_statistics(user, procedure, where: dict, scale: Scale | None):
    """Mark statistics of one year at one level, from grouped counts (or from
    per-school aggregates when there are no pupil rows)."""
    counts = list(
        Result.objects.aggregate_visible_to(user, level="region")
        .filter(procedure=procedure, year=procedure.year, **where)
        .values_list("mark", "primary_score")
        .annotate(n=Count("id"))
        .order_by()
    )
    if counts:
        n = np.array([c for _m, _p, c in counts], dtype=np.int64)
        mark = np.repeat(np.array([m or 0 for m, _p, _c in counts], dtype=np.int8), n)
        primary = np.repeat(np.array([p for _m, p, _c in counts], dtype=np.int64), n)
        arrays = dataclasses.replace(
            ResultArrays.empty(0),
            scores=np.zeros((len(mark), 0)),
            primary=primary,
            mark=fill_marks(mark, primary, scale),
            journal=np.zeros(len(mark), dtype=np.int8),
        )
        return mark_statistics(arrays)
    aggregates = list(
        SchoolAggregate.objects.aggregate_visible_to(user, level="region")
        .filter(procedure=procedure, **where)
        .values_list("participants", "mark_counts", "histogram")
    )
    if not aggregates:
        return None
    by_mark = dict.fromkeys((2, 3, 4, 5), 0)
    participants = 0
    score_sum, scored = 0, 0
    for people, mark_counts, histogram in aggregates:
        participants += people or 0
        for key, value in (mark_counts or {}).items():
            if str(key).isdigit() and int(key) in by_mark:
                by_mark[int(key)] += int(value or 0)
        if histogram:
            score_sum += sum(i * int(c or 0) for i, c in enumerate(histogram))
            scored += sum(int(c or 0) for c in histogram)
    mark = np.repeat(np.array(list(by_mark), dtype=np.int8), list(by_mark.values()))
    arrays = dataclasses.replace(
        ResultArrays.empty(0),
        scores=np.zeros((len(mark), 0)),
        primary=np.zeros(len(mark), dtype=np.int64),
        mark=mark,
        journal=np.zeros(len(mark), dtype=np.int8),
    )
    stats = mark_statistics(arrays)
    return dataclasses.replace(
        stats,
        n=max(participants, len(mark)),
        mean_primary=score_sum / scored if scored else None,
    )


__all__ = [
    "LEVEL_CLASS",
    "LEVEL_MUNICIPALITY",
    "LEVEL_REGION",
    "LEVEL_SCHOOL",
    "AnalyticsPage",
    "Column",
    "analytics_page",
    "analytics_procedure_get",
    "analytics_procedure_list",
    "home_level",
    "is_school_own",
    "min_group",
    "municipality_for_results",
    "procedure_scale",
    "procedure_tasks",
    "reference_arrays",
    "school_arrays",
    "school_for_results",
]
