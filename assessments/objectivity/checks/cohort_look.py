"""One look at a cohort over the subjects of its grade.

A one-year spike is one cohort's year: its tests come out above the same
pupils' results a grade later (cohort), above the school's other years of the
test (rise and fall) and above the cohort's journal marks, this year and
against the school's own journal habits (journal gap, journal history). When
the school did it in both subjects, each test shows these footprints at 2–3 z,
and each test's own combined evidence carries the school's level beside them,
which is the school's quality shared by both subjects, not the spike's.

So the footprints of all the grade's tests of a school are read together: their
z (already on the school kind's scale, see `budget`) summed and divided by the
sum's sd under the correlation the region's schools show between them (the
same footprint in two subjects, the cohort's and the journal's readings of one
subject), and put on the region's own median and robust spread, as the
combined evidence of one test is. A missing footprint counts 0.

A grade is read so only where its cohort can be compared with the same pupils
a grade later (the year after is in the data): the grade before was marked by
the teachers who may have inflated it, so it is no independent measure.

It is one more look at the grade's evidence of inflated results beside each
test's own combined evidence, so it needs more: the one-sided rate of the
strictest of those tests' combined thresholds divided by the number of looks
(the grade's tests and this one). A school past it gets the `combined` route in each of the grade's
tests it wrote with at least `min_school` pupils.
"""

from __future__ import annotations

import numpy as np

from . import budget
from .data import COHORT, COMBINED, JOURNAL_GAP, JOURNAL_HISTORY, RISE_FALL
from .params import CheckParams

FOOTPRINTS = (COHORT, RISE_FALL, JOURNAL_GAP, JOURNAL_HISTORY)


def _stats():
    from scipy import stats  # on first use: scipy costs a second of start-up

    return stats


def look_at_cohorts(cols: dict, params: CheckParams, calibration: list[dict]) -> None:
    """Rewrite the `combined` column of every test of a grade written in two or
    more subjects (see the module's docstring)."""
    if params.thresholds != "budget" or not calibration:
        return
    cuts = {c["label"]: c["combined_z"] for c in calibration}
    grades: dict = {}
    for proc in cols:
        grades.setdefault((proc.instrument, proc.year, proc.grade), []).append(proc)
    for procs in grades.values():
        if len(procs) >= 2:
            _look(cols, sorted(procs, key=lambda p: p.subject), params, cuts)


def _look(cols: dict, procs: list, params: CheckParams, cuts: dict) -> None:
    combined = {}
    zs, masks = [], []
    for p in procs:
        columns = cols[p][1]
        found = [c for c in columns if c.name == COMBINED]
        if not found or p.label not in cuts:
            return
        combined[p] = found[0]
        by_name = {c.name: c for c in columns if c.z is not None}
        # The spike's cohort reading is against the same pupils a grade later,
        # marked by other teachers; against the grade before (marked by the
        # teachers who may have inflated it) the cohort is no such measure.
        later = by_name.get(COHORT)
        if later is None or not np.any(later.details.get("other_is_next_year", 0) == 1):
            return
        for name in FOOTPRINTS:
            c = by_name.get(name)
            if c is None or c.eligible is None:
                continue
            z = np.asarray(c.details.get("z", c.z), dtype=np.float64)
            zs.append(z)
            masks.append(c.eligible & np.isfinite(z))
    if len(zs) < 2:
        return
    n = np.stack([np.asarray(cols[p][0].n) for p in procs])
    # The cohort wrote every test of its grade: schools large enough in each.
    eligible = np.all(n >= params.min_school, axis=0)
    if eligible.sum() < 20:
        return
    masks = [m & eligible for m in masks]
    R = budget.null_correlation(zs, masks)
    Z = np.stack([np.where(m, z, np.nan) for z, m in zip(zs, masks, strict=True)], axis=1)
    raw = np.nan_to_num(Z, nan=0.0).sum(axis=1) / float(np.sqrt(R.sum()))
    ok = eligible & np.isfinite(Z).any(axis=1)
    if ok.sum() < 20:
        return
    med = float(np.median(raw[ok]))
    spread = max(0.5, 1.4826 * float(np.median(np.abs(raw[ok] - med))))
    joint = np.where(ok, (raw - med) / spread, np.nan)
    norm = _stats().norm
    looks = len(procs) + 1
    cut = float(norm.isf(norm.sf(max(cuts[p.label] for p in procs)) / looks))
    fired = ok & (np.nan_to_num(joint, nan=-np.inf) >= cut)
    for p in procs:
        c = combined[p]
        c.fired = np.asarray(c.fired, bool) | fired
        c.strong = np.asarray(c.strong, bool) | fired
        c.details = dict(c.details)
        c.details["z_cohort_subjects"] = joint
        c.details["cohort_subjects_threshold"] = np.where(ok, cut, np.nan)
