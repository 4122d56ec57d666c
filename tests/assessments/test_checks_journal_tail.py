"""A class with more pupils far above their journal marks than the region's
classes (`indicators.journal_tail`), on an honest region of the second generator
(seed 463: a development seed of the class-level tests, not an evaluation one)
with one class edited by hand: weak pupils writing a classmate's full paper."""

from dataclasses import replace

import numpy as np
import pytest

from assessments.objectivity.checks import CheckParams
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.data import JOURNAL, JOURNAL_TAIL, mark_of
from bench.second_in_memory import region_data
from tests.generators.second import make_region

PARAMS = CheckParams()


@pytest.fixture(scope="module")
def honest():
    region = make_region(463, schools=160, manipulated=16, plant=False)
    data = region_data(region)
    res = next(r for r in data.results if r.procedure.year == region.target_year)
    return data, res


def _column(data, res, params=PARAMS):
    return ind.class_journal_tail(ind.Prepared(res, data.schools), params)


def _copied_class(res, copiers=7):
    """The results with `copiers` pupils marked «3» in the journal of one class of
    an ordinary-sized class writing the paper of the class's best pupil (whose
    paper is at or near the maximum), and that class's school."""
    ids, sizes = np.unique(res.class_id, return_counts=True)
    scores = np.array(res.scores, copy=True)
    for cls in ids[(sizes >= 22) & (sizes <= 30)]:
        rows = np.flatnonzero(res.class_id == cls)
        threes = rows[res.journal[rows] == 3]
        best = rows[np.argmax(res.primary[rows])]
        if len(threes) < copiers or res.primary[best] < 0.85 * sum(res.task_max):
            continue
        chosen = threes[:copiers]
        scores[chosen] = scores[best]
        primary = np.clip(scores, 0, None).sum(axis=1)
        edited = replace(
            res,
            scores=scores,
            primary=primary,
            mark=mark_of(primary, res.boundaries),
        )
        return edited, int(res.school[best])
    raise AssertionError("no class to edit in the region")


def test_weak_pupils_writing_a_full_paper_are_found_by_the_journal_tail(honest):
    data, res = honest
    edited, school = _copied_class(res)
    before, after = _column(data, res), _column(data, edited)
    assert after.eligible[school]
    assert not before.fired[school]
    assert after.fired[school]
    # The worst class holds the copiers far above their marks against few expected.
    assert after.value[school] >= 7
    assert after.value[school] >= after.threshold[school] > after.reference[school]


def test_an_honest_region_s_classes_stay_within_the_tail_s_share(honest):
    data, _res = honest
    fired, eligible = 0, 0
    for res in data.results:
        col = _column(data, res)
        fired += int(col.fired.sum())
        eligible += int(col.eligible.sum())
    assert eligible > 300
    # Its own threshold (z 3, one-sided 0.13 %) with the Bonferroni over classes.
    assert fired <= max(2, 0.005 * eligible)


def test_the_journal_tail_counts_once_with_the_journal_indicators():
    family = next(f for f in PARAMS.families if JOURNAL in f)
    assert JOURNAL_TAIL in family
    assert JOURNAL_TAIL in PARAMS.counted


def test_the_journal_tail_needs_journal_marks(honest):
    data, res = honest
    col = _column(data, replace(res, journal=np.zeros_like(res.journal)))
    assert not col.fired.any()
    assert not np.isfinite(col.value).any()
