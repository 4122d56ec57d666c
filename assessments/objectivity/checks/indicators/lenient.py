"""Lenient marking read by both of its footprints at once.

A teacher who gives a point for an imperfect answer leaves two marks in the
data, each from a different source: the pupils' scores stand above what
their journal marks (given before the test, by the same teachers' ordinary
standard) predict, and among the tasks a pupil did not score on, blanks are
more frequent than for pupils of the same total in the region (a wrong
answer can be raised, a blank cannot). Each footprint alone is weak in one
class — classes differ honestly in how their scores follow the journal, and
schools differ in how often a pupil leaves a task blank — so each alone
needs a high threshold (`class_journal_gap`, `blank_share`). They come from
different columns of the file and honest data does not tie them together,
so where both point the same way in the same class (or the same school, when
the whole school was marked so) the joint evidence is much stronger than
either.

`lenient_footprint` adds, per test, a column whose evidence per class is
(z_journal + z_blanks) / sqrt(2 + 2ρ) — the two calibrated class z's of
`class_journal_gap` and `blank_share`, ρ their correlation over the
region's classes (Spearman, never below 0) — and per school the same of the
school's journal gap (`journal_gap`, re-centred on the school's kind as the
budget does) and its blanks over all its pupils of the test. The school's
evidence is the strongest of its classes and itself, Bonferroni over those
looks; the null is the region's classes and schools, and the budget
(`checks.budget`) sets the threshold. A grade's class marked by one primary
teacher in both subjects is read across them as `class_journal_gap` is (see
`classes.pool_class_gaps`).

A third footprint joins a class's evidence where the class has one: the
class against itself a grade apart, marked by other teachers
(`class_years`; it needs the classes' names). It is added to the two
footprints' joint z the same way, scaled by their correlation over the
region's classes, so it is no look of its own under the budget.
"""

from __future__ import annotations

import numpy as np

from ..data import BLANKS, CLASS_JOURNAL_GAP, JOURNAL_GAP, LENIENT_FOOTPRINT
from ..params import CheckParams
from .base import Column, Prepared, _stats, _z_of_p, calibrate
from .class_years import class_change
from .classes import _robust_corr, _worst_class


