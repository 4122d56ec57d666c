"""Each objectivity indicator on small hand-built regions: it fires on an
obvious case, stays quiet on an honest school, never fires under the minimum
group size, and reports its value, the region's reference and the threshold."""

import json
from dataclasses import replace

import numpy as np
import pytest

from assessments.objectivity.checks import (
    CheckParams,
    ExternalResult,
    Procedure,
    ProcedureResults,
    RegionData,
    SchoolTable,
    boundaries_from_ranges,
    check_region,
    mark_of,
)
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.crossing import (
    cohort,
    external_exam,
    external_objective,
    rise_fall,
)
from assessments.objectivity.checks.data import (
    EXTERNAL_OBJECTIVE_VPR,
    EXTERNAL_OGE,
    INVERSION,
    JOURNAL,
    LEVEL,
    MARKING,
    PERSISTENCE,
)
from assessments.objectivity.checks.rules import marker_of

# ВПР Russian, grade 4, 2026 (DOMAIN.md): 24 points, "3" from 10, "4" from 16, "5" from 21.
SCALE = {2: (0, 9), 3: (10, 15), 4: (16, 20), 5: (21, 24)}
TASK_MAX = np.array([1, 1, 1, 1, 2, 2, 1, 2, 2, 1, 2, 2, 3, 3])  # 24 points
LEVELS = ["Б"] * 8 + ["П"] * 4 + ["В"] * 2
DIFFICULTY = np.array(
    [-1.2, -1.0, -0.9, -0.8, -0.6, -0.5, -0.4, -0.3, 0.3, 0.4, 0.6, 0.7, 1.2, 1.4]
)
N_SCHOOLS = 40
PARAMS = CheckParams()


def honest_scores(rng, theta):
    """Binomial scores per task from ability and the task's difficulty."""
    p = 1 / (1 + np.exp(-1.7 * (theta[:, None] - DIFFICULTY[None, :])))
    return rng.binomial(TASK_MAX[None, :], p)


def make_region(seed=1, sizes=None, year=2026, grade=4, effects=None):
    """40 schools × 25 pupils (school 2: 12 pupils), one class per school."""
    rng = np.random.default_rng(seed)
    sizes = sizes if sizes is not None else np.array([25] * N_SCHOOLS)
    sizes = np.asarray(sizes)
    school = np.repeat(np.arange(len(sizes)), sizes)
    effects = effects if effects is not None else rng.normal(0, 0.3, len(sizes))
    theta = effects[school] + rng.normal(0, 1, len(school))
    scores = honest_scores(rng, theta)
    latent = theta + rng.normal(0, 0.5, len(school))
    journal = 2 + np.searchsorted(np.quantile(latent, [0.1, 0.45, 0.8]), latent)
    return school, scores, journal, theta


def results(school, scores, journal=None, year=2026, grade=4, class_id=None):
    return ProcedureResults(
        procedure=Procedure("ВПР", year, grade, "Русский язык"),
        task_max=TASK_MAX,
        task_level=LEVELS,
        boundaries=boundaries_from_ranges(SCALE),
        school=school,
        class_id=school if class_id is None else class_id,
        scores=scores,
        journal=journal,
    )


def schools(n=N_SCHOOLS, kinds=None):
    return SchoolTable(
        codes=[f"edu53{i:04d}" for i in range(n)],
        names=[f"Школа № {i + 1}" for i in range(n)],
        municipality=np.arange(n) % 3 + 1,
        kind=kinds or ["ordinary"] * n,
    )


def sizes_with_small():
    sizes = np.array([25] * N_SCHOOLS)
    sizes[2] = 12  # under the minimum of 20 pupils
    return sizes


def prepared(res, table=None):
    return ind.Prepared(res, table or schools(len(np.bincount(res.school))))


def assert_reports_numbers(col, s):
    assert np.isfinite(col.value[s])
    assert np.isfinite(col.reference[s])
    assert np.isfinite(col.threshold[s])
    assert col.n[s] > 0


# ---------------------------------------------------------------------------
# Scale helpers


def test_boundaries_come_from_the_year_scale():
    assert boundaries_from_ranges(SCALE) == (10, 16, 21)
    assert boundaries_from_ranges([[0, 7, 2], [8, 14, 3], [15, 20, 4], [21, 25, 5]]) == (8, 15, 21)


def test_marks_follow_the_boundaries():
    assert mark_of(np.array([0, 9, 10, 15, 16, 20, 21, 24]), (10, 16, 21)).tolist() == [
        2,
        2,
        3,
        3,
        4,
        4,
        5,
        5,
    ]


# ---------------------------------------------------------------------------
# 1. Level anomaly


