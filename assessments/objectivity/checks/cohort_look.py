"""One look at a cohort over the subjects of its grade, on its contrasts' own z.

A one-year spike is one cohort's year: its tests come out above the same
pupils' results a grade later (marked by other teachers), above the school's
other years of the test, above the grade's other subject where one subject was
spiked, above the school's other grades this year, and above the cohort's
journal marks (this year and against the school's own journal habits). Each
shows a 20-pupil school's jump of ~0.7 SD at 2–3 z at most; read together,
and over both subjects of the grade where the school did it in both, they
reach where the method's thresholds are.

Each contrast is the test's standing (`crossing.standing`) against what the
other predicts (the region's robust line of one on the other, or the school's
other years' mean), over sqrt(τ² of the school's kind + its sampling
variance): τ² is the kind's robust variance beyond sampling (a small school's
test varies more than sampling says: one class, one teacher), measured rather
than narrowed away, as `crossing.cohort`'s z is. Each is then put on the
median and robust spread (at least 1) of its kind and the test's size band
(10–19, 20–39, 40–79, 80+ pupils). The journal's two readings come as the
run decided them. Per test their Stouffer sum over the correlation the
region's schools show (its sd over the contrasts the school has); over the
grade the tests' sums summed the same way. Sums of such conservative z are
narrower than N(0, 1), so each is put on the region's own median and robust
spread (at least 0.5) over schools of `min_school` pupils in each test, and
a smaller school's on the small schools' own (at least 1).

The look's reading is the largest of the tests' sums and the grade's (a
cohort spiked in one subject shows in its test, in both in the grade's).
Its own null: the tests' sums as normals with their correlation among the
region's schools, the grade's sum over them, the largest, drawn
`null_draws` times; the threshold is where that tail holds the look's rate,
`cohort_look_tests` tests' false-alarm rates (a kind stricter than the
region's at its own), and each test's budget is the run's over the tests and
these looks (`budget.looks_of_year`), so the look is inside the run's budget.
A school past it gets the `combined` route in each of the grade's tests.

A grade is read so only where its cohort is written again a grade later (the
year after is in the data): the grade before was marked by the teachers who
may have inflated it, so it is no independent measure. A school is read when
each of the grade's tests has `min_class` pupils and together `min_school`.
"""

from __future__ import annotations

import numpy as np

from . import budget
from .data import COMBINED, JOURNAL_GAP, JOURNAL_HISTORY
from .params import CheckParams


def look_at_cohorts(cols: dict, params: CheckParams, calibration: list[dict], data) -> None:
    """Add the look to the `combined` column of every test of a grade written
    in two or more subjects (see the module's docstring). Each test's
    calibration gets `cohort_look`: the grade's tests, the number of readings
    the look takes the largest of, its threshold (the least strict kind's)
    and the rate it spends on its null."""
    if params.thresholds != "budget" or not calibration:
        return
    by_label = {c["label"]: c for c in calibration}
    grades: dict = {}
    for proc in cols:
        grades.setdefault((proc.instrument, proc.year, proc.grade), []).append(proc)
    for procs in grades.values():
        if len(procs) < 2:
            continue
        got = _look(data, cols, sorted(procs, key=lambda p: p.subject), params, by_label)
        if got is None:
            continue
        looks, cut, rate = got
        for p in procs:
            by_label[p.label]["cohort_look"] = {
                "tests": [q.label for q in procs],
                "looks": looks,
                "threshold": cut,
                "rate": rate,
            }


def _look(data, cols: dict, procs: list, params: CheckParams, by_label: dict):
    """The grade's reading decided: (readings, the least strict threshold, its
    rate on the look's null) where the grade was read, None elsewhere."""
    combined = {}
    for p in procs:
        found = [c for c in cols[p][1] if c.name == COMBINED]
        if not found or p.label not in by_label:
            return None
        combined[p] = found[0]
    kinds = np.asarray(data.schools.kind, dtype=object)
    got = _reading(data, cols, procs, params, by_label, kinds)
    if got is None:
        return None
    looks, cut, reading, have, rate = got
    fired = have & (np.nan_to_num(reading, nan=-np.inf) >= cut)
    for p in procs:
        c = combined[p]
        c.fired = np.asarray(c.fired, bool) | fired
        c.strong = np.asarray(c.strong, bool) | fired
        c.details = dict(c.details)
        c.details["z_cohort_subjects"] = reading
        c.details["cohort_subjects_threshold"] = np.where(have, cut, np.nan)
    return looks, float(cut[np.isfinite(cut)].min()), rate


