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
combined evidence of one test is. The sum's sd is over the footprints the
school has: a missing one (a small school seldom has the journal's history)
is no evidence either way.

A small school (each of the grade's tests `min_class`..`min_school` − 1
pupils, together `min_school` or more) has no test of its own read, yet its
cohort is as many pupils over the grade's subjects as a school of 20 in one:
it is read the same way, its sum put on the small schools' own median and
robust spread (never narrower than the null's 1), at the same threshold.

A grade is read so only where its cohort can be compared with the same pupils
a grade later (the year after is in the data): the grade before was marked by
the teachers who may have inflated it, so it is no independent measure.

It is one more look at the grade's evidence of inflated results beside each
test's own combined evidence, so it needs more: the one-sided rate of the
strictest of those tests' combined thresholds divided by the number of looks
(the grade's tests and this one). A school past it gets the `combined` route
in each of the grade's tests.
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
    more subjects (see the module's docstring). Each test's calibration gets
    `cohort_look`: the number of looks, the look's threshold and its rate on
    the null, beside the test's own rule's rate."""
    if params.thresholds != "budget" or not calibration:
        return
    cuts = {c["label"]: budget.strictest(c, "combined_z") for c in calibration}
    by_label = {c["label"]: c for c in calibration}
    grades: dict = {}
    for proc in cols:
        grades.setdefault((proc.instrument, proc.year, proc.grade), []).append(proc)
    for procs in grades.values():
        if len(procs) >= 2:
            got = _look(cols, sorted(procs, key=lambda p: p.subject), params, cuts)
            if got is not None:
                looks, cut = got
                rate = float(_stats().norm.sf(cut))
                for p in procs:
                    by_label[p.label]["cohort_look"] = {
                        "tests": [q.label for q in procs],
                        "looks": looks,
                        "threshold": cut,
                        "rate": rate,
                    }


def _look(cols: dict, procs: list, params: CheckParams, cuts: dict):
    """(looks, threshold) where the grade was read, None where it was not."""
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
    # A small school's cohort (each test min_class..min_school − 1 pupils, the
    # grade's tests together min_school or more) is read the same way, on
    # its own scale (see the module's docstring).
    small = np.all((n >= params.min_class) & (n < params.min_school), axis=0) & (
        n.sum(axis=0) >= params.min_school
    )
    finite = [np.isfinite(z) for z in zs]
    R = budget.null_correlation(zs, [m & eligible for m in masks])
    Z = np.stack(
        [
            np.where((m & eligible) | (f & small), z, np.nan)
            for z, m, f in zip(zs, masks, finite, strict=True)
        ],
        axis=1,
    )
    # The sum's null sd over the footprints the school has (a small school
    # seldom has the journal's history): a missing one is no evidence either way.
    present = np.isfinite(Z).astype(np.float64)
    sd = np.sqrt(np.maximum(((present @ R) * present).sum(axis=1), 1.0))
    raw = np.nan_to_num(Z, nan=0.0).sum(axis=1) / sd
    ok = eligible & np.isfinite(Z).any(axis=1)
    if ok.sum() < 20:
        return
    joint = _on_own_scale(raw, ok, minimum=0.5)
    ok_small = small & np.isfinite(Z).any(axis=1)
    joint = np.where(ok_small, _on_own_scale(raw, ok_small, minimum=1.0), joint)
    ok = ok | ok_small
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
    return looks, cut


def _on_own_scale(raw: np.ndarray, ok: np.ndarray, minimum: float) -> np.ndarray:
    """`raw` put on the median and robust spread (at least `minimum`) of the
    schools `ok`, NaN elsewhere; with fewer than 20 such schools, on the null's
    own scale (0, 1), the spread no narrower than `minimum` allows."""
    med, spread = 0.0, 1.0
    if ok.sum() >= 20:
        med = float(np.median(raw[ok]))
        spread = max(minimum, 1.4826 * float(np.median(np.abs(raw[ok] - med))))
    return np.where(ok, (raw - med) / spread, np.nan)
