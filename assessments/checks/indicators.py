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

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .data import (
    BUNCHING,
    INVERSION,
    JOURNAL,
    LEVEL,
    LEVEL_BASIC,
    PERSON_FIT,
    SELECTIVE_KINDS,
    SIMILARITY,
    ProcedureResults,
    SchoolTable,
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


def _full(n, fill=np.nan):
    return np.full(n, fill, dtype=np.float64)


def calibrate(z: np.ndarray, eligible: np.ndarray, centre: bool = True) -> tuple[float, float]:
    """(centre, unit) of the region's z among eligible schools: median and max(1, 1.4826·MAD)."""
    zz = z[eligible & np.isfinite(z)]
    if len(zz) < 20:
        return 0.0, 1.0
    med = float(np.median(zz))
    spread = 1.4826 * float(np.median(np.abs(zz - med)))
    return (med if centre else 0.0), max(1.0, spread)


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
    )


# ---------------------------------------------------------------------------
# 2a. Difficulty inversion (school level, conditioned on the total score)


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
    d = p.scores0[:, hard].sum(axis=1).astype(np.float64)
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
        z = r_sum / np.sqrt(v_sum)
        value = r_sum / p.n / hard_max
        se = np.sqrt(v_sum) / p.n / hard_max
    c, unit = calibrate(z, eligible)
    cut = c + params.inversion_z * unit
    fired = eligible & (z >= cut)
    strong = eligible & (z >= c + params.inversion_strong_z * unit)
    basic_s = p._sum(p.scores0[:, ~hard].sum(axis=1)) / np.maximum(p.n, 1) / basic_max
    hard_s = p._sum(d) / np.maximum(p.n, 1) / hard_max
    reg_basic = float(p.scores0[:, ~hard].sum() / len(s) / basic_max)
    reg_hard = float(d.sum() / len(s) / hard_max)
    return Column(
        INVERSION,
        value=value,
        reference=np.zeros(S),
        threshold=cut * se,
        fired=fired,
        strong=strong,
        n=p.n,
        details={
            "z": (z - c) / unit,
            "basic_success": basic_s,
            "hard_success": hard_s,
            "region_basic_success": np.full(S, reg_basic),
            "region_hard_success": np.full(S, reg_hard),
            "basic_minus_region": basic_s - reg_basic,
            "hard_minus_region": hard_s - reg_hard,
        },
    )


# ---------------------------------------------------------------------------
# 2b. Person fit: normed Guttman errors and lz, as the share of misfitting pupils


def _steps(scores0: np.ndarray, task_max: np.ndarray) -> np.ndarray:
    """(N, Σ max) booleans: item step k of task j passed (x_j ≥ k)."""
    cols = [scores0[:, j] >= k for j, m in enumerate(task_max) for k in range(1, int(m) + 1)]
    return np.stack(cols, axis=1) if cols else np.zeros((len(scores0), 0), bool)


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

    Steps (task j, point k) are ordered by the region's popularity. For each
    pupil: the polytomous Guttman error count G normed by its maximum for the
    pupil's score (G_N, in details), and lz with step probabilities taken
    conditionally on the total score from the whole region (a nonparametric
    stand-in for an IRT θ). A pupil misfits when lz is below the region's
    `misfit_quantile`; the school's share of misfits is tested against the
    region's share (binomial z, calibrated). Pupils with 0 or full marks carry
    no information and are left out.
    """
    S = p.n_schools
    task_max = p.res.task_max
    step_task = np.repeat(np.arange(len(task_max)), task_max)
    step_k = np.concatenate([np.arange(1, m + 1) for m in task_max]) if len(task_max) else []
    n_steps = len(step_task)
    N = len(p.primary)
    if N == 0 or n_steps == 0:
        return _empty(PERSON_FIT, p)
    s = p.primary
    # Region tables: step popularity overall and conditional on the total score.
    cnt = np.bincount(s, minlength=n_steps + 1).astype(np.float64)
    cond = np.zeros((n_steps + 1, n_steps))
    pop = np.zeros(n_steps)
    for lo in range(0, N, CHUNK):
        x = _steps(p.scores0[lo : lo + CHUNK], task_max)
        pop += x.sum(axis=0)
        for j in range(n_steps):
            cond[:, j] += np.bincount(s[lo : lo + CHUNK], weights=x[:, j], minlength=n_steps + 1)
    pop /= N
    order = np.argsort(-pop, kind="stable")
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = (cond + 0.5 * pop[None, :]) / (cnt[:, None] + 0.5)
    cond = np.clip(cond, 0.005, 0.995)
    gmax = guttman_max(pop[order], step_task[order], np.asarray(step_k)[order])
    logp, log1p = np.log(cond), np.log1p(-cond)
    expected = (cond * logp + (1 - cond) * log1p).sum(axis=1)
    variance = (cond * (1 - cond) * (logp - log1p) ** 2).sum(axis=1)
    lz = np.empty(N)
    gn = np.empty(N)
    for lo in range(0, N, CHUNK):
        x = _steps(p.scores0[lo : lo + CHUNK], task_max)
        ss = s[lo : lo + CHUNK]
        ll = np.where(x, logp[ss], log1p[ss]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            lz[lo : lo + CHUNK] = (ll - expected[ss]) / np.sqrt(variance[ss])
            g = _guttman(x[:, order])
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
        z = (share - p_r) / se
    eligible = n_inf >= params.min_school
    c, unit = calibrate(z, eligible)
    cut = c + params.person_fit_z * unit
    mean_gn = np.bincount(p.school, weights=np.where(informative, gn, 0), minlength=S)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gn = mean_gn / n_inf
    return Column(
        PERSON_FIT,
        value=share,
        reference=np.full(S, p_r),
        threshold=p_r + cut * se,
        fired=eligible & (z >= cut),
        strong=eligible & (z >= c + params.person_fit_strong_z * unit),
        n=n_inf.astype(np.int64),
        details={
            "z": (z - c) / unit,
            "misfitting": k,
            "lz_cut": np.full(S, cut_lz),
            "mean_guttman_normed": mean_gn,
            "region_mean_guttman_normed": np.full(S, float(gn[informative].mean())),
        },
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
    with np.errstate(invalid="ignore", divide="ignore"):
        share_up = k_up / n_j
        share_down = k_down / n_j
        se = np.sqrt(p_up * (1 - p_up) / n_j)
        z = (share_up - p_up) / se
        z_down = (share_down - p_down) / np.sqrt(p_down * (1 - p_down) / n_j)
    eligible = n_j >= params.min_school
    c, unit = calibrate(z, eligible)
    cut = c + params.journal_z * unit
    return Column(
        JOURNAL,
        value=share_up,
        reference=np.full(S, p_up),
        threshold=p_up + cut * se,
        fired=eligible & (z >= cut),
        strong=eligible & (z >= c + params.journal_strong_z * unit),
        n=n_j.astype(np.int64),
        details={
            "z": (z - c) / unit,
            "share_down": share_down,
            "region_share_down": np.full(S, p_down),
            "z_down": z_down,
            "municipality_share_up": p.municipal_mean(share_up, n_j),
        },
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


SINGLE_PROCEDURE = (level_anomaly, difficulty_inversion, person_fit, journal_agreement)

__all__ = [
    "BUNCHING",
    "SIMILARITY",
    "Column",
    "Prepared",
    "calibrate",
    "stats",
]
