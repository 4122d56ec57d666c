"""Bunching of primary scores at the mark boundaries."""

from __future__ import annotations

import numpy as np

from ..data import (
    BUNCHING,
)
from ..params import CheckParams
from .base import (
    Column,
    Prepared,
    _empty,
    _stats,
    _z_of_p,
    calibrate,
)

# ---------------------------------------------------------------------------
# 4. Bunching at the mark boundaries


def _solve3(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solution of 3 × 3 systems A x = b by Cramer's rule (K × 3 × 3, K × 3)."""
    a, bb, c = A[:, 0, 0], A[:, 0, 1], A[:, 0, 2]
    d, e, f = A[:, 1, 0], A[:, 1, 1], A[:, 1, 2]
    g, h, i = A[:, 2, 0], A[:, 2, 1], A[:, 2, 2]
    co = np.stack(
        [
            e * i - f * h,
            -(d * i - f * g),
            d * h - e * g,
            -(bb * i - c * h),
            a * i - c * g,
            -(a * h - bb * g),
            bb * f - c * e,
            -(a * f - c * d),
            a * e - bb * d,
        ],
        axis=1,
    ).reshape(-1, 3, 3)
    det = a * co[:, 0, 0] + bb * co[:, 0, 1] + c * co[:, 0, 2]
    inv = co.transpose(0, 2, 1) / det[:, None, None]
    return np.einsum("kij,kj->ki", inv, b)


def _fit_tilt(H, log_r, X, outside, ridge=1.0, iters=25, start=None):
    """Poisson fit of counts H (K × bins) to exp(log_r + X·a) on `outside` bins:
    the region's histogram shape tilted per school (a0 scale, a1 slope, a2
    curvature). Batched Newton over the K rows (warm-started from `start`).
    Returns (fitted means, coefficients)."""
    K, P = H.shape[0], X.shape[1]
    w = outside.astype(np.float64)[None, :]
    if start is None:
        a = np.zeros((K, P))
        a[:, 0] = np.log(np.maximum((H * w).sum(axis=1), 0.5) / (np.exp(log_r) * w).sum())
    else:
        a = start.copy()
    penalty = np.diag([0.0] + [ridge] * (P - 1))
    iu = [(i, j) for i in range(P) for j in range(P)]
    XX = np.stack([X[:, i] * X[:, j] for i, j in iu], axis=1)  # bins × P²
    Hw = H * w
    for _ in range(iters):
        mu = np.exp(log_r[None, :] + a @ X.T)
        muw = mu * w
        grad = (Hw - muw) @ X - a @ penalty
        hess = (muw @ XX).reshape(K, P, P) + penalty[None, :, :]
        step = _solve3(hess, grad) if P == 3 else np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        a += np.clip(step, -2.0, 2.0)
        if np.abs(step).max(initial=0.0) < 1e-3:
            break
    return np.exp(log_r[None, :] + a @ X.T), a


def bunching(p: Prepared, params: CheckParams) -> Column:
    """Excess of primary scores at and just above each mark boundary, and the
    matching deficit just below, against a smooth counterfactual: the region's
    histogram tilted to the school's by a quadratic in the score, fitted with
    the windows around the boundaries left out (Poisson likelihood).

    T = ½ Σ_boundaries [(O − E) in b..b+above − (O − E) in b−below..b−1]
    estimates how many pupils were pushed over. value = T / n (share of the
    school's pupils), reference 0 (the counterfactual), z = T / sd_Poisson,
    calibrated. Schools past `bunching_screen_z` get a parametric-bootstrap
    p-value (multinomial draws from the fitted counterfactual, refitted each
    time); the indicator fires when p ≤ `bunching_p` and the threshold is then
    the bootstrap's (1 − p) quantile of T / n.
    """
    S = p.n_schools
    M = p.max_score
    bins = np.arange(M + 1)
    eligible = p.n >= params.min_school
    if len(p.primary) == 0 or M < 6 or not eligible.any():
        return _empty(BUNCHING, p)
    coef = np.zeros(M + 1)
    for b in p.res.boundaries:
        lo = max(0, b - params.bunching_window_below)
        hi = min(M, b + params.bunching_window_above)
        coef[lo:b] -= 0.5
        coef[b : hi + 1] += 0.5
    outside = coef == 0
    if outside.sum() < 6:
        return _empty(BUNCHING, p)
    region = np.bincount(p.primary, minlength=M + 1).astype(np.float64)
    log_r = np.log((region + 0.5) / (region.sum() + 0.5 * (M + 1)))
    t = (bins - M / 2) / (M / 2)
    X = np.stack([np.ones(M + 1), t, t * t], axis=1)
    rows = np.flatnonzero(eligible)
    H = (
        np.bincount(
            np.searchsorted(rows, p.school[eligible[p.school]]) * (M + 1)
            + p.primary[eligible[p.school]],
            minlength=len(rows) * (M + 1),
        )
        .reshape(len(rows), M + 1)
        .astype(np.float64)
    )
    mu, coef_a = _fit_tilt(H, log_r, X, outside)
    T = ((H - mu) * coef).sum(axis=1)
    sd = np.sqrt((mu * coef * coef).sum(axis=1))
    n_r = H.sum(axis=1)
    z = np.full(S, np.nan)
    z[rows] = T / sd
    c, unit = calibrate(z, eligible)
    zc = (z - c) / unit
    value = np.full(S, np.nan)
    value[rows] = T / n_r
    threshold = np.full(S, np.nan)
    threshold[rows] = (c + 3.0 * unit) * sd / n_r
    pval = np.full(S, np.nan)
    screened = np.flatnonzero(zc[rows] >= params.bunching_screen_z)
    rng = np.random.default_rng(params.seed)
    n_boot = params.bunching_bootstrap
    alpha = params.bunching_p

    def draws(idx, b):
        """T of `b` multinomial draws per school from its counterfactual, refitted."""
        probs = mu[idx] / mu[idx].sum(axis=1, keepdims=True)
        sims = rng.multinomial(
            np.repeat(n_r[idx].astype(np.int64), b), np.repeat(probs, b, axis=0)
        ).astype(np.float64)
        mu_b, _ = _fit_tilt(
            sims, log_r, X, outside, start=np.repeat(coef_a[idx], b, axis=0), iters=4
        )
        return ((sims - mu_b) * coef).sum(axis=1).reshape(len(idx), b)

    # Two stages (Besag–Clifford style): a first fifth of the draws for every
    # screened school; the rest only where the first stage is ambiguous (some
    # exceedances, p ≤ 0.05) — no exceedance at all already gives the smallest
    # p-value the first stage can show.
    first = min(n_boot, max(50, n_boot // 5))
    for lo in range(0, len(screened), 200):
        idx = screened[lo : lo + 200]
        t_b = draws(idx, first)
        exceed = (t_b >= T[idx, None]).sum(axis=1)
        pv = (1 + exceed) / (first + 1)
        thr = np.quantile(t_b, 1 - alpha, axis=1)
        more = np.flatnonzero((pv <= 0.05) & (exceed > 0))
        if len(more) and n_boot > first:
            t_more = np.concatenate([t_b[more], draws(idx[more], n_boot - first)], axis=1)
            pv[more] = (1 + (t_more >= T[idx[more], None]).sum(axis=1)) / (n_boot + 1)
            thr[more] = np.quantile(t_more, 1 - alpha, axis=1)
        pval[rows[idx]] = pv
        threshold[rows[idx]] = thr / n_r[idx]
    fired = eligible & (pval <= alpha)
    strong = fired & (zc >= params.bunching_strong_z)
    # Evidence for the budget: the calibrated z, unless the bootstrap saw the
    # school's excess among its draws (then the smaller of z and the p-value's z;
    # a school past every draw is as far as the bootstrap can tell).
    evidence = zc.copy()
    seen = np.isfinite(pval) & (pval > 1.5 / (first + 1))
    evidence[seen] = np.minimum(zc[seen], _z_of_p(pval[seen]))

    def threshold_of(zz):
        out = np.full(S, np.nan)
        out[rows] = (c + np.asarray(zz)[rows] * unit) * sd / n_r
        return out

    at = np.full(S, np.nan)
    at_exp = np.full(S, np.nan)
    above = coef > 0
    at[rows] = H[:, above].sum(axis=1)
    at_exp[rows] = mu[:, above].sum(axis=1)
    return Column(
        BUNCHING,
        value=value,
        reference=np.zeros(S),
        threshold=threshold,
        fired=fired,
        strong=strong,
        n=p.n,
        details={
            "z": zc,
            "p_value": pval,
            "at_boundaries_observed": at,
            "at_boundaries_expected": at_exp,
        },
        z=evidence,
        eligible=eligible,
        alone=True,
        recentre=False,
        threshold_at=threshold_of,
    )


def pool_bunching(cols: dict, params: CheckParams) -> None:
    """A school that pushes pupils over the boundaries does it in the papers
    it marks that year, not in one test only: the same staff re-read the
    papers just below a boundary. So each test's bunching evidence is also
    read together with the school's strongest other test of the year (same
    instrument): that test's z made a fair normal z for being the largest of
    the school's k other tests (Šidák: p = 1 − (1 − p₁)^k), then combined
    with the test's own (Stouffer, with the correlation the region's schools
    show between two of their tests). The evidence is the larger of the own z
    and the combined one, counted as two looks (Bonferroni), so an honest
    school gains nothing by writing more tests. Nothing changes where a
    school's bunching is read in one test only. Rewrites `z` (and the
    threshold it implies) of each procedure's bunching column in place."""
    from .classes import _robust_corr

    groups: dict = {}
    for proc, (_prep, columns) in cols.items():
        for c in columns:
            if c.name == BUNCHING and c.z is not None:
                groups.setdefault((proc.instrument, proc.year), []).append(c)
    norm = _stats().norm
    for members in groups.values():
        if len(members) < 2:
            continue
        Z = np.stack(
            [np.where(c.eligible & np.isfinite(c.z), c.z, np.nan) for c in members], axis=1
        )
        pairs = [
            (Z[ok, a], Z[ok, b])
            for a in range(Z.shape[1])
            for b in range(a + 1, Z.shape[1])
            for ok in [np.isfinite(Z[:, a]) & np.isfinite(Z[:, b])]
        ]
        rho = _robust_corr(pairs)
        for i, c in enumerate(members):
            own = Z[:, i]
            others = np.delete(Z, i, axis=1)
            k = np.isfinite(others).sum(axis=1)
            # A test whose own papers show no excess at the boundaries is not
            # marked on the strength of the school's other tests: the marker
            # names a test, and this one shows nothing.
            two = np.isfinite(own) & (k >= 1) & (own > 0)
            if not two.any():
                continue
            top = np.nanmax(np.where(two[:, None], others, -np.inf), axis=1)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                # 1 − (1 − p₁)^k, accurate for a small p₁.
                p_top = -np.expm1(k * np.log1p(-norm.sf(top)))
                other = _z_of_p(p_top)
                pooled = (own + other) / np.sqrt(2 + 2 * rho)
                best = np.fmax(own, pooled)
                evidence = _z_of_p(np.minimum(1.0, 2 * norm.sf(best)))
            c.z = np.where(two, evidence, c.z)
            c.details = dict(c.details)
            c.details["z_other_tests"] = np.where(two, other, np.nan)
            c.details["z_with_other_tests"] = np.where(two, pooled, np.nan)
            if c.threshold_at is not None:
                c.threshold_at = _by_own_look(c.threshold_at, two)


def _by_own_look(threshold_of, two: np.ndarray):
    """The test's own threshold at which its evidence reaches zz by its own
    look alone, where the evidence is the best of two looks."""

    def at(zz):
        zz = np.asarray(zz, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            own = _stats().norm.isf(_stats().norm.sf(zz) / 2)
        return threshold_of(np.where(two, own, zz))

    return at
