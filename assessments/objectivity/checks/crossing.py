"""Indicators that look beyond one procedure: the same cohort a year later,
the same test over years, the same school's state exams and the ВПР written
under objectivity control.

A school's *standing* in a procedure is its mean primary score minus the
region's, in units of the region's pupil-level sd; its sampling se is about
1/√n. Standings make different tests (grade 4 and grade 5, years) comparable.
"""

from __future__ import annotations

import numpy as np

from .data import (
    COHORT,
    EXTERNAL_EGE,
    EXTERNAL_EXAM,
    EXTERNAL_OBJECTIVE,
    EXTERNAL_OBJECTIVE_VPR,
    EXTERNAL_OGE,
    RISE_FALL,
    ProcedureResults,
    RegionData,
)
from .history import journal_history
from .indicators import Column, Prepared, decide
from .params import CheckParams

EXTERNAL_MIN = 10  # participants of an external result for it to count
EXTERNAL_PUPIL_VAR = 0.5  # variance of ОГЭ marks within a school when not given


def standing(res: ProcedureResults, n_schools: int) -> tuple[np.ndarray, np.ndarray]:
    """(standing, pupils) per school; NaN where the school has no pupils."""
    x = res.primary.astype(np.float64)
    n = np.bincount(res.school, minlength=n_schools)
    if len(x) == 0:
        return np.full(n_schools, np.nan), n
    sd = float(x.std()) or 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(res.school, weights=x, minlength=n_schools) / n
    return (mean - float(x.mean())) / sd, n


