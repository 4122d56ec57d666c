"""Reads of the objectivity checks: the region's results as the plain columns the
method takes (`assessments.checks`), and the stored runs as people read them.

Scoping. A check compares every school with its region, so `region_data_load`
reads every result of the region, beyond any user's reach, exactly as the
reference levels of the analytic pages do (see `analytics_selectors`). It runs
only inside a check run that a user with the right to run checks asked for
(or an import that changed the data of a run someone asked for), and nothing
pupil-level leaves it: what is stored and shown is per school, and every
stored row is read back through `visible_to`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connections
from django.db.models import Avg, Count, F, Func, IntegerField, Max, Q, TextField, Value
from django.db.models.functions import Abs, Cast, Coalesce, Mod
from django.utils.translation import gettext as _

from assessments import checks
from assessments.analytics_selectors import _copy_numbers, _scores_matrix
from assessments.models import (
    CheckFinding,
    CheckRun,
    CheckSchool,
    CheckSettings,
    FlagAnswer,
    Instrument,
    OfficialListEntry,
    Procedure,
    Result,
    Scale,
    Task,
)
from schools.models import School

# How the product's school kinds read to the method: selective intake is context
# for the level indicator (DOMAIN.md: lyceums and gymnasiums).
SELECTIVE = {
    School.Kind.GYMNASIUM: checks.data.KIND_GYMNASIUM,
    School.Kind.LYCEUM: checks.data.KIND_LYCEUM,
    School.Kind.ADVANCED: checks.data.KIND_GYMNASIUM,
}
CHECKED_INSTRUMENTS = (Instrument.VPR,)
EXTERNAL_INSTRUMENTS = {
    Instrument.OGE: checks.data.EXTERNAL_OGE,
    Instrument.EGE: checks.data.EXTERNAL_EGE,
    Instrument.VPR_CONTROLLED: checks.data.EXTERNAL_OBJECTIVE_VPR,
}
# Instruments whose import changes what a run of their year would find.
RERUN_INSTRUMENTS = (*CHECKED_INSTRUMENTS, *EXTERNAL_INSTRUMENTS)


class ParamsError(ValueError):
    """A region's stored overrides do not fit the method's parameters."""


def check_params(*, region) -> checks.CheckParams:
    """The region's parameters: the method's defaults with the region's overrides."""
    stored = CheckSettings.objects.aggregate_of(region).values_list("overrides", flat=True).first()
    return params_with(stored or {})


def params_with(overrides: dict) -> checks.CheckParams:
    """Defaults with `overrides` (by field name); ParamsError in Russian for a
    name the method does not know or a value of the wrong kind."""
    import dataclasses

    if not isinstance(overrides, dict):
        raise ParamsError(_("Параметры задаются словарём «имя: значение»."))
    fields = {f.name: f for f in dataclasses.fields(checks.CheckParams)}
    defaults = checks.CheckParams()
    clean = {}
    for name, value in overrides.items():
        if name not in fields:
            raise ParamsError(_("Неизвестный параметр проверки: «%s».") % name)
        default = getattr(defaults, name)
        if isinstance(default, bool) or isinstance(value, bool):
            ok = isinstance(value, bool) and isinstance(default, bool)
        elif isinstance(default, int) and not isinstance(default, bool):
            ok = isinstance(value, int)
        elif isinstance(default, float) or default is None:
            ok = value is None or isinstance(value, (int, float))
        elif isinstance(default, tuple):
            ok = isinstance(value, (list, tuple))
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value) if ok else value
        else:
            ok = isinstance(value, type(default))
        if not ok:
            raise ParamsError(_("Параметр «%s»: значение неподходящего вида.") % name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise ParamsError(_("Параметр «%s» не может быть отрицательным.") % name)
        clean[name] = value
    if clean.get("thresholds", defaults.thresholds) not in ("budget", "fixed"):
        raise ParamsError(
            _("Параметр «thresholds»: «budget» (по бюджету ложных тревог) или «fixed».")
        )
    for name in ("false_alarm_budget", "false_alarm_budget_kind"):
        value = clean.get(name, getattr(defaults, name))
        if not 0 < value <= 0.5:
            raise ParamsError(
                _("Параметр «%s»: доля ложных тревог больше 0 и не больше 0,5.") % name
            )
    split = clean.get("budget_split", defaults.budget_split)
    if (
        len(split) != 2
        or not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in split)
        or sum(split) > 1
    ):
        raise ParamsError(
            _(
                "Параметр «budget_split»: две доли бюджета (один признак, совокупность), в сумме не больше 1."
            )
        )
    if not 1000 <= clean.get("null_draws", defaults.null_draws) <= 2_000_000:
        raise ParamsError(_("Параметр «null_draws»: от 1000 до 2 000 000."))
    return dataclasses.replace(defaults, **clean)