def test_level_fires_on_a_school_of_fives_and_not_on_honest_or_small_ones():
    school, scores, journal, _ = make_region(sizes=sizes_with_small())
    for s in (0, 2):  # school 0 (25 pupils) and school 2 (12 pupils): everyone gets 24
        scores[school == s] = TASK_MAX
    col = ind.level_anomaly(prepared(results(school, scores, journal)), PARAMS)
    assert col.fired[0]
    assert col.value[0] == 5.0
    assert col.reference[0] < col.threshold[0] < col.value[0]
    assert col.details["share_45"][0] == 1.0
    assert not col.fired[2], "12 pupils is under the minimum"
    assert col.value[2] == 5.0
    # A weak indicator: about one honest school in a hundred passes 2.5 z.
    assert col.fired[3:].sum() <= 1
    assert_reports_numbers(col, 0)


def test_a_gymnasium_is_compared_with_gymnasiums_when_there_are_enough():
    kinds = ["gymnasium"] * 15 + ["ordinary"] * 25
    effects = np.array([0.9] * 15 + [0.0] * 25)
    school, scores, journal, _ = make_region(effects=effects)
    col = ind.level_anomaly(
        prepared(results(school, scores, journal), schools(kinds=kinds)), PARAMS
    )
    assert not col.fired[:15].any()
    assert col.reference[0] > col.reference[20], "gymnasiums have their own reference"


# ---------------------------------------------------------------------------
# 2. Difficulty inversion, lenient marking, person fit


def supply_hard_answers(school, scores, s):
    hard = np.array([lvl != "Б" for lvl in LEVELS])
    rows = np.flatnonzero(school == s)
    scores[np.ix_(rows, np.flatnonzero(hard))] = TASK_MAX[hard]
    scores[np.ix_(rows, np.flatnonzero(~hard))] //= 2  # easy ones done worse
    return scores


@pytest.mark.parametrize("fn", [ind.difficulty_inversion, ind.person_fit])
def test_supplied_answers_on_hard_tasks_fire_inversion_and_person_fit(fn):
    school, scores, journal, _ = make_region(sizes=sizes_with_small())
    scores = supply_hard_answers(school, scores, 0)
    scores = supply_hard_answers(school, scores, 2)
    col = fn(prepared(results(school, scores, journal)), PARAMS)
    assert col.fired[0]
    # The school-level inversion is strong alone; person fit only supports.
    assert col.strong[0] == (fn is ind.difficulty_inversion)
    assert col.value[0] > col.threshold[0] > col.reference[0]
    assert not col.fired[2], "under the minimum"
    assert col.fired[3:].sum() == 0
    assert_reports_numbers(col, 0)


def test_inversion_reports_the_easy_and_hard_profile_against_the_region():
    school, scores, journal, _ = make_region()
    scores = supply_hard_answers(school, scores, 0)
    col = ind.difficulty_inversion(prepared(results(school, scores, journal)), PARAMS)
    assert col.details["hard_minus_region"][0] > 0 > col.details["basic_minus_region"][0]


def test_a_strong_honest_school_is_not_an_inversion():
    effects = np.zeros(N_SCHOOLS)
    effects[0] = 1.5
    school, scores, journal, _ = make_region(effects=effects)
    res = results(school, scores, journal)
    assert not ind.difficulty_inversion(prepared(res), PARAMS).fired[0]
    assert not ind.person_fit(prepared(res), PARAMS).fired[0]


def test_lenient_marking_of_extended_answers_fires_marking():
    school, scores, journal, _ = make_region()
    rows = school == 0
    partial = TASK_MAX >= 2
    scores[np.ix_(rows, partial)] = np.minimum(scores[np.ix_(rows, partial)] + 1, TASK_MAX[partial])
    col = ind.lenient_marking(prepared(results(school, scores, journal)), PARAMS)
    assert col.fired[0]
    assert col.fired[1:].sum() == 0
    assert_reports_numbers(col, 0)


def test_guttman_errors_count_easier_steps_failed_below_harder_ones_passed():
    # Three one-point tasks, easiest first: passing only the hardest makes 2 errors.
    x = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 1], [1, 1, 0]])
    assert ind._guttman(x).tolist() == [2, 0, 2, 0]
    gmax = ind.guttman_max(np.array([0.9, 0.6, 0.3]), np.array([0, 1, 2]), np.array([1, 1, 1]))
    assert gmax.tolist() == [0, 2, 2, 0]


# ---------------------------------------------------------------------------
# 3. Journal agreement


