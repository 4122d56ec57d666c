"""Copied work in a class: identical papers and pairs agreeing beyond their
totals read as one test of the class."""

from __future__ import annotations

import numpy as np

from ..data import SIMILAR_WORK
from ..params import CheckParams
from .base import Column, Prepared, _empty, _poisson, _stats, _z_of_p
from .classes import pair_classes
from .similarity import _class_pairs, _classes


def similar_work(p: Prepared, params: CheckParams) -> Column:
    """One test of a class's copied work from its two footprints: identical
    score vectors beyond the region's chance for the pupils' totals (the
    Poisson p-value of `similarity`) and pairs agreeing beyond their totals
    (the quasi-Poisson p-value of `pair_similarity`). Copying leaves both in
    the same class — whole papers copied and papers copied then varied — while
    each alone often stays under the level at which it may accuse a school.

    Per class the two p-values are combined by Fisher's method,
    X = −2 (ln p₁ + ln p₂), read against χ² with 4 degrees of freedom: a class
    strong on one footprint and ordinary on the other keeps most of the
    stronger's evidence, a class moderate on both adds them up. (The two
    counts share the identical pairs, so under the region's honest classes
    they are not independent; the region's honest classes show them barely
    related — most honest classes have no identical pair at all — and the
    budget reads the school's z against the region's null like any other.)
    A class whose pairs are not read (more than `max_class` pupils, or a
    region with too few classes) keeps identical work's p-value alone.
    The school's worst eligible class (≥ `min_class` pupils), Bonferroni over
    its eligible classes, as z. The class needs one footprint of a group:
    `similarity_min_excess` identical pairs above the expected count or
    `pair_min` agreeing pairs. It may stand alone at identical work's strong
    level (`similarity_strong_p`), as each of the two did."""
    S = p.n_schools
    if len(p.primary) == 0 or p.res.class_id is None:
        return _empty(SIMILAR_WORK, p)
    cls_idx, C, cls_school, cls_n = _classes(p)
    observed, expected, largest = _class_pairs(p.scores0, p.primary, cls_idx, C)
    p_ident = np.ones(C)
    some = observed > 0
    p_ident[some] = _poisson().sf(observed[some] - 1, expected[some])
    agreeing, agreeing_expected = np.zeros(C), np.full(C, np.nan)
    p_joint = p_ident.copy()
    got = pair_classes(p, params)
    if got is not None:
        _cs, _cn, pairs, hit, hit_expected, _phi, p_pair, _pc, _pz, _cut = got
        read = pairs > 0
        agreeing[read], agreeing_expected[read] = hit[read], hit_expected[read]
        fisher = -2.0 * (np.log(np.maximum(p_ident, 1e-300)) + np.log(np.maximum(p_pair, 1e-300)))
        p_joint[read] = _stats().chi2.sf(fisher[read], 4)
    ok = cls_n >= params.min_class
    n_classes = np.bincount(cls_school[ok], minlength=S)
    order = np.lexsort((p_joint, cls_school))
    order = order[ok[order]]
    worst = np.full(S, -1)
    firsts = np.ones(len(order), bool)
    firsts[1:] = cls_school[order][1:] != cls_school[order][:-1]
    worst[cls_school[order][firsts]] = order[firsts]
    has = worst >= 0
    w = worst[has]
    p_school = np.full(S, np.nan)
    p_school[has] = np.minimum(1.0, p_joint[w] * n_classes[has])
    z = _z_of_p(p_school)
    figures = {}
    for key, per_class in (
        ("identical_pairs", observed),
        ("expected_identical_pairs", expected),
        ("largest_identical_group", largest),
        ("agreeing_pairs", agreeing),
        ("expected_agreeing_pairs", agreeing_expected),
        ("class_size", cls_n.astype(np.float64)),
    ):
        figures[key] = np.full(S, np.nan)
        figures[key][has] = per_class[w]
    gate = (
        figures["identical_pairs"] - figures["expected_identical_pairs"]
        >= params.similarity_min_excess
    ) | (figures["agreeing_pairs"] >= params.pair_min)
    eligible = has & (p.n >= params.min_school)
    cut_z = float(_stats().norm.isf(params.similarity_p))
    strong_z = float(_z_of_p(np.array([params.similarity_strong_p]))[0])
    fired = eligible & gate & (z >= cut_z)
    return Column(
        SIMILAR_WORK,
        value=z,
        reference=np.where(has, 0.0, np.nan),
        threshold=np.where(has, cut_z, np.nan),
        fired=fired,
        strong=fired & (z >= strong_z),
        n=np.where(has, figures["class_size"], 0).astype(np.int64),
        details={"p_value": p_school, "classes": n_classes.astype(np.float64), **figures},
        z=z,
        eligible=eligible,
        alone=True,
        recentre=False,
        threshold_at=lambda zz: np.where(has, np.asarray(zz, dtype=np.float64), np.nan),
        gate=gate,
        alone_floor=strong_z,
    )
