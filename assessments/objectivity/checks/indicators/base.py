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

from ..data import (
    SELECTIVE_KINDS,
    ProcedureResults,
    SchoolTable,
)

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
    # Fired at the level where the school's markers of the previous years may
    # count beside it (the budget's persistence route, see `budget`); None:
    # decided by the column's own threshold, no persistence beside it under a
    # budget.
    supported: np.ndarray | None = None
    # Per-class figures an indicator keeps for a step across procedures (see
    # `classes.pool_class_gaps`); not shown.
    classes: dict | None = None


def _z_of_p(p: np.ndarray) -> np.ndarray:
    """A one-sided p-value as a standard normal z (NaN stays NaN, p = 1 gives −5)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.clip(_stats().norm.isf(np.clip(p, 1e-300, 1.0)), -5.0, 40.0)


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


def _stats():
    """scipy.stats, imported on first use (see `_poisson`)."""
    from scipy import stats

    return stats


def _poisson():
    """scipy's Poisson distribution, imported on first use: scipy costs about a second
    of start-up, and only a running check needs it (not the web's URL configuration,
    not an import command)."""
    from scipy.stats import poisson

    return poisson


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
