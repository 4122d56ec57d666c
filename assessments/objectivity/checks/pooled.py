"""Small schools read over the year's tests together.

No indicator fires on a test written by fewer than `min_school` pupils, yet a
small school writes several tests a year (grade 4 and 5, Russian and maths)
and its pupils over them are as many as a larger school's in one. It is read
over the year's tests and over each grade's tests apart (one cohort: a grade-4
teacher marks both subjects, a spike is one cohort's year, and the other
grade's honest tests would dilute it); a flag in either marks the tests read. For a
school whose tests of the year have each `min_class`..`min_school` − 1 pupils
and together at least `min_school`, each between-school indicator's z (already
on the region's scale: the kind's reference, the sampling variance of a small
school inside it) is pooled over those tests by Stouffer's sum, divided by its
null sd under the correlation the region's schools show between their tests
on that indicator, and calibrated on the pooled schools' own median and
robust spread (as every indicator is on the region's). The pooled evidence is decided by the run's own marker rule
at the strictest thresholds of the year's tests (each set so that a test flags
at most its share of the budget): two indicators of different families past
the agreement threshold, one that may stand alone past its threshold, or the
joint evidence of inflated results past its own. A flag marks each of the
pooled tests and is shown as the `pooled` indicator with the pooled z's.
"""

from __future__ import annotations

import numpy as np

from . import budget
from .data import POOLED
from .indicators import Column, calibrate
from .params import CheckParams


def _between_tests_rho(zs: list[np.ndarray], oks: list[np.ndarray]) -> float:
    """The mean correlation of one indicator's z between two tests of the same
    school, over schools eligible in both (Spearman as Pearson; at least 0)."""
    rhos = []
    for a in range(len(zs)):
        for b in range(a + 1, len(zs)):
            both = oks[a] & oks[b]
            if both.sum() < 20:
                continue
            ra, rb = budget._ranks(zs[a][both]), budget._ranks(zs[b][both])
            if ra.std() == 0 or rb.std() == 0:
                continue
            rho = float(np.corrcoef(ra, rb)[0, 1])
            rhos.append(2 * np.sin(np.pi * rho / 6))
    return max(0.0, float(np.mean(rhos))) if rhos else 0.0


def pool_small_schools(cols: dict, params: CheckParams, calibration: list[dict]) -> dict | None:
    """Append a `pooled` column to every test of the year (see the module's
    docstring); returns what the run shows of it, None when no school is pooled."""
    if params.thresholds != "budget" or len(cols) < 2 or not calibration:
        return None
    procs = sorted(cols, key=lambda p: (p.grade, p.subject, p.instrument))
    S = len(cols[procs[0]][0].n)
    # The year's tests, and each grade's tests apart (one cohort: a grade-4 teacher
    # marks both subjects, a spike is one cohort's year); a flag in any marks.
    groups = [[p for p in procs if p.grade == g] for g in sorted({p.grade for p in procs})]
    groups = [procs] + [
        g for g in groups if params.pool_by_grade and len(g) >= 2 and len(g) < len(procs)
    ]
    taken, flagged = np.zeros(S, bool), np.zeros(S, bool)
    pieces: dict = {}
    summary = {"schools_pooled": 0, "flagged": 0}
    for group in groups:
        got = _pool_group(cols, group, params, calibration)
        if got is None:
            continue
        pooled, decided, columns, cut = got
        taken |= pooled
        flagged |= decided
        summary.update(cut)
        for p, column in columns.items():
            pieces.setdefault(p, []).append(column)
    if not taken.any():
        return None
    summary["schools_pooled"] = int(taken.sum())
    summary["flagged"] = int(flagged.sum())
    for p, columns in pieces.items():
        cols[p][1].append(_merge(columns))
    return summary


def _merge(columns: list[Column]) -> Column:
    """One `pooled` column of a test from its groups' columns: fired where any
    group fired, the larger z, the year's details where it pooled the school."""
    first = columns[0]
    for c in columns[1:]:
        here = (c.n > 0) & (first.n == 0)
        first.value = np.fmax(first.value, c.value)
        first.fired = first.fired | c.fired
        first.strong = first.strong | c.strong
        first.n = np.where(here, c.n, first.n)
        for key, v in c.details.items():
            first.details[key] = np.where(here, v, first.details.get(key, np.nan))
    return first


