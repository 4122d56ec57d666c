"""Lenient marking read by both of its footprints (`indicators.lenient`), on
regions of the second generator (seeds 513–514: development seeds, not
evaluation ones): a class or a school marked leniently is found, the same
class or school of the honest counterfactual (the same pupils, nothing
applied) is not, and an honest region stays within the budget."""

import numpy as np
import pytest

from assessments.objectivity.checks import CheckParams, check_region
from assessments.objectivity.checks.data import (
    BLANKS,
    CLASS_JOURNAL_GAP,
    JOURNAL_GAP,
    LENIENT_FOOTPRINT,
)
from assessments.objectivity.checks.indicators import Column
from assessments.objectivity.checks.indicators.lenient import _joint
from assessments.objectivity.checks.rules import all_columns, marker_of
from bench.second_in_memory import region_data
from tests.generators.second import make_region
from tests.generators.second.manipulations import Lenient

PARAMS = CheckParams()


def footprint(data, year):
    """{procedure label: the lenient_footprint Column}, decided against the budget."""
    cols = all_columns(data, year, PARAMS)
    return {
        p.label: c for p, (_prep, cs) in cols.items() for c in cs if c.name == LENIENT_FOOTPRINT
    }


def planted(region, data, scope):
    codes = list(data.schools.codes)
    return [
        (codes.index(t.school), t)
        for t in region.truth
        if t.kind == "lenient" and t.scope == scope and t.changed and region.target_year in t.years
    ]


@pytest.fixture(scope="module")
def regions():
    kinds = (Lenient(share=0.6, class_share=0.8),)
    region = make_region(513, schools=120, manipulated=12, kinds=kinds)
    honest = make_region(513, schools=120, manipulated=12, kinds=kinds, plant=False)
    return (region, region_data(region)), (honest, region_data(honest))


def _found(cols, row, t):
    return any(cols[label].fired[row] for label in t.tests if label in cols)


def _eligible(cols, row, t):
    return any(cols[label].eligible[row] for label in t.tests if label in cols)


@pytest.mark.parametrize("scope", ["classes", "school"])
def test_lenient_marking_is_found_and_the_same_honest_school_is_not(regions, scope):
    (region, data), (honest, honest_data) = regions
    year = region.target_year
    cols, honest_cols = footprint(data, year), footprint(honest_data, year)
    assert cols, "every test with classes and journal marks has the column"
    rows = [(row, t) for row, t in planted(region, data, scope) if _eligible(cols, row, t)]
    assert len(rows) >= 3
    found = sum(_found(cols, row, t) for row, t in rows)
    found_honest = sum(_found(honest_cols, row, t) for row, t in rows)
    # Found in most planted schools; the same classes and pupils marked honestly
    # are not (at most one by chance).
    assert found >= 0.6 * len(rows)
    assert found_honest <= 1
    # The evidence is the planted school's, not a property of the school's
    # pupils: it falls when nothing was planted.
    z = np.mean([max(cols[lab].details["z"][row] for lab in t.tests) for row, t in rows])
    z_honest = np.mean(
        [max(honest_cols[lab].details["z"][row] for lab in t.tests) for row, t in rows]
    )
    assert z > z_honest + 1.0


def test_the_column_shows_the_class_or_the_school_it_rests_on(regions):
    (region, data), _honest = regions
    cols = footprint(data, region.target_year)
    for col in cols.values():
        ok = col.fired
        for key in ("z", "z_class", "z_school", "classes"):
            assert key in col.details
        # A school fires on a class of at least min_class or on all its pupils.
        assert np.all(col.n[ok] >= PARAMS.min_class)
        assert np.all(col.value[ok] >= col.threshold[ok])


def test_an_honest_region_stays_within_the_budget_with_the_footprint():
    region = make_region(514, schools=160, manipulated=16, plant=False)
    data = region_data(region)
    result = check_region(data, region.target_year, PARAMS)
    eligible = [s for s in result.schools if any(p.pupils >= 20 for p in s.procedures)]
    resting = [
        s
        for s in eligible
        if any(p.marker and LENIENT_FOOTPRINT in p.reasons for p in s.procedures)
    ]
    assert len(resting) <= max(1, 0.01 * len(eligible))


def test_two_footprints_together_weigh_more_than_either_and_a_missing_one_counts_nothing():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(200), rng.standard_normal(200)
    a[0], b[0] = 2.5, 2.5
    b[1] = np.nan
    z = _joint(a, b, np.ones(200, bool))
    assert z[0] > 3.0  # two independent 2.5's: about 3.5
    assert np.isnan(z[1])
    # Honest footprints: the joint is a standard normal again.
    assert abs(float(np.nanstd(z[2:])) - 1.0) < 0.2


def _fired(name, fired):
    fired = np.array(fired)
    zeros = np.zeros(len(fired))
    return Column(name, zeros, zeros, zeros, fired, np.zeros(len(fired), bool), zeros)


def test_blanks_and_the_lenient_footprint_agreeing_raise_a_marker_as_two_indicators():
    # School 0: the blanks of its worst class and the footprint of both (with
    # the journal) past the agreement threshold, neither strong: a marker (the
    # budget's draws carry their correlation). School 1: the journal gap read
    # two ways is still one indicator.
    columns = [
        _fired(BLANKS, [True, False]),
        _fired(LENIENT_FOOTPRINT, [True, False]),
        _fired(JOURNAL_GAP, [False, True]),
        _fired(CLASS_JOURNAL_GAP, [False, True]),
    ]
    marker, fired = marker_of(columns, PARAMS)
    assert marker.tolist() == [True, False]
    assert fired.tolist() == [2, 1]


def test_a_small_school_is_read_over_its_tests_together(regions):
    (region, data), (honest, honest_data) = regions
    year = region.target_year
    cols, honest_cols = footprint(data, year), footprint(honest_data, year)
    pupils = {
        r.procedure.label: np.bincount(r.school, minlength=len(data.schools))
        for r in data.results
        if r.procedure.year == year
    }

    def readable(row):
        # Under min_school in every test, min_class or more in two tests and
        # min_school over them (the tests `checks.pooled` would read together).
        sizes = [n[row] for n in pupils.values() if n[row] >= PARAMS.min_class]
        return (
            max(n[row] for n in pupils.values()) < PARAMS.min_school
            and len(sizes) >= 2
            and sum(sizes) >= PARAMS.min_school
        )

    small = [
        (row, t)
        for row, t in planted(region, data, "school")
        if readable(row) and any(pupils[lab][row] >= PARAMS.min_class for lab in t.tests)
    ]
    assert small, "the region has a small school marked leniently"
    for row, t in small:
        label = next(lab for lab in t.tests if pupils[lab][row] >= PARAMS.min_class)
        col, honest_col = cols[label], honest_cols[label]
        # Read on the pupils of its tests together, never on fewer than min_school.
        assert col.eligible[row]
        assert col.n[row] >= PARAMS.min_school
        assert col.details["z"][row] > honest_col.details["z"][row]
    # Under min_class in a test: never read there.
    tiny = pupils[label] < PARAMS.min_class
    assert not np.any(cols[label].eligible[tiny])
