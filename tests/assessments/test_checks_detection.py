"""The objectivity checks find planted manipulation in generated regions and
leave honest schools alone. Seeds here were not used while tuning the method
(development used 1–3, 11, 4242 and 90210; the bench uses 101–105 and 201–205)."""

import pytest

from tests.generators.first import MANIPULATIONS, RegionSpec, generate_region
from tests.generators.first_evaluate import Evaluation, evaluate_region

# Four regions: with thresholds that keep the false-alarm budget per run
# (objectivity-2.8) the method finds about 0.97 of planted boundary schools
# (bench, seeds 876-887), and nine in ten of the 15 such schools of two
# regions is then missed in about 7 % of seed pairs (5150 and 8086 alone
# gave 13/15); 6502 and 6809 were added before their results were seen.
SEEDS = (5150, 8086, 6502, 6809)


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    total = Evaluation()
    for seed in SEEDS:
        total.add(evaluate_region(generate_region(RegionSpec(n_schools=350), seed=seed)))
    return total


@pytest.mark.parametrize("kind", MANIPULATIONS)
def test_it_finds_nine_in_ten_planted_schools_of_every_kind(evaluation, kind):
    assert evaluation.planted[kind] >= 5
    assert evaluation.recall(kind) >= 0.9, evaluation.missed


def test_it_flags_at_most_two_percent_of_honest_schools(evaluation):
    assert sum(evaluation.honest_eligible.values()) >= 300
    assert evaluation.fpr() <= 0.02, evaluation.false_alarms


def test_honest_curricula_and_class_effects_do_not_raise_false_alarms():
    # Settings the method was not tuned on: schools' curricula shift task
    # difficulties and classes differ in ability, honestly.
    spec = RegionSpec(n_schools=300, task_school_sd=0.25, class_sd=0.2)
    ev = evaluate_region(generate_region(spec, seed=31337))
    assert ev.fpr() <= 0.02, ev.false_alarms
    assert ev.recall() >= 0.9, ev.missed


@pytest.mark.parametrize("kind", ["ordinary", "gymnasium", "lyceum", "rural_small"])
def test_honest_schools_of_every_kind_stay_under_two_percent(evaluation, kind):
    assert evaluation.fpr(kind, eligible=False) <= 0.02
