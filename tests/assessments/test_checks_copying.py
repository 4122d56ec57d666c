"""Copied work as one test of its two footprints (`similar_work`: identical
papers and pairs agreeing beyond their totals), on regions of the second
generator (seed 461, the class-level indicators' development seed)."""

from dataclasses import replace

import numpy as np
import pytest

from assessments.objectivity.checks import CheckParams, check_region
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.data import PAIR_SIMILARITY, SIMILAR_WORK, SIMILARITY
from bench.second_in_memory import region_data
from tests.generators.second import make_region
from tests.generators.second.manipulations import Copying

PARAMS = CheckParams()


@pytest.fixture(scope="module")
def copying():
    region = make_region(
        461,
        schools=100,
        manipulated=8,
        kinds=(Copying(group_share=0.5, min_group=5, min_block=0.8),),
    )
    return region, region_data(region)


def test_copied_classes_are_marked_with_copied_work_among_the_reasons(copying):
    region, data = copying
    result = check_region(data, region.target_year, PARAMS)
    by_code = {s.code: s for s in result.schools}
    planted, found = 0, 0
    for t in region.truth:
        if t.kind != "copying" or t.changed < 8 or region.target_year not in t.years:
            continue
        checks = [p for p in by_code[t.school].procedures if p.procedure.label in t.tests]
        if not checks or max(p.pupils for p in checks) < 20:
            continue
        planted += 1
        found += any(p.marker and SIMILAR_WORK in p.reasons for p in checks)
        # Its two footprints are reported beside it, not counted a second time.
        assert not any({SIMILARITY, PAIR_SIMILARITY} & set(p.reasons) for p in checks)
    assert planted >= 2
    assert found >= planted / 2


def _honest_class(res, schools):
    """(school row, pupil rows) of a class of 15-30 pupils with no identical papers."""
    for cls in np.unique(res.class_id):
        rows = np.flatnonzero(res.class_id == cls)
        if 15 <= len(rows) <= 30 and len(np.unique(res.scores[rows], axis=0)) == len(rows):
            return int(res.school[rows[0]]), rows
    raise AssertionError("no class to copy in")


def test_a_group_of_copied_papers_is_found_and_may_stand_alone(copying):
    _region, data = copying
    res = data.results[0]
    school, rows = _honest_class(res, data.schools)
    before = ind.similar_work(ind.Prepared(res, data.schools), PARAMS)
    # Four pupils hand in their classmate's paper.
    scores, primary, mark = res.scores.copy(), res.primary.copy(), res.mark.copy()
    source, copiers = rows[0], rows[1:5]
    scores[copiers], primary[copiers], mark[copiers] = scores[source], primary[source], mark[source]
    prep = ind.Prepared(replace(res, scores=scores, primary=primary, mark=mark), data.schools)
    joint = ind.similar_work(prep, PARAMS)
    assert not before.fired[school]
    assert joint.fired[school]
    assert joint.details["identical_pairs"][school] >= 10  # C(5, 2) pairs
    assert joint.details["agreeing_pairs"][school] >= PARAMS.pair_min
    # Five identical papers in one class are enough to accuse the school alone.
    assert joint.strong[school]


def test_without_pairs_read_copied_work_is_identical_works_test(copying):
    # A region whose classes are not read pair by pair (here: none under the size
    # limit) keeps identical work's own evidence, neither more nor less.
    _region, data = copying
    params = replace(PARAMS, max_class=1)
    prep = ind.Prepared(data.results[0], data.schools)
    joint = ind.similar_work(prep, params)
    alone = ind.similarity(prep, params)
    ok = alone.eligible
    assert ok.sum() > 20
    assert np.allclose(joint.z[ok], alone.z[ok])
    assert np.array_equal(joint.eligible, alone.eligible)


def test_no_copied_work_is_read_under_the_minimum_class(copying):
    _region, data = copying
    res = data.results[0]
    none = ind.similar_work(ind.Prepared(res, data.schools), replace(PARAMS, min_class=1000))
    assert not none.fired.any() and not none.eligible.any()
