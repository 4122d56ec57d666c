"""Thresholds, minimum group sizes and the marker rule: settings per region.

Every threshold is on a z-scale after calibration (see `indicators.calibrate`):
a school's z is divided by the region's robust spread of z (when it exceeds
1), so that honest heterogeneity the model does not know about (teachers'
journal habits, curricula) widens the threshold instead of raising flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .data import (
    BLANKS,
    BUNCHING,
    CLASS_JOURNAL_GAP,
    COHORT,
    COMBINED,
    EXTERNAL_EXAM,
    EXTERNAL_OBJECTIVE,
    INVERSION,
    JOURNAL,
    JOURNAL_GAP,
    JOURNAL_HISTORY,
    LENIENT_FOOTPRINT,
    LEVEL,
    MARKING,
    PAIR_SIMILARITY,
    PERSISTENCE,
    PERSON_FIT,
    POOLED,
    RISE_FALL,
    RUNS,
    SCALE_MISMATCH,
    SIMILARITY,
)


@dataclass(frozen=True)
class CheckParams:
    # Minimum group sizes: no indicator fires on fewer pupils (DOMAIN.md: under 20 is too small).
    min_school: int = 20
    min_class: int = 10
    # The pair statistic compares every two pupils of a class (k(k-1)/2 pairs). A group
    # larger than any class holds is not a class (a whole grade under one label, a
    # file without the class column filled): its pairs are not read.
    max_class: int = 60
    min_schools_per_kind: int = 12  # a kind with fewer eligible schools is pooled with all

    # Level anomaly: z of the school's mean mark within schools of its kind.
    level_z: float = 2.5
    level_selective_relax: float = 1.0  # added to level_z for a gymnasium/lyceum when pooled

    # Difficulty inversion: z of hard-task points above those expected for the total score.
    inversion_z: float = 3.0
    inversion_strong_z: float = 4.5
    # Lenient marking: partial-credit points above those expected for the total score.
    marking_z: float = 3.0
    marking_strong_z: float = 4.5
    # Person fit: share of pupils whose lz is below the region's `misfit_quantile`.
    misfit_quantile: float = 0.05
    person_fit_z: float = 3.0
    person_fit_strong_z: float | None = None  # pupil-level twin of the inversion: never alone
    # Journal agreement: share "повысили" against the region.
    journal_z: float = 3.0
    journal_strong_z: float | None = None  # journal habits differ: never alone
    # Scores above what the journal marks predict (lenient marking, an inflated year).
    journal_gap_z: float = 3.0
    journal_gap_strong_z: float | None = 4.5
    # Marks above the scale for the points earned, against the region's own share
    # (the median school's, at least `mismatch_base_share`): pupils needed, the
    # binomial p-value, the share above the region's for strong; a median school
    # past `mismatch_region_problem` is a data problem of the file, not evidence.
    mismatch_min: int = 2
    mismatch_p: float = 0.01
    mismatch_strong_share: float = 0.05
    mismatch_base_share: float = 0.002
    mismatch_region_problem: float = 0.02
    # Bunching at the boundaries: parametric-bootstrap p-value of the excess;
    # strong when also the calibrated z passes bunching_strong_z.
    bunching_window_below: int = 2
    bunching_window_above: int = 0  # 0: the boundary score itself; 1: also one above
    bunching_p: float = 0.01
    bunching_strong_z: float = 3.5
    bunching_bootstrap: int = 500  # at most; a fifth first (see indicators.bunching)
    bunching_screen_z: float = 2.0  # bootstrap only for schools past this z
    # Cohort: standing in grade g year t against grade g+1 year t+1 (pupil-sd units).
    cohort_z: float = 3.0
    cohort_strong_z: float = 5.0
    # Rise then fall over years of the same test.
    rise_fall_z: float = 3.0
    # External: ВПР standing against ОГЭ/ЕГЭ (regional regression) and ВПР-КО.
    external_z: float = 2.5
    external_strong_z: float = 4.5
    objective_z: float = 3.0
    objective_strong_z: float = 4.5
    # Within-class similarity: identical score vectors beyond the score-conditional null.
    similarity_p: float = 1e-4
    similarity_strong_p: float = 1e-8
    similarity_min_excess: int = 3  # identical pairs above the expected count
    # Class level (see indicators.classes): a class's scores above what its journal
    # marks predict, against the region's classes (Bonferroni over the school's
    # classes); pairs in a class agreeing beyond their totals: a pair counts past
    # the region's `pair_quantile` of pair z (at least `pair_z`), and the worst
    # class needs `pair_min` such pairs.
    class_journal_gap_z: float = 3.0
    class_region_z: float = 1.0  # the class's own gap above the region's classes (robust z)
    pair_z: float = 1.5
    pair_quantile: float = 0.98
    pair_min: int = 3
    # Zeros fewer than the blanks predict (see indicators.blanks): the worst
    # class's calibrated z, Bonferroni over the school's classes; supports only.
    blanks_z: float = 3.0
    # Both footprints of lenient marking in one class or school (see
    # indicators.lenient): the school's calibrated z over its looks.
    lenient_footprint_z: float = 3.0
    # This year's journal gap against the school's own gap on the same test in
    # the previous `history_years` years (see `history`).
    history_years: int = 3
    journal_history_z: float = 3.0
    journal_history_strong_z: float | None = None  # supports, never alone
    # Identical runs: tasks in a run (None: half the test, at least 6). Reported
    # as evidence beside `similarity`, not counted by default: a school's
    # curriculum makes its pupils' answers on a stretch of tasks honestly alike
    # (add RUNS to `counted` to let it support a marker, never alone).
    run_length: int | None = None
    # Persistence: markers in the previous `persistence_years` years.
    persistence_years: int = 2

    # Thresholds: "budget" — the rule's two thresholds per test follow from the
    # false-alarm budget on the region's own null (see `budget`); "fixed" — each
    # indicator's own constants above. The budget: the share of eligible honest
    # schools a run may flag by chance, overall and of any school kind (split
    # over the year's tests); the null's draws.
    thresholds: str = "budget"
    false_alarm_budget: float = 0.01
    false_alarm_budget_kind: float = 0.02
    # The share of runs that keep within the budget (and each kind within its
    # cap): the thresholds spend the per-school rate whose count of alarmed
    # schools stays within it with this probability (`budget.run_rates`), not
    # the rate whose expected count equals it.
    false_alarm_confidence: float = 0.9
    null_draws: int = 100_000
    # The budget's shares for an indicator standing alone and for the combined
    # evidence of inflated results; two indicators agreeing take the rest.
    budget_split: tuple[float, ...] = (1 / 3, 1 / 3)
    # The budget's share for one indicator beside the school's markers of the
    # previous years (persistence), taken from agreement's rest; its threshold
    # follows from it and the share of the region's schools with such markers.
    persistence_share: float = 1 / 6
    # How many tests' false-alarm rates the look at a cohort over its grade's
    # subjects spends (`cohort_look`, a grade whose cohort is written again a
    # grade later): its own null's threshold holds it, and each test's budget
    # is the run's over the tests and these looks (`budget.looks_of_year`).
    cohort_look_tests: float = 1.0
    # The indicators of results inflated as a whole (lenient marking, an inflated
    # year), whose joint evidence is a route of its own (`combined`).
    combined: tuple[str, ...] = (LEVEL, JOURNAL_GAP, COHORT, RISE_FALL)
    # Small schools' tests read together (`pooled`): over the year, and each
    # grade's tests apart too (one cohort) when `pool_by_grade`.
    pool_by_grade: bool = True

    # The rule: a marker when `min_agreeing` counted indicators fire, or one strong fires.
    min_agreeing: int = 2
    counted: tuple[str, ...] = field(
        default=(
            LEVEL,
            INVERSION,
            MARKING,
            PERSON_FIT,
            JOURNAL,
            JOURNAL_GAP,
            SCALE_MISMATCH,
            BUNCHING,
            COHORT,
            RISE_FALL,
            EXTERNAL_EXAM,
            EXTERNAL_OBJECTIVE,
            SIMILARITY,
            CLASS_JOURNAL_GAP,
            PAIR_SIMILARITY,
            JOURNAL_HISTORY,
            BLANKS,
            LENIENT_FOOTPRINT,
            PERSISTENCE,
            COMBINED,
            POOLED,
        )
    )
    # Indicators that measure one thing two ways count once towards agreement.
    # The blanks and the lenient footprint are not one family: the footprint
    # reads the blanks with the journal, so the two agree more often than two
    # unrelated indicators, and the budget's null draws them with the
    # correlation the region's schools show, which raises the agreement
    # threshold by what that costs (2.7; bench/results/evaluate-budget-dev-objlen.txt).
    families: tuple[tuple[str, ...], ...] = (
        (INVERSION, MARKING),
        (SIMILARITY, RUNS, PAIR_SIMILARITY),
        (JOURNAL, JOURNAL_GAP, CLASS_JOURNAL_GAP),
    )
    # Low-result schools (ШНОР) and strong schools: region shares by mean mark.
    low_result_share: float = 0.10
    strong_share: float = 0.10
    seed: int = 20260501  # bootstrap randomness, fixed so that a run can be repeated
