"""The indicators of one procedure, for every school of the region at once.

Each function takes a `Prepared` procedure (column arrays grouped by school)
and `CheckParams`, and returns a `Column`: per school the value, the region's
reference, the threshold in the value's own units, whether it fired (never
under the minimum group size), whether it is strong, the pupils it rests on,
and supporting arrays (z, p-value, the municipality's figure…).

Conventions:
- A school's z is calibrated against the region: `calibrate` takes the
  median and the robust spread (1.4826·MAD) of the z of eligible schools and
  uses max(1, spread) as the unit, so the threshold widens when schools differ
  more than the sampling model says (honest heterogeneity), and never narrows.
- Pupil-level statistics are conditioned on the pupil's total score with
  region-wide tables (np.bincount over the score), so a strong school is not
  suspicious for being strong: only the *shape* of its answers is compared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .data import (
    BUNCHING,
    INVERSION,
    JOURNAL,
    JOURNAL_GAP,
    LEVEL,
    LEVEL_BASIC,
    MARKING,
    PERSON_FIT,
    RUNS,
    SCALE_MISMATCH,
    SELECTIVE_KINDS,
    SIMILARITY,
    ProcedureResults,
    SchoolTable,
    mark_of,
)
from .params import CheckParams

CHUNK = 1 << 18  # pupils per chunk of the (pupils × steps) person-fit arrays


@dataclass
class Column:
    """One indicator for every school (arrays indexed by SchoolTable row)."""

    name: str
    value: np.ndarray
    reference: np.ndarray
    threshold: np.ndarray
    fired: np.ndarray
    strong: np.ndarray
    n: np.ndarray
    details: dict[str, np.ndarray] = field(default_factory=dict)
    # For the thresholds calibrated to a false-alarm budget (see `budget`):
    # the evidence per school on a standard normal scale (honest schools near
    # N(0, 1) in the upper tail), the schools it may fire for, whether it may
    # raise a marker alone, whether it is a between-school deviation to be
    # re-centred on the school's kind (not an exact test such as a p-value),
    # the threshold in the value's units for a given z per school, and an
    # extra condition to fire (a minimum excess). None: the column keeps its
    # own decision.
    z: np.ndarray | None = None
    eligible: np.ndarray | None = None
    alone: bool = False
    recentre: bool = True
    threshold_at: Callable[[np.ndarray], np.ndarray] | None = None
    gate: np.ndarray | None = None
    # The least z at which it may stand alone whatever the budget: for an exact
    # test whose null cannot see an honest school's own clustering (identical
    # work in a class of one curriculum), its documented strong level.
    alone_floor: float | None = None


def _z_of_p(p: np.ndarray) -> np.ndarray:
    """A one-sided p-value as a standard normal z (NaN stays NaN, p = 1 gives −5)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.clip(stats.norm.isf(np.clip(p, 1e-300, 1.0)), -5.0, 40.0)


def _full(n, fill=np.nan):
    return np.full(n, fill, dtype=np.float64)


def calibrate(
    z: np.ndarray, eligible: np.ndarray, centre: bool = True, narrow: bool = False
) -> tuple[float, float]:
    """(centre, unit) of the region's z among eligible schools: the median and
    max(1, 1.4826·MAD). With `narrow` the unit may also shrink (to 0.25 at
    least): for statistics whose sampling se is known to be conservative."""
    zz = z[eligible & np.isfinite(z)]
    if len(zz) < 20:
        return 0.0, 1.0
    med = float(np.median(zz))
    spread = 1.4826 * float(np.median(np.abs(zz - med)))
    unit = max(0.25, spread) if narrow else max(1.0, spread)
    return (med if centre else 0.0), unit


@dataclass
class Decision:
    z: np.ndarray  # calibrated z per school
    threshold: np.ndarray  # the deviation at which it fires, in the deviation's units
    fired: np.ndarray
    strong: np.ndarray
    at: Callable[[np.ndarray], np.ndarray] | None = None  # z → deviation


