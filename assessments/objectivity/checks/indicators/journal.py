"""The journal marks against the test: the share «повысили» and the scores above
what the journal marks predict."""

from __future__ import annotations

import numpy as np

from ..data import (
    JOURNAL,
    JOURNAL_GAP,
)
from ..params import CheckParams
from .base import (
    Column,
    Prepared,
    _empty,
    decide,
)

# ---------------------------------------------------------------------------
# 3. Journal agreement


def journal_agreement(p: Prepared, params: CheckParams) -> Column:
    """Share "повысили" (test mark above the journal mark) against the region,
    binomial z calibrated; "понизили" and "подтвердили" in the details. Only
    pupils with a journal mark count."""
    S = p.n_schools
    has = p.res.journal > 0
    if not has.any():
        return _empty(JOURNAL, p)
    up = has & (p.mark > p.res.journal)
    down = has & (p.mark < p.res.journal)
    n_j = np.bincount(p.school, weights=has, minlength=S)
    k_up = np.bincount(p.school, weights=up, minlength=S)
    k_down = np.bincount(p.school, weights=down, minlength=S)
    p_up = float(up.sum() / has.sum())
    p_down = float(down.sum() / has.sum())
    if not 0 < p_up < 1:
        return _empty(JOURNAL, p)  # nobody (or everybody) above the journal: nothing to compare
    with np.errstate(invalid="ignore", divide="ignore"):
        share_up = k_up / n_j
        share_down = k_down / n_j
        se = np.sqrt(p_up * (1 - p_up) / n_j)
        z = (share_up - p_up) / se
        z_down = (share_down - p_down) / np.sqrt(p_down * (1 - p_down) / n_j)
    eligible = n_j >= params.min_school
    # Decided on the logit scale (shares near 0 or 1 are skewed), shown as shares.
    with np.errstate(invalid="ignore", divide="ignore"):
        lg = np.log((k_up + 0.5) / (n_j - k_up + 0.5)) - np.log(p_up / (1 - p_up))
        lg_se2 = 1.0 / (n_j * p_up * (1 - p_up))
    dec = decide(lg, lg_se2, eligible, params.journal_z, params.journal_strong_z)
    # The share at which the logit threshold is reached, for display.
    t_share = 1.0 / (1.0 + np.exp(-(np.log(p_up / (1 - p_up)) + dec.threshold)))
    return Column(
        JOURNAL,
        value=share_up,
        reference=np.full(S, p_up),
        threshold=t_share,
        fired=dec.fired,
        strong=dec.strong,
        n=n_j.astype(np.int64),
        details={
            "z": dec.z,
            "z_binomial": z,
            "share_down": share_down,
            "region_share_down": np.full(S, p_down),
            "z_down": z_down,
            "municipality_share_up": p.municipal_mean(share_up, n_j),
        },
        z=dec.z,
        eligible=eligible,
        threshold_at=lambda zz: 1.0 / (1.0 + np.exp(-(np.log(p_up / (1 - p_up)) + dec.at(zz)))),
    )


def journal_gap(p: Prepared, params: CheckParams) -> Column:
    """Scores above what the pupils' journal marks predict. Region-wide, each
    journal mark gives the mean and variance of the standardised primary score
    of pupils with that mark; a school's value is its pupils' mean residual
    (score − expected for the journal mark), in pupil sd. Teachers partly mark
    against their own school (strong schools mark harder), so the region's
    robust line of the residual on the school's mean journal mark is the
    reference, not zero. Lenient marking of every task and a cohort's inflated
    year leave the journal marks as they were and move the scores: the gap
    shows both. z over the sampling variance and the region's between-school
    variance (random effects), calibrated."""
    S = p.n_schools
    has = p.res.journal > 0
    if has.sum() < 50:
        return _empty(JOURNAL_GAP, p)
    x = p.primary.astype(np.float64)
    sd = float(x[has].std()) or 1.0
    x = (x - float(x[has].mean())) / sd
    j = np.where(has, p.res.journal, 0)
    cnt = np.bincount(j[has], minlength=6).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        e1 = np.bincount(j[has], weights=x[has], minlength=6) / cnt
        e2 = np.bincount(j[has], weights=x[has] ** 2, minlength=6) / cnt
    var = np.nan_to_num(np.maximum(e2 - e1**2, 0))
    resid = np.where(has, x - np.nan_to_num(e1)[j], 0.0)
    n_j = np.bincount(p.school, weights=has, minlength=S)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.bincount(p.school, weights=resid, minlength=S) / n_j
        se2 = np.bincount(p.school, weights=np.where(has, var[j], 0.0), minlength=S) / n_j**2
        mean_j = np.bincount(p.school, weights=j.astype(np.float64), minlength=S) / n_j
    eligible = n_j >= params.min_school
    predicted = _robust_line(mean_j, value, n_j, eligible)
    dec = decide(
        value - predicted, se2, eligible, params.journal_gap_z, params.journal_gap_strong_z
    )
    return Column(
        JOURNAL_GAP,
        value=value,
        reference=predicted,
        threshold=predicted + dec.threshold,
        fired=dec.fired,
        strong=dec.strong,
        n=n_j.astype(np.int64),
        details={"z": dec.z, "mean_journal": mean_j},
        z=dec.z,
        eligible=eligible,
        alone=params.journal_gap_strong_z is not None,
        threshold_at=lambda zz: predicted + dec.at(zz),
    )


def _robust_line(x, y, w, eligible) -> np.ndarray:
    """The prediction of y from x by weighted least squares over eligible
    points, refitted twice without points beyond 3 robust sd (a manipulated
    minority does not move it); 0 where too few points."""
    fit = eligible & np.isfinite(x) & np.isfinite(y)
    if fit.sum() < 20:
        return np.zeros(len(y))
    ok = fit.copy()
    for _ in range(3):
        sw = np.sqrt(np.asarray(w, dtype=np.float64)[fit])
        A = np.stack([np.ones(fit.sum()), x[fit]], axis=1)
        coef = np.linalg.lstsq(A * sw[:, None], y[fit] * sw, rcond=None)[0]
        with np.errstate(invalid="ignore"):
            r = y - coef[0] - coef[1] * x
        mad = 1.4826 * float(np.median(np.abs(r[ok] - np.median(r[ok])))) or 1.0
        fit = ok & (np.abs(r) <= 3 * mad)
    return np.nan_to_num(coef[0] + coef[1] * np.nan_to_num(x, nan=float(np.nanmedian(x))))
