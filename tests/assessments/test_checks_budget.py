"""Issue #13 items 3 and 4: indicators relative to the region (a property every
school shares is a data problem, not evidence), thresholds from a false-alarm
budget on the region's own data, and the run showing its budget and rates."""

import json
from dataclasses import replace
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.objectivity.checks import CheckParams, ProcedureResults, RegionData, check_region
from assessments.objectivity.checks import indicators as ind
from assessments.objectivity.checks.data import JOURNAL_GAP, SCALE_MISMATCH
from assessments.objectivity.selectors import ParamsError, params_with
from tests import factories as f
from tests.assessments.test_checks_indicators import (
    LEVELS,
    N_SCHOOLS,
    TASK_MAX,
    make_region,
    prepared,
    results,
    schools,
)
from tests.generators.first import RegionSpec, generate_region
from tests.generators.objectivity_store import generated_region_store

PARAMS = CheckParams()


def with_marks(res: ProcedureResults, mark) -> ProcedureResults:
    return ProcedureResults(
        procedure=res.procedure,
        task_max=TASK_MAX,
        task_level=LEVELS,
        boundaries=res.boundaries,
        school=res.school,
        class_id=res.class_id,
        scores=res.scores,
        mark=mark,
        journal=res.journal,
    )


def test_a_journal_column_read_as_the_mark_is_a_data_problem_not_evidence_against_schools():
    # The import took «Отметка за предыдущее полугодие» for the test's mark: in
    # every school a good share of pupils then has a mark the points do not carry.
    school, scores, journal, _ = make_region(seed=3)
    res = with_marks(results(school, scores, journal), journal)
    col = ind.scale_mismatch(prepared(res), PARAMS)
    assert (col.details["pupils_above_scale"] >= 2).sum() > N_SCHOOLS / 2, "the artefact is there"
    assert not col.fired.any()
    assert col.details["region_problem"][0] == 1
    result = check_region(RegionData(schools=schools(), results=[res]), 2026)
    assert [p["label"] for p in result.calibration["problems"]] == ["4 РУ"]
    assert not any(
        i.fired
        for s in result.schools
        for p in s.procedures
        for i in p.indicators
        if i.name == SCALE_MISMATCH
    )


def test_marks_above_the_scale_are_judged_against_the_regions_own_share():
    # Two pupils in a hundred in every school above the scale (a rule of the
    # scale the file follows and the stored scale lacks): the region shares it,
    # so it is no evidence; the school with ten is still out of line.
    school, scores, journal, _ = make_region(seed=4, sizes=np.full(N_SCHOOLS, 100))
    res = results(school, scores, journal)
    mark = res.mark.copy()
    for s in range(N_SCHOOLS):
        rows = np.flatnonzero((school == s) & (mark < 5))[: 10 if s == 5 else 2]
        mark[rows] += 1
    col = ind.scale_mismatch(prepared(with_marks(res, mark)), PARAMS)
    assert col.reference[0] == pytest.approx(0.02)
    assert col.fired[5] and col.fired.sum() == 1


def test_scores_raised_with_the_journal_marks_unchanged_fire_the_journal_gap():
    school, scores, journal, _ = make_region(seed=5)
    rng = np.random.default_rng(0)
    rows = school == 7
    # Lenient marking of every task: an imperfect answer gets a point more, often.
    bump = (rng.random(scores.shape) < 0.5) & (scores < TASK_MAX[None, :])
    scores[rows] += bump[rows]
    col = ind.journal_gap(prepared(results(school, scores, journal)), PARAMS)
    assert col.fired[7] and col.fired.sum() == 1
    assert col.value[7] > col.threshold[7] > col.reference[7]


