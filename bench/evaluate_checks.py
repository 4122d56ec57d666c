"""Precision and recall of the objectivity checks per manipulation type, and
the false-positive rate on honest schools by type, over generated regions.

Recall: planted schools (≥ 20 pupils in a manipulated procedure) with a
marker there. Precision per form: among flagged schools whose marker rests on
the form's signature indicator (bunching → boundary, inversion → answers,
marking → lenient, similarity → copying, rise-then-fall/cohort → spike), the
share that were planted at all ("precision") and with that very form ("same
form"). FPR: honest schools with any marker in the checked year, over the
eligible ones (≥ 20 pupils somewhere) and over all.

    .venv/bin/python bench/evaluate_checks.py [--seeds 101,102,103,104,105] [--quick]

Scenarios: the default region, and variations the method was not tuned on
(subtler manipulation, more heterogeneous schools and journal habits, more
cheaters, no ОГЭ). Seeds differ from the test's and the development's.
"""

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from tests.generators.first import MANIPULATIONS, RegionSpec, generate_region  # noqa: E402
from tests.generators.first_evaluate import Evaluation, evaluate_region  # noqa: E402

BASE = RegionSpec(n_schools=400)
SCENARIOS = {
    "default": BASE,
    "subtle (intensity 0.7)": replace(BASE, intensity=0.7),
    "heterogeneous schools": replace(
        BASE, school_sd=0.5, drift_sd=0.15, journal_leniency_sd=0.4, journal_noise_sd=0.7
    ),
    "curricula and class effects": replace(BASE, task_school_sd=0.25, class_sd=0.2),
    "boundary: marks raised, scores not": replace(BASE, boundary_marks_only=True),
    "many cheaters (25%)": replace(BASE, cheat_share=0.25),
    "no ОГЭ, no ВПР-КО": replace(BASE, oge=False, objective_share=0.0),
    "other scale cuts": replace(BASE, mark_quantiles=(0.05, 0.35, 0.75), class_size=25),
    "checked year is the latest": replace(BASE, years=(2024, 2025, 2026)),
    "one year only": replace(BASE, years=(2026,)),
    "small region (150 schools)": replace(BASE, n_schools=150),
}
KINDS = ("rural_small", "ordinary", "gymnasium", "lyceum")


def report(name: str, ev: Evaluation, seconds: float) -> None:
    print(f"\n== {name}  ({seconds:.0f} s)")
    print(
        f"  {'manipulation':<10} {'recall':>7} {'det/planted':>12} {'precision':>10}"
        f" {'same form':>10} {'suspected':>10}   small: det/planted"
    )
    for kind in MANIPULATIONS:
        print(
            f"  {kind:<10} {ev.recall(kind):7.3f} {ev.detected[kind]:>6}/{ev.planted[kind]:<5}"
            f" {ev.precision(kind):10.3f} {ev.precision(kind, exact=True):10.3f}"
            f" {ev.suspected[kind]:>10}   {ev.small_detected[kind]:>4}/{ev.small_planted[kind]}"
        )
    print(f"  overall recall {ev.recall():.3f}, precision {ev.precision():.3f}")
    print(f"  {'honest kind':<12} {'FPR':>7} (eligible)  {'FPR':>7} (all)")
    for kind in KINDS:
        print(
            f"  {kind:<12} {ev.fpr(kind):7.4f} {ev.false_pos_eligible[kind]:>3}/{ev.honest_eligible[kind]:<5}"
            f" {ev.fpr(kind, eligible=False):7.4f} {ev.false_pos[kind]:>3}/{ev.honest[kind]}"
        )
    print(f"  all honest   {ev.fpr():7.4f} (eligible)  {ev.fpr(eligible=False):7.4f} (all)")


def main() -> None:
    seeds = (101, 102, 103, 104, 105)
    for i, arg in enumerate(sys.argv):
        if arg == "--seeds":
            seeds = tuple(int(x) for x in sys.argv[i + 1].split(","))
    scenarios = SCENARIOS
    if "--quick" in sys.argv:
        scenarios = {"default": BASE}
    for i, arg in enumerate(sys.argv):
        if arg == "--only":
            scenarios = {k: v for k, v in SCENARIOS.items() if sys.argv[i + 1] in k}
    for name, spec in scenarios.items():
        t0 = time.perf_counter()
        total = Evaluation()
        for seed in seeds:
            total.add(evaluate_region(generate_region(spec, seed=seed)))
        report(name, total, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
