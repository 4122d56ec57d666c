"""One look at a cohort over its grade's subjects (`cohort_look`): a school
whose grade-4 cohort shows the spike's footprints (cohort, rise and fall,
journal gap and history) at 2–3 z in both subjects is found though neither
test's combined evidence is past its threshold, a small school's cohort (each
test under 20 pupils, together 20 or more) too; a school as high only in its
level (a strong school), a cohort read in one test only, and an honest region
are not."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from assessments.objectivity.checks import CheckParams, Procedure
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.cohort_look import FOOTPRINTS, look_at_cohorts
from assessments.objectivity.checks.data import COHORT, COMBINED, JOURNAL_HISTORY, LEVEL

PARAMS = CheckParams()
SUBJECTS = ("Русский язык", "Математика")
CUT = 3.1  # a test's combined threshold, as the budget sets it


def column(name, z, n):
    S = len(z)
    return ind.Column(
        name,
        value=z,
        reference=np.zeros(S),
        threshold=np.full(S, 3.0),
        fired=np.zeros(S, bool),
        strong=np.zeros(S, bool),
        n=n,
        details={"z": z},
        z=z,
        eligible=(n >= PARAMS.min_school) & np.isfinite(z),
    )


def region(footprints: np.ndarray, level: np.ndarray, n: np.ndarray, next_year=True) -> dict:
    """{Procedure: (prep, columns)}: footprints[s, subject, k] the z of FOOTPRINTS[k],
    level[s, subject] the school's level (in each test's combined evidence only);
    the cohort read against the next year or, `next_year` False, the year before."""
    cols = {}
    for j, subject in enumerate(SUBJECTS):
        nj = n[:, j]
        columns = [column(name, footprints[:, j, k], nj) for k, name in enumerate(FOOTPRINTS)]
        columns[FOOTPRINTS.index(COHORT)].details["other_is_next_year"] = np.full(
            len(nj), 1.0 if next_year else 0.0
        )
        columns.append(column(LEVEL, level[:, j], nj))
        own = (footprints[:, j].sum(axis=1) + level[:, j]) / np.sqrt(5 + 8)
        combined = column(COMBINED, own, nj)
        combined.fired = combined.strong = own >= CUT
        columns.append(combined)
        prep = SimpleNamespace(n=nj)
        cols[Procedure("ВПР", 2026, 4, subject)] = (prep, columns)
    return cols


def calibration(cols) -> list[dict]:
    return [{"label": p.label, "combined_z": CUT} for p in cols]


def honest(S: int, seed: int):
    """Footprints correlated as a region's are: within a subject (the cohort's
    readings share its year) and between subjects (one cohort)."""
    rng = np.random.default_rng(seed)
    cohort = rng.standard_normal((S, 1, 1))
    subject = rng.standard_normal((S, 2, 1))
    own = rng.standard_normal((S, 2, len(FOOTPRINTS)))
    F = 0.4 * cohort + 0.4 * subject + np.sqrt(1 - 0.32) * own
    level = rng.standard_normal((S, 1)) * 0.8 + rng.standard_normal((S, 2)) * 0.6
    return F, level, np.full((S, 2), 60)


def combined_fired(cols) -> np.ndarray:
    return np.stack([next(c for c in cols[p][1] if c.name == COMBINED).fired for p in cols], axis=1)


def test_a_cohort_spiked_in_both_subjects_is_found_over_them():
    F, level, n = honest(300, 1)
    F[0] = 2.3  # every footprint, both subjects
    level[0] = 0.5
    F[1], level[1] = 0.0, 4.0  # a strong school: high level, no spike's footprint
    cols = region(F, level, n)
    before = combined_fired(cols)
    assert not before[0].any() and not before[1].any()  # no test's own evidence reaches
    look_at_cohorts(cols, PARAMS, calibration(cols))
    after = combined_fired(cols)
    assert after[0].all()  # both subjects' tests marked
    assert not after[1].any()
    details = next(iter(cols.values()))[1][-1].details
    assert details["z_cohort_subjects"][0] > details["cohort_subjects_threshold"][0]
    assert details["cohort_subjects_threshold"][0] > CUT  # a second look needs more


def test_the_run_shows_the_cohort_look_and_its_rate():
    F, level, n = honest(300, 10)
    cols = region(F, level, n)
    cal = calibration(cols)
    look_at_cohorts(cols, PARAMS, cal)
    for test in cal:
        look = test["cohort_look"]
        assert look["looks"] == 3  # the grade's two tests and the look over them
        assert look["threshold"] == pytest.approx(stats.norm.isf(stats.norm.sf(CUT) / 3))
        assert look["rate"] == pytest.approx(stats.norm.sf(CUT) / 3)


def test_a_cohort_too_small_in_one_subject_is_not_read_together():
    F, level, n = honest(300, 2)
    F[0], level[0] = 2.3, 0.5
    n[0, 1] = PARAMS.min_school - 1
    cols = region(F, level, n)
    look_at_cohorts(cols, PARAMS, calibration(cols))
    assert not combined_fired(cols)[0].any()
    assert np.isnan(next(iter(cols.values()))[1][-1].details["z_cohort_subjects"][0])


def test_an_honest_region_gains_few_alarms_from_the_cohort_look():
    F, level, n = honest(20_000, 3)
    cols = region(F, level, n)
    before = combined_fired(cols).any(axis=1).mean()
    look_at_cohorts(cols, PARAMS, calibration(cols))
    after = combined_fired(cols).any(axis=1).mean()
    # The look's own rate: the one-sided rate of a test's combined threshold
    # over the number of looks (two tests and this one).
    assert after - before <= 2 * stats.norm.sf(CUT) / 3
    z = next(iter(cols.values()))[1][-1].details["z_cohort_subjects"]
    assert (z >= stats.norm.isf(0.01)).mean() <= 0.015


def test_a_grade_written_in_one_subject_is_left_alone():
    F, level, n = honest(300, 4)
    F[0], level[0] = 2.3, 0.5
    cols = region(F, level, n)
    one = {p: v for p, v in cols.items() if p.subject == SUBJECTS[0]}
    look_at_cohorts(one, PARAMS, calibration(one))
    assert "z_cohort_subjects" not in one[next(iter(one))][1][-1].details


def test_a_cohort_read_against_the_year_before_is_left_alone():
    # Grade 5 against its grade 4 a year before: those results were marked by
    # the teachers who may have inflated them, no independent measure.
    F, level, n = honest(300, 5)
    F[0], level[0] = 2.3, 0.5
    cols = region(F, level, n, next_year=False)
    look_at_cohorts(cols, PARAMS, calibration(cols))
    assert not combined_fired(cols)[0].any()


def small_schools(F, n, rows, pupils=12):
    """Schools `rows` made small (`pupils` in each test, under min_school): too
    new to have the journal's history, as a small school seldom has it."""
    n[rows] = pupils
    F[rows, :, FOOTPRINTS.index(JOURNAL_HISTORY)] = np.nan


