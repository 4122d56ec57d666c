"""The run: every indicator for every school × procedure of a year, the marker
rule, the roll-up per school, ШНОР and strong schools.

    result = check_region(data, year=2026, params=CheckParams())
    result.as_json()   # {"run": {...}, "schools": [...]}

A marker per procedure: at least `min_agreeing` of the counted indicators
fire (indicators of one family count once), or one fires strongly, or the
combined evidence of inflated results passes its threshold; with budget
thresholds (the default) `budget.apply` sets those thresholds per test first.
Persistence (markers in the previous years) counts towards agreement but never
raises a marker by itself: it needs an indicator of this year beside it, and
with budget thresholds one past the budget's persistence threshold (the
route is inside the test's budget, see `budget.thresholds`).
The same thresholds apply to every school of the region whatever the scope
asked for: a municipality's run uses the region as its reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import budget, crossing, pooled
from . import indicators as ind
from .cohort_look import look_at_cohorts
from .data import (
    PERSISTENCE,
    CheckResult,
    Indicator,
    Procedure,
    ProcedureCheck,
    RegionData,
    SchoolCheck,
    params_as_dict,
)
from .indicators.bunching import pool_bunching
from .indicators.classes import pool_class_gaps
from .indicators.lenient import lenient_footprint
from .params import CheckParams


def single_procedure_columns(data: RegionData, year: int, params: CheckParams):
    """{Procedure: (Prepared, [Column])} for the procedures of `year`."""
    out = {}
    for res in data.results:
        if res.procedure.year != year:
            continue
        prep = ind.Prepared(res, data.schools)
        out[res.procedure] = (prep, [fn(prep, params) for fn in ind.SINGLE_PROCEDURE])
    return out


def all_columns(
    data: RegionData,
    year: int,
    params: CheckParams,
    calibration=None,
    pooled_summary=None,
    persisted: np.ndarray | None = None,
    promise: dict | None = None,
):
    """Single-procedure columns plus the ones that look across procedures,
    decided against the false-alarm budget (params.thresholds == "budget");
    each test's calibration is appended to `calibration` when given, and
    what the pooling of small schools did (see `pooled`) is put in
    `pooled_summary`. `persisted`: per school, its markers of the previous
    years (the budget's persistence route). What the run promises of its
    false alarms (see `budget.run_rates`) is put in `promise`."""
    cols = single_procedure_columns(data, year, params)
    year_tests: list[dict] = []
    for proc, (prep, columns) in cols.items():
        columns.extend(crossing.cross_columns(data, proc, prep, params))
    pool_class_gaps(cols, params)
    lenient_footprint(cols, params, data)
    pool_bunching(cols, params)
    looks = budget.looks_of_year(list(cols), params, data)
    rates, promised = budget.run_rates(
        run_weights(cols, params, looks), data.schools.kind, params, looks
    )
    if promise is not None:
        promise.update(promised)
    for proc in sorted(cols, key=lambda p: (p.grade, p.subject, p.instrument)):
        _prep, columns = cols[proc]
        got = budget.apply(columns, params, data.schools.kind, looks, proc.label, persisted, rates)
        if got is not None and calibration is not None:
            calibration.append(got)
        if got is not None:
            year_tests.append(got)
    look_at_cohorts(cols, params, year_tests, data)
    small = pooled.pool_small_schools(cols, params, year_tests)
    if small is not None and pooled_summary is not None:
        pooled_summary.update(small)
    return cols


def run_eligible(cols: dict, params: CheckParams) -> np.ndarray:
    """Per school, whether it is eligible in any test of the run (the schools
    the false-alarm budget counts)."""
    n = [np.asarray(prep.n) >= params.min_school for prep, _c in cols.values()]
    return np.any(n, axis=0) if n else np.zeros(0, bool)


def run_weights(cols: dict, params: CheckParams, looks: float) -> np.ndarray:
    """Per school, how many tests' false-alarm rates it spends over the run:
    the tests it is eligible in and, when it is eligible in any, the year's
    cohort looks' part (`budget.looks_of_year`); 0 for a school eligible in
    none (not in the budget's count)."""
    n = [np.asarray(prep.n) >= params.min_school for prep, _c in cols.values()]
    if not n:
        return np.zeros(0)
    tests = np.sum(n, axis=0).astype(np.float64)
    return np.where(tests > 0, tests + (looks - len(n)), 0.0)


def marker_of(
    columns: list[ind.Column], params: CheckParams, persisted: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(marker, number of counted indicators fired) per school.

    Indicators of one family in `params.families` count once.
    Persistence (a marker in the previous years) counts towards agreement when
    it is in `params.counted`, but it is never strong, so it needs at least
    one indicator of this year beside it: with budget thresholds one fired at
    the budget's persistence threshold (`Column.supported`), else any fired.
    """
    counted = [c for c in columns if c.name in params.counted]
    if not counted:
        return np.zeros(0, bool), np.zeros(0, int)
    families = {name: i for i, fam in enumerate(params.families) for name in fam}
    groups: dict = {}
    for c in counted:
        key = ("family", families[c.name]) if c.name in families else c.name
        groups[key] = groups[key] | c.fired if key in groups else c.fired.copy()
    fired = np.sum(list(groups.values()), axis=0)
    if persisted is not None:
        fired = fired + persistence_counts(counted, params, persisted)
    strong = np.any([c.strong & c.fired for c in counted], axis=0)
    return (fired >= params.min_agreeing) | strong, fired


def persistence_counts(
    columns: list[ind.Column], params: CheckParams, persisted: np.ndarray
) -> np.ndarray:
    """Per school, whether its markers of the previous years count towards
    agreement (see `marker_of`)."""
    counted = [c for c in columns if c.name in params.counted]
    if PERSISTENCE not in params.counted or not counted:
        return np.zeros(len(persisted), bool)
    if params.thresholds == "budget":
        beside = np.any(
            [c.supported if c.supported is not None else np.zeros_like(c.fired) for c in counted],
            axis=0,
        )
    else:
        beside = np.any([c.fired for c in counted], axis=0)
    return (np.asarray(persisted) >= 1) & beside


def year_markers(data: RegionData, year: int, params: CheckParams) -> dict[Procedure, np.ndarray]:
    cols = all_columns(data, year, params)
    return {proc: marker_of(columns, params)[0] for proc, (_p, columns) in cols.items()}


def check_region(
    data: RegionData,
    year: int,
    params: CheckParams | None = None,
    schools: np.ndarray | None = None,
    earlier_markers: dict[int, np.ndarray] | None = None,
) -> CheckResult:
    """Check every school of `data` (or the rows `schools`, e.g. one
    municipality — the region stays the reference) for `year`.

    `earlier_markers` maps a previous year to a per-school bool array "had any
    marker" (from stored runs); missing years are computed from `data`.
    """
    params = params or CheckParams()
    calibration: list[dict] = []
    small: dict = {}
    n_s = len(data.schools)
    earlier = dict(earlier_markers or {})
    for y in range(year - params.persistence_years, year):
        if y not in earlier and any(r.procedure.year == y for r in data.results):
            marks = year_markers(data, y, params)
            earlier[y] = np.any(list(marks.values()), axis=0) if marks else np.zeros(n_s, bool)
    persisted = np.zeros(n_s, int)
    for y, arr in earlier.items():
        if year - params.persistence_years <= y < year:
            persisted += np.asarray(arr, bool)
    promise: dict = {}
    cols = all_columns(data, year, params, calibration, small, persisted, promise)

    rows = np.arange(n_s) if schools is None else np.asarray(schools)
    procs = sorted(cols, key=lambda p: (p.grade, p.subject, p.instrument))
    per_proc, persistence_counted = {}, {}
    for proc in procs:
        prep, columns = cols[proc]
        marker, n_fired = marker_of(columns, params, persisted)
        per_proc[proc] = (prep, columns, marker, n_fired)
        persistence_counted[proc] = persistence_counts(columns, params, persisted)
    by_label = {c["label"]: c for c in calibration}
    if promise and per_proc:
        any_marker = np.any([m for _p, _c, m, _n in per_proc.values()], axis=0)
        budget.achieved(promise, any_marker, run_eligible(cols, params), data.schools.kind)
    for proc, (prep, _c, marker, _n) in per_proc.items():
        if proc.label in by_label and len(marker):
            by_label[proc.label]["flagged"] = budget.flagged_shares(
                marker, prep.n >= params.min_school, data.schools.kind
            )

    # ШНОР and strong schools per procedure: the bottom / top of the region by mean mark.
    low_by_proc, top_by_proc = {}, {}
    for proc, (prep, _c, marker, _n) in per_proc.items():
        eligible = prep.n >= params.min_school
        m = np.where(eligible, prep.mean_mark, np.nan)
        ok = np.isfinite(m)
        low = np.zeros(n_s, bool)
        top = np.zeros(n_s, bool)
        if ok.sum() >= 10:
            lo_cut = np.quantile(m[ok], params.low_result_share)
            hi_cut = np.quantile(m[ok], 1 - params.strong_share)
            low[ok] = (m[ok] <= lo_cut) & ~marker[ok]
            top[ok] = (m[ok] >= hi_cut) & ~marker[ok]
        low_by_proc[proc], top_by_proc[proc] = low, top

    # Columns to Python lists once (per-scalar conversions of numpy values
    # would dominate the run on a large region).
    plain = {proc: [_plain(c) for c in per_proc[proc][1]] for proc in per_proc}
    counted = set(params.counted)
    result_schools = []
    for s in rows:
        s = int(s)
        checks = []
        for proc, (prep, _columns, marker, _n) in per_proc.items():
            n = int(prep.n[s])
            if n == 0:
                continue
            persistence = Indicator(
                PERSISTENCE,
                value=float(persisted[s]),
                reference=0.0,
                threshold=1.0,
                fired=bool(persisted[s] >= 1),
                n=n,
                details={"years": params.persistence_years},
            )
            indicators = LazyIndicators(plain[proc], s, [persistence])
            reasons = [c["name"] for c in plain[proc] if c["fired"][s] and c["name"] in counted]
            if persistence_counted[proc][s]:
                reasons.append(PERSISTENCE)
            checks.append(
                ProcedureCheck(
                    procedure=proc,
                    pupils=n,
                    indicators=indicators,
                    marker=bool(marker[s]),
                    reasons=reasons if marker[s] else [],
                    low_result=bool(low_by_proc[proc][s]),
                )
            )
        if not checks:
            continue
        any_marker = any(c.marker for c in checks)
        low_votes = sum(c.low_result for c in checks)
        top_votes = sum(bool(top_by_proc[c.procedure][s]) for c in checks)
        result_schools.append(
            SchoolCheck(
                index=s,
                code=str(data.schools.codes[s]),
                name=str(data.schools.names[s]),
                kind=str(data.schools.kind[s]),
                municipality=int(data.schools.municipality[s]),
                procedures=checks,
                # ШНОР: low in at least half of its procedures, and never an inflated one.
                low_result=(not any_marker) and low_votes * 2 >= len(checks) and low_votes > 0,
                # A school flagged as inflated is never counted as strong.
                strong=(not any_marker) and top_votes * 2 >= len(checks) and top_votes > 0,
            )
        )
    return CheckResult(
        year=year,
        params=params_as_dict(params),
        schools=result_schools,
        calibration=_calibration_summary(params, calibration, cols, small, promise),
    )


def _calibration_summary(
    params: CheckParams, tests: list[dict], cols, small: dict, promise: dict | None = None
) -> dict:
    """The run's budget and what it achieved, and the data problems of the
    region's files the indicators saw (a property every school shares)."""
    problems = []
    for proc, (_prep, columns) in cols.items():
        for c in columns:
            if c.name == "scale_mismatch" and c.details.get("region_problem") is not None:
                flag = c.details["region_problem"]
                if len(flag) and flag[0] > 0:
                    problems.append(
                        {
                            "label": proc.label,
                            "indicator": c.name,
                            "region_share": float(c.reference[0]),
                        }
                    )
    written = {
        proc.label: np.asarray(prep.n) >= params.min_school for proc, (prep, _c) in cols.items()
    }
    return {
        "mode": params.thresholds,
        "budget": params.false_alarm_budget,
        "budget_kind": params.false_alarm_budget_kind,
        "tests": tests,
        "estimated_rate": max((t["estimated_rate"] for t in tests), default=None),
        "estimated_school_rate": budget.school_rate(tests, written),
        "problems": problems,
        "small_schools_pooled": small or None,
        "promise": promise or None,
    }


def _list(a) -> list:
    """A float array as a list of Python floats rounded to 6 places, None for NaN/inf."""
    a = np.asarray(a, dtype=np.float64)
    ok = np.isfinite(a)
    out = np.round(np.where(ok, a, 0.0), 6).tolist()
    if not ok.all():
        for i in np.flatnonzero(~ok).tolist():
            out[i] = None
    return out


def _plain(c: ind.Column) -> dict:
    return {
        "name": c.name,
        "value": _list(c.value),
        "reference": _list(c.reference),
        "threshold": _list(c.threshold),
        "fired": np.asarray(c.fired, bool).tolist(),
        "strong": (np.asarray(c.strong, bool) & np.asarray(c.fired, bool)).tolist(),
        "n": np.asarray(c.n).astype(np.int64).tolist(),
        "details": {k: _list(v) for k, v in c.details.items()},
    }


class LazyIndicators(Sequence):
    """A procedure's indicators for one school, built from the run's plain
    columns only when read (a region has hundreds of thousands of them)."""

    __slots__ = ("_columns", "_row", "_extra", "_built")

    def __init__(self, columns: list[dict], row: int, extra: list[Indicator]):
        self._columns, self._row, self._extra, self._built = columns, row, extra, None

    def _items(self) -> list[Indicator]:
        if self._built is None:
            self._built = [_indicator(c, self._row) for c in self._columns] + self._extra
        return self._built

    def __getitem__(self, i):
        return self._items()[i]

    def __len__(self) -> int:
        return len(self._columns) + len(self._extra)

    def as_json_list(self) -> list[dict]:
        if self._built is not None:
            return [i.as_json() for i in self._built]
        s = self._row
        out = [
            {
                "name": c["name"],
                "value": c["value"][s],
                "reference": c["reference"][s],
                "threshold": c["threshold"][s],
                "fired": c["fired"][s],
                "strong": c["strong"][s],
                "n": c["n"][s],
                "details": {k: v[s] for k, v in c["details"].items()},
            }
            for c in self._columns
        ]
        return out + [i.as_json() for i in self._extra]


def _indicator(c: dict, s: int) -> Indicator:
    return Indicator(
        c["name"],
        value=c["value"][s],
        reference=c["reference"][s],
        threshold=c["threshold"][s],
        fired=c["fired"][s],
        strong=c["strong"][s],
        n=c["n"][s],
        details={k: v[s] for k, v in c["details"].items()},
    )
