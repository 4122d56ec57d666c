"""Zeros fewer than the blanks predict: the footprint lenient marking leaves in
the answers themselves, whatever the journal says.

A marker who gives a point for an imperfect attempt can raise a wrong answer,
never a blank («x»: no answer): in a class marked leniently the tasks a pupil
did not score on are more often blanks than they are for pupils of the same
total in the region. Per cell a pupil did not score on (0 or blank), the
region's chance that it is a blank given the task and the pupil's total;
per class the count of blanks against the sum of those chances (binomial
variance), as a z calibrated on the region's classes (median, robust spread
never below 1); the school's evidence is its worst class's, Bonferroni over
its eligible classes. A file that records no blanks at all shows none here
(the z is then low, never high).
"""

from __future__ import annotations

import numpy as np

from ..data import BLANKS
from ..params import CheckParams
from .base import Column, Prepared, _empty, _stats, calibrate
from .classes import _bonferroni_z, _worst_class
from .similarity import _classes


def blank_share(p: Prepared, params: CheckParams) -> Column:
    S = p.n_schools
    x = np.asarray(p.res.scores)
    if len(x) == 0 or p.res.class_id is None:
        return _empty(BLANKS, p)
    failed = x <= 0
    blank = x < 0
    if blank.sum() < 50:
        return _empty(BLANKS, p)
    T = x.shape[1]
    s = np.clip(x, 0, None).sum(axis=1)
    key = s[:, None] * T + np.arange(T)[None, :]
    size = (int(s.max()) + 1) * T
    n_f = np.bincount(key[failed], minlength=size)
    n_b = np.bincount(key[blank], minlength=size)
    # Shrunk towards the task's own share where few pupils of that total failed it.
    task_share = (blank.sum(axis=0) + 1) / (failed.sum(axis=0) + 2)
    prior = np.tile(task_share, int(s.max()) + 1)
    chance = (n_b + 2 * prior) / (n_f + 2)
    pe = np.where(failed, chance[key], 0.0)
    cls_idx, C, cls_school, cls_n = _classes(p)
    observed = np.bincount(cls_idx, weights=blank.sum(axis=1), minlength=C)
    expected = np.bincount(cls_idx, weights=pe.sum(axis=1), minlength=C)
    var = np.bincount(cls_idx, weights=(pe * (1 - pe)).sum(axis=1), minlength=C)
    ok = (cls_n >= params.min_class) & (var > 0)
    if ok.sum() < 20:
        return _empty(BLANKS, p)
    with np.errstate(invalid="ignore", divide="ignore"):
        z0 = (observed - expected) / np.sqrt(var)
    centre, unit = calibrate(z0, ok)
    z_c = (z0 - centre) / unit
    worst, n_classes = _worst_class(np.where(ok, z_c, np.nan), ok, cls_school, S)
    has_w = worst >= 0
    w = worst[has_w]
    p_class = np.full(S, np.nan)
    p_class[has_w] = _stats().norm.sf(z_c[w])
    z = _bonferroni_z(p_class, n_classes)
    eligible = has_w & (p.n >= params.min_school)
    value, ref, size_w, zc_w = (np.full(S, np.nan) for _ in range(4))
    value[has_w] = observed[w]
    ref[has_w] = expected[w]
    size_w[has_w] = cls_n[w]
    zc_w[has_w] = z_c[w]
    k_w = np.maximum(n_classes, 1)
    sd_w = np.where(has_w, np.sqrt(var[np.maximum(worst, 0)]), np.nan)

    def at(zz):
        # The blanks in the worst class at which the school's evidence reaches zz.
        zq = _stats().norm.isf(_stats().norm.sf(np.asarray(zz, dtype=np.float64)) / k_w)
        return ref + (centre + zq * unit) * sd_w

    return Column(
        BLANKS,
        value=value,
        reference=ref,
        threshold=at(np.full(S, params.blanks_z)),
        fired=eligible & (z >= params.blanks_z),
        strong=np.zeros(S, bool),
        n=np.where(has_w, size_w, 0).astype(np.int64),
        details={"z": z, "z_class": zc_w, "classes": n_classes.astype(np.float64)},
        z=z,
        eligible=eligible,
        # Supports, never alone: a school's own habit of writing «x» for a
        # wrong answer is indistinguishable from it in one test.
        alone=False,
        recentre=False,
        threshold_at=at,
        classes={
            "class_id": np.unique(p.res.class_id),
            "ok": ok,
            "z_c": z_c,
            "z_school": _school_z(p, params, blank, pe),
        },
    )


def _school_z(p: Prepared, params: CheckParams, blank, pe) -> np.ndarray:
    """The same count over all the school's pupils of the test (a teacher
    marking a whole school's papers leniently leaves it in every class a
    little), as a z calibrated on the region's schools of `min_school` pupils
    or more; NaN under `min_class` (a small school's tests are read together
    by `indicators.lenient`). Not decided here."""
    S = p.n_schools
    observed = np.bincount(p.school, weights=blank.sum(axis=1), minlength=S)
    expected = np.bincount(p.school, weights=pe.sum(axis=1), minlength=S)
    var = np.bincount(p.school, weights=(pe * (1 - pe)).sum(axis=1), minlength=S)
    ok = (p.n >= params.min_class) & (var > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z0 = (observed - expected) / np.sqrt(var)
    centre, unit = calibrate(z0, ok & (p.n >= params.min_school))
    return np.where(ok, (z0 - centre) / unit, np.nan)