def test_journal_fires_when_test_marks_run_above_journal_marks():
    school, scores, journal, _ = make_region(sizes=sizes_with_small())
    for s in (0, 2):
        journal[school == s] = 2  # everyone "повысил"
    col = ind.journal_agreement(prepared(results(school, scores, journal)), PARAMS)
    assert col.fired[0]
    assert col.value[0] > col.threshold[0] > col.reference[0]
    assert col.details["share_down"][0] == 0.0
    assert not col.fired[2]
    assert col.fired[3:].sum() == 0


def test_journal_is_silent_without_journal_marks():
    school, scores, _, _ = make_region()
    col = ind.journal_agreement(prepared(results(school, scores, None)), PARAMS)
    assert not col.fired.any()


# ---------------------------------------------------------------------------
# 4. Bunching


def push_over_boundaries(school, scores, s):
    bounds = boundaries_from_ranges(SCALE)
    for r in np.flatnonzero(school == s):
        total = scores[r].sum()
        for b in bounds:
            if 1 <= b - total <= 2:
                room = np.flatnonzero(scores[r] < TASK_MAX)
                need = b - total
                for j in room:
                    add = min(need, TASK_MAX[j] - scores[r, j])
                    scores[r, j] += add
                    need -= add
                    if need == 0:
                        break
                total = scores[r].sum()
    return scores


def test_bunching_fires_on_scores_pushed_over_the_boundaries():
    sizes = np.array([60] * N_SCHOOLS)
    school, scores, journal, _ = make_region(sizes=sizes)
    scores = push_over_boundaries(school, scores, 0)
    col = ind.bunching(prepared(results(school, scores, journal)), PARAMS)
    assert col.fired[0]
    assert col.details["p_value"][0] <= PARAMS.bunching_p
    assert col.value[0] > col.threshold[0] > col.reference[0] == 0
    assert col.details["at_boundaries_observed"][0] > col.details["at_boundaries_expected"][0]
    assert col.fired[1:].sum() <= 1  # an honest false alarm at p ≤ 0.01 is possible, not more


def test_bunching_never_fires_under_the_minimum():
    school, scores, journal, _ = make_region(sizes=sizes_with_small())
    scores = push_over_boundaries(school, scores, 2)
    col = ind.bunching(prepared(results(school, scores, journal)), PARAMS)
    assert not col.fired[2]


# ---------------------------------------------------------------------------
# 7. Within-class similarity


def test_identical_work_in_a_class_fires_and_honest_classes_do_not():
    school, scores, journal, _ = make_region(sizes=sizes_with_small())
    class_id = school.copy()
    r0 = np.flatnonzero(school == 0)
    scores[r0[:8]] = scores[r0[0]]  # eight copies of one paper
    r2 = np.flatnonzero(school == 2)
    scores[r2[:8]] = scores[r2[0]]  # the same in a class of 12: under the minimum school size
    col = ind.similarity(prepared(results(school, scores, journal, class_id=class_id)), PARAMS)
    assert col.fired[0]
    assert col.value[0] >= 28  # C(8, 2) identical pairs
    assert col.reference[0] < col.threshold[0] <= col.value[0]
    assert col.details["largest_identical_group"][0] >= 8
    assert not col.fired[2]
    assert col.fired[3:].sum() == 0


# ---------------------------------------------------------------------------
# 5, 6. Across procedures: cohort, rise-then-fall, ОГЭ, objective ВПР


def region_over_years(spike_school=None, objective=False):
    """Three years of grade 4 and grade 5, the same school effects."""
    rng = np.random.default_rng(5)
    effects = rng.normal(0, 0.3, N_SCHOOLS)
    out = []
    for year in (2024, 2025, 2026):
        for grade in (4, 5):
            school, scores, journal, _ = make_region(
                seed=year * 10 + grade, effects=effects, year=year, grade=grade
            )
            if spike_school is not None and year == 2025:
                rows = school == spike_school
                scores[rows] = np.maximum(scores[rows], TASK_MAX - 1)
            out.append(results(school, scores, journal, year=year, grade=grade))
    ext = [
        ExternalResult(
            kind=EXTERNAL_OGE,
            year=2025,
            subject="Русский язык",
            school=np.arange(N_SCHOOLS),
            mean=3.6 + 0.8 * effects + rng.normal(0, 0.05, N_SCHOOLS),
            n=np.full(N_SCHOOLS, 30),
        )
    ]
    if objective:
        ext.append(
            ExternalResult(
                kind=EXTERNAL_OBJECTIVE_VPR,
                year=2025,
                subject="Русский язык",
                grade=4,
                school=np.arange(N_SCHOOLS),
                mean=np.full(N_SCHOOLS, 3.5) + 0.5 * effects,
                n=np.full(N_SCHOOLS, 25),
            )
        )
    return RegionData(schools=schools(), results=out, external=ext)


