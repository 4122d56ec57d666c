"""Objectivity 2.2–2.3: the pair statistic conditioned on the source's actual
scores, small schools' tests of a year read together (2.3: each grade's tests
apart too), and zeros fewer than the blanks predict. Plain data for the
statistic; regions of the second generator on development seeds (511–514, not
evaluation ones) for the rest."""

from dataclasses import replace

import numpy as np
import pytest

from assessments.objectivity.checks import CheckParams, check_region
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.data import BLANKS, POOLED
from assessments.objectivity.checks.indicators.classes import _directed_z, _pair_tables
from assessments.objectivity.checks.rules import all_columns
from bench.second_in_memory import region_data
from tests.generators.second import make_region
from tests.generators.second.manipulations import HardHelp, Lenient, Spike

PARAMS = CheckParams()


def tables(T=6, K=3, ns=13):
    """Score tables of a region where a pupil with total s scores each of T
    two-point tasks as the total suggests: mostly 2 when strong, 0 when weak,
    and 1 (a partial answer) rarely at any level."""
    P = np.zeros((ns, T, K))
    for s in range(ns):
        share = s / (ns - 1)
        P[s, :, 2] = 0.9 * share
        P[s, :, 0] = 0.9 * (1 - share)
        P[s, :, 1] = 0.1
    P /= P.sum(axis=2, keepdims=True)
    return P


def directed(source, copier, P):
    source, copier = np.array([source]), np.array([copier])
    T, K = P.shape[1], P.shape[2]
    cell = np.arange(T)[None, :] * K
    match = source == copier
    tables = _pair_tables(P)
    return float(_directed_z(source, match, copier.sum(axis=1), tables, cell, T * K)[0])


def test_sharing_rare_partial_answers_is_evidence_of_copying():
    P = tables()
    source = [1, 1, 1, 1, 2, 2]
    assert directed(source, [1, 1, 1, 1, 2, 2], P) > 3


def test_agreeing_on_what_every_pupil_of_that_level_scores_is_no_evidence():
    P = tables()
    # Two pupils with full marks: no more agreement than their level makes
    # anyone expect (a copier of a perfect work is not seen here).
    assert directed([2, 2, 2, 2, 2, 2], [2, 2, 2, 2, 2, 2], P) < 1.5
    # Different works of the same total agree on fewer tasks than expected.
    assert directed([1, 1, 2, 2, 2, 0], [2, 2, 1, 1, 0, 2], P) < 0


@pytest.fixture(scope="module")
def small_help():
    region = make_region(511, schools=240, manipulated=24, kinds=(HardHelp(share=0.6),))
    return region, region_data(region)


def small_rows(region, data):
    """School rows with 10–19 pupils in each of at least two tests of the year."""
    cols = all_columns(data, region.target_year, PARAMS)
    n = np.stack([prep.n for prep, _c in cols.values()])
    small = (n >= PARAMS.min_class) & (n < PARAMS.min_school)
    return cols, np.flatnonzero((small.sum(axis=0) >= 2) & ((n * small).sum(axis=0) >= 20))


def test_a_small_school_helping_on_hard_tasks_is_found_over_its_tests(small_help):
    region, data = small_help
    cols, rows = small_rows(region, data)
    codes = list(data.schools.codes)
    planted = {
        codes.index(t.school) for t in region.truth if t.changed and region.target_year in t.years
    }
    looked, found = 0, 0
    for row in set(rows) & planted:
        columns = [c for _prep, cs in cols.values() for c in cs if c.name == POOLED]
        looked += 1
        found += any(c.fired[row] for c in columns)
    assert looked >= 2
    assert found >= looked / 2


def test_a_small_schools_grade_4_spike_is_read_over_that_grades_tests_too():
    # A spike lifts one cohort's grade-4 Russian and maths; the school's honest
    # grade-5 tests read beside them dilute it, the grade's tests apart do not. A
    # clear spike (1.2 logits): at the generator's default 0.7 a small school sits at
    # the pooled threshold, and one school's nudge by any other indicator's evidence
    # (its agreement level) decided this test (seeds 515-517: 0 or 1 school either way).
    region = make_region(515, schools=240, manipulated=40, kinds=(Spike(shift=1.2),))
    data = region_data(region)
    codes = list(data.schools.codes)
    planted = [codes.index(t.school) for t in region.truth]

    def flagged(params):
        cols = all_columns(data, region.target_year, params)
        fired = np.zeros(len(codes), bool)
        for proc, (_prep, columns) in cols.items():
            for c in columns:
                if c.name == POOLED and proc.grade == 4:
                    fired |= c.fired
        return fired

    by_grade, year_only = flagged(PARAMS), flagged(replace(PARAMS, pool_by_grade=False))
    assert not (year_only & ~by_grade).any()  # reading a grade apart never loses a flag
    assert by_grade[planted].sum() > year_only[planted].sum()


def test_pooling_shows_in_the_run_and_stays_within_the_budget_on_an_honest_region():
    region = make_region(512, schools=240, manipulated=24, plant=False)
    data = region_data(region)
    result = check_region(data, region.target_year, PARAMS)
    pooled = result.calibration["small_schools_pooled"]
    assert pooled["schools_pooled"] >= 20
    # The strictest of the year's thresholds, each within the per-test budget.
    assert pooled["alone_z"] >= max(t["alone_z"] for t in result.calibration["tests"]) - 1e-9
    assert pooled["flagged"] <= max(1, 0.02 * pooled["schools_pooled"])
    # Only tests of 10–19 pupils carry the pooled evidence, with its pupils.
    for school in result.schools:
        for p in school.procedures:
            shown = next(i for i in p.indicators if i.name == POOLED)
            if shown.value is not None:
                assert PARAMS.min_class <= p.pupils < PARAMS.min_school
                assert shown.details["pupils_pooled"] >= PARAMS.min_school


@pytest.fixture(scope="module")
def lenient_classes():
    region = make_region(513, schools=160, manipulated=10, kinds=(Lenient(class_share=0.6),))
    return region, region_data(region)


def test_a_lenient_class_shows_fewer_zeros_than_its_blanks_predict(lenient_classes):
    region, data = lenient_classes
    cols = all_columns(data, region.target_year, PARAMS)
    by = {(p.label, c.name): c for p, (_prep, cs) in cols.items() for c in cs}
    codes = list(data.schools.codes)
    planted, honest = [], []
    for t in region.truth:
        if t.changed and region.target_year in t.years:
            row = codes.index(t.school)
            planted += [by[(label, BLANKS)].details["z"][row] for label in t.tests]
    truth = {codes.index(t.school) for t in region.truth}
    for (_label, name), c in by.items():
        if name == BLANKS:
            rows = [r for r in np.flatnonzero(c.eligible) if r not in truth]
            honest += list(c.details["z"][rows])
    planted = np.array([z for z in planted if np.isfinite(z)])
    honest = np.array(honest)
    assert len(planted) >= 5 and len(honest) >= 100
    assert np.median(planted) > np.quantile(honest, 0.9)
    # On honest schools the worst class's evidence, Bonferroni over the
    # classes, sits mostly under 2 and rarely past the fixed threshold.
    assert np.mean(honest >= PARAMS.blanks_z) <= 0.02


def test_a_file_without_blanks_gives_no_blank_evidence(lenient_classes):
    region, data = lenient_classes
    res = data.results[0]
    res = replace(res, scores=np.clip(res.scores, 0, None))
    col = ind.blank_share(ind.Prepared(res, data.schools), PARAMS)
    assert not col.fired.any()
    assert col.z is None or not np.isfinite(col.z).any()