def decide(
    dev, se2, eligible, cut_z: float, strong_z: float | None = None, narrow: bool = False
) -> Decision:
    """Turn per-school deviations from the region (dev) with sampling variances
    se2 into calibrated z-scores and decisions.

    A random-effects view: honest schools differ by more than sampling (τ²,
    estimated robustly as the squared 1.4826·MAD of the eligible deviations
    minus their median sampling variance, never below 0), so
    z = (dev − median) / sqrt(τ² + se2), then `calibrate`d. With no honest
    heterogeneity this is the plain z-test; with much, thresholds widen.
    `narrow`: see `calibrate`.
    """
    dev = np.asarray(dev, dtype=np.float64)
    se2 = np.asarray(se2, dtype=np.float64)
    ok = eligible & np.isfinite(dev) & np.isfinite(se2)
    med, tau2 = 0.0, 0.0
    if ok.sum() >= 20:
        med = float(np.median(dev[ok]))
        mad = 1.4826 * float(np.median(np.abs(dev[ok] - med)))
        tau2 = max(0.0, mad**2 - float(np.median(se2[ok])))
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(tau2 + se2)
        z0 = (dev - med) / sd
    c, unit = calibrate(z0, eligible, narrow=narrow)
    z = (z0 - c) / unit
    fired = eligible & (z >= cut_z)
    strong = fired & (z >= strong_z) if strong_z is not None else np.zeros(len(dev), bool)
    return Decision(
        z=z,
        threshold=med + (c + cut_z * unit) * sd,
        fired=fired,
        strong=strong,
        at=lambda zz: med + (c + zz * unit) * sd,
    )


