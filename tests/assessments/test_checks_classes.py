"""The class-level indicators and the school's journal gap against its own past
years, on regions of the second generator (seeds 461–463: development seeds,
not evaluation ones): a planted class is found, and an honest region stays
within the false-alarm budget."""

from dataclasses import replace

import numpy as np
import pytest

from assessments.objectivity.checks import CheckParams, check_region
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.data import CLASS_JOURNAL_GAP, JOURNAL_HISTORY, PAIR_SIMILARITY
from assessments.objectivity.checks.rules import all_columns
from bench.second_in_memory import region_data
from tests.generators.second import make_region
from tests.generators.second.manipulations import Copying, Lenient

PARAMS = CheckParams()
NEW = {CLASS_JOURNAL_GAP, PAIR_SIMILARITY, JOURNAL_HISTORY}


def columns_by_name(data, year):
    """{(procedure label, indicator name): Column}, decided against the budget."""
    cols = all_columns(data, year, PARAMS)
    return {(p.label, c.name): c for p, (_prep, cs) in cols.items() for c in cs}


def planted_rows(region, data, kind, scope=None):
    """(school row, planted) of the schools where `kind` changed results in the
    target year, with at least 20 pupils in a planted test."""
    codes = list(data.schools.codes)
    out = []
    for t in region.truth:
        if t.kind != kind or not t.changed or region.target_year not in t.years:
            continue
        if scope is not None and t.scope != scope:
            continue
        out.append((codes.index(t.school), t))
    return out


@pytest.fixture(scope="module")
def copying():
    region = make_region(
        461,
        schools=100,
        manipulated=8,
        kinds=(Copying(group_share=0.5, min_group=5, min_block=0.8),),
    )
    return region, region_data(region)


@pytest.fixture(scope="module")
def lenient():
    region = make_region(462, schools=100, manipulated=8, kinds=(Lenient(class_share=0.9),))
    return region, region_data(region)


def test_a_group_copying_in_a_class_is_found_by_pair_similarity(copying):
    region, data = copying
    cols = columns_by_name(data, region.target_year)
    found, planted = 0, 0
    for row, t in planted_rows(region, data, "copying"):
        col = cols[(t.tests[0], PAIR_SIMILARITY)]
        if not col.eligible[row] or t.changed < 8:
            continue
        planted += 1
        found += bool(col.fired[row])
        # The worst class holds many agreeing pairs against few expected.
        if col.fired[row]:
            assert col.value[row] >= col.reference[row] + PARAMS.pair_min
            assert col.threshold[row] <= col.value[row]
    assert planted >= 2
    assert found >= planted / 2


def test_pair_similarity_reports_its_class_figures(copying):
    region, data = copying
    res = data.results[0]
    col = ind.pair_similarity(ind.Prepared(res, data.schools), PARAMS)
    ok = col.eligible
    assert ok.any()
    for key in ("p_value", "pairs_in_class", "pair_z_cut", "dispersion", "classes"):
        assert key in col.details
    assert np.all(col.details["dispersion"][ok] >= 1.0)
    assert np.all(np.nan_to_num(col.details["p_value"][ok]) <= 1.0)


def test_one_teachers_lenient_class_is_found_by_the_class_journal_gap(lenient):
    region, data = lenient
    cols = columns_by_name(data, region.target_year)
    found, planted = 0, 0
    for row, t in planted_rows(region, data, "lenient", scope="classes"):
        cs = [cols[(label, CLASS_JOURNAL_GAP)] for label in t.tests]
        if not any(c.eligible[row] for c in cs):
            continue
        planted += 1
        found += any(c.fired[row] for c in cs)
    assert planted >= 2
    assert found >= planted / 2


def test_the_class_journal_gap_reads_a_grade_4_class_across_both_subjects(lenient):
    region, data = lenient
    cols = columns_by_name(data, region.target_year)
    pooled = [
        c for (label, name), c in cols.items() if name == CLASS_JOURNAL_GAP and label[0] == "4"
    ]
    assert pooled and all("z_class_subjects" in c.details for c in pooled)


@pytest.mark.parametrize("seed", [463])
def test_an_honest_region_stays_within_the_budget_with_the_new_indicators(seed):
    region = make_region(seed, schools=160, manipulated=16, plant=False)
    data = region_data(region)
    result = check_region(data, region.target_year, PARAMS)
    eligible = [s for s in result.schools if any(p.pupils >= 20 for p in s.procedures)]
    flagged = [s for s in eligible if s.markers]
    # The budget is 1 % in expectation; a region of ~120 eligible schools may
    # see a couple by chance.
    assert len(flagged) <= 0.01 * len(eligible) + 2
    # Markers that rest on the new indicators: at most the budget's share.
    resting = [s for s in eligible for p in s.procedures if p.marker and set(p.reasons) & NEW]
    assert len(resting) <= max(1, 0.01 * len(eligible))


def test_the_journal_history_compares_a_school_with_its_own_past_years(lenient):
    region, data = lenient
    cols = columns_by_name(data, region.target_year)
    col = next(c for (_l, name), c in cols.items() if name == JOURNAL_HISTORY)
    ok = col.eligible
    assert ok.sum() > 20
    assert np.all(col.details["years"][ok] >= 1)
    # Honest schools: centred near their own past.
    assert abs(float(np.median(col.details["z"][ok]))) < 1.0


def test_no_class_level_indicator_fires_under_the_minimum_class(copying):
    region, data = copying
    params = replace(PARAMS, min_class=1000)
    res = data.results[0]
    prep = ind.Prepared(res, data.schools)
    for fn in (ind.pair_similarity, ind.class_journal_gap):
        assert not fn(prep, params).fired.any()


def test_a_group_larger_than_any_class_is_not_read_pair_by_pair(copying):
    # A file whose class column says the same for a whole school (or is left empty and
    # filled with one label) makes one "class" of hundreds or thousands of pupils: its
    # k(k-1)/2 pairs are not a class's, and read pair by pair they would take the
    # memory of the machine (150,000 pupils: 11 billion pairs).
    region, data = copying
    res = data.results[0]
    school = int(np.bincount(res.school).argmax())
    one_label = res.class_id.copy()
    one_label[res.school == school] = -1
    assert (one_label == -1).sum() > PARAMS.max_class
    prep = ind.Prepared(replace(res, class_id=one_label), data.schools)
    col = ind.pair_similarity(prep, PARAMS)
    # The school has no class the pair statistic reads; the others keep theirs.
    assert np.isnan(col.value[school]) and not col.fired[school]
    assert np.isfinite(col.value).sum() > 20
