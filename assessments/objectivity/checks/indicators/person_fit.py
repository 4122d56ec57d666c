"""Person fit: normed Guttman errors and lz, as the share of misfitting pupils."""

from __future__ import annotations

import numpy as np

from ..data import (
    PERSON_FIT,
)
from ..params import CheckParams
from .base import (
    CHUNK,
    Column,
    Prepared,
    _empty,
    decide,
)

# ---------------------------------------------------------------------------
# 2b. Person fit: normed Guttman errors and lz, as the share of misfitting pupils


def _guttman(x: np.ndarray) -> np.ndarray:
    """Guttman errors of step patterns whose columns are ordered easiest first:
    pairs (easier step failed, harder step passed)."""
    x = x.astype(np.int32)
    passed_before = np.cumsum(x, axis=1) - x
    rank = np.arange(x.shape[1], dtype=np.int32)[None, :]
    return (x * (rank - passed_before)).sum(axis=1)


def guttman_max(popularity: np.ndarray, step_task: np.ndarray, step_k: np.ndarray) -> np.ndarray:
    """The largest Guttman error count for each total score 0..S, steps taken
    hardest-first subject to a task's step k needing its step k−1 (greedy;
    exact for dichotomous tasks). `popularity` is in easiest-first order."""
    S = len(popularity)
    order_rank = np.arange(S)
    out = np.zeros(S + 1)
    taken = np.zeros(S, bool)
    level = {}
    for t in np.unique(step_task):
        level[int(t)] = 0
    for score in range(1, S + 1):
        # Candidate steps: the next step of each task; take the least popular.
        best, best_rank = None, -1
        for i in range(S):
            if taken[i] or step_k[i] != level[int(step_task[i])] + 1:
                continue
            if order_rank[i] > best_rank:
                best, best_rank = i, order_rank[i]
        taken[best] = True
        level[int(step_task[best])] += 1
        out[score] = _guttman(taken[None, :])[0]
    return out


def person_fit(p: Prepared, params: CheckParams) -> Column:
    """Share of a school's pupils whose answer pattern misfits their score.

    Item steps (task j, point k: x_j ≥ k) are ordered by the region's
    popularity. For each pupil: the polytomous Guttman error count G (pairs
    of an easier step failed and a harder one passed) normed by its maximum
    for the pupil's score (G_N, in details), and lz with step probabilities
    taken conditionally on the total score from the whole region (a
    nonparametric stand-in for an IRT θ). A pupil misfits when lz is below the
    region's `misfit_quantile`; the school's share of misfits is tested
    against the region's share (binomial, random-effects calibrated). Pupils
    with 0 or full marks carry no information and are left out.

    Everything runs on (pupils × tasks) lookups into per-score tables: with
    cumulative step weights W[s, j, x] = Σ_{k ≤ x} w[s, j, k], a pupil's sum
    over passed steps is Σ_j W[s, j, x_j]; and Σ over passed steps of the
    number of passed easier steps is k(k − 1)/2, so G = Σ rank − k(k − 1)/2.
    """
    S = p.n_schools
    tm = p.res.task_max
    T = len(tm)
    n_steps = int(tm.sum())
    N = len(p.primary)
    if N == 0 or n_steps == 0:
        return _empty(PERSON_FIT, p)
    x_all = np.minimum(p.scores0, tm[None, :]).astype(np.int64)
    s = np.minimum(x_all.sum(axis=1), n_steps)
    X1 = int(tm.max()) + 1
    ns1 = n_steps + 1
    base = np.arange(T)[None, :] * X1
    counts = np.zeros(ns1 * T * X1)
    for lo in range(0, N, CHUNK):
        flat = s[lo : lo + CHUNK, None] * (T * X1) + base + x_all[lo : lo + CHUNK]
        counts += np.bincount(flat.ravel(), minlength=ns1 * T * X1)
    counts = counts.reshape(ns1, T, X1)
    cnt = np.bincount(s, minlength=ns1).astype(np.float64)
    ge = counts[:, :, ::-1].cumsum(axis=2)[:, :, ::-1]  # ge[s, j, k] = #(x_j ≥ k)
    valid = np.arange(X1)[None, :] <= tm[:, None]
    valid[:, 0] = False  # k = 0 is not a step
    pop = ge.sum(axis=0) / N  # (T, X1)
    cond = (ge + 0.5 * pop[None]) / (cnt[:, None, None] + 0.5)
    cond = np.clip(cond, 0.005, 0.995)
    logp, log1p = np.log(cond), np.log1p(-cond)
    v = valid[None]
    weight = np.where(v, logp - log1p, 0.0)
    cum_w = weight.cumsum(axis=2).reshape(-1)  # W[s, j, x]
    base_ll = np.where(v, log1p, 0.0).sum(axis=(1, 2))
    expected = np.where(v, cond * logp + (1 - cond) * log1p, 0.0).sum(axis=(1, 2))
    variance = np.where(v, cond * (1 - cond) * (logp - log1p) ** 2, 0.0).sum(axis=(1, 2))
    # Step ranks, easiest first, and their cumulative sums per task.
    steps_j, steps_k = np.nonzero(valid)
    order = np.argsort(-pop[steps_j, steps_k], kind="stable")
    rank = np.zeros((T, X1))
    rank[steps_j[order], steps_k[order]] = np.arange(len(order))
    cum_rank = rank.cumsum(axis=1).reshape(-1)
    gmax = guttman_max(pop[steps_j, steps_k][order], steps_j[order], steps_k[order])
    lz = np.empty(N)
    gn = np.empty(N)
    for lo in range(0, N, CHUNK):
        xs = x_all[lo : lo + CHUNK]
        ss = s[lo : lo + CHUNK]
        ll = cum_w[ss[:, None] * (T * X1) + base + xs].sum(axis=1) + base_ll[ss]
        g = cum_rank[base + xs].sum(axis=1) - ss * (ss - 1) / 2.0
        with np.errstate(invalid="ignore", divide="ignore"):
            lz[lo : lo + CHUNK] = (ll - expected[ss]) / np.sqrt(variance[ss])
            gn[lo : lo + CHUNK] = np.where(gmax[ss] > 0, g / gmax[ss], 0.0)
    informative = (s > 0) & (s < n_steps) & np.isfinite(lz)
    if not informative.any():
        return _empty(PERSON_FIT, p)
    cut_lz = float(np.quantile(lz[informative], params.misfit_quantile))
    misfit = informative & (lz < cut_lz)
    n_inf = np.bincount(p.school, weights=informative, minlength=S)
    k = np.bincount(p.school, weights=misfit, minlength=S)
    p_r = float(misfit.sum() / informative.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        share = k / n_inf
        se = np.sqrt(p_r * (1 - p_r) / n_inf)
    eligible = n_inf >= params.min_school
    dec = decide(share - p_r, se**2, eligible, params.person_fit_z, params.person_fit_strong_z)
    mean_gn = np.bincount(p.school, weights=np.where(informative, gn, 0), minlength=S)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gn = mean_gn / n_inf
    return Column(
        PERSON_FIT,
        value=share,
        reference=np.full(S, p_r),
        threshold=p_r + dec.threshold,
        fired=dec.fired,
        strong=dec.strong,
        n=n_inf.astype(np.int64),
        details={
            "z": dec.z,
            "misfitting": k,
            "lz_cut": np.full(S, cut_lz),
            "mean_guttman_normed": mean_gn,
            "region_mean_guttman_normed": np.full(S, float(gn[informative].mean())),
        },
        z=dec.z,
        eligible=eligible,
        threshold_at=lambda zz: p_r + dec.at(zz),
    )
