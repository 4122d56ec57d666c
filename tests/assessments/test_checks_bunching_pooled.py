"""Bunching read across a school's tests of one year (`pool_bunching`): a
school that pushes pupils over the boundaries in two of its tests is found on
evidence neither test gives alone; a school with bunching in one test only,
and an honest region, gain nothing."""

import numpy as np
import pytest
from scipy import stats

from assessments.objectivity.checks import (
    CheckParams,
    Procedure,
    RegionData,
    SchoolTable,
    boundaries_from_ranges,
    check_region,
)
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.data import BUNCHING
from assessments.objectivity.checks.indicators.bunching import pool_bunching
from assessments.objectivity.checks.rules import all_columns, single_procedure_columns
from tests.assessments.test_checks_indicators import (
    SCALE,
    TASK_MAX,
    make_region,
    results,
)

PARAMS = CheckParams()
TESTS = ((4, "Русский язык"), (4, "Математика"), (5, "Русский язык"))


def bunching_columns(Z: np.ndarray) -> dict:
    """{Procedure: (None, [bunching Column])}, one test a column of Z (schools × tests)."""
    S = Z.shape[0]
    cols = {}
    for k, (grade, subject) in enumerate(TESTS[: Z.shape[1]]):
        z = Z[:, k].copy()
        col = ind.Column(
            BUNCHING,
            value=z / 10,
            reference=np.zeros(S),
            threshold=np.full(S, 0.3),
            fired=np.zeros(S, bool),
            strong=np.zeros(S, bool),
            n=np.full(S, 40),
            z=z,
            eligible=np.isfinite(z),
            alone=True,
            recentre=False,
            threshold_at=lambda zz: np.asarray(zz, dtype=np.float64) / 10,
        )
        cols[Procedure("ВПР", 2026, grade, subject)] = (None, [col])
    return cols


def pooled_z(cols) -> np.ndarray:
    return np.stack([columns[0].z for _prep, columns in cols.values()], axis=1)


def test_bunching_in_two_tests_of_a_school_is_evidence_neither_gives_alone():
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((400, 3))
    Z[0, :2] = 3.3  # pushed in two of its three tests
    Z[1] = (3.3, 0.0, 0.0)  # bunching in one test only
    cols = bunching_columns(Z)
    pool_bunching(cols, PARAMS)
    got = pooled_z(cols)
    assert got[0, 0] > 4.2 and got[0, 1] > 4.2  # past the budget's threshold for one alone
    assert got[0, 2] < 3.0
    assert got[1, 0] < 3.3  # the second look costs a test that stands alone
    details = cols[Procedure("ВПР", 2026, 4, "Русский язык")][1][0].details
    assert details["z_with_other_tests"][0] > 4.2
    assert np.isfinite(details["z_other_tests"][0])


def test_a_test_with_no_excess_of_its_own_is_not_marked_for_the_schools_other_tests():
    """The marker names a test: one whose papers sit at the boundaries no more
    often than the region predicts keeps its own evidence, however strong the
    school's other test."""
    rng = np.random.default_rng(9)
    Z = rng.standard_normal((400, 2))
    Z[0] = (6.0, -0.4)  # pushed in one test, fewer than expected at the other's boundaries
    Z[1] = (6.0, 0.4)  # the same, with a slight excess in the other test
    cols = bunching_columns(Z)
    pool_bunching(cols, PARAMS)
    got = pooled_z(cols)
    assert got[0, 1] == pytest.approx(-0.4)
    assert got[1, 1] > 2.5  # a slight excess is read with the strong test


def test_an_honest_region_gains_no_bunching_from_its_other_tests():
    rng = np.random.default_rng(6)
    Z = rng.standard_normal((20_000, 3))
    Z[rng.random(Z.shape) < 0.2] = np.nan  # not every school writes every test
    cols = bunching_columns(Z)
    pool_bunching(cols, PARAMS)
    got = pooled_z(cols)
    ok = np.isfinite(got)
    # One-sided 1 % and 0.1 %: the evidence stays a z of an honest school's chance.
    assert (got[ok] >= stats.norm.isf(0.01)).mean() <= 0.01
    assert (got[ok] >= stats.norm.isf(0.001)).mean() <= 0.001


def test_a_school_read_in_one_test_keeps_its_bunching():
    Z = np.random.default_rng(7).standard_normal((100, 1))
    cols = bunching_columns(Z)
    pool_bunching(cols, PARAMS)
    assert np.array_equal(pooled_z(cols)[:, 0], Z[:, 0])


def test_the_threshold_shown_is_what_the_test_needs_by_its_own_look():
    Z = np.random.default_rng(8).standard_normal((100, 2))
    Z[0] = (1.0, 0.5)  # some excess in both: read in two looks
    Z[1] = (-1.0, 0.5)  # none in the first test: its own look only
    cols = bunching_columns(Z)
    pool_bunching(cols, PARAMS)
    col = next(iter(cols.values()))[1][0]
    own = stats.norm.isf(stats.norm.sf(3.0) / 2)  # two looks
    assert col.threshold_at(np.full(100, 3.0))[0] == pytest.approx(own / 10)
    assert col.threshold_at(np.full(100, 3.0))[1] == pytest.approx(3.0 / 10)


def push_some(school, scores, s, rng, share):
    """Pupils of school `s` one or two points below a boundary raised onto it,
    each with probability `share` (the points found in the first tasks with room)."""
    bounds = boundaries_from_ranges(SCALE)
    for r in np.flatnonzero(school == s):
        total = scores[r].sum()
        for b in bounds:
            if 1 <= b - total <= 2 and rng.random() < share:
                need = b - total
                for j in np.flatnonzero(scores[r] < TASK_MAX):
                    add = min(need, TASK_MAX[j] - scores[r, j])
                    scores[r, j] += add
                    need -= add
                    if need == 0:
                        break
                break
    return scores


def test_a_school_pushing_pupils_in_two_grades_is_read_in_both():
    """Hand-built region: 40 schools of 50 pupils writing grade 4 and grade 5
    Russian; school 0 pushes half of its pupils just below a boundary in both."""
    rng = np.random.default_rng(3)
    sizes = np.array([50] * 40)
    data_results = []
    for seed, grade in ((11, 4), (12, 5)):
        school, scores, journal, _ = make_region(seed=seed, sizes=sizes, grade=grade)
        scores = push_some(school, scores, 0, rng, 0.5)
        data_results.append(results(school, scores, journal, grade=grade))
    table = SchoolTable(
        codes=[f"edu53{i:04d}" for i in range(40)],
        names=[f"Школа № {i + 1}" for i in range(40)],
        municipality=np.arange(40) % 3 + 1,
        kind=["ordinary"] * 40,
    )
    data = RegionData(schools=table, results=data_results)
    own = [
        next(c for c in columns if c.name == BUNCHING).z
        for _prep, columns in single_procedure_columns(data, 2026, PARAMS).values()
    ]
    pooled = [
        next(c for c in columns if c.name == BUNCHING).z
        for _prep, columns in all_columns(data, 2026, PARAMS).values()
    ]
    assert min(z[0] for z in pooled) > max(z[0] for z in own) + 0.5  # each read with the other
    honest = np.arange(1, 40)
    for z_own, z_pooled in zip(own, pooled, strict=True):
        assert np.nanmax(z_pooled[honest]) <= np.nanmax(z_own[honest]) + 0.5
    result = check_region(data, 2026, PARAMS)
    flagged = {s.index for s in result.schools if s.markers}
    assert 0 in flagged
    assert len(flagged - {0}) <= 1
