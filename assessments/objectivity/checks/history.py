"""The school's journal gap against its own previous years of the same test.

Teachers mark partly against their own school (a strong school's journal
marks are lower for the same work), so a school's scores above what its
journal marks predict vary honestly between schools far more than within a
school over years: the school's marking culture is stable. Lenient marking of
the test, or a cohort's inflated year, moves the scores and leaves the
journal marks as they were: the gap of this year stands out against the same
school's gap on the same test (instrument, grade, subject) in the previous
`history_years` years. The reference is the school's own mean gap over those
years; z over both sampling variances and the region's robust spread of the
change (random effects), calibrated (see `indicators.decide`).
"""

from __future__ import annotations

import numpy as np

from .data import JOURNAL_HISTORY, ProcedureResults
from .indicators import Column, Prepared, decide
from .indicators.journal import _robust_line
from .params import CheckParams


def school_gap(res: ProcedureResults, S: int, min_school: int):
    """(gap, sampling variance, pupils with a journal mark) per school for one
    procedure: the pupils' standardised scores above what their journal marks
    predict (the region's table per mark), less the region's robust line on
    the school's mean journal mark (as `journal_gap`). NaN where too few."""
    has = res.journal > 0
    nan = np.full(S, np.nan)
    if has.sum() < 50:
        return nan, nan, np.zeros(S)
    x = res.primary.astype(np.float64)
    sd = float(x[has].std()) or 1.0
    x = (x - float(x[has].mean())) / sd
    j = np.where(has, res.journal, 0)
    cnt = np.bincount(j[has], minlength=6).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        e1 = np.bincount(j[has], weights=x[has], minlength=6) / cnt
        e2 = np.bincount(j[has], weights=x[has] ** 2, minlength=6) / cnt
    var = np.nan_to_num(np.maximum(e2 - e1**2, 0))
    resid = np.where(has, x - np.nan_to_num(e1)[j], 0.0)
    n_j = np.bincount(res.school, weights=has, minlength=S)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.bincount(res.school, weights=resid, minlength=S) / n_j
        se2 = np.bincount(res.school, weights=np.where(has, var[j], 0.0), minlength=S) / n_j**2
        mean_j = np.bincount(res.school, weights=j.astype(np.float64), minlength=S) / n_j
    eligible = n_j >= min_school
    gap = value - _robust_line(mean_j, value, n_j, eligible)
    return np.where(n_j > 0, gap, np.nan), se2, n_j


def journal_history(data, proc, prep: Prepared, params: CheckParams) -> Column | None:
    """This year's journal gap minus the school's mean gap on the same test in
    the previous `history_years` years (each year with at least `min_school`
    pupils with a journal mark). value = this year's gap, reference = the
    school's own earlier gap, both in pupil sd."""
    S = prep.n_schools
    earlier = [
        data.find(proc.instrument, proc.year - k, proc.grade, proc.subject)
        for k in range(1, params.history_years + 1)
    ]
    earlier = [r for r in earlier if r is not None]
    if not earlier:
        return None
    gap, se2, n = school_gap(prep.res, S, params.min_school)
    tot, tot_se2, years = np.zeros(S), np.zeros(S), np.zeros(S)
    for res in earlier:
        g, v, m = school_gap(res, S, params.min_school)
        use = (m >= params.min_school) & np.isfinite(g) & np.isfinite(v)
        tot[use] += g[use]
        tot_se2[use] += v[use]
        years[use] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        past = tot / years
        past_se2 = tot_se2 / years**2
    eligible = (n >= params.min_school) & (years >= 1) & np.isfinite(gap)
    dec = decide(
        gap - past,
        se2 + past_se2,
        eligible,
        params.journal_history_z,
        params.journal_history_strong_z,
    )
    return Column(
        JOURNAL_HISTORY,
        value=gap,
        reference=past,
        threshold=past + dec.threshold,
        fired=dec.fired,
        strong=dec.strong,
        n=n.astype(np.int64),
        details={"z": dec.z, "years": years},
        z=dec.z,
        eligible=eligible,
        alone=params.journal_history_strong_z is not None,
        threshold_at=lambda zz: past + dec.at(zz),
    )