def test_a_small_schools_spiked_cohort_is_read_over_its_subjects():
    F, level, n = honest(400, 6)
    small_schools(F, n, np.arange(200))
    F[0, :, :3] = 2.3  # every footprint it has, both subjects
    level[0] = 0.5
    F[1, :, :3], level[1] = 0.0, 4.0  # a strong small school, no footprint
    cols = region(F, level, n)
    assert not combined_fired(cols)[0].any()
    look_at_cohorts(cols, PARAMS, calibration(cols))
    after = combined_fired(cols)
    assert after[0].all()
    assert not after[1].any()
    details = next(iter(cols.values()))[1][-1].details
    assert details["z_cohort_subjects"][0] > details["cohort_subjects_threshold"][0]


def test_a_cohort_of_small_schools_too_few_together_is_left_alone():
    F, level, n = honest(300, 7)
    small_schools(F, n, np.arange(100), pupils=PARAMS.min_class - 1)
    F[0, :, :3], level[0] = 3.0, 0.5
    cols = region(F, level, n)
    look_at_cohorts(cols, PARAMS, calibration(cols))
    assert not combined_fired(cols)[0].any()
    assert np.isnan(next(iter(cols.values()))[1][-1].details["z_cohort_subjects"][0])


def test_honest_small_schools_gain_few_alarms_from_the_cohort_look():
    F, level, n = honest(20_000, 8)
    small = np.arange(2_000, 20_000)
    small_schools(F, n, small)
    cols = region(F, level, n)
    look_at_cohorts(cols, PARAMS, calibration(cols))
    fired = combined_fired(cols).any(axis=1)[small].mean()
    assert fired <= 2 * stats.norm.sf(CUT) / 3
    z = next(iter(cols.values()))[1][-1].details["z_cohort_subjects"][small]
    assert np.isfinite(z).all()
    assert (z >= stats.norm.isf(0.01)).mean() <= 0.015
