"""One look at a cohort over its grade's subjects on its contrasts' own z
(`cohort_look`): a school whose grade-4 cohort jumped for one year (in both
subjects, or in one) is found against the same pupils a grade later, its
other years, its other subject and grade, though no test's own combined
evidence is past its threshold; a school as high every year (a strong school)
is not, nor a grade whose cohort is not written again a grade later; an
honest region gains about the look's own rate of alarms, which the run's
budget counts."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from assessments.objectivity.checks import (
    CheckParams,
    Procedure,
    ProcedureResults,
    RegionData,
    SchoolTable,
)
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.budget import looks_of_year
from assessments.objectivity.checks.cohort_look import look_at_cohorts
from assessments.objectivity.checks.data import COMBINED

PARAMS = CheckParams()
SUBJECTS = ("Русский язык", "Математика")
YEAR = 2026
CUT = 3.1  # a test's combined threshold, as the budget sets it
RATE = 0.001  # a test's false-alarm rate, as the run spends it
MAX = 30


def make_region(S: int, seed: int, spikes=None, later=True, pupils=None) -> RegionData:
    """Grades 4 and 5, both subjects, 2023–2027 (2027 only with `later`): a
    school's quality, each cohort's own (it follows the cohort a grade on)
    and a test's, pupils around them (5 points a pupil sd). `spikes`:
    {school: (subjects, pupil sd)} added to grade 4 of YEAR only."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(0, 0.35, S)
    n = pupils if pupils is not None else rng.integers(20, 90, S)
    cohort = {y: rng.normal(0, 0.12, S) for y in range(YEAR - 5, YEAR + 2)}
    results = []
    for year in range(YEAR - 3, YEAR + (2 if later else 1)):
        for grade in (4, 5):
            entered = year - (grade - 4)
            for subject in SUBJECTS:
                effect = quality + cohort[entered] + rng.normal(0, 0.08, S)
                if year == YEAR and grade == 4:
                    for s, (subjects, jump) in (spikes or {}).items():
                        if subject in subjects:
                            effect[s] += jump
                school = np.repeat(np.arange(S), n)
                x = 15 + 5 * (effect[school] + rng.standard_normal(len(school)))
                primary = np.clip(np.rint(x), 0, MAX).astype(np.int64)
                results.append(
                    ProcedureResults(
                        procedure=Procedure("ВПР", year, grade, subject),
                        task_max=np.array([MAX]),
                        task_level=["Б"],
                        boundaries=(10, 16, 23),
                        school=school,
                        class_id=school,
                        scores=primary[:, None],
                        primary=primary,
                    )
                )
    kinds = np.where(np.arange(S) % 5 == 0, "gymnasium", "ordinary")
    schools = SchoolTable(
        codes=[str(i) for i in range(S)],
        names=[str(i) for i in range(S)],
        municipality=np.zeros(S, int),
        kind=kinds,
    )
    return RegionData(schools, results)


def year_columns(data: RegionData) -> dict:
    """{Procedure: (prep, [combined])} for the year's tests: no test's own
    combined evidence past its threshold."""
    S = len(data.schools)
    cols = {}
    for r in data.results:
        if r.procedure.year != YEAR:
            continue
        n = np.bincount(r.school, minlength=S)
        z = np.zeros(S)
        combined = ind.Column(
            COMBINED,
            value=z,
            reference=np.zeros(S),
            threshold=np.full(S, CUT),
            fired=np.zeros(S, bool),
            strong=np.zeros(S, bool),
            n=n,
            details={"z": z},
        )
        cols[r.procedure] = (SimpleNamespace(n=n), [combined])
    return cols


def calibration(cols) -> list[dict]:
    return [{"label": p.label, "combined_z": CUT, "budget_per_test": RATE} for p in cols]


def grade4(cols, key="fired"):
    """Per school, the grade-4 tests' combined `key` (both subjects)."""
    return np.stack(
        [getattr(cols[p][1][-1], key) for p in cols if p.grade == 4],
        axis=1,
    )


def details(cols) -> dict:
    return next(cols[p][1][-1].details for p in cols if p.grade == 4)


def test_a_cohort_spiked_in_both_subjects_is_found_over_them():
    data = make_region(400, 1, spikes={0: (SUBJECTS, 0.6)})
    cols = year_columns(data)
    look_at_cohorts(cols, PARAMS, calibration(cols), data)
    fired = grade4(cols)
    assert fired[0].all()  # both subjects' tests marked
    d = details(cols)
    assert d["z_cohort_subjects"][0] > d["cohort_subjects_threshold"][0]
    assert d["cohort_subjects_threshold"][0] > stats.norm.isf(RATE)  # the largest of three