# --- the region as the method's input ---------------------------------------------------


@dataclass
class LoadedRegion:
    data: checks.RegionData
    school_ids: list[int]  # row of data.schools → School.pk
    procedures: dict[checks.Procedure, Procedure] = field(default_factory=dict)
    fingerprint: dict = field(default_factory=dict)

    def rows_of(self, school_pks) -> np.ndarray:
        wanted = set(school_pks)
        return np.array([i for i, pk in enumerate(self.school_ids) if pk in wanted], dtype=int)


def _method_procedure(procedure: Procedure) -> checks.Procedure:
    return checks.Procedure(
        instrument=checks.data.INSTRUMENT_VPR,
        year=int(procedure.year),
        grade=int(procedure.grade),
        subject=procedure.get_subject_display(),
    )


def _boundaries(procedure: Procedure, scales: dict) -> tuple[int, ...] | None:
    scale = scales.get((procedure.region_id, procedure.year, procedure.grade, procedure.subject))
    scale = scale or scales.get((None, procedure.year, procedure.grade, procedure.subject))
    if scale is None or not scale.ranges:
        return None
    try:
        return checks.boundaries_from_ranges(scale.ranges)
    except (TypeError, ValueError):
        return None


def _pupil_columns(procedure: Procedure, task_count: int):
    """(scores, primary, mark, journal, school_id, class_key) of every pupil of
    the procedure in its region: through COPY on PostgreSQL, row by row elsewhere.
    The mark is the one in the file when there is one (what the school claimed),
    so the scale-mismatch indicator sees it."""
    queryset = Result.objects.aggregate_of(procedure.region).filter(procedure=procedure).order_by()
    queryset = queryset.annotate(
        scores_text=Cast(F("scores"), TextField()),
        claimed=Coalesce("file_mark", "mark"),
    )
    columns = ("scores_text", "primary_score", "claimed", "journal_mark", "school_id")
    if connections[queryset.db].vendor == "postgresql":
        # A class as a number, so the whole row stays numeric for the bulk parse;
        # classes are told apart within a school, where 10^8 buckets never collide
        # in practice.
        keyed = queryset.annotate(
            class_key=Mod(
                Abs(Func(F("class_name"), function="hashtext", output_field=IntegerField())),
                Value(100_000_000),
            )
        )
        matrix = _copy_numbers(keyed.values_list(*columns, "class_key"), width=task_count + 5)
        if matrix is not None:
            t = task_count
            return (
                matrix[:, :t],
                matrix[:, t].astype(np.int64),
                np.nan_to_num(matrix[:, t + 1]).astype(np.int64),
                np.nan_to_num(matrix[:, t + 2]).astype(np.int64),
                matrix[:, t + 3].astype(np.int64),
                matrix[:, t + 4].astype(np.int64),
            )
    rows = list(queryset.values_list(*columns, "class_name"))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros((0, task_count)), empty, empty, empty, empty, empty
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    _names, class_key = np.unique(np.array(cols[5], dtype=object).astype(str), return_inverse=True)
    return (
        _scores_matrix(list(cols[0]), task_count),
        np.fromiter(cols[1], dtype=np.int64, count=n),
        np.fromiter((m or 0 for m in cols[2]), dtype=np.int64, count=n),
        np.fromiter((j or 0 for j in cols[3]), dtype=np.int64, count=n),
        np.fromiter(cols[4], dtype=np.int64, count=n),
        class_key.astype(np.int64),
    )


