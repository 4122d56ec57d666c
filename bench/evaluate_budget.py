"""Issue #13's targets for the objectivity checks, on BOTH generators:
recall ≥ 0.9 for every kind of manipulation among planted schools of ≥ 20
pupils; false alarms ≤ 1 % of honest eligible schools and ≤ 2 % of any school
type. Prints the figures and whether each target holds; not a timed test.

    .venv/bin/python bench/evaluate_budget.py                 # evaluation seeds
    .venv/bin/python bench/evaluate_budget.py --dev           # development seeds
    .venv/bin/python bench/evaluate_budget.py --seeds 5,6 --only second
    .venv/bin/python bench/evaluate_budget.py --seeds 5,6 --param false_alarm_budget=0.02

Seeds. Development (the method's calibration was looked at, changed and looked
at again on these): 301, 302, 303 and 401, 402, 403 on both generators (the
class-level indicators' tests read 461–463, the pooling's tests 511–512; any
further development seeds come from 501–599; 600–611 were looked at by a
class-level attempt on copying and lenient classes, reverted
(bench/results/evaluate-budget-dev-objcopy.txt); 650–667 by the small schools'
cohort look; 600–611 and 700–711 were read for objectivity-2.5's class against its
own other year, 712 by its tests; 750–761 were looked at by the persistence
route and the per-school rate inside the budget (objfa), 762–767 held out
and run once at its end, on it and on main
(bench/results/evaluate-budget-dev-objfa.txt); 780–791 were looked at freely by
the small schools' boundary_journal (reverted: no change on 780–791 nor on the
hold-out; bench/results/evaluate-budget-dev-objrec.txt), 792–797 held out and run
once at its end, on its code and on main: no longer unseen. 800–811 were looked at
freely by copied work read as one test of identical papers and agreeing pairs
(similar_work, reverted: the hold-out lost hard_help and gained false alarms;
bench/results/evaluate-budget-dev-objcopy.txt; bench/copying_footprints.py read
800–811 too), 812–817 held out and run once at its end, on it and on main: no
longer unseen. 850–861 were looked at freely by objbnd (bunching's z with its
counts' skewness taken out and identical papers alone past z 4.5, reverted:
the hold-out gained one boundary school and one false alarm on each
generator, the second's total then over its budget; bench/footprint_ceiling.py read
850–861 of the second generator and 850–855 of the first;
bench/results/evaluate-budget-dev-objbnd.txt), 870–875 held out and run once
at its end, on it and on main: no longer unseen; 862–869 were not run.
876–887 were looked at freely by objmargin (the budget held per run with
90 % probability, each kind within its cap: objectivity-2.8), on its code and
on main's; 888–893 held out and run once at its end, on it and on main
(bench/results/evaluate-budget-dev-objmargin.txt): no longer unseen.
820–839 were looked at freely by lenient marking and the spike
(objlen): the footprints' ceiling outside the method (bench/lenient_ceiling.py
read 820–829), attempted zeros read with the blanks and the journal history in
the combined evidence (both reverted: no gain on 820–839), and the blanks and
the lenient footprint counted apart (objectivity-2.7); 840–845 held out and run
once at its end, on it and on main (bench/results/evaluate-budget-dev-objlen.txt):
no longer unseen. objtail read 850–861 and 876–887 of the second generator and
876–887 of the first (bench/indicator_tails.py: each indicator's honest tail
against the normal, bunching's own null; no method change landed) and ran the
hold-out 894–899 once at its end (bench/results/evaluate-budget-dev-objtail.txt):
no longer unseen. 820–839 were looked at again by objspike's second session
(bench/spike_ceiling.py, the spike's ceiling outside the method: 820–829 to
choose, 830–839 to confirm; the combined route's members and the cohort
look's readings changed and evaluated on 820–839 of the second generator
and 820–824 of the first, all reverted), 862–869 held out and run once at
its end on the method as on main, which it left unchanged, and by the
ceiling (bench/results/evaluate-budget-dev-objspike.txt): no longer unseen.
2001–2012 were looked at freely by objcohort (the cohort look on the
contrasts' own z, objectivity-2.9: the second generator on all twelve, the
first on 2001–2004), 2013–2018 held out and run once at its end on both
generators, on it and on main (bench/results/evaluate-budget-dev-objcohort.txt):
no longer unseen. 2101–2110 were read with objectivity-2.8 at larger budgets
(`--param`; no method change; bench/results/evaluate-budget-dev-tradeoff.txt):
no longer unseen. 2111–2122 checked the cohort look at two tests' rates
(bench/results/evaluate-budget-dev-v4.txt; not taken): no longer unseen.
Further development seeds: from 2123 upward (never 900–1999). Evaluation: 1011–1015 on both
generators, not run yet. 1001–1005 evaluated objectivity-2.9 (the cohort look on
the contrasts' own z) as merged at the end of its session once
(bench/results/evaluate-budget-eval-1001.txt): no longer unseen. 991–995 evaluated objectivity-2.8 (the budget held per
run with 90 % probability) as merged at the end of its session once
(bench/results/evaluate-budget-eval-991.txt): no longer unseen. 981–985 evaluated objectivity-2.7 (the blanks and the
lenient footprint counted apart) as merged at the end of its session once
(bench/results/evaluate-budget-eval-981.txt): no longer unseen. 971–975 evaluated objectivity-2.6 (persistence inside the
budget) as merged at the end of its session once
(bench/results/evaluate-budget-eval-971.txt): no longer unseen. 961–965 evaluated objectivity-2.5 as merged at the end of its
session once (bench/results/evaluate-budget-eval-961.txt): no longer unseen. 951–955 evaluated objectivity-2.4 as merged at the end of
its session once (bench/results/evaluate-budget-eval-951.txt), 941–945 its first
merge once (bench/results/evaluate-budget-eval-941.txt): no longer unseen. 931–935 evaluated objectivity-2.3 once (figures in
bench/results/evaluate-budget-eval-931.txt, misses listed): no longer unseen. 921–925
were the evaluation seeds of objectivity-2.1: their figures were looked at
(recall and the misses listed) when issue #13's second round was planned, so
they are no longer unseen; nor are 901–905, the evaluation seeds before them.
Both are still reported on request (`--seeds 921,922,923,924,925`) beside the
new ones. (The first generator's own bench reads 101–105, its tests lower
seeds; the second generator was calibrated on 1–3, its tests read 11–60.)

Each generator's part prints the runs (seeds) that kept within the budget
(floor of 1 % of the run's eligible honest schools) and within every type's
cap (floor of 2 % of the type's; none for a type under 50), and the run's
promise the method states (its rate per school, the probability of keeping
within it).

Beside the issue's figures the second generator's part prints the honest
schools under 20 pupils in every test but 20 or more over the year: the
schools the pooling of small schools reads (`checks.pooled`), which the
issue's false-alarm figure does not count.

For every planted school of the second generator the size of what was
planted, as the checked year's data shows it (bench/planted_effects.py: the
region against its honest counterfactual, pupils changed, mean change of
primary score and mark, the school's mean moved in SDs), with `-v`; and recall
by band of the share of the school's pupils changed and of that shift.

The second generator's regions are handed to the method in memory
(bench/second_in_memory.py: the same schools, kinds, tasks, levels and scales
the import would store) so that five regions take minutes; its end-to-end
path through files and the import commands is bench/evaluate_second_generator.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from assessments.objectivity.checks import CheckParams, check_region  # noqa: E402

DEV_SEEDS = (301, 302, 303, 401, 402, 403)
# 1001–1005: 901–905 and 921–995 have been looked at (see the docstring).
EVAL_SEEDS = (1011, 1012, 1013, 1014, 1015)
MIN_PUPILS = 20


class Tally:
    def __init__(self):
        self.recall = defaultdict(lambda: [0, 0])
        self.alarms = defaultdict(lambda: [0, 0])
        # Per run (seed): honest alarms and eligible honest schools, of the run
        # and of each type (the budget holds per run, not on average).
        self.runs = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        self.missed = []
        self.false = []
        self.calibration = []
        # Honest schools under 20 pupils in every test but 20 or more over the
        # year's tests (what the pooling of small schools reads): not in the
        # issue's figures, shown beside them.
        self.small = [0, 0]
        # The second generator's planted schools with the size of what was planted
        # (bench/planted_effects.py): recall by band of the share of pupils changed.
        self.bands = defaultdict(lambda: [0, 0])
        self.planted = []

    def add_alarm(self, group_type: str, hit: bool, what=None, seed=None):
        for group in ("all", group_type):
            self.alarms[group][1] += 1
            self.alarms[group][0] += hit
            self.runs[seed][group][1] += 1
            self.runs[seed][group][0] += hit
        if hit and what:
            self.false.append(what)


def first_generator(seed: int, tally: Tally, params: CheckParams) -> None:
    from tests.generators.first import RegionSpec, generate_region

    region = generate_region(RegionSpec(n_schools=400), seed=seed)
    year = region.target_year
    result = check_region(region.data, year, params)
    tally.calibration.append(result.calibration)
    for school in result.schools:
        planted = region.truth.get(school.index)
        if planted is None:
            if any(p.pupils >= MIN_PUPILS for p in school.procedures):
                tally.add_alarm(
                    school.kind,
                    school.markers > 0,
                    (seed, school.code, school.kind, _reasons(school)),
                    seed,
                )
            continue
        mine = [
            p
            for p in school.procedures
            if (p.procedure.year, p.procedure.grade, p.procedure.subject) in planted.procedures
        ]
        if mine and max(p.pupils for p in mine) >= MIN_PUPILS:
            hit = any(p.marker for p in mine)
            tally.recall[planted.kind][1] += 1
            tally.recall[planted.kind][0] += hit
            if not hit:
                tally.missed.append((seed, planted.kind, school.kind, [p.pupils for p in mine]))


def second_generator(seed: int, tally: Tally, params: CheckParams) -> None:
    from bench.planted_effects import planted_effects
    from bench.second_in_memory import region_data
    from tests.generators.second import make_region

    region = make_region(seed, schools=240, manipulated=40)
    data = region_data(region)
    year = region.target_year
    effects = planted_effects(
        region, make_region(seed, schools=240, manipulated=40, plant=False), year
    )
    result = check_region(data, year, params)
    tally.calibration.append(result.calibration)
    by_code = {s.code: s for s in result.schools}
    truth = {t.school: t for t in region.truth}
    for school in region.schools:
        checked = by_code.get(school.code)
        if checked is None:
            continue
        pupils = {p.procedure.label: p.pupils for p in checked.procedures}
        marked = {p.procedure.label for p in checked.procedures if p.marker}
        planted = truth.get(school.code)
        if planted is None:
            if max(pupils.values(), default=0) >= MIN_PUPILS:
                tally.add_alarm(
                    school.type,
                    bool(marked),
                    (seed, school.code, school.type, _reasons(checked)),
                    seed,
                )
            elif sum(pupils.values()) >= MIN_PUPILS:
                tally.small[1] += 1
                tally.small[0] += bool(marked)
            continue
        if planted.changed == 0 or year not in planted.years:
            continue  # nobody's result was changed: in effect honest, neither side
        if sum(pupils.get(t, 0) for t in planted.tests) < MIN_PUPILS:
            continue
        hit = bool(marked & set(planted.tests))
        tally.recall[planted.kind][1] += 1
        tally.recall[planted.kind][0] += hit
        effect = effects[school.code]
        for kind in (planted.kind, "all"):
            for band in (effect.band, effect.shift_band):
                tally.bands[(kind, band)][1] += 1
                tally.bands[(kind, band)][0] += hit
        reasons = sorted({r for p in checked.procedures if p.marker for r in p.reasons})
        tally.planted.append(
            (seed, planted.kind, school.type, planted.scope, planted.tests, hit, effect, reasons)
        )
        if not hit:
            tally.missed.append(
                (seed, planted.kind, school.type, planted.scope, planted.changed, planted.tests)
            )


def _reasons(school) -> list:
    return [(p.procedure.label, p.reasons) for p in school.procedures if p.marker]


def report(name: str, tally: Tally, seconds: float, verbose: bool) -> None:
    print(f"\n== {name} ({seconds:.0f} s)")
    print("recall among planted schools of ≥ 20 pupils (target ≥ 0.9)")
    for kind, (hit, total) in sorted(tally.recall.items()):
        rate = hit / total if total else float("nan")
        print(f"  {kind:<12} {hit:>3}/{total:<3} {rate:.2f} {'ok' if rate >= 0.9 else 'MISSED'}")
    print("false alarms among honest schools of ≥ 20 pupils (target ≤ 0.01, ≤ 0.02 a type)")
    for group, (hit, total) in sorted(tally.alarms.items(), key=lambda kv: kv[0] != "all"):
        rate = hit / total if total else float("nan")
        limit = 0.01 if group == "all" else 0.02
        print(f"  {group:<12} {hit:>3}/{total:<4} {rate:.3f} {'ok' if rate <= limit else 'OVER'}")
    report_runs(tally)
    hit, total = tally.small
    if total:
        print(
            f"  (beside: honest schools under 20 in every test, 20+ over the year: "
            f"{hit}/{total} {hit / total:.3f})"
        )
    if tally.bands:
        report_bands(tally)
    rates = [c["estimated_rate"] for c in tally.calibration if c]
    if rates:
        print(
            "method's own estimate of its false-alarm rate per test (null of the region): "
            f"{min(rates):.4f}–{max(rates):.4f}"
        )
    promises = [c["promise"] for c in tally.calibration if c and c.get("promise")]
    if promises:
        print(
            "the run's promise (eligible schools, manipulated included): rate per school "
            f"{min(p['school_rate'] for p in promises):.4f}–"
            f"{max(p['school_rate'] for p in promises):.4f}, within the budget with "
            f"P ≥ {min(p['within'] for p in promises):.3f}"
        )
    if verbose:
        for m in tally.missed:
            print("  missed", m)
        for f in tally.false:
            print("  false alarm", f)
    if verbose and tally.planted:
        print("planted schools of ≥ 20 pupils, the checked year's planted tests against the honest")
        for seed, kind, type_, scope, tests, hit, effect, reasons in sorted(
            tally.planted, key=lambda p: (p[1], p[6].share)
        ):
            print(
                f"  {'hit ' if hit else 'MISS'} {kind:<9} {seed} {type_:<11} {scope:<7} "
                f"{'+'.join(tests):<9} {effect.line()}"
                + (f" [{', '.join(reasons)}]" if reasons else "")
            )


def report_runs(tally: Tally) -> None:
    """Per run: its honest alarms against floor(1 %) of its eligible honest
    schools, and the types over floor(2 %) of theirs (a type under 50
    schools may then have none)."""
    within, over_types, line = 0, defaultdict(int), []
    for seed, groups in sorted(tally.runs.items()):
        hit, total = groups["all"]
        ok = hit <= int(0.01 * total)
        within += ok
        over = [g for g, (h, t) in sorted(groups.items()) if g != "all" and h > int(0.02 * t)]
        for g in over:
            over_types[g] += 1
        line.append(
            f"{seed}:{hit}/{total}{'' if ok else '!'}{'(' + ','.join(over) + ')' if over else ''}"
        )
    runs = len(tally.runs)
    clean = sum(
        1
        for groups in tally.runs.values()
        if all(h <= int((0.01 if g == "all" else 0.02) * t) for g, (h, t) in groups.items())
    )
    print(
        f"  runs within the budget: {within}/{runs}; within it and every type's cap: {clean}/{runs}"
        + (f"; types over their cap: {dict(over_types)}" if over_types else "")
    )
    print("  per run (seed:alarms/eligible honest, ! over the budget, (types over their cap)):")
    print("    " + " ".join(line))


def report_bands(tally: Tally) -> None:
    from bench.planted_effects import SHARE_BANDS, SHIFT_BANDS

    for bands, title in (
        (SHARE_BANDS, "share of the school's pupils changed"),
        (SHIFT_BANDS, "the school's mean moved, in the region's SDs"),
    ):
        print(f"recall by {title} (checked year, planted tests)")
        print_bands(tally, [name for _limit, name in bands])


def print_bands(tally: Tally, names: list) -> None:
    print(f"  {'':<12}" + "".join(f"{name:>14}" for name in names))
    for kind in sorted({k for k, _band in tally.bands}, key=lambda k: (k == "all", k)):
        cells = []
        for name in names:
            hit, total = tally.bands.get((kind, name), (0, 0))
            cells.append(f"{hit:>3}/{total:<3} {hit / total:.2f}" if total else f"{'-':>12}")
        print(f"  {kind:<12}" + "".join(f"{c:>14}" for c in cells))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", action="store_true", help="development seeds")
    parser.add_argument("--seeds", default=None)
    parser.add_argument("--only", choices=("first", "second"), default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a CheckParams field set for this evaluation (a float), e.g. false_alarm_confidence=0.5",
    )
    args = parser.parse_args()
    seeds = DEV_SEEDS if args.dev else EVAL_SEEDS
    if args.seeds:
        seeds = tuple(int(s) for s in args.seeds.split(","))
    print(f"seeds {', '.join(map(str, seeds))} ({'development' if args.dev else 'evaluation'})")
    changed = {}
    for item in args.param:
        name, _, value = item.partition("=")
        if name not in {f.name for f in dataclasses.fields(CheckParams)}:
            parser.error(f"no CheckParams field {name!r}")
        changed[name] = float(value)
    params = dataclasses.replace(CheckParams(), **changed)
    if changed:
        print("params changed: " + ", ".join(f"{k}={v}" for k, v in changed.items()))
    for name, fn in (("first generator", first_generator), ("second generator", second_generator)):
        if args.only and not name.startswith(args.only):
            continue
        tally = Tally()
        started = time.perf_counter()
        for seed in seeds:
            fn(seed, tally, params)
        report(name, tally, time.perf_counter() - started, args.verbose)


if __name__ == "__main__":
    main()
