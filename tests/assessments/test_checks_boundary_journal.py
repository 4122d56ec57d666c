"""Pupils at a mark boundary beyond what their journal marks predict
(`boundary_journal`): a school that raises pupils just below a boundary onto
it is found, in one test and, for a small school, over its tests together;
an honest region's schools keep a standard normal tail."""

import numpy as np

from assessments.objectivity.checks import (
    CheckParams,
    Procedure,
    ProcedureResults,
    RegionData,
    boundaries_from_ranges,
    check_region,
)
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.data import BOUNDARY_JOURNAL, POOLED
from assessments.objectivity.checks.rules import all_columns
from tests.assessments.test_checks_bunching_pooled import push_some
from tests.assessments.test_checks_indicators import (
    LEVELS,
    SCALE,
    TASK_MAX,
    make_region,
    results,
    schools,
)

PARAMS = CheckParams()


def column(res, n_schools):
    return ind.boundary_journal(ind.Prepared(res, schools(n_schools)), PARAMS)


def test_a_school_raising_pupils_onto_a_boundary_stands_out():
    sizes = np.array([40] * 60)
    school, scores, journal, _ = make_region(seed=21, sizes=sizes)
    scores = push_some(school, scores, 0, np.random.default_rng(1), 0.6)
    col = column(results(school, scores, journal), 60)
    assert col.z[0] > 3.5
    assert col.fired[0]
    assert np.nanmax(col.z[1:]) < 3.0
    # The numbers shown: more papers at the boundaries than the journal marks predict.
    assert col.details["at_boundaries_observed"][0] > col.details["at_boundaries_expected"][0]
    assert col.value[0] > 0


def test_an_honest_region_keeps_a_normal_tail():
    sizes = np.array([30] * 2000)
    school, scores, journal, _ = make_region(seed=22, sizes=sizes)
    col = column(results(school, scores, journal), 2000)
    z = col.z[col.eligible]
    assert (z >= 2.326).mean() <= 0.012  # one-sided 1 %
    assert (z >= 3.09).mean() <= 0.002  # one-sided 0.1 %
    assert not col.fired.sum() > 0.002 * len(z)


def test_a_small_school_is_read_but_never_fires_alone():
    sizes = np.array([40] * 60)
    sizes[0] = 14
    school, scores, journal, _ = make_region(seed=23, sizes=sizes)
    scores = push_some(school, scores, 0, np.random.default_rng(2), 1.0)
    col = column(results(school, scores, journal), 60)
    assert np.isfinite(col.z[0])
    assert not col.eligible[0] and not col.fired[0]


def test_a_small_school_pushing_in_its_tests_is_found_over_them_together():
    """60 schools writing four tests; school 0 has 14 pupils a test and raises
    every pupil one or two points below a boundary in each of them."""
    sizes = np.array([40] * 60)
    sizes[0] = 14
    rng = np.random.default_rng(4)
    made = []
    for k, (grade, subject) in enumerate(
        ((4, "Русский язык"), (4, "Математика"), (5, "Русский язык"), (5, "Математика"))
    ):
        school, scores, journal, _ = make_region(seed=30 + k, sizes=sizes, grade=grade)
        scores = push_some(school, scores, 0, rng, 1.0)
        made.append(
            ProcedureResults(
                procedure=Procedure("ВПР", 2026, grade, subject),
                task_max=TASK_MAX,
                task_level=LEVELS,
                boundaries=boundaries_from_ranges(SCALE),
                school=school,
                class_id=school,
                scores=scores,
                journal=journal,
            )
        )
    data = RegionData(schools=schools(60), results=made)
    cols = all_columns(data, 2026, PARAMS)
    pooled = [next(c for c in columns if c.name == POOLED) for _p, columns in cols.values()]
    assert all(c.fired[0] for c in pooled)
    assert all(c.details[f"z_{BOUNDARY_JOURNAL}"][0] > 3.0 for c in pooled)
    result = check_region(data, 2026, PARAMS)

    # Only the pushing school is marked on the pooled evidence (the toy region's
    # other markers, from its other indicators, are not this test's subject).
    by_pool = {
        s.index for s in result.schools for p in s.procedures if p.marker and POOLED in p.reasons
    }
    assert by_pool == {0}