def _procedure_results(procedure, tasks, boundaries, row_of_school) -> checks.ProcedureResults:
    task_max = np.array([t[0] for t in tasks], dtype=np.int64)
    levels = [t[1] or checks.data.LEVEL_BASIC for t in tasks]
    scores, primary, mark, journal, school_id, class_key = _pupil_columns(procedure, len(tasks))
    ids = np.fromiter(row_of_school, dtype=np.int64, count=len(row_of_school))
    lookup = np.full(int(max(ids.max(initial=0), school_id.max(initial=0))) + 1, -1, dtype=np.int64)
    lookup[ids] = np.fromiter(row_of_school.values(), dtype=np.int64, count=len(ids))
    rows = lookup[school_id] if len(school_id) else np.zeros(0, dtype=np.int64)
    keep = rows >= 0
    scores = scores[keep]
    # A score above the task's maximum (a variant with another maximum) is capped:
    # the method counts points, it does not re-validate the import.
    scores = np.where(np.isnan(scores), np.nan, np.minimum(scores, task_max[None, :]))
    school = rows[keep]
    # One id per (school, class) across the region.
    pairs = school * 1_000_000_000 + class_key[keep]
    _u, class_id = np.unique(pairs, return_inverse=True)
    mark = mark[keep]
    known = mark > 0
    derived = checks.mark_of(primary[keep], boundaries)
    return checks.ProcedureResults(
        procedure=_method_procedure(procedure),
        task_max=task_max,
        task_level=levels,
        boundaries=boundaries,
        school=school,
        class_id=class_id,
        scores=scores,
        primary=primary[keep],
        mark=np.where(known, mark, derived),
        journal=journal[keep],
    )


def _external(region, year, row_of_school) -> list[checks.ExternalResult]:
    """School means of the state exams and of the ВПР with objectivity control."""
    procedures = Procedure.objects.aggregate_of(region).filter(
        year=year, instrument__in=list(EXTERNAL_INSTRUMENTS)
    )
    out = []
    for procedure in procedures:
        value = "test_score" if procedure.instrument == Instrument.EGE else "mark"
        rows = (
            Result.objects.aggregate_of(region)
            .filter(procedure=procedure)
            .filter(**{f"{value}__isnull": False})
            .values("school_id")
            .annotate(mean=Avg(value), n=Count("pk"))
            .order_by()
        )
        schools, means, counts = [], [], []
        for row in rows:
            index = row_of_school.get(row["school_id"])
            if index is not None:
                schools.append(index)
                means.append(float(row["mean"]))
                counts.append(int(row["n"]))
        if schools:
            out.append(
                checks.ExternalResult(
                    kind=EXTERNAL_INSTRUMENTS[procedure.instrument],
                    year=int(procedure.year),
                    subject=procedure.get_subject_display(),
                    school=schools,
                    mean=means,
                    n=counts,
                    grade=int(procedure.grade),
                )
            )
    return out


