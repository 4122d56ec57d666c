"""Within-class similarity: identical score vectors and identical runs."""

from __future__ import annotations

import numpy as np

from ..data import (
    RUNS,
    SIMILARITY,
)
from ..params import CheckParams
from .base import (
    Column,
    Prepared,
    _empty,
    _poisson,
    _stats,
    _z_of_p,
)

# ---------------------------------------------------------------------------
# 7. Within-class similarity


def _row_hash(scores: np.ndarray) -> np.ndarray:
    h = np.zeros(len(scores), dtype=np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for j in range(scores.shape[1]):
            h = h * mult + (scores[:, j].astype(np.int64) + 2).astype(np.uint64)
    return h


def _pairs(k):
    return k * (k - 1) / 2.0


def _class_pairs(scores: np.ndarray, sums: np.ndarray, cls_idx: np.ndarray, C: int):
    """Per class: observed pairs of pupils with identical rows of `scores`,
    the pairs expected from the region's chance q(t) that two pupils with the
    same row sum t have identical rows, and the largest identical group."""
    N = len(sums)
    h = _row_hash(scores)
    mult = np.uint64(0xBF58476D1CE4E5B9)
    with np.errstate(over="ignore"):
        key_sv = h * mult + sums.astype(np.uint64)
        key_cv = h * mult + cls_idx.astype(np.uint64) * np.uint64(0x94D049BB133111EB)
    _, inv_sv, cnt_sv = np.unique(key_sv, return_inverse=True, return_counts=True)
    first = np.zeros(len(cnt_sv), np.int64)
    first[inv_sv.ravel()] = np.arange(N)
    n_t = np.bincount(sums).astype(np.float64)
    ident_t = np.bincount(
        sums[first], weights=_pairs(cnt_sv.astype(np.float64)), minlength=len(n_t)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.nan_to_num(ident_t / _pairs(n_t))
    mt = len(n_t)
    n_ct = np.bincount(cls_idx * mt + sums, minlength=C * mt).astype(np.float64)
    expected = (_pairs(n_ct).reshape(C, mt) * q[None, :]).sum(axis=1)
    _, inv_cv, cnt_cv = np.unique(key_cv, return_inverse=True, return_counts=True)
    first_cv = np.zeros(len(cnt_cv), np.int64)
    first_cv[inv_cv.ravel()] = np.arange(N)
    observed = np.bincount(
        cls_idx[first_cv], weights=_pairs(cnt_cv.astype(np.float64)), minlength=C
    )
    largest = np.zeros(C)
    np.maximum.at(largest, cls_idx[first_cv], cnt_cv)
    return observed, expected, largest


def _classes(p: Prepared):
    ucls, cls_idx = np.unique(p.res.class_id, return_inverse=True)
    C = len(ucls)
    cls_school = np.zeros(C, np.int64)
    cls_school[cls_idx] = p.school
    return cls_idx.ravel(), C, cls_school, np.bincount(cls_idx.ravel(), minlength=C)


def _worst_class_column(name, p, params, observed, expected, largest, tests, extra=None):
    """The school's worst class by Poisson tail p-value (Bonferroni over its
    eligible classes × `tests`), as a Column."""
    S = p.n_schools
    cls_idx, C, cls_school, cls_n = _classes(p)
    ok = cls_n >= params.min_class
    n_classes = np.bincount(cls_school[ok], minlength=S)
    pv = np.ones(C)
    cand = ok & (observed > 0)
    pv[cand] = _poisson().sf(observed[cand] - 1, expected[cand])
    pv_adj = np.minimum(1.0, pv * np.maximum(n_classes[cls_school], 1) * tests)
    order = np.lexsort((pv_adj, cls_school))
    worst = np.full(S, -1)
    firsts = np.ones(C, bool)
    firsts[1:] = cls_school[order][1:] != cls_school[order][:-1]
    worst[cls_school[order][firsts]] = order[firsts]
    has = worst >= 0
    w = worst[has]
    value, ref, thr, pval, group = (np.full(S, np.nan) for _ in range(5))
    size = np.zeros(S, np.int64)
    value[has] = observed[w]
    ref[has] = expected[w]
    alpha_cls = params.similarity_p / np.maximum(n_classes[has], 1) / tests
    thr[has] = np.maximum(
        _poisson().isf(alpha_cls, expected[w]) + 1, expected[w] + params.similarity_min_excess
    )
    pval[has] = pv_adj[w]
    size[has] = cls_n[w]
    group[has] = largest[w]
    eligible = has & (size >= params.min_class) & (p.n >= params.min_school)
    excess = value - ref >= params.similarity_min_excess
    fired = eligible & (pval <= params.similarity_p) & excess
    classes_has = np.maximum(n_classes[has], 1)
    expected_has = expected[w]

    def at(zz):
        out = np.full(S, np.nan)
        alpha = _stats().norm.sf(np.asarray(zz)[has]) / classes_has / tests
        out[has] = np.maximum(
            _stats().poisson.isf(alpha, expected_has) + 1,
            expected_has + params.similarity_min_excess,
        )
        return out

    details = {"p_value": pval, "largest_identical_group": group, "classes": n_classes}
    for key, per_class in (extra or {}).items():
        arr = np.full(S, np.nan)
        arr[has] = per_class[w]
        details[key] = arr
    return Column(
        name,
        value=value,
        reference=ref,
        threshold=thr,
        fired=fired,
        strong=fired & (pval <= params.similarity_strong_p),
        n=size,
        details=details,
        z=_z_of_p(pval),
        eligible=eligible,
        alone=True,
        recentre=False,
        threshold_at=at,
        gate=excess,
        alone_floor=float(_z_of_p(np.array([params.similarity_strong_p]))[0]),
    )


def similarity(p: Prepared, params: CheckParams) -> Column:
    """Identical score vectors within a class beyond what the scores predict.

    For each total score s the region gives q(s), the chance that two pupils
    with that score hand in identical vectors (Σ C(k_v, 2) / C(N_s, 2) over
    the distinct vectors v). A class's expected number of identical pairs is
    Σ_s C(n_cs, 2) q(s); the observed count gets a Poisson upper-tail p-value,
    multiplied by the school's number of eligible classes (≥ `min_class`
    pupils). The worst class is reported: value = identical pairs, reference =
    expected pairs, threshold = the count at which p reaches `similarity_p`.
    "x" (not attempted) counts as 0: a copy whose blanks were recorded
    differently from the original's is still the same work.
    """
    if len(p.primary) == 0:
        return _empty(SIMILARITY, p)
    cls_idx, C, _cs, _cn = _classes(p)
    observed, expected, largest = _class_pairs(p.scores0, p.primary, cls_idx, C)
    return _worst_class_column(SIMILARITY, p, params, observed, expected, largest, 1)


def identical_runs(p: Prepared, params: CheckParams) -> Column:
    """Long identical runs: pairs in a class with the same scores on a run of
    `run_length` consecutive tasks (default half the test, at least 6), beyond
    the region's chance for pupils with the same points on that run — copied
    work that was then varied elsewhere. Every window start is a test: the
    class's best window, Bonferroni over windows and classes. Never strong;
    same family as `similarity` when counted (see CheckParams.run_length)."""
    T = p.scores0.shape[1]
    L = params.run_length or max(6, T // 2)
    if len(p.primary) == 0 or T <= L:
        return _empty(RUNS, p)
    cls_idx, C, _cs, _cn = _classes(p)
    best_p = np.full(C, np.inf)
    obs_b, exp_b, big_b, start_b = (np.zeros(C) for _ in range(4))
    for start in range(0, T - L + 1):
        window = p.scores0[:, start : start + L]
        obs, exp, big = _class_pairs(window, window.sum(axis=1).astype(np.int64), cls_idx, C)
        pv = np.ones(C)
        cand = obs > 0
        pv[cand] = _poisson().sf(obs[cand] - 1, exp[cand])
        better = pv < best_p
        best_p[better] = pv[better]
        obs_b[better], exp_b[better], big_b[better] = obs[better], exp[better], big[better]
        start_b[better] = start + 1
    col = _worst_class_column(
        RUNS, p, params, obs_b, exp_b, big_b, T - L + 1, extra={"run_from_task": start_b}
    )
    col.details["run_length"] = np.full(p.n_schools, float(L))
    col.strong = np.zeros(p.n_schools, bool)  # supporting evidence only
    col.alone = False
    return col