def lenient_journals_in_one_kind():
    """14 of the 40 schools are lyceums whose teachers mark the journal a grade
    harder for half their pupils: every lyceum shares it, honestly."""
    school, scores, journal, _ = make_region(seed=6)
    kinds = ["lyceum" if s % 3 == 0 else "ordinary" for s in range(N_SCHOOLS)]
    rng = np.random.default_rng(1)
    harder = (np.array(kinds, dtype=object)[school] == "lyceum") & (rng.random(len(school)) < 0.5)
    journal = np.where(harder, np.maximum(journal - 1, 2), journal)
    return RegionData(schools=schools(kinds=kinds), results=[results(school, scores, journal)])


def gap_z(result, kind):
    out = []
    for s in result.schools:
        if s.kind == kind:
            gap = next(i for i in s.procedures[0].indicators if i.name == JOURNAL_GAP)
            out.append((gap.details["z"], gap.fired))
    return out


def test_a_property_a_whole_kind_shares_is_judged_against_that_kind():
    data = lenient_journals_in_one_kind()
    by_kind = check_region(data, 2026, replace(PARAMS, min_schools_per_kind=12))
    lyceums, ordinary = gap_z(by_kind, "lyceum"), gap_z(by_kind, "ordinary")
    assert not any(fired for _z, fired in lyceums + ordinary)
    assert abs(np.median([z for z, _f in lyceums])) < 0.5
    # With too few schools of a kind for a reference of its own, the region is
    # the reference, the lyceums stand out together, and the run says so.
    against_region = check_region(data, 2026, replace(PARAMS, min_schools_per_kind=30))
    own = np.median([z for z, _f in lyceums])
    assert np.median([z for z, _f in gap_z(against_region, "lyceum")]) > own + 0.4
    pooled = against_region.calibration["tests"][0]["kinds_against_region"]
    assert "lyceum" in pooled[JOURNAL_GAP]


@pytest.fixture(scope="module")
def region_2026():
    region = generate_region(RegionSpec(n_schools=300), seed=4711)
    return region


def honest_flagged(region, result) -> int:
    return sum(1 for s in result.schools if s.markers and s.index not in region.truth)


def test_the_budget_sets_the_thresholds_and_the_run_reports_them(region_2026):
    region = region_2026
    tight = check_region(region.data, region.target_year, PARAMS)
    loose = check_region(
        region.data,
        region.target_year,
        replace(PARAMS, false_alarm_budget=0.2, false_alarm_budget_kind=0.2),
    )
    cal = tight.calibration
    assert cal["mode"] == "budget" and cal["budget"] == 0.01 and cal["budget_kind"] == 0.02
    tests = len(cal["tests"])
    assert tests == 4
    # Each test's share of the budget: four tests and the look at grade 4's
    # cohort over its subjects (written again in grade 5 the year after; grade
    # 5's is not) at `cohort_look_tests` tests' rates.
    looks = tests + PARAMS.cohort_look_tests
    # The run's rate per test is the one whose count of alarmed schools keeps
    # within 1 % of the run's eligible schools in 90 % of runs (each school
    # spending it over the tests it is eligible in).
    eligible = sum(1 for s in tight.schools if any(p.pupils >= 20 for p in s.procedures))
    promise = cal["promise"]
    assert promise["schools"] == eligible and promise["allowed"] == eligible // 100
    assert promise["within"] >= 0.9 and promise["confidence"] == 0.9
    rate = promise["school_rate"]
    assert rate < 0.01
    for t in cal["tests"]:
        assert t["budget_per_test"] == pytest.approx(rate / looks)
        assert t["budget_per_test"] < 0.01 / looks
        assert t["estimated_rate"] <= t["budget_per_test"] + 1e-9
        assert set(t["flagged"]) == {"ordinary", "gymnasium", "lyceum"}
    # A school writing every test stays within that rate over the run.
    assert 0.5 * rate < cal["estimated_school_rate"] <= rate + 1e-9
    # What the run did beside it: eligible schools with a marker (small
    # schools read over their year's tests are not in the budget's count).
    assert promise["flagged"] == sum(
        1 for s in tight.flagged() if any(p.pupils >= 20 for p in s.procedures)
    )
    for a, b in zip(cal["tests"], loose.calibration["tests"], strict=True):
        assert b["agree_z"] < a["agree_z"] and b["alone_z"] < a["alone_z"]
    eligible_honest = sum(
        1
        for s in tight.schools
        if s.index not in region.truth and any(p.pupils >= 20 for p in s.procedures)
    )
    assert honest_flagged(region, tight) <= 0.01 * eligible_honest
    assert honest_flagged(region, loose) > honest_flagged(region, tight)


