"""What a region of the second generator looks like: the honest figures the model
claims (mark shares against the reference, journal agreement, blanks, task success
by level, between-school variance, cohort correlation, quality by school type),
what each planted kind does to its schools, and the time it takes; optionally the
region's files.

    .venv/bin/python bench/second_generator.py [--seed 101] [--schools 240]
        [--write DIR --style mixed --fmt csv]

Seeds 1–3 were used to calibrate the forms; read others.
"""

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.generators.second import Sitting, make_region, write_files  # noqa: E402
from tests.generators.second.forms import REFERENCE_SHARES  # noqa: E402

SUBJECT_OF = {"РУ": "russian", "МА": "math"}


def honest_figures(region):
    year = region.target_year
    print(f"\nHonest region, {year} ({len(region.schools)} schools)")
    print(
        f"  {'test':<5} {'pupils':>6}  {'marks 2/3/4/5':<23} {'reference':<23} "
        f"{'down/same/up':<17} {'r(j,t)':>6} {'blank':>6}  Б/П/В success  ICC"
    )
    for key in region.tests:
        if key.year != year:
            continue
        rows = region.results[key]
        marks = Counter(p.mark for p in rows)
        shares = "/".join(f"{marks[m] / len(rows):.2f}" for m in (2, 3, 4, 5))
        reference = "/".join(f"{s:.2f}" for s in REFERENCE_SHARES[key.label])
        pairs = np.array([(p.mark, p.journal_mark) for p in rows if p.journal_mark])
        diff = np.sign(pairs[:, 0] - pairs[:, 1])
        agree = "/".join(f"{np.mean(diff == d):.2f}" for d in (-1, 0, 1))
        totals = np.array([p.total for p in rows])
        journal = np.array([p.journal_mark or 0 for p in rows])
        r = np.corrcoef(totals[journal > 0], journal[journal > 0])[0, 1]
        cells = [v for p in rows for v in p.scores]
        form = region.form(key)
        scores = np.array([[v or 0 for v in p.scores] for p in rows])
        success = scores.mean(axis=0) / np.array([t.max_score for t in form.tasks])
        levels = "/".join(
            f"{success[[t.level == lv for t in form.tasks]].mean():.2f}" for lv in "БПВ"
        )
        print(
            f"  {key.label:<5} {len(rows):>6}  {shares:<23} {reference:<23} {agree:<17} "
            f"{r:>6.2f} {cells.count(None) / len(cells):>6.3f}  {levels:<14} "
            f"{_icc(rows):.2f}"
        )
    for grade4, grade5 in (
        (Sitting(year - 1, 4, s), Sitting(year, 5, s)) for s in SUBJECT_OF.values()
    ):
        if grade4 in region.results:
            before = {p.pupil: p.total for p in region.results[grade4]}
            pairs = np.array(
                [(before[p.pupil], p.total) for p in region.results[grade5] if p.pupil in before]
            )
            print(
                f"  cohort {grade4.label} {grade4.year} → {grade5.label} {grade5.year}: "
                f"r = {np.corrcoef(pairs.T)[0, 1]:.2f} over {len(pairs)} pupils"
            )
    quality = defaultdict(list)
    for key in region.tests:
        if key.year == year:
            for p in region.results[key]:
                quality[region.school(p.school).type].append(p.mark >= 4)
    print(
        "  share of «4» and «5» by school type: "
        + ", ".join(
            f"{kind} {np.mean(v):.2f}"
            for kind, v in sorted(quality.items(), key=lambda kv: -np.mean(kv[1]))
        )
    )


def _icc(rows) -> float:
    """Between-school share of the variance of totals."""
    by_school = defaultdict(list)
    for p in rows:
        by_school[p.school].append(p.total)
    totals = np.array([p.total for p in rows])
    means = np.array([np.mean(by_school[p.school]) for p in rows])
    return float(np.var(means) / np.var(totals))


def planted_figures(region, honest):
    print("\nWhat each kind did (target year, planted tests, against the same schools honest)")
    print(
        f"  {'kind':<10} {'schools':>7} {'pupils':>7} {'changed':>8} {'Δ total (SD)':>13} {'«повысили» before→after':>24}"
    )
    by_kind = defaultdict(list)
    for truth in region.truth:
        by_kind[truth.kind].append(truth)
    for kind, truths in by_kind.items():
        shifts, up_before, up_after = [], [], []
        for truth in truths:
            for label in truth.tests:
                grade, subject = label.split()
                key = Sitting(region.target_year, int(grade), SUBJECT_OF[subject])
                if region.target_year not in truth.years:
                    continue
                now = [p for p in region.results[key] if p.school == truth.school]
                was = [p for p in honest.results[key] if p.school == truth.school]
                sd = np.std([p.total for p in honest.results[key]])
                shifts.append(
                    (np.mean([p.total for p in now]) - np.mean([p.total for p in was])) / sd
                )
                up_before.append(np.mean([p.mark > p.journal_mark for p in was if p.journal_mark]))
                up_after.append(np.mean([p.mark > p.journal_mark for p in now if p.journal_mark]))
        pupils = sum(t.pupils for t in truths)
        changed = sum(t.changed for t in truths)
        print(
            f"  {kind:<10} {len(truths):>7} {pupils:>7} {changed / pupils:>8.2f} "
            f"{np.mean(shifts):>+13.2f} {np.mean(up_before):>15.2f} → {np.mean(up_after):.2f}"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--schools", type=int, default=240)
    parser.add_argument("--manipulated", type=int, default=40)
    parser.add_argument("--write", help="folder for the region's files")
    parser.add_argument("--style", default="mixed")
    parser.add_argument("--fmt", default="csv")
    args = parser.parse_args()
    started = time.perf_counter()
    region = make_region(args.seed, schools=args.schools, manipulated=args.manipulated)
    made = time.perf_counter() - started
    honest = make_region(args.seed, schools=args.schools, manipulated=args.manipulated, plant=False)
    rows = sum(len(v) for v in region.results.values())
    print(f"seed {args.seed}: {len(region.schools)} schools, {rows} results in {made:.1f} s")
    honest_figures(honest)
    planted_figures(region, honest)
    if args.write:
        started = time.perf_counter()
        manifest = write_files(region, args.write, header_style=args.style, fmt=args.fmt)
        print(
            f"\n{len(manifest['files'])} files in {args.write} in {time.perf_counter() - started:.1f} s"
        )


if __name__ == "__main__":
    main()