def _on_own_scale(raw: np.ndarray, ok: np.ndarray, minimum: float) -> np.ndarray:
    """`raw` put on the median and robust spread (at least `minimum`) of the
    schools `ok`, NaN elsewhere; with fewer than 20 such schools, on the null's
    own scale (0, 1), the spread no narrower than `minimum` allows."""
    med, spread = 0.0, 1.0
    if ok.sum() >= 20:
        med = float(np.median(raw[ok]))
        spread = max(minimum, 1.4826 * float(np.median(np.abs(raw[ok] - med))))
    return np.where(ok, (raw - med) / spread, np.nan)


SIZE_BANDS = (10, 20, 40, 80)  # pupils in the test: the bands' own scales
MIN_SCALE = 15  # schools for a kind's (or a band's) own median and spread


def _reading(data, cols: dict, procs: list, params: CheckParams, cuts: dict, kinds):
    """The grade read on its contrasts' own z (see the module's docstring):
    (readings, threshold per school, reading per school, read, the least
    strict kind's rate) or None where the grade cannot be read."""
    from .crossing import robust_fit, standing

    S = len(kinds)
    year, grade = procs[0].year, procs[0].grade
    inst = procs[0].instrument
    st, n = {}, {}
    for p in procs:
        res = data.find(inst, year, grade, p.subject)
        if res is None:
            return None
        st[p], n[p] = standing(res, S)
    pupils = np.stack([n[p] for p in procs])
    # Each test of at least min_class pupils, the grade's together min_school.
    readable = np.all(pupils >= params.min_class, axis=0) & (
        pupils.sum(axis=0) >= params.min_school
    )
    sums = []
    for p in procs:
        others = [q for q in procs if q is not p]
        zs = []
        ok = n[p] >= params.min_class
        big = n[p] >= params.min_school
        # The same pupils a grade later (other teachers): the spike's fall.
        later = data.find(inst, year + 1, grade + 1, p.subject)
        if later is None:
            return None
        s_o, n_o = standing(later, S)
        both = ok & (n_o >= params.min_class)
        pred, slope = robust_fit(s_o, st[p], n[p], both & big & (n_o >= params.min_school))
        if pred is None:
            return None
        with np.errstate(invalid="ignore", divide="ignore"):
            samp = 1.0 / n[p] + slope**2 / n_o
        zs.append(_own_z(st[p] - pred, samp, both, kinds, n[p]))
        # The same test in the school's other years (the year after too).
        tot, inv, K = np.zeros(S), np.zeros(S), np.zeros(S)
        for y in (year - 3, year - 2, year - 1, year + 1):
            res = data.find(inst, y, grade, p.subject)
            if res is None:
                continue
            s_y, n_y = standing(res, S)
            use = (n_y >= params.min_class) & np.isfinite(s_y)
            tot[use] += s_y[use]
            inv[use] += 1.0 / n_y[use]
            K[use] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            # The past's own year noise τ²/K: the variance is τ²(1 + 1/K).
            d = (st[p] - tot / K) / np.sqrt(1 + 1 / np.maximum(K, 1))
            samp = (1.0 / n[p] + inv / K**2) / (1 + 1 / np.maximum(K, 1))
        zs.append(_own_z(d, samp, ok & (K >= 1), kinds, n[p]))
        # The grade's other subjects this year (one subject spiked), and the
        # other grades' tests this year (another cohort), by the region's line.
        other_grades = [
            q for q in cols if q.year == year and q.instrument == inst and q.grade != grade
        ]
        for group in (others, other_grades):
            got = []
            for q in group:
                res = data.find(inst, year, q.grade, q.subject)
                if res is not None:
                    got.append(standing(res, S))
            if not got:
                continue
            stack = np.stack([g[0] for g in got])
            with np.errstate(invalid="ignore", divide="ignore"):
                s_o = np.nansum(stack, axis=0) / np.isfinite(stack).sum(axis=0)
                inv = sum(1.0 / np.maximum(g[1], 1) for g in got) / len(got) ** 2
            pred, slope = robust_fit(s_o, st[p], n[p], ok & big)
            if pred is None:
                continue
            with np.errstate(divide="ignore"):  # schools not in the test: 1/0, not ok
                samp = 1.0 / n[p] + slope**2 * inv
            zs.append(_own_z(st[p] - pred, samp, ok, kinds, n[p]))
        # The journal's readings as the run decided them (already on the kind's scale).
        by_name = {c.name: c for c in cols[p][1] if c.z is not None}
        for name in (JOURNAL_GAP, JOURNAL_HISTORY):
            c = by_name.get(name)
            if c is not None:
                z = np.asarray(c.details.get("z", c.z), dtype=np.float64)
                zs.append(np.where(ok, z, np.nan))
        Z = np.stack(zs, axis=1)
        sums.append(_stouffer(Z, ok & big, readable, big))
    T = np.stack(sums, axis=1)
    full = np.all(np.isfinite(T), axis=1) & np.all(pupils >= params.min_school, axis=0)
    if full.sum() < 20:
        return None
    R = budget.null_correlation([T[:, k] for k in range(T.shape[1])], [full] * T.shape[1])
    with np.errstate(invalid="ignore"):
        raw = np.nan_to_num(T, nan=0.0).sum(axis=1) / np.sqrt(R.sum())
    have = readable & np.isfinite(T).any(axis=1)
    G = _split_scale(raw, have, np.all(pupils >= params.min_school, axis=0))
    reading = np.fmax(np.nanmax(np.where(np.isfinite(T), T, -np.inf), axis=1), G)
    reading = np.where(have, reading, np.nan)
    # Its own null: the tests' sums as normals with their correlation, the
    # grade's sum over them, the largest; the cut where its tail holds the
    # look's rate (the one-sided rate of the tests' strictest combined
    # threshold over the grade's looks).
    looks = len(procs) + 1
    rng = np.random.default_rng(params.seed)
    D = rng.standard_normal((params.null_draws, len(procs))) @ np.linalg.cholesky(R).T
    M = np.maximum(D.max(axis=1), D.sum(axis=1) / np.sqrt(R.sum()))
    cut = np.full(S, np.inf)
    top = 0.0
    for kind in np.unique(kinds):
        members = kinds == kind
        per_test = min(_kind_rate(cuts[p.label], kind) for p in procs)
        rate = params.cohort_look_tests * per_test
        cut[members] = float(np.quantile(M, 1 - rate))
        top = max(top, rate)
    return looks, cut, reading, have, top