def _percentile_rank(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    out = np.full(len(x), np.nan)
    idx = np.flatnonzero(ok & np.isfinite(x))
    if len(idx):
        order = np.argsort(np.argsort(x[idx], kind="stable"), kind="stable")
        out[idx] = (order + 0.5) / len(idx)
    return out


def _column(name, S, value, reference, z, se, eligible, cut_z, strong_z, n, details, narrow=False):
    dec = decide(value - reference, se**2, eligible, cut_z, strong_z, narrow=narrow)
    ref = np.asarray(reference, dtype=np.float64)
    details = dict(details)
    details["z"] = dec.z
    details["z_sampling"] = z
    return Column(
        name,
        value=value,
        reference=reference,
        threshold=reference + dec.threshold,
        fired=dec.fired,
        strong=dec.strong,
        n=n,
        details=details,
        z=dec.z,
        eligible=eligible,
        alone=strong_z is not None,
        threshold_at=lambda zz: ref + dec.at(zz),
    )


def robust_fit(x, y, w, eligible):
    """The region's line of y on x by weighted least squares over eligible
    schools, refitted twice without points beyond 3 robust sd: (the prediction,
    the slope), or (None, None) with fewer than 20 schools."""
    fit = eligible & np.isfinite(x) & np.isfinite(y)
    if fit.sum() < 20:
        return None, None
    ok = fit.copy()
    coef = np.array([0.0, 1.0])
    for _ in range(3):
        sw = np.sqrt(w[fit].astype(float))
        A = np.stack([np.ones(fit.sum()), x[fit]], axis=1)
        coef = np.linalg.lstsq(A * sw[:, None], y[fit] * sw, rcond=None)[0]
        r = (y - coef[0] - coef[1] * x)[ok]
        mad = 1.4826 * float(np.median(np.abs(r - np.median(r)))) or 1.0
        fit = ok & (np.abs(y - coef[0] - coef[1] * x) <= 3 * mad)
    return coef[0] + coef[1] * x, float(coef[1])


def cohort(data: RegionData, proc, prep: Prepared, params: CheckParams) -> Column | None:
    """Grade g in year t against the same cohort's grade g+1 in year t+1 (marked
    by other teachers); without the later year, grade g against the cohort's
    grade g−1 a year before. value = this standing, reference = the standing
    the other predicts (regional robust regression), z over both sampling se,
    calibrated; percentile ranks in details."""
    S = prep.n_schools
    other = data.find(proc.instrument, proc.year + 1, proc.grade + 1, proc.subject)
    direction = "next"
    if other is None:
        other = data.find(proc.instrument, proc.year - 1, proc.grade - 1, proc.subject)
        direction = "previous"
    if other is None:
        return None
    st, n = standing(prep.res, S)
    st_o, n_o = standing(other, S)
    eligible = (n >= params.min_school) & (n_o >= params.min_school)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(1.0 / n + 1.0 / n_o)
    rank = _percentile_rank(st, eligible)
    rank_o = _percentile_rank(st_o, eligible)
    # Two tests need not stretch schools equally: expect this standing from
    # the other through a regional regression, not one to one.
    predicted, _slope = robust_fit(st_o, st, n, eligible)
    if predicted is None:
        return None
    z = (st - predicted) / se
    return _column(
        COHORT,
        S,
        st,
        predicted,
        z,
        se,
        eligible,
        params.cohort_z,
        params.cohort_strong_z,
        n,
        {
            "standing": st,
            "other_standing": st_o,
            "other_pupils": n_o.astype(float),
            "rank": rank,
            "other_rank": rank_o,
            "rank_change": rank - rank_o,
            "other_is_next_year": np.full(S, 1.0 if direction == "next" else 0.0),
        },
        # The same pupils write both: sampling errors are correlated and the
        # se above is conservative, so the region's spread may narrow it.
        narrow=True,
    )


def rise_fall(data: RegionData, proc, prep: Prepared, params: CheckParams) -> Column | None:
    """The same test over years. With both neighbours: spike = standing_t −
    mean(standing_t−1, standing_t+1); with only the year before: the rise.
    Jacob–Levitt's score rank(gain_t)² + (1 − rank(gain_t+1))² is in details."""
    S = prep.n_schools
    prev = data.find(proc.instrument, proc.year - 1, proc.grade, proc.subject)
    nxt = data.find(proc.instrument, proc.year + 1, proc.grade, proc.subject)
    if prev is None:
        return None
    st, n = standing(prep.res, S)
    st_p, n_p = standing(prev, S)
    eligible = (n >= params.min_school) & (n_p >= params.min_school)
    details = {"previous_standing": st_p}
    with np.errstate(invalid="ignore", divide="ignore"):
        if nxt is not None:
            st_n, n_n = standing(nxt, S)
            eligible &= n_n >= params.min_school
            d = st - (st_p + st_n) / 2
            se = np.sqrt(1.0 / n + (1.0 / n_p + 1.0 / n_n) / 4)
            gain1, gain2 = st - st_p, st_n - st
            r1, r2 = _percentile_rank(gain1, eligible), _percentile_rank(gain2, eligible)
            details["next_standing"] = st_n
            details["jacob_levitt"] = r1**2 + (1 - r2) ** 2
        else:
            d = st - st_p
            se = np.sqrt(1.0 / n + 1.0 / n_p)
        z = d / se
    details["standing"] = st
    return _column(
        RISE_FALL, S, d, np.zeros(S), z, se, eligible, params.rise_fall_z, None, n, details
    )


def external_exam(data: RegionData, proc, prep: Prepared, params: CheckParams) -> Column | None:
    """ВПР standing against the same school's ОГЭ/ЕГЭ mean in the same year
    (same subject when present, else all subjects pooled): a regional weighted
    regression, refitted without outliers; the residual's z uses the
    between-school residual variance plus both sampling variances."""
    S = prep.n_schools
    ext = [
        e for e in data.external if e.kind in (EXTERNAL_OGE, EXTERNAL_EGE) and e.year == proc.year
    ]
    same = [e for e in ext if e.subject == proc.subject]
    ext = same or ext
    if not ext:
        return None
    tot = np.zeros(S)
    cnt = np.zeros(S)
    for e in ext:
        tot += np.bincount(e.school, weights=e.mean * e.n, minlength=S)
        cnt += np.bincount(e.school, weights=e.n, minlength=S)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = tot / cnt
    st, n = standing(prep.res, S)
    eligible = (n >= params.min_school) & (cnt >= EXTERNAL_MIN) & np.isfinite(x) & np.isfinite(st)
    if eligible.sum() < 20:
        return None
    fit = eligible.copy()
    for _ in range(2):
        w = n[fit].astype(float)
        A = np.stack([np.ones(fit.sum()), x[fit]], axis=1)
        coef = np.linalg.lstsq(A * np.sqrt(w)[:, None], st[fit] * np.sqrt(w), rcond=None)[0]
        resid = st - (coef[0] + coef[1] * x)
        r = resid[eligible]
        mad = 1.4826 * float(np.median(np.abs(r - np.median(r))))
        fit = eligible & (np.abs(resid) <= 3 * mad)
    with np.errstate(invalid="ignore", divide="ignore"):
        samp = 1.0 / n + coef[1] ** 2 * EXTERNAL_PUPIL_VAR / cnt
        tau2 = max(mad**2 - float(np.median(samp[eligible])), 0.01)
        se = np.sqrt(tau2 + samp)
        z = resid / se
    predicted = coef[0] + coef[1] * x
    return _column(
        EXTERNAL_EXAM,
        S,
        st,
        predicted,
        z,
        se,
        eligible,
        params.external_z,
        params.external_strong_z,
        n,
        {"exam_mean": x, "exam_participants": cnt, "slope": np.full(S, coef[1])},
    )


def external_objective(data, proc, prep: Prepared, params: CheckParams) -> Column | None:
    """The school's mean mark against its own ВПР written under objectivity
    control (same year, grade, subject): z of the gap over both sampling se."""
    S = prep.n_schools
    ext = [
        e
        for e in data.external
        if e.kind == EXTERNAL_OBJECTIVE_VPR
        and e.year == proc.year
        and e.subject == proc.subject
        and (e.grade is None or e.grade == proc.grade)
    ]
    if not ext:
        return None
    obj = np.full(S, np.nan)
    n_obj = np.zeros(S)
    for e in ext:
        obj[e.school] = e.mean
        n_obj[e.school] = e.n
    m, n = prep.mean_mark, prep.n
    eligible = (n >= params.min_school) & (n_obj >= EXTERNAL_MIN)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(prep.mark_var * (1.0 / n + 1.0 / n_obj))
        z = (m - obj) / se
    return _column(
        EXTERNAL_OBJECTIVE,
        S,
        m,
        obj,
        z,
        se,
        eligible,
        params.objective_z,
        params.objective_strong_z,
        n,
        {"objective_participants": n_obj},
    )


CROSSING = (cohort, rise_fall, external_exam, external_objective, journal_history)


def cross_columns(data, proc, prep: Prepared, params: CheckParams) -> list[Column]:
    out = []
    for fn in CROSSING:
        col = fn(data, proc, prep, params)
        if col is not None:
            out.append(col)
    return out