def _pool_group(cols: dict, procs: list, params: CheckParams, calibration):
    """The pooling over the tests `procs`: (pooled,
    decided, {procedure: column}, thresholds), None when no school is pooled."""
    n = np.stack([np.asarray(cols[p][0].n) for p in procs])
    small = (n >= params.min_class) & (n < params.min_school)
    pooled = (small.sum(axis=0) >= 2) & ((n * small).sum(axis=0) >= params.min_school)
    S = n.shape[1]
    if not pooled.any():
        return None
    t_a = max(budget.strictest(c, "agree_z") for c in calibration)
    t_s = max(budget.strictest(c, "alone_z") for c in calibration)
    t_c = max(budget.strictest(c, "combined_z") for c in calibration)
    families = {name: i for i, fam in enumerate(params.families) for name in fam}
    # Between-school deviations only: exact tests (a class's similarity, the
    # bootstrap of bunching) are not defined on a school's tests together.
    by_name: dict[str, list] = {}
    for k, p in enumerate(procs):
        for c in cols[p][1]:
            if c.z is None or not c.recentre or c.name not in params.counted:
                continue
            z = np.asarray(c.details.get("z", c.z), dtype=np.float64)
            by_name.setdefault(c.name, []).append((k, z, c))
    z_pool, alone, floors = {}, {}, {}
    for name, entries in by_name.items():
        big = [(z, c.eligible & np.isfinite(z)) for _k, z, c in entries]
        rho = _between_tests_rho([z for z, _o in big], [o for _z, o in big])
        total, count = np.zeros(S), np.zeros(S)
        for k, z, _c in entries:
            use = small[k] & pooled & np.isfinite(z)
            total += np.where(use, z, 0.0)
            count += use
        with np.errstate(invalid="ignore", divide="ignore"):
            zp = total / np.sqrt(count + count * (count - 1) * rho)
        zp = np.where(count >= 2, zp, np.nan)
        # Calibrated as every indicator is (`indicators.calibrate`): on the
        # pooled schools' own median and robust spread (never narrowed), so
        # that what small schools share is not evidence against each of them.
        centre, unit = calibrate(zp, pooled)
        z_pool[name] = (zp - centre) / unit
        alone[name] = any(c.alone for _k, _z, c in entries)
        floors[name] = max((c.alone_floor or -np.inf) for _k, _z, c in entries)
    if not z_pool:
        return None
    names = sorted(z_pool)
    Z = np.stack([z_pool[m] for m in names], axis=1)
    groups: dict = {}
    for m in names:
        key = families.get(m, m)
        fired = np.nan_to_num(z_pool[m], nan=-np.inf) >= t_a
        groups[key] = groups.get(key, np.zeros(S, bool)) | fired
    agree = np.sum(list(groups.values()), axis=0) >= params.min_agreeing
    strong = np.zeros(S, bool)
    for m in names:
        if alone[m]:
            strong |= np.nan_to_num(z_pool[m], nan=-np.inf) >= max(t_s, floors[m])
    members = np.array([m in params.combined for m in names])
    joint = np.full(S, -np.inf)
    if members.any():
        ok = np.isfinite(Z[:, members]).any(axis=1) & pooled
        if ok.sum() >= 3:
            # The members' correlation over the region's eligible schools of the
            # largest test (the same indicators, the same schools' habits).
            k_big = int(np.argmax([(n[k] >= params.min_school).sum() for k in range(len(procs))]))
            cs = {c.name: c for c in cols[procs[k_big]][1] if c.name in z_pool and c.z is not None}
            R = np.eye(len(names))
            if all(m in cs for m in names):
                zs = [np.asarray(cs[m].details.get("z", cs[m].z), float) for m in names]
                masks = [cs[m].eligible & np.isfinite(z) for m, z in zip(names, zs, strict=True)]
                R = budget.null_correlation(zs, masks)
            joint = np.where(ok, budget.combined(Z, members, R), -np.inf)
    decided = pooled & (agree | strong | (joint >= t_c))
    details = {f"z_{m}": z_pool[m] for m in names}
    details["z"] = np.where(
        pooled, np.fmax(np.nan_to_num(Z, nan=-np.inf).max(axis=1), joint), np.nan
    )
    details["pupils_pooled"] = np.where(pooled, (n * small).sum(axis=0), np.nan).astype(float)
    columns = {}
    for k, p in enumerate(procs):
        here = pooled & small[k]
        columns[p] = Column(
            POOLED,
            value=np.where(here, details["z"], np.nan),
            reference=np.zeros(S),
            threshold=np.full(S, t_a),
            fired=here & decided,
            strong=here & decided,
            n=np.where(here, details["pupils_pooled"], 0).astype(np.int64),
            details={key: np.where(here, v, np.nan) for key, v in details.items()},
        )
    return pooled, decided, columns, {"agree_z": t_a, "alone_z": t_s, "combined_z": t_c}