def test_a_cohort_spiked_in_one_subject_is_found_in_its_test():
    data = make_region(400, 2, spikes={0: (SUBJECTS[1:], 0.9)})
    cols = year_columns(data)
    look_at_cohorts(cols, PARAMS, calibration(cols), data)
    assert grade4(cols)[0].all()


def test_a_strong_school_every_year_is_not_a_spike():
    data = make_region(400, 3)
    # School 1 is 1.2 pupil sd above the region in every year and grade.
    for r in data.results:
        r.primary[r.school == 1] = np.clip(r.primary[r.school == 1] + 6, 0, MAX)
    cols = year_columns(data)
    look_at_cohorts(cols, PARAMS, calibration(cols), data)
    assert not grade4(cols)[1].any()


def test_the_run_shows_the_look_and_its_rate():
    data = make_region(300, 4)
    cols = year_columns(data)
    cal = calibration(cols)
    look_at_cohorts(cols, PARAMS, cal, data)
    for test in cal:
        if test["label"].startswith("4"):
            look = test["cohort_look"]
            assert look["looks"] == 3  # two tests' sums and the grade's
            assert look["rate"] == pytest.approx(PARAMS.cohort_look_tests * RATE)
            assert look["threshold"] > stats.norm.isf(look["rate"])
        else:
            # Grade 5's cohort is not written a grade later: not read.
            assert "cohort_look" not in test


def test_a_grade_without_the_later_year_is_left_alone():
    data = make_region(300, 5, spikes={0: (SUBJECTS, 1.0)}, later=False)
    cols = year_columns(data)
    look_at_cohorts(cols, PARAMS, calibration(cols), data)
    assert not grade4(cols)[0].any()
    assert "z_cohort_subjects" not in details(cols)


def test_a_school_under_min_class_in_one_test_is_not_read():
    n = np.random.default_rng(6).integers(20, 90, 300)
    n[0] = PARAMS.min_class - 1
    data = make_region(300, 6, spikes={0: (SUBJECTS, 1.5)}, pupils=n)
    cols = year_columns(data)
    look_at_cohorts(cols, PARAMS, calibration(cols), data)
    assert not grade4(cols)[0].any()
    assert np.isnan(details(cols)["z_cohort_subjects"][0])


def test_an_honest_region_gains_about_the_looks_rate():
    S = 3000
    n = np.random.default_rng(7).integers(PARAMS.min_class, 90, S)  # small schools too
    data = make_region(S, 7, pupils=n)
    cols = year_columns(data)
    look_at_cohorts(cols, PARAMS, calibration(cols), data)
    fired = grade4(cols).any(axis=1)
    assert fired.mean() <= 3 * PARAMS.cohort_look_tests * RATE
    z = details(cols)["z_cohort_subjects"]
    assert (z[np.isfinite(z)] >= stats.norm.isf(0.01)).mean() <= 0.03


def test_the_budget_counts_a_look_only_where_the_cohort_is_read():
    with_later = make_region(60, 8)
    procs = [r.procedure for r in with_later.results if r.procedure.year == YEAR]
    # Grade 4's cohort is written in grade 5 next year; grade 5's is not.
    assert looks_of_year(procs, PARAMS, with_later) == 4 + PARAMS.cohort_look_tests
    without = make_region(60, 8, later=False)
    assert looks_of_year(procs, PARAMS, without) == 4


def test_a_run_explains_the_looks_marker_in_the_schools_combined_evidence():
    from assessments.objectivity.checks import check_region
    from assessments.objectivity.checks.data import DETAIL_LABELS

    data = make_region(400, 1, spikes={0: (SUBJECTS, 0.6)})
    result = check_region(data, YEAR, PARAMS)
    school = result.as_json()["schools"][0]
    for proc in school["procedures"]:
        if proc["grade"] != 4:
            continue
        assert proc["marker"] and "combined" in proc["reasons"]
        combined = next(i for i in proc["indicators"] if i["name"] == COMBINED)
        got = combined["details"]
        assert got["z_cohort_subjects"] >= got["cohort_subjects_threshold"]
    # The run page names the reading and its threshold in Russian.
    assert "классом позже" in str(DETAIL_LABELS["z_cohort_subjects"])
    assert "нулевой модели" in str(DETAIL_LABELS["cohort_subjects_threshold"])
