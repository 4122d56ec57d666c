"""Marks above the scale for the points earned."""

from __future__ import annotations

import numpy as np

from ..data import (
    SCALE_MISMATCH,
    mark_of,
)
from ..params import CheckParams
from .base import (
    Column,
    Prepared,
    _stats,
    _z_of_p,
)

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
    pv = np.where(k > 0, _stats().binom.sf(k - 1, n, base), 1.0)
    usable = eligible & (not problem)
    fired = usable & (k >= params.mismatch_min) & (pv <= params.mismatch_p)
    strong = fired & (share >= base + params.mismatch_strong_share)

    def at(zz):
        # The fewest pupils above the scale whose binomial tail reaches the z.
        alpha = _stats().norm.sf(np.asarray(zz, dtype=np.float64))
        need = _stats().binom.isf(alpha, n, base) + 1
        return np.maximum(need, params.mismatch_min) / n

    return Column(
        SCALE_MISMATCH,
        value=share,
        reference=np.full(S, region),
        threshold=at(np.full(S, _stats().norm.isf(params.mismatch_p))),
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