def test_fixed_thresholds_remain_a_setting(region_2026):
    region = region_2026
    fixed = check_region(region.data, region.target_year, replace(PARAMS, thresholds="fixed"))
    assert fixed.calibration["tests"] == []
    assert fixed.flagged(), "the constants still find planted schools"


def test_region_settings_refuse_a_budget_out_of_range():
    assert params_with({"false_alarm_budget": 0.05}).false_alarm_budget == 0.05
    for bad in ({"false_alarm_budget": 0}, {"false_alarm_budget_kind": 0.9}):
        with pytest.raises(ParamsError, match="доля ложных тревог"):
            params_with(bad)
    with pytest.raises(ParamsError, match="budget"):
        params_with({"thresholds": "tuned"})
    assert params_with({"false_alarm_confidence": 0.95}).false_alarm_confidence == 0.95
    for bad in (0.3, 1, 1.5):
        with pytest.raises(ParamsError, match="укладывающихся в бюджет"):
            params_with({"false_alarm_confidence": bad})


@pytest.fixture
def stored(db):
    spec = RegionSpec(n_schools=90, n_municipalities=3, years=(2024, 2025), target_year_index=1)
    region = generate_region(spec, seed=12)
    return region, generated_region_store(region, code="92", name="Проверочный край")


def test_the_command_json_and_the_run_page_show_the_budget_and_the_rates(client, stored):
    region, stored_region = stored
    out = StringIO()
    call_command(
        "check_objectivity",
        "--year",
        str(region.target_year),
        "--region",
        stored_region.code,
        "--json",
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    cal = payload["run"]["calibration"]
    assert cal["budget"] == 0.01 and cal["budget_kind"] == 0.02
    labels = {t["label"] for t in cal["tests"]}
    assert labels == {"4 РУ", "4 МА", "5 РУ", "5 МА"}
    first = cal["tests"][0]
    assert {"agree_z", "alone_z", "combined_z", "estimated_rate", "flagged"} <= first.keys()
    from assessments.objectivity.models import CheckRun

    run = CheckRun.objects.get(pk=payload["run"]["id"])
    analyst = f.user("analyst", role=f.Role.REGIONAL_ANALYST, node=stored_region)
    client.force_login(analyst)
    page = client.get(reverse("objectivity:run-detail", kwargs={"checkrun_pk": run.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Допустимая доля ложных тревог" in body
    assert 'id="calibration-school-rate"' in body
    # What a school without a marker means, with the run's own least size of a test.
    meaning = body[body.index('id="no-marker-meaning"') :]
    meaning = " ".join(meaning[: meaning.index("</p>")].split())
    assert "Отсутствие маркера не доказывает, что результаты объективны." in meaning
    assert f"писали меньше {run.params['min_school']} участников" in meaning
    run.params = {**run.params, "min_school": 25}  # a region that set its own least size
    run.save(update_fields=["params"])
    again = client.get(reverse("objectivity:run-detail", kwargs={"checkrun_pk": run.pk}))
    assert "писали меньше 25 участников" in " ".join(again.content.decode().split())
    assert cal["estimated_school_rate"] <= cal["budget"]
    assert 'id="calibration-table"' in body
    # What the run promises per run and per kind, and what it did.
    promise = cal["promise"]
    assert promise["within"] >= 0.9 and set(promise["kinds"]) == {"ordinary", "gymnasium", "lyceum"}
    assert 'id="calibration-promise"' in body and 'id="calibration-promise-table"' in body
    if promise["allowed"]:
        said = f"из {promise['schools']} проверяемых школ случайно получат маркер не больше"
        assert f"{said} {promise['allowed']} " in body
    else:
        assert (
            f"из {promise['schools']} проверяемых школ ни одна не получит маркер случайно" in body
        )
    table = body[body.index('id="calibration-promise-table"') :]
    assert table[: table.index("</table>")].count("<tr>") == 1 + 1 + len(promise["kinds"])
    assert body.count("<tr>", body.index('id="calibration-table"')) >= 5
    # Small schools read over their tests of the year: shown when there are any.
    small = cal["small_schools_pooled"]
    assert ('id="calibration-small"' in body) == bool(small)
    if small:
        assert small["schools_pooled"] >= 1
        assert f"{small['schools_pooled']} школ" in body


def test_a_run_over_a_file_whose_marks_are_the_journals_reports_it_and_accuses_nobody(
    client, stored
):
    from django.db.models import F

    from assessments.objectivity.models import CheckFinding, CheckRun
    from assessments.results.models import Result

    region, stored_region = stored
    year = region.target_year
    procedure = Result.objects.filter(
        region=stored_region, procedure__year=year, procedure__grade=4
    ).values_list("procedure", flat=True)[0]
    Result.objects.filter(procedure_id=procedure).update(file_mark=F("journal_mark"))
    out = StringIO()
    call_command(
        "check_objectivity",
        "--year",
        str(year),
        "--region",
        stored_region.code,
        "--json",
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    problems = payload["run"]["calibration"]["problems"]
    assert len(problems) == 1 and problems[0]["region_share"] > 0.1
    run = CheckRun.objects.get(pk=payload["run"]["id"])
    for finding in CheckFinding.objects.filter(run=run, procedure_id=procedure):
        mismatch = next(i for i in finding.indicators if i["name"] == SCALE_MISMATCH)
        assert not mismatch["fired"]
        assert SCALE_MISMATCH not in finding.reasons
    client.force_login(f.user("analyst", role=f.Role.REGIONAL_ANALYST, node=stored_region))
    body = client.get(reverse("objectivity:run-detail", kwargs={"checkrun_pk": run.pk})).content
    assert "работ с отметкой выше шкалы" in body.decode()


def rule_rate_on_fresh_draws(R, groups, alone, members, cut, persisted, draws=400_000):
    """The whole rule's rate on honest schools drawn anew (another seed), a
    share `persisted` of them with markers of the previous years."""
    from assessments.objectivity.checks import budget

    rng = np.random.default_rng(99)
    Z = rng.standard_normal((draws, len(groups))) @ np.linalg.cholesky(R).T
    G = budget.group_maxima(Z, groups)
    second = np.sort(G, axis=1)[:, -2]
    had = rng.random(draws) < persisted
    flagged = (
        (second >= cut["agree_z"])
        | (Z[:, alone].max(axis=1) >= cut["alone_z"])
        | (budget.combined(Z, members, R) >= cut["combined_z"])
        | (had & (G.max(axis=1) >= cut["persistence_z"]))
    )
    return float(flagged.mean())


def test_last_years_markers_beside_one_indicator_stay_inside_the_budget():
    from assessments.objectivity.checks import budget

    K = 6
    R = np.full((K, K), 0.2) + 0.8 * np.eye(K)
    groups = [0, 0, 1, 2, 3, 4]
    alone = np.array([True, True, False, True, False, False])
    members = np.array([False, False, False, False, True, True])
    alpha = 0.0025

    def cut(persisted):
        return budget.thresholds(
            R, groups, list(alone), members, alpha, 200_000, 5, (1 / 3, 1 / 3), persisted, 1 / 6
        )

    none, some, many = cut(0.0), cut(0.05), cut(0.3)
    assert none["persistence_z"] == np.inf, "no markers last years: no such route"
    for got in (some, many):
        assert got["estimated_rate"] <= alpha + 1e-9
        assert got["agree_z"] <= got["persistence_z"] < got["alone_z"]
        # What the run promises holds on honest schools it never saw.
        assert rule_rate_on_fresh_draws(R, groups, alone, members, got, got["persisted_share"]) < (
            1.15 * alpha
        )
    assert many["persistence_z"] > some["persistence_z"], "the more schools have them, the less"
    assert none["agree_z"] <= some["agree_z"], "the route's share comes from agreement's"
    # One indicator fired at agreement's threshold beside last years' markers
    # (the rule before the route was budgeted) is far past the budget.
    loose = dict(many, persistence_z=many["agree_z"])
    assert rule_rate_on_fresh_draws(R, groups, alone, members, loose, 0.3) > 2 * alpha


def test_a_run_with_markers_last_year_keeps_its_budget_and_shows_the_route(region_2026):
    region = region_2026
    year = region.target_year
    had = np.zeros(len(region.data.schools), bool)
    had[::5] = True  # a fifth of the region, honest schools among them
    result = check_region(region.data, year, PARAMS, earlier_markers={year - 1: had})
    for t in result.calibration["tests"]:
        assert t["persisted_share"] == pytest.approx(0.2, abs=0.05)
        assert t["agree_z"] <= t["persistence_z"]
        assert t["estimated_rate"] <= t["budget_per_test"] + 1e-9
    eligible_honest = sum(
        1
        for s in result.schools
        if s.index not in region.truth and any(p.pupils >= 20 for p in s.procedures)
    )
    assert honest_flagged(region, result) <= 0.01 * eligible_honest


def alarmed_per_run(R, groups, alone, members, cut, schools, runs, seed) -> np.ndarray:
    """The number of honest schools the rule at `cut` alarms in each of `runs`
    runs of `schools` schools drawn fresh from the null."""
    from assessments.objectivity.checks import budget

    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((runs * schools, len(groups))) @ np.linalg.cholesky(R).T
    G = budget.group_maxima(Z, groups)
    flagged = (
        (np.sort(G, axis=1)[:, -2] >= cut["agree_z"])
        | (Z[:, alone].max(axis=1) >= cut["alone_z"])
        | (budget.combined(Z, members, R) >= cut["combined_z"])
    )
    return flagged.reshape(runs, schools).sum(axis=1)


@pytest.mark.parametrize("schools", [60, 150, 400])
def test_nine_runs_in_ten_keep_within_the_budget_not_half_of_them(schools):
    from assessments.objectivity.checks import budget

    K = 5
    R = np.full((K, K), 0.3) + 0.7 * np.eye(K)
    groups, alone = [0, 0, 1, 2, 3], np.array([True, False, True, False, False])
    members = np.array([False, False, False, True, True])
    allowed = int(0.01 * schools)

    def within(rate):
        cut = budget.thresholds(R, groups, list(alone), members, rate, 200_000, 3)
        counts = alarmed_per_run(R, groups, alone, members, cut, schools, 4000, 11)
        return float(np.mean(counts <= allowed))

    rate = budget.per_test_rate(np.ones(schools), 0.01, 0.9, 0.01)
    assert rate < 0.01
    # The binomial's quantile at that rate is exact: runs of honest schools
    # drawn from the null keep within the budget in 90 % of them (Monte Carlo
    # error about 0.005 over the runs and 0.007 over the null's draws that set
    # the thresholds), and not much more.
    assert 0.87 <= within(rate) <= 0.95
    # The rate whose expected count equals the budget (the rule before) keeps
    # within it in about half of the runs.
    assert within(0.01) < 0.75


def test_a_kind_too_small_for_one_alarm_is_promised_none_and_gets_its_own_thresholds():
    from assessments.objectivity.checks import budget

    kinds = np.array(["ordinary"] * 300 + ["centre"] * 40 + ["primary"] * 6, dtype=object)
    # Every school eligible in two tests of a year of two.
    weights = np.full(len(kinds), 2.0)
    rates, promise = budget.run_rates(weights, kinds, PARAMS, 2)
    region = promise["school_rate"] / 2
    assert promise["schools"] == 346 and promise["allowed"] == 3
    assert promise["within"] >= 0.9
    # The largest rate that keeps it: every school at the region's rate keeps
    # within it in just 90 % of runs (the centres spend less).
    assert budget.within(np.full(346, 2 * region), 3) == pytest.approx(0.9, abs=1e-6)
    ordinary, centre, primary = (promise["kinds"][k] for k in ("ordinary", "centre", "primary"))
    # 2 % of 40 or of 6 schools is less than one: such a kind is promised no
    # alarm in nine runs of ten, so the smaller it is, the higher its rate.
    for row in (centre, primary):
        assert row["allowed"] == 0
        assert row["any"] <= 0.1 + 1e-9 and row["expected"] <= 0.02 * row["schools"]
    assert centre["any"] == pytest.approx(0.1, abs=1e-3)
    assert centre["school_rate"] < 2 * region
    assert primary["school_rate"] == pytest.approx(2 * region), "the region's cap is the lower"
    assert ordinary["allowed"] == 6 and ordinary["school_rate"] == pytest.approx(2 * region)
    assert set(np.unique(rates)) == {region, centre["school_rate"] / 2}
    # A school eligible in fewer tests spends less of the run's count: the
    # same region where a third of the schools write one test has a higher
    # rate per test.
    fewer = weights.copy()
    fewer[::3] = 1.0
    assert budget.run_rates(fewer, kinds, PARAMS, 2)[1]["school_rate"] > 2 * region
    # A test's thresholds follow: stricter for the centres, the region's for
    # the rest; a centre and an ordinary school with the same evidence between
    # the two are decided apart.
    from assessments.objectivity.checks.data import INVERSION, LEVEL

    rng = np.random.default_rng(5)
    S = len(kinds)
    columns = [
        ind.Column(
            name,
            value=np.zeros(S),
            reference=np.zeros(S),
            threshold=np.zeros(S),
            fired=np.zeros(S, bool),
            strong=np.zeros(S, bool),
            n=np.full(S, 30),
            z=rng.standard_normal(S),
            eligible=np.ones(S, bool),
            alone=True,
            recentre=False,
        )
        for name in (LEVEL, INVERSION)
    ]
    params = replace(PARAMS, null_draws=50_000)
    got = budget.apply(columns, params, kinds, 2, "t", None, rates)
    assert got["budget_per_test"] == pytest.approx(region)
    assert set(got["kinds"]) == {"centre"}
    centre_cut = got["kinds"]["centre"]["alone_z"]
    assert centre_cut > got["alone_z"]
    assert budget.strictest(got, "alone_z") == centre_cut
    between = (got["alone_z"] + centre_cut) / 2
    columns[1].z[[0, 300]] = between
    budget.apply(columns, params, kinds, 2, "t", None, rates)
    assert columns[1].strong[0] and not columns[1].strong[300]


@pytest.mark.parametrize(
    ("allowed", "said"),
    [
        (0, "из 46 проверяемых школ ни одна не получит маркер случайно"),
        (3, "из 346 проверяемых школ случайно получат маркер не больше 3 "),
    ],
)
def test_the_run_page_says_the_promise_in_words_that_fit_its_allowance(allowed, said):
    from django.template.loader import render_to_string

    promise = {
        "schools": 46 if allowed == 0 else 346,
        "allowed": allowed,
        "confidence": 90,
        "within": 91.2,
        "school_rate": 0.8,
    }
    sentence = " ".join(
        render_to_string(
            "assessments/objectivity/includes/_promise_sentence.html", {"p": promise}
        ).split()
    )
    assert said in sentence
    assert "не меньше чем в 90 % проверок (вероятность по модели — 91,2 %)" in sentence
    assert "маркер не больше 0 " not in sentence