def region_data_load(*, region, year: int, persistence_years: int = 2, progress=None):
    """Everything the method needs for `year` in `region`: the schools, the ВПР of
    the year and of the years around it (cohorts, rise-then-fall, persistence),
    and the external results. Returns a LoadedRegion (None-free; empty results
    when the region has none)."""
    schools = list(
        School.objects.aggregate_of(region)
        .order_by("pk")
        .values_list("pk", "code", "fis_login", "short_name", "municipality_id", "kind", "locality")
    )
    row_of_school = {pk: i for i, (pk, *_rest) in enumerate(schools)}
    table = checks.SchoolTable(
        codes=[fis or code for _pk, code, fis, *_r in schools],
        names=[name for _pk, _c, _f, name, *_r in schools],
        municipality=np.array([m for *_a, m, _k, _l in schools], dtype=np.int64),
        kind=[
            SELECTIVE.get(kind)
            or (
                checks.data.KIND_RURAL_SMALL
                if locality == School.Locality.RURAL
                else checks.data.KIND_ORDINARY
            )
            for *_a, kind, locality in schools
        ],
    )
    procedures = list(
        Procedure.objects.aggregate_of(region)
        .filter(
            instrument__in=list(CHECKED_INSTRUMENTS),
            year__gte=year - persistence_years,
            year__lte=year + 1,
        )
        .order_by("year", "grade", "subject", "season", "pk")
    )
    tasks_by_procedure = defaultdict(list)
    first_variant = {}
    for procedure_id, variant, maximum, level in (
        Task.objects.of_scoped(procedure__in=procedures)
        .order_by("procedure_id", "variant", "position")
        .values_list("procedure_id", "variant", "max_score", "level")
    ):
        if first_variant.setdefault(procedure_id, variant) == variant:
            tasks_by_procedure[procedure_id].append((maximum, level))
    scales = {
        (s.region_id, s.year, s.grade, s.subject): s
        for s in Scale.objects.unowned().filter(
            instrument=Instrument.VPR, year__in={p.year for p in procedures}
        )
        | Scale.objects.aggregate_of(region).filter(instrument=Instrument.VPR)
    }
    stamps = {
        row["procedure_id"]: row
        for row in Result.objects.aggregate_of(region)
        .filter(procedure__in=procedures)
        .values("procedure_id")
        .annotate(n=Count("pk"), batch=Max("import_batch_id"))
        .order_by()
    }
    loaded = LoadedRegion(
        data=checks.RegionData(schools=table, results=[]),
        school_ids=[pk for pk, *_r in schools],
    )
    seen = set()
    for i, procedure in enumerate(procedures):
        key = _method_procedure(procedure)
        tasks = tasks_by_procedure.get(procedure.pk)
        boundaries = _boundaries(procedure, scales)
        stamp = stamps.get(procedure.pk)
        if key in seen or not tasks or boundaries is None or not stamp:
            continue  # a second season of the same test, or nothing to check
        seen.add(key)
        loaded.data.results.append(_procedure_results(procedure, tasks, boundaries, row_of_school))
        loaded.procedures[key] = procedure
        loaded.fingerprint[str(procedure.pk)] = [stamp["n"], stamp["batch"]]
        if progress is not None:
            progress(int(40 * (i + 1) / len(procedures)))
    loaded.data.external = _external(region, year, row_of_school)
    loaded.fingerprint["external"] = [
        [e.kind, e.subject, e.grade, int(np.sum(e.n))] for e in loaded.data.external
    ]
    return loaded