def _joint(a: np.ndarray, b: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Stouffer's sum of two z's over their correlation on `ok`; NaN where either
    is missing."""
    both = np.isfinite(a) & np.isfinite(b)
    rho = _robust_corr([(a[both & ok], b[both & ok])])
    with np.errstate(invalid="ignore"):
        return np.where(both, (a + b) / np.sqrt(2 + 2 * rho), np.nan)


def _aligned(ids: np.ndarray, ids_o: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` (indexed like `ids_o`) read at `ids`; NaN where absent."""
    if not len(ids_o):
        return np.full(len(ids), np.nan)
    pos = np.clip(np.searchsorted(ids_o, ids), 0, len(ids_o) - 1)
    return np.where(ids_o[pos] == ids, values[pos], np.nan)


def class_evidence(gap: Column, blanks: Column) -> tuple[np.ndarray, np.ndarray] | None:
    """(class ids, joint z per class) of one test, None without both."""
    g, b = gap.classes, blanks.classes
    if g is None or b is None:
        return None
    ids = g["class_id"]
    z_g = np.where(g["ok"], g["z_c"], np.nan)
    z_b = _aligned(ids, b["class_id"], np.where(b["ok"], b["z_c"], np.nan))
    return ids, _joint(z_g, z_b, np.isfinite(z_g) & np.isfinite(z_b))


def school_evidence(
    p: Prepared, params: CheckParams, gap: Column, blanks: Column, kinds
) -> np.ndarray:
    """The school's joint z of its journal gap (on its kind's reference) and its
    blanks over all its pupils of the test; from `min_class` pupils (a small
    school's tests are read together, see `_small_schools`)."""
    from ..budget import kind_reference

    z_b = blanks.classes["z_school"] if blanks.classes is not None else None
    if gap.z is None or z_b is None:
        return np.full(p.n_schools, np.nan)
    centre, unit, _pooled = kind_reference(gap, kinds, params)
    z_g = (np.asarray(gap.z, dtype=np.float64) - centre) / unit
    z_g = np.where(p.n >= params.min_class, z_g, np.nan)
    return _joint(z_g, z_b, np.asarray(gap.eligible, bool))


def with_class_change(got, change) -> tuple[np.ndarray, np.ndarray]:
    """The class evidence with the class's change against its own other year
    (`class_years`) added where the class has one, scaled by their correlation."""
    ids, own = got
    if change is None:
        return got
    z_h = _aligned(ids, *change)
    both = np.isfinite(own) & np.isfinite(z_h)
    return ids, np.where(both, _joint(own, z_h, both), own)


def lenient_footprint(cols: dict, params: CheckParams, data=None) -> None:
    """Append the `lenient_footprint` column to every test that has both
    footprints (see the module's docstring); with the region's `data` a
    class's change against its own other year joins them (`class_years`)."""
    tests = {}
    for proc, (prep, columns) in cols.items():
        by = {c.name: c for c in columns}
        if not all(n in by for n in (CLASS_JOURNAL_GAP, BLANKS, JOURNAL_GAP)):
            continue
        got = class_evidence(by[CLASS_JOURNAL_GAP], by[BLANKS])
        if got is None:
            continue
        got = with_class_change(got, class_change(data, proc, prep.res, params))
        school = school_evidence(prep, params, by[JOURNAL_GAP], by[BLANKS], prep.schools.kind)
        tests[proc] = (prep, columns, got, school)
    small = _small_schools(tests, params)
    # One primary teacher marks both subjects of her class: a class's evidence
    # is also read over its year and grade's tests together (as the journal gap's).
    groups: dict = {}
    for proc in tests:
        groups.setdefault((proc.instrument, proc.year, proc.grade), []).append(proc)
    for members in groups.values():
        for proc in members:
            prep, columns, (ids, own), school = tests[proc]
            total, count = np.nan_to_num(own), np.isfinite(own).astype(np.float64)
            pairs = []
            for other in members:
                if other is proc:
                    continue
                ids_o, z_o = tests[other][2]
                z = _aligned(ids, ids_o, z_o)
                both = np.isfinite(z) & np.isfinite(own)
                total = total + np.where(both, z, 0.0)
                count = count + both
                pairs.append((own[both], z[both]))
            rho = _robust_corr(pairs)
            with np.errstate(invalid="ignore", divide="ignore"):
                pooled = total / np.sqrt(count + count * (count - 1) * rho)
            two = (count >= 2) & np.isfinite(own)
            evidence = np.where(two, np.fmax(own, pooled), own)
            looks = np.where(two, 2.0, 1.0)
            columns.append(_column(prep, params, ids, evidence, looks, school, small[proc]))


def _small_schools(tests: dict, params: CheckParams) -> dict:
    """{procedure: (z, pupils)} for the small schools (`min_class`..`min_school` − 1
    pupils in two tests or more of the year, `min_school` together), as
    `checks.pooled` reads them: the school look's z summed over those tests
    (Stouffer with the correlation the region's schools show between tests),
    over the year and over each grade apart (one cohort, one primary teacher),
    each calibrated on the pooled schools (median, robust spread), the larger
    Bonferroni over the groups it was read in. NaN, 0 elsewhere."""
    procs = sorted(tests, key=lambda p: (p.year, p.grade, p.subject, p.instrument))
    out = {}
    for year in sorted({p.year for p in procs}):
        mine = [p for p in procs if p.year == year]
        S = tests[mine[0]][0].n_schools
        n = np.stack([np.asarray(tests[p][0].n) for p in mine])
        z = np.stack([tests[p][3] for p in mine])
        small = (n >= params.min_class) & (n < params.min_school) & np.isfinite(z)
        big = (n >= params.min_school) & np.isfinite(z)
        groups = [list(range(len(mine)))]
        grades = sorted({p.grade for p in mine})
        groups += [[k for k, p in enumerate(mine) if p.grade == g] for g in grades]
        groups = [g for i, g in enumerate(groups) if len(g) >= 2 and (i == 0 or len(g) < len(mine))]
        best, looks, pupils = np.full(S, -np.inf), np.zeros(S), np.zeros(S)
        for group in groups:
            pooled = (small[group].sum(axis=0) >= 2) & (
                (n[group] * small[group]).sum(axis=0) >= params.min_school
            )
            if not pooled.any():
                continue
            pairs = [
                (z[a][big[a] & big[b]], z[b][big[a] & big[b]])
                for i, a in enumerate(group)
                for b in group[i + 1 :]
            ]
            rho = _robust_corr(pairs)
            count = small[group].sum(axis=0).astype(np.float64)
            total = np.where(small[group], z[group], 0.0).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                zp = np.where(pooled, total / np.sqrt(count + count * (count - 1) * rho), np.nan)
            centre, unit = calibrate(zp, pooled)
            zp = (zp - centre) / unit
            best = np.where(pooled, np.fmax(best, zp), best)
            looks += pooled
            pupils = np.fmax(pupils, np.where(pooled, (n[group] * small[group]).sum(axis=0), 0))
        with np.errstate(invalid="ignore"):
            p_val = np.minimum(1.0, _stats().norm.sf(best) * np.maximum(looks, 1))
        z_small = np.where(looks > 0, _z_of_p(p_val), np.nan)
        for k, p in enumerate(mine):
            here = small[k] & (looks > 0)
            out[p] = (np.where(here, z_small, np.nan), np.where(here, pupils, 0))
    return out


def _column(p: Prepared, params: CheckParams, ids, evidence, looks, school, small) -> Column:
    S = p.n_schools
    school = np.where(p.n >= params.min_school, school, np.nan)
    z_small, n_small = small
    is_small = np.isfinite(z_small)
    _u, cls_idx = np.unique(p.res.class_id, return_inverse=True)
    cls_school = np.zeros(len(ids), np.int64)
    cls_school[cls_idx.ravel()] = p.school
    ok = np.isfinite(evidence)
    worst, n_classes = _worst_class(np.where(ok, evidence, np.nan), ok, cls_school, S)
    has_w = worst >= 0
    p_class = np.full(S, np.nan)
    p_class[has_w] = np.minimum(1.0, _stats().norm.sf(evidence[worst[has_w]]) * looks[worst[has_w]])
    has_s = np.isfinite(school)
    p_school = np.where(has_s, _stats().norm.sf(school), np.nan)
    k = np.maximum(n_classes + has_s, 1)
    z = _z_of_p(np.minimum(1.0, np.fmin(p_class, p_school) * k))
    z_class = np.full(S, np.nan)
    z_class[has_w] = evidence[worst[has_w]]
    size = np.zeros(S, np.int64)
    size[has_w] = np.bincount(cls_idx.ravel(), minlength=len(ids))[worst[has_w]]
    school_wins = has_s & (np.isnan(p_class) | (p_school < p_class))
    eligible = (has_w | has_s) & (p.n >= params.min_school)
    # A small school read over its tests (its classes are too small to look at).
    z = np.where(is_small, z_small, z)
    eligible |= is_small
    k = np.where(is_small, 1, k)

    def at(zz):
        # The joint z of the look shown at which the school's evidence reaches zz.
        zz = np.asarray(zz, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            return _stats().norm.isf(_stats().norm.sf(zz) / k)

    value = np.where(is_small, z_small, np.where(school_wins, school, z_class))
    return Column(
        LENIENT_FOOTPRINT,
        value=np.where(eligible, value, np.nan),
        reference=np.zeros(S),
        threshold=at(np.full(S, params.lenient_footprint_z)),
        fired=eligible & (z >= params.lenient_footprint_z),
        strong=np.zeros(S, bool),
        n=np.where(is_small, n_small, np.where(school_wins, p.n, size)).astype(np.int64),
        details={
            "z": z,
            "z_class": z_class,
            "z_school": school,
            "classes": n_classes.astype(np.float64),
        },
        z=z,
        eligible=eligible,
        alone=True,
        # Its null is the region's own classes and schools (each footprint
        # calibrated on them), and a best-of-looks z is not centred on 0 for
        # an honest school: re-centring it on the kind would shift every school.
        recentre=False,
        threshold_at=at,
    )
