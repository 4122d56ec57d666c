"""The region as the method's input: every result of a region (and the external
exam results of its schools) read into the plain columns `assessments.objectivity.checks`
takes, with the fingerprint of what was read.

Scoping. A check compares every school with its region, so `region_data_load`
reads every result of the region, beyond any user's reach, exactly as the
reference levels of the analytic pages do (see `assessments.analytics.selectors`).
It runs only inside a check run that a user with the right to run checks asked
for (or an import that changed the data of a run someone asked for), and nothing
pupil-level leaves it: what is stored and shown is per school, and every stored
row is read back through `visible_to`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connections
from django.db.models import Avg, Count, F, Func, IntegerField, Max, TextField, Value
from django.db.models.functions import Abs, Cast, Coalesce, Mod

from assessments.analytics.arrays import _copy_numbers, _scores_matrix
from assessments.objectivity import checks
from assessments.objectivity.selectors import (
    CHECKED_INSTRUMENTS,
    EXTERNAL_INSTRUMENTS,
    SELECTIVE,
    region_runs,
)
from assessments.results.models import Instrument, Procedure, Result, Scale, Task
from schools.models import School


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
    queryset = (
        Result.objects.aggregate_of(procedure.region)
        .filter(procedure=procedure, year=procedure.year)
        .order_by()
    )
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
            class_key = matrix[:, t + 4].astype(np.int64)
            # The names back by their keys: one row per class of the test.
            name_of = dict(keyed.order_by().values_list("class_key", "class_name").distinct())
            keys, inverse = np.unique(class_key, return_inverse=True)
            names = np.array([name_of.get(int(k), "") for k in keys], dtype=object)
            return (
                matrix[:, :t],
                matrix[:, t].astype(np.int64),
                np.nan_to_num(matrix[:, t + 1]).astype(np.int64),
                np.nan_to_num(matrix[:, t + 2]).astype(np.int64),
                matrix[:, t + 3].astype(np.int64),
                class_key,
                names[inverse.ravel()],
            )
    rows = list(queryset.values_list(*columns, "class_name"))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros((0, task_count)), empty, empty, empty, empty, empty, empty.astype(object)
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    names = np.array(["" if c is None else c for c in cols[5]], dtype=object)
    _names, class_key = np.unique(names.astype(str), return_inverse=True)
    return (
        _scores_matrix(list(cols[0]), task_count),
        np.fromiter(cols[1], dtype=np.int64, count=n),
        np.fromiter((m or 0 for m in cols[2]), dtype=np.int64, count=n),
        np.fromiter((j or 0 for j in cols[3]), dtype=np.int64, count=n),
        np.fromiter(cols[4], dtype=np.int64, count=n),
        class_key.astype(np.int64),
        names,
    )


def _procedure_results(procedure, tasks, boundaries, row_of_school) -> checks.ProcedureResults:
    task_max = np.array([t[0] for t in tasks], dtype=np.int64)
    levels = [t[1] or checks.data.LEVEL_BASIC for t in tasks]
    scores, primary, mark, journal, school_id, class_key, class_name = _pupil_columns(
        procedure, len(tasks)
    )
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
        class_name=class_name[keep],
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
            .filter(procedure=procedure, year=procedure.year)
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
        .filter(procedure__in=procedures, year__in={p.year for p in procedures})
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