@pytest.mark.parametrize("fn", [cohort, rise_fall, external_exam])
def test_a_one_year_spike_fires_the_indicators_across_procedures(fn):
    data = region_over_years(spike_school=0)
    res = data.find("ВПР", 2025, 4, "Русский язык")
    col = fn(data, res.procedure, prepared(res, data.schools), PARAMS)
    assert col.fired[0]
    assert col.value[0] > col.threshold[0] > col.reference[0]
    assert col.fired[1:].sum() == 0


def test_rise_fall_reports_the_jacob_levitt_score():
    data = region_over_years(spike_school=0)
    res = data.find("ВПР", 2025, 4, "Русский язык")
    col = rise_fall(data, res.procedure, prepared(res, data.schools), PARAMS)
    jl = col.details["jacob_levitt"]
    assert jl[0] == np.nanmax(jl)


def test_objective_vpr_confirms_or_not():
    data = region_over_years(spike_school=0, objective=True)
    res = data.find("ВПР", 2025, 4, "Русский язык")
    col = external_objective(data, res.procedure, prepared(res, data.schools), PARAMS)
    assert col.fired[0]
    assert col.reference[0] < col.threshold[0] < col.value[0]


def test_without_neighbouring_years_or_exams_there_is_no_such_indicator():
    school, scores, journal, _ = make_region()
    res = results(school, scores, journal)
    data = RegionData(schools=schools(), results=[res])
    for fn in (cohort, rise_fall, external_exam, external_objective):
        assert fn(data, res.procedure, prepared(res), PARAMS) is None


# ---------------------------------------------------------------------------
# The rule, the roll-up, the JSON


def column(name, fired, strong=None):
    fired = np.array(fired, bool)
    return ind.Column(
        name,
        value=np.zeros(len(fired)),
        reference=np.zeros(len(fired)),
        threshold=np.zeros(len(fired)),
        fired=fired,
        strong=np.zeros(len(fired), bool) if strong is None else np.array(strong, bool),
        n=np.full(len(fired), 30),
    )


def test_a_marker_needs_two_indicators_or_one_strong():
    cols = [
        column(LEVEL, [1, 1, 0, 0, 0]),
        column(JOURNAL, [1, 0, 0, 0, 0]),
        column(INVERSION, [0, 0, 1, 1, 0], strong=[0, 0, 1, 0, 0]),
        column(MARKING, [0, 0, 0, 1, 0]),
    ]
    marker, _ = marker_of(cols, PARAMS)
    # 0: two agree; 1: one weak; 2: one strong; 3: one family counts once; 4: nothing.
    assert marker.tolist() == [True, False, True, False, False]


def test_persistence_supports_but_never_raises_a_marker_alone():
    level = column(LEVEL, [1, 1, 0, 0])
    # Fired past the budget's persistence threshold for schools 0 and 1.
    level.supported = np.array([1, 1, 0, 0], bool)
    cols = [level, column(JOURNAL, [0, 0, 1, 0])]
    marker, _ = marker_of(cols, PARAMS, persisted=np.array([1, 0, 1, 1]))
    # 0: an indicator past the threshold beside last years' markers; 1: the same
    # indicator without them; 2: an indicator fired only at agreement's
    # threshold (or decided by its own, outside the budget) is not enough
    # beside them; 3: persistence alone.
    assert marker.tolist() == [True, False, False, False]
    assert PERSISTENCE in PARAMS.counted
    fixed = replace(PARAMS, thresholds="fixed")
    marker, _ = marker_of(cols, fixed, persisted=np.array([1, 0, 1, 1]))
    assert marker.tolist() == [True, False, True, False], "fixed thresholds: any fired one"


def test_a_run_reports_every_school_and_the_json_shape():
    school, scores, journal, _ = make_region(sizes=sizes_with_small())
    scores = supply_hard_answers(school, scores, 0)
    data = RegionData(schools=schools(), results=[results(school, scores, journal)])
    result = check_region(data, 2026)
    assert len(result.schools) == N_SCHOOLS, "flagged or not, every school is there"
    doc = json.loads(json.dumps(result.as_json(), ensure_ascii=False))
    assert doc["run"]["method_version"] == result.method_version
    assert doc["run"]["params"]["min_school"] == 20
    first = doc["schools"][0]
    assert first["code"] == "edu530000"
    assert first["markers"] == 1
    assert first["marker_labels"] == ["4 РУ"]
    proc = first["procedures"][0]
    assert {"instrument", "year", "grade", "subject", "pupils", "marker", "indicators"} <= set(proc)
    assert proc["marker"] is True
    for indicator in proc["indicators"]:
        assert {"name", "value", "reference", "threshold", "fired"} <= set(indicator)
    small = next(s for s in doc["schools"] if s["code"] == "edu530002")
    assert not any(i["fired"] for p in small["procedures"] for i in p["indicators"])
    assert not result.schools[0].strong, "a flagged school is never a strong one"