def _kind_rate(test: dict, kind) -> float:
    """The test's false-alarm rate for a school of `kind` (a kind stricter
    than the region has its own, see `budget.apply`)."""
    row = (test.get("kinds") or {}).get(str(kind))
    return float(row["budget_per_test"]) if row else float(test["budget_per_test"])


def _own_z(d, samp, ok, kinds, n):
    """A contrast over sqrt(τ² of the school's kind + its sampling variance),
    τ² the kind's robust variance beyond sampling (the region's for a kind of
    under 15 schools), then on its kind's and size band's scale."""
    z = np.full(len(d), np.nan)
    good = ok & np.isfinite(d) & np.isfinite(samp)
    if good.sum() < 20:
        return z
    for kind in np.unique(kinds):
        mine = good & (kinds == kind)
        sel = mine if mine.sum() >= MIN_SCALE else good
        med = np.median(d[sel])
        spread2 = (1.4826 * np.median(np.abs(d[sel] - med))) ** 2
        tau2 = max(spread2 - float(np.median(samp[sel])), 1e-4)
        z[mine] = d[mine] / np.sqrt(tau2 + samp[mine])
    return _on_scale(z, good, kinds, n)


def _stouffer(Z, fit_on, readable, big):
    """The contrasts' sum over their correlation among `fit_on` schools, its
    sd over the ones a school has, on the region's own scale (`_split_scale`)."""
    masks = [fit_on & np.isfinite(Z[:, k]) for k in range(Z.shape[1])]
    R = budget.null_correlation([Z[:, k] for k in range(Z.shape[1])], masks)
    present = np.isfinite(Z).astype(np.float64)
    sd = np.sqrt(np.maximum(((present @ R) * present).sum(axis=1), 1.0))
    raw = np.nan_to_num(Z, nan=0.0).sum(axis=1) / sd
    have = readable & np.isfinite(Z).any(axis=1)
    return _split_scale(raw, have, big)


def _split_scale(raw, have, big):
    """A sum of conservative z (each on a spread of at least 1) is narrower
    than the null's N(0, 1): put on the region's own median and robust spread
    (at least 0.5) over the schools `big` (min_school pupils or more), the
    others on their own (at least 1), as the combined evidence is."""
    out = _on_own_scale(raw, have & big, minimum=0.5)
    small = have & ~big
    return np.where(small, _on_own_scale(raw, small, minimum=1.0), out)


def _on_scale(z, good, kinds, n):
    """z on the median and robust spread (at least 1) of the school's kind and
    size band; a band of under 15 schools of the kind on the kind's, a kind
    of under 15 on the band's over the region (or the region's)."""
    out = np.full(len(z), np.nan)
    band = np.searchsorted(np.array(SIZE_BANDS), n, side="right") - 1
    for kind in np.unique(kinds):
        for b in range(len(SIZE_BANDS)):
            mine = good & (kinds == kind) & (band == b)
            if not mine.any():
                continue
            sel = mine
            if sel.sum() < MIN_SCALE:
                sel = good & (kinds == kind)
            if sel.sum() < MIN_SCALE:
                sel = good & (band == b)
            if sel.sum() < MIN_SCALE:
                sel = good
            med = float(np.median(z[sel]))
            unit = max(1.0, 1.4826 * float(np.median(np.abs(z[sel] - med))))
            out[mine] = (z[mine] - med) / unit
    return out
