"""The objectivity checks on regions of the second generator, end to end: the files
are written as a region sends them, imported through the import commands, the
check is run for the target year by `check_objectivity`, and its markers are
compared with the truth.

Recall per kind: planted schools with ≥ 20 pupils in the planted tests of the
target year that got a marker on one of those tests. False alarms: honest schools
with ≥ 20 pupils in a test of the target year that got any marker, over all of
them and by school type (issue #13's targets: recall ≥ 0.9, false alarms ≤ 1 %,
≤ 2 % of any type).

    .venv/bin/python bench/evaluate_second_generator.py [--seeds 201,202] [--style canonical]

Writes into the database of DATABASE_URL (one region per seed, coded by the seed).
Seeds 1–3 calibrated the generator; the tests read 11–60; use others here.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from assessments.objectivity.models import CheckFinding, CheckRun  # noqa: E402
from tests.generators.second import KINDS, make_region, write_files  # noqa: E402
from tests.generators.second.load import apply_task_levels, import_region  # noqa: E402


def evaluate(seed, *, style, schools, manipulated):
    code = f"{10 + seed % 80:02d}"
    region = make_region(seed, schools=schools, manipulated=manipulated, region_code=code)
    year = region.target_year
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        manifest = write_files(region, folder, header_style=style)
        done = import_region(folder)
        refused = [f for f, p in done["results"].items() if not p["ok"]]
        if refused or not done["schools"]["ok"] or not done["scales"]["ok"]:
            print(f"  seed {seed}: import refused: {refused or done}")
            return None
        apply_task_levels(manifest)
    imported = time.perf_counter() - started
    started = time.perf_counter()
    call_command("check_objectivity", "--year", str(year), "--region", code, stdout=io.StringIO())
    run = CheckRun.objects.filter(region__code=code, year=year, status="done").latest("pk")
    checked = time.perf_counter() - started
    markers = defaultdict(set)  # school code → labels with a marker
    pupils = defaultdict(dict)  # school code → {label: pupils}
    for finding in CheckFinding.objects.filter(run=run).select_related("school"):
        pupils[finding.school.code][finding.label] = finding.pupils
        if finding.marker:
            markers[finding.school.code].add(finding.label)
    truth = {t.school: t for t in region.truth}
    recall = {kind: [0, 0] for kind in KINDS}
    alarms = defaultdict(lambda: [0, 0])
    for school in region.schools:
        planted = truth.get(school.code)
        if planted is not None:
            if planted.changed == 0:
                continue  # planted, but nobody was near enough a boundary: neither side
            if (
                year in planted.years
                and sum(pupils[school.code].get(t, 0) for t in planted.tests) >= 20
            ):
                recall[planted.kind][1] += 1
                recall[planted.kind][0] += bool(markers[school.code] & set(planted.tests))
        elif max(pupils[school.code].values(), default=0) >= 20:
            for group in ("all", school.type):
                alarms[group][1] += 1
                alarms[group][0] += bool(markers[school.code])
    print(f"  seed {seed} (region {code}, {year}): import {imported:.0f} s, check {checked:.0f} s")
    return recall, alarms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="201,202")
    parser.add_argument("--style", default="canonical")
    parser.add_argument("--schools", type=int, default=240)
    parser.add_argument("--manipulated", type=int, default=40)
    args = parser.parse_args()
    recall = {kind: [0, 0] for kind in KINDS}
    alarms = defaultdict(lambda: [0, 0])
    for seed in (int(s) for s in args.seeds.split(",")):
        outcome = evaluate(
            seed, style=args.style, schools=args.schools, manipulated=args.manipulated
        )
        if outcome is None:
            continue
        for kind, (hit, total) in outcome[0].items():
            recall[kind][0] += hit
            recall[kind][1] += total
        for group, (hit, total) in outcome[1].items():
            alarms[group][0] += hit
            alarms[group][1] += total
    print("\nrecall among planted schools of ≥ 20 pupils (target ≥ 0.9)")
    for kind, (hit, total) in recall.items():
        print(f"  {kind:<10} {hit:>3}/{total:<3} {hit / total if total else float('nan'):.2f}")
    print("false alarms among honest schools of ≥ 20 pupils (target ≤ 0.01, ≤ 0.02 a type)")
    for group, (hit, total) in sorted(alarms.items(), key=lambda kv: kv[0] != "all"):
        print(f"  {group:<12} {hit:>3}/{total:<4} {hit / total if total else float('nan'):.3f}")


if __name__ == "__main__":
    main()