def test_low_result_schools_are_the_bottom_without_signs_of_inflation():
    effects = np.zeros(N_SCHOOLS)
    effects[5] = -1.5
    school, scores, journal, _ = make_region(effects=effects)
    data = RegionData(schools=schools(), results=[results(school, scores, journal)])
    result = check_region(data, 2026)
    by_code = {s.code: s for s in result.schools}
    assert by_code["edu530005"].low_result
    assert not any(s.low_result and s.markers for s in result.schools)
    assert not any(s.strong and s.markers for s in result.schools)


def test_copies_whose_blanks_were_recorded_differently_are_still_copies():
    school, scores, journal, _ = make_region()
    r0 = np.flatnonzero(school == 0)
    paper = np.array([1, 1, 0, 1, 2, 1, 0, 1, 1, 0, 1, 0, 2, 0])  # 11 points, some zeros
    zeros = np.flatnonzero(paper == 0)
    for k in range(6):  # six copies, each with its own blanks recorded as "x"
        scores[r0[k]] = paper
        scores[r0[k], zeros[:k]] = -1
    col = ind.similarity(prepared(results(school, scores, journal)), PARAMS)
    assert col.fired[0]


def test_inconsistent_input_is_refused():
    school, scores, journal, _ = make_region()
    scores[0, 0] = TASK_MAX[0] + 1
    with pytest.raises(ValueError, match="maximum"):
        results(school, scores, journal)
    with pytest.raises(ValueError, match="one entry per pupil"):
        results(school[:-1], scores, journal)


def test_marks_above_the_scale_for_the_points_earned_fire():
    school, scores, journal, _ = make_region(sizes=sizes_with_small())
    res = results(school, scores, journal)
    mark = res.mark.copy()
    for s in (0, 2):  # three pupils each get a "5" their points do not carry
        rows = np.flatnonzero((school == s) & (mark < 5))[:3]
        mark[rows] = 5
    res = ProcedureResults(
        procedure=res.procedure,
        task_max=TASK_MAX,
        task_level=LEVELS,
        boundaries=res.boundaries,
        school=school,
        class_id=school,
        scores=scores,
        mark=mark,
        journal=journal,
    )
    col = ind.scale_mismatch(prepared(res), PARAMS)
    assert col.fired[0] and col.strong[0]
    assert col.details["pupils_above_scale"][0] == 3
    assert col.value[0] > col.threshold[0] > col.reference[0]
    assert not col.fired[2], "under the minimum"
    assert not col.fired[3:].any()


def test_not_attempted_may_come_as_a_mask_or_nan():
    scores = np.array([[1, 2], [0, 1]], dtype=float)
    mask = np.array([[False, True], [False, False]])
    kw = {
        "procedure": Procedure("ВПР", 2026, 4, "Русский язык"),
        "task_max": [1, 2],
        "task_level": ["Б", "П"],
        "boundaries": (1, 2, 3),
        "school": [0, 0],
        "class_id": [0, 0],
    }
    masked = ProcedureResults(scores=np.ma.array(scores, mask=mask), **kw)
    nan = ProcedureResults(scores=np.where(mask, np.nan, scores), **kw)
    assert masked.scores.tolist() == nan.scores.tolist() == [[1, -1], [0, 1]]
    assert masked.primary.tolist() == [1, 1]


def test_copies_varied_at_the_end_show_as_long_identical_runs():
    school, scores, journal, _ = make_region()
    r0 = np.flatnonzero(school == 0)
    head = np.array([1, 1, 0, 1, 2, 1, 0, 1])  # the first eight tasks copied
    scores[r0[:8], :8] = head
    scores[r0[:8], 8:] = np.arange(8)[:, None] % (TASK_MAX[8:] + 1)  # each varies the rest
    res = results(school, scores, journal)
    runs = ind.identical_runs(prepared(res), PARAMS)
    assert runs.fired[0]
    run_end = runs.details["run_from_task"][0] + runs.details["run_length"][0] - 1
    assert run_end <= 8, "the run lies in the copied part"
    assert runs.value[0] >= 28 > runs.reference[0]
    assert not ind.similarity(prepared(res), PARAMS).fired[0], "no two whole papers match"
    assert runs.fired[1:].sum() == 0
