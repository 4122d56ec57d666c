"""Indicators of the school's results as a whole and of their shape given the
total score: the level within the school's kind, the difficulty inversion and
lenient marking of partial-credit tasks."""

from __future__ import annotations

import numpy as np

from ..data import (
    INVERSION,
    LEVEL,
    LEVEL_BASIC,
    MARKING,
)
from ..params import CheckParams
from .base import (
    Column,
    Prepared,
    _empty,
    _full,
    decide,
)

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