def data_key(fingerprint: dict, params: dict, year: int, scope) -> str:
    payload = json.dumps(
        {
            "data": fingerprint,
            "params": params,
            "year": year,
            "scope": scope,
            "method": checks.METHOD_VERSION,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def earlier_markers(*, region, year: int, years: int, school_ids: list[int]) -> dict:
    """{year: had-a-marker per school row} from the latest finished region-wide run
    of each earlier year with this method's version; years without one are left
    out (the method computes them from the data)."""
    out = {}
    row = {pk: i for i, pk in enumerate(school_ids)}
    stored = region_runs(
        user=None,
        region=region,
        years=range(year - years, year),
        method_version=checks.METHOD_VERSION,
    )
    for y in range(year - years, year):
        run = stored.get(y)
        if run is None:
            continue
        had = np.zeros(len(school_ids), bool)
        for school_id in run.schools.filter(markers__gt=0).values_list("school_id", flat=True):
            if school_id in row:
                had[row[school_id]] = True
        out[y] = had
    return out


# --- stored runs as people read them -----------------------------------------------------


def check_run_list(*, user, year=None):
    runs = CheckRun.objects.visible_to(user).select_related(
        "region", "municipality", "requested_by"
    )
    if year:
        runs = runs.filter(year=year)
    return runs


def check_run_get(*, user, pk) -> CheckRun:
    return CheckRun.objects.select_related("region", "municipality").get_visible_or_404(user, pk=pk)


# A finished run always has finished_at; unfinished ones last keeps SQLite and
# PostgreSQL alike.
NEWEST_FIRST = (F("finished_at").desc(nulls_last=True), "-pk")


def _finished_runs(user, region):
    # Without a user: a task comparing runs of the region it works for.
    runs = (
        CheckRun.objects.aggregate_of(region) if user is None else CheckRun.objects.visible_to(user)
    )
    return runs.filter(region=region, status=CheckRun.Status.DONE).select_related(
        "region", "municipality"
    )


def run_for(*, user, region, year=None, municipality=None) -> CheckRun | None:
    """The finished run people read for a scope: for a municipality the newest of
    its own runs and the region-wide ones, for the region the newest region-wide
    run; of `year`, or else of the latest year checked. Every run compares with
    the whole region, so the newest holds the freshest data. `user` None reads
    beyond any reach (the checks themselves)."""
    runs = _finished_runs(user, region)
    if municipality is not None:
        runs = runs.filter(Q(municipality=municipality) | Q(municipality__isnull=True))
    else:
        runs = runs.filter(municipality__isnull=True)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("-year", *NEWEST_FIRST).first()


def region_runs(*, user, region, years=None, limit=None, method_version=None) -> dict:
    """{year: the newest finished region-wide run of that year}, for `years` or
    for the latest `limit` years checked, in year order."""
    runs = _finished_runs(user, region).filter(municipality__isnull=True)
    if years is not None:
        runs = runs.filter(year__in=list(years))
    if method_version is not None:
        runs = runs.filter(method_version=method_version)
    out = {}
    for run in runs.order_by("-year", *NEWEST_FIRST):
        if run.year not in out:
            if limit is not None and len(out) == limit:
                break
            out[run.year] = run
    return dict(sorted(out.items()))


def run_schools(*, user, run, municipality=None, flagged_only=False):
    """The run's schools the user sees, with their findings (two queries)."""
    rows = (
        CheckSchool.objects.visible_to(user)
        .filter(run=run)
        .select_related("school", "municipality")
        .order_by("-markers", "municipality__name", "school__short_name")
    )
    if municipality is not None:
        rows = rows.filter(municipality=municipality)
    if flagged_only:
        rows = rows.filter(markers__gt=0)
    return rows


def run_labels(run) -> list[str]:
    """The test columns of a run, as the official lists order them (4 РУ, 4 МА, 5 РУ…)."""
    labels = run.counts.get("labels") or []
    return list(labels)


def finding_list(*, user, run=None, school=None, marker=None):
    findings = CheckFinding.objects.visible_to(user).select_related(
        "school", "municipality", "procedure", "run"
    )
    if run is not None:
        findings = findings.filter(run=run)
    if school is not None:
        findings = findings.filter(school=school)
    if marker is not None:
        findings = findings.filter(marker=marker)
    return findings


def answers_for(*, user, pairs) -> dict:
    """{(school_id, procedure_id): [FlagAnswer]} for the given pairs, in one query."""
    pairs = list(pairs)
    out = defaultdict(list)
    if not pairs:
        return out
    schools = {s for s, _p in pairs}
    procedures = {p for _s, p in pairs}
    answers = (
        FlagAnswer.objects.visible_to(user)
        .filter(school_id__in=schools, procedure_id__in=procedures)
        .select_related("measure", "measure__roadmap", "answered_by")
    )
    for answer in answers:
        out[(answer.school_id, answer.procedure_id)].append(answer)
    return out


def previous_run(*, user, run) -> CheckRun | None:
    """The run of the year before that `run` is compared with, for its scope."""
    return run_for(user=user, region=run.region, year=run.year - 1, municipality=run.municipality)


def previous_year_outcome(*, user, run) -> dict:
    """{(school_id, test label): "cleared" | "persists"} for the flags of the
    latest finished run of the year before `run`, as read in `run`: whether
    each earlier marker is gone this year."""
    earlier = previous_run(user=user, run=run)
    if earlier is None:
        return {}
    before = set(
        CheckFinding.objects.visible_to(user)
        .filter(run=earlier, marker=True)
        .values_list("school_id", "label")
    )
    now = {
        (school, label): marker
        for school, label, marker in CheckFinding.objects.visible_to(user)
        .filter(run=run)
        .values_list("school_id", "label", "marker")
    }
    out = {}
    for key in before:
        if key in now:
            out[key] = "persists" if now[key] else "cleared"
    return out


def official_comparison(*, user, run) -> list[dict]:
    """School by school, the official list's markers for the run's year against
    the run's: [{"school", "official": [labels], "ours": [labels], "agree": bool}]."""
    entries = (
        OfficialListEntry.objects.visible_to(user)
        .filter(region=run.region, year=run.year)
        .select_related("school", "municipality")
        .order_by("official_list__uploaded_at")
    )
    official = {}
    for entry in entries:  # the latest list wins for a school
        official[entry.school_id] = (entry.school, set(entry.markers))
    if not official:
        return []  # no official list for this year: nothing to compare with
    ours = {}
    for row in run_schools(user=user, run=run):
        ours[row.school_id] = (row.school, set(row.marker_labels))
    out = []
    for school_id in sorted(set(official) | set(ours)):
        school, off = official.get(school_id, (None, set()))
        school2, our = ours.get(school_id, (None, set()))
        if not off and not our:
            continue
        out.append(
            {
                "school": school or school2,
                "official": sorted(off),
                "ours": sorted(our),
                "both": sorted(off & our),
                "agree": off == our,
            }
        )
    out.sort(key=lambda r: (r["agree"], r["school"].short_name))
    return out


def finding_evidence(*, user, finding) -> dict:
    """The charts that show a flag: the school's primary-score histogram beside
    the region's (the spike at a boundary), basic against advanced and high
    tasks (the difficulty profile), the journal agreement, and the years of the
    same test. Read through the analytic tables, so small groups stay
    suppressed exactly as on the analytic pages."""
    from assessments import analytics_selectors as analytics
    from assessments.analytics import charts as analytic_charts
    from infra.output import charts

    page = analytics.analytics_page(
        user=user,
        procedure=finding.procedure,
        level=analytics.LEVEL_SCHOOL,
        school=finding.school,
    )
    groups = list(page.tables.levels.values())
    out = {"histograms": [], "profile": "", "easy_hard": "", "journal": "", "dynamics": ""}
    if groups:
        out["histograms"] = [
            analytic_charts.histogram_chart(g) for g in (groups[0], groups[-1]) if g
        ]
        if len(groups) == 1:
            out["histograms"] = out["histograms"][:1]
        out["profile"] = analytic_charts.task_profile_chart(page.tables)
        out["journal"] = analytic_charts.agreement_chart(page.tables)
    inversion = next((i for i in finding.indicators if i["name"] == checks.data.INVERSION), None)
    details = (inversion or {}).get("details") or {}
    if details.get("basic_success") is not None:
        out["easy_hard"] = charts.grouped_bars(
            [_("Базовые задания"), _("Повышенные и высокие")],
            {
                finding.school.short_name: [
                    details.get("basic_success"),
                    details.get("hard_success"),
                ],
                _("Регион"): [
                    details.get("region_basic_success"),
                    details.get("region_hard_success"),
                ],
            },
            title=_("Выполнение лёгких и трудных заданий"),
        )
    if page.dynamics is not None and len(page.dynamics.rows) > 1:
        out["dynamics"] = analytic_charts.dynamics_chart(page.dynamics)
    return out