class Prepared:
    """One procedure's columns grouped by school, with region-wide tables."""

    def __init__(self, res: ProcedureResults, schools: SchoolTable):
        self.res = res
        self.schools = schools
        self.n_schools = len(schools)
        self.school = res.school
        self.n = np.bincount(res.school, minlength=self.n_schools)
        self.scores0 = np.clip(res.scores, 0, None).astype(np.int16)
        self.primary = res.primary
        self.mark = res.mark
        self.max_score = res.max_score
        m = self.mark.astype(np.float64)
        self.mean_mark = self._mean(m)
        self.mark_var = float(m.var()) if len(m) else np.nan
        self.municipality = np.asarray(schools.municipality)
        self.selective = np.isin(np.asarray(schools.kind, dtype=object), list(SELECTIVE_KINDS))

    def _sum(self, w):
        return np.bincount(self.school, weights=w, minlength=self.n_schools)

    def _mean(self, w):
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._sum(w) / self.n

    def municipal_mean(self, per_school_value: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The municipality's weighted mean of a per-school figure, back per school."""
        ok = np.isfinite(per_school_value) & (weights > 0)
        muni = self.municipality
        codes, inv = np.unique(muni, return_inverse=True)
        tot = np.bincount(inv[ok], weights=per_school_value[ok] * weights[ok], minlength=len(codes))
        cnt = np.bincount(inv[ok], weights=weights[ok], minlength=len(codes))
        with np.errstate(invalid="ignore", divide="ignore"):
            return (tot / cnt)[inv]


# ---------------------------------------------------------------------------
# 1. Level anomaly


def level_anomaly(p: Prepared, params: CheckParams) -> Column:
    """The school's mean mark as a z within schools of its kind.

    Gymnasiums and lyceums are compared with gymnasiums and lyceums, the rest
    with the rest; a group with fewer than `min_schools_per_kind` eligible
    schools is pooled with the whole region, and then a selective school's
    threshold is raised by `level_selective_relax`. z = (mean − median of the
    kind) / sqrt(τ² + σ²/n), τ² the between-school variance (robust) and σ²
    the pupils' variance of marks. The share of 4 and 5 is reported beside.
    """
    S = p.n_schools
    eligible = p.n >= params.min_school
    m = p.mean_mark
    se2 = p.mark_var / np.maximum(p.n, 1)
    centre = _full(S)
    scale = _full(S)
    z_cut = np.full(S, params.level_z)

    def fit(members):
        sel = members & eligible & np.isfinite(m)
        if sel.sum() < params.min_schools_per_kind:
            return None
        med = float(np.median(m[sel]))
        mad = 1.4826 * float(np.median(np.abs(m[sel] - med)))
        tau2 = max(mad**2 - float(np.median(se2[sel])), 0.01 * p.mark_var)
        return med, tau2

    pooled = fit(np.ones(S, bool))
    for members in (p.selective, ~p.selective):
        got = fit(members)
        if got is None:
            got = pooled
            if members is p.selective:
                z_cut[members] += params.level_selective_relax
        if got is None:
            continue
        centre[members] = got[0]
        scale[members] = np.sqrt(got[1] + se2[members])
    z = (m - centre) / scale
    q45 = p._mean((p.mark >= 4).astype(np.float64))
    region_q45 = float((p.mark >= 4).mean()) if len(p.mark) else np.nan
    fired = eligible & (z >= z_cut)
    return Column(
        LEVEL,
        value=m,
        reference=centre,
        threshold=centre + z_cut * scale,
        fired=fired,
        strong=np.zeros(S, bool),
        n=p.n,
        details={
            "z": z,
            "share_45": q45,
            "region_share_45": np.full(S, region_q45),
            "region_mean": np.full(S, float(p.mark.mean()) if len(p.mark) else np.nan),
            "municipality_mean": p.municipal_mean(m, p.n.astype(float)),
        },
        z=z,
        eligible=eligible,
        threshold_at=lambda zz: centre + zz * scale,
    )


# ---------------------------------------------------------------------------
# 2a. Difficulty inversion (school level, conditioned on the total score)


def _conditional_residual(p: Prepared, mask: np.ndarray):
    """Per school: mean points on the tasks in `mask` above what region pupils
    with the same total score get, as a share of those tasks' maximum, and its
    sampling se (from the region's variance given the total). Also returns the
    per-pupil points on the masked tasks."""
    top = float(p.res.task_max[mask].sum())
    d = p.scores0[:, mask].sum(axis=1).astype(np.float64)
    s = p.primary
    cnt = np.bincount(s, minlength=p.max_score + 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        e1 = np.bincount(s, weights=d, minlength=p.max_score + 1) / cnt
        e2 = np.bincount(s, weights=d * d, minlength=p.max_score + 1) / cnt
    var = np.nan_to_num(np.maximum(e2 - e1**2, 0))
    resid = d - np.nan_to_num(e1)[s]
    r_sum = p._sum(resid)
    v_sum = p._sum(var[s])
    with np.errstate(invalid="ignore", divide="ignore"):
        value = r_sum / p.n / top
        se = np.sqrt(v_sum) / p.n / top
    return value, se, d


def difficulty_inversion(p: Prepared, params: CheckParams) -> Column:
    """Points on advanced/high tasks above those the region's pupils with the
    same total score get. Given the total, easy and hard points trade off
    exactly, so a positive residual is "hard tasks done better, easy ones
    worse" than the score explains. value = mean residual as a share of the
    hard tasks' maximum; z = Σ residual / sqrt(Σ Var(hard | total)).

    The classic unconditional profile (school − region success on basic and
    on advanced/high tasks) is reported in the details.
    """
    S = p.n_schools
    hard = np.asarray(p.res.task_level != LEVEL_BASIC)
    hard_max = float(p.res.task_max[hard].sum())
    basic_max = float(p.res.task_max[~hard].sum())
    eligible = p.n >= params.min_school
    if hard_max == 0 or basic_max == 0 or len(p.primary) == 0:
        return _empty(INVERSION, p)
    value, se, d = _conditional_residual(p, hard)
    s = p.primary
    dec = decide(value, se**2, eligible, params.inversion_z, params.inversion_strong_z)
    basic_s = p._sum(p.scores0[:, ~hard].sum(axis=1)) / np.maximum(p.n, 1) / basic_max
    hard_s = p._sum(d) / np.maximum(p.n, 1) / hard_max
    reg_basic = float(p.scores0[:, ~hard].sum() / len(s) / basic_max)
    reg_hard = float(d.sum() / len(s) / hard_max)
    return Column(
        INVERSION,
        value=value,
        reference=np.zeros(S),
        threshold=dec.threshold,
        fired=dec.fired,
        strong=dec.strong,
        n=p.n,
        details={
            "z": dec.z,
            "basic_success": basic_s,
            "hard_success": hard_s,
            "region_basic_success": np.full(S, reg_basic),
            "region_hard_success": np.full(S, reg_hard),
            "basic_minus_region": basic_s - reg_basic,
            "hard_minus_region": hard_s - reg_hard,
        },
        z=dec.z,
        eligible=eligible,
        alone=True,
        threshold_at=dec.at,
    )


def lenient_marking(p: Prepared, params: CheckParams) -> Column:
    """Points on partial-credit tasks (maximum ≥ 2: extended answers marked by
    the teacher) above those region pupils with the same total score get on
    them — lenient marking shifts points from the auto-checkable one-point
    tasks to these, for a given total. Same statistic as the difficulty
    inversion with the tasks split by maximum instead of level; the two are
    one family in the marker rule (they overlap when hard tasks carry the
    partial credit)."""
    S = p.n_schools
    partial = np.asarray(p.res.task_max >= 2)
    eligible = p.n >= params.min_school
    if not partial.any() or partial.all() or len(p.primary) == 0:
        return _empty(MARKING, p)
    value, se, d = _conditional_residual(p, partial)
    dec = decide(value, se**2, eligible, params.marking_z, params.marking_strong_z)
    top = float(p.res.task_max[partial].sum())
    success = p._sum(d) / np.maximum(p.n, 1) / top
    return Column(
        MARKING,
        value=value,
        reference=np.zeros(S),
        threshold=dec.threshold,
        fired=dec.fired,
        strong=dec.strong,
        n=p.n,
        details={
            "z": dec.z,
            "partial_credit_success": success,
            "region_partial_credit_success": np.full(S, float(d.sum() / len(d) / top)),
        },
        z=dec.z,
        eligible=eligible,
        alone=True,
        threshold_at=dec.at,
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
    pv[cand] = stats.poisson.sf(observed[cand] - 1, expected[cand])
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
        stats.poisson.isf(alpha_cls, expected[w]) + 1, expected[w] + params.similarity_min_excess
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
        alpha = stats.norm.sf(np.asarray(zz)[has]) / classes_has / tests
        out[has] = np.maximum(
            stats.poisson.isf(alpha, expected_has) + 1,
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
        pv[cand] = stats.poisson.sf(obs[cand] - 1, exp[cand])
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


# ---------------------------------------------------------------------------
# Marks above the scale


def scale_mismatch(p: Prepared, params: CheckParams) -> Column:
    """Pupils whose mark (or primary score's mark) is above what the year's
    scale gives for the points of their tasks: a mark raised without the work
    to carry it. Judged against the region's own share (issue #13): honest
    files have next to none (a scale's extra conditions only ever lower a
    mark), but a file-wide artefact — a journal-mark column taken for the
    test's mark, another year's scale — puts pupils above the scale in every
    school, and that is a data problem of the file, not evidence against each
    school. The region's share is the median school's (a minority of schools
    raising marks does not move it); the school's count is tested against it
    (binomial, at least `mismatch_base_share`). When the median school is past
    `mismatch_region_problem` the indicator does not fire at all and the run
    reports the problem (details: `region_problem`)."""
    S = p.n_schools
    earned = p.scores0.sum(axis=1)
    expected = mark_of(earned, p.res.boundaries)
    above = (p.mark > expected) | (p.primary > earned)
    k = np.bincount(p.school, weights=above, minlength=S)
    eligible = p.n >= params.min_school
    with np.errstate(invalid="ignore", divide="ignore"):
        share = k / p.n
    ok = eligible & np.isfinite(share)
    region = float(np.median(share[ok])) if ok.any() else float(above.mean()) if len(above) else 0.0
    problem = bool(region > params.mismatch_region_problem)
    base = max(region, params.mismatch_base_share)
    n = np.maximum(p.n, 1)
    pv = np.where(k > 0, stats.binom.sf(k - 1, n, base), 1.0)
    usable = eligible & (not problem)
    fired = usable & (k >= params.mismatch_min) & (pv <= params.mismatch_p)
    strong = fired & (share >= base + params.mismatch_strong_share)

    def at(zz):
        # The fewest pupils above the scale whose binomial tail reaches the z.
        alpha = stats.norm.sf(np.asarray(zz, dtype=np.float64))
        need = stats.binom.isf(alpha, n, base) + 1
        return np.maximum(need, params.mismatch_min) / n

    return Column(
        SCALE_MISMATCH,
        value=share,
        reference=np.full(S, region),
        threshold=at(np.full(S, stats.norm.isf(params.mismatch_p))),
        fired=fired,
        strong=strong,
        n=p.n,
        details={
            "pupils_above_scale": k,
            "p_value": pv,
            "region_problem": np.full(S, 1.0 if problem else 0.0),
        },
        z=np.where(usable, _z_of_p(pv), np.nan),
        eligible=usable,
        alone=True,
        recentre=False,
        threshold_at=at,
        gate=k >= params.mismatch_min,
    )


def _empty(name: str, p: Prepared) -> Column:
    S = p.n_schools
    return Column(
        name,
        value=_full(S),
        reference=_full(S),
        threshold=_full(S),
        fired=np.zeros(S, bool),
        strong=np.zeros(S, bool),
        n=p.n,
    )


SINGLE_PROCEDURE = (
    level_anomaly,
    difficulty_inversion,
    lenient_marking,
    person_fit,
    journal_agreement,
    journal_gap,
    scale_mismatch,
    bunching,
    similarity,
    identical_runs,
)
