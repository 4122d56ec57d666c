"""Time a stored objectivity check of a region of about 1,000,000 pupil results,
end to end as production runs it: read the region's results from PostgreSQL
(COPY), run every indicator, store every school's indicators.

    .venv/bin/python bench/bench_checks_db.py [SCHOOLS] [--runs 3]

A region is generated (tests.generators.first, ~5,300 schools, ВПР grades
4 and 5 × Russian and maths, the checked year and the one before) and written
once into PostgreSQL (DATABASE_URL defaults to
postgres://postgres@127.0.0.1:5432/roadmaps_bench_checks, created and migrated
when missing; the region is kept between runs of the script). Each run is a new
CheckRun executed by the same service Celery calls. Prints the pupil count, the
seconds per phase of each run, and the median. Target: under 30 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/roadmaps_bench_checks")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import bench_analytics_page as world  # noqa: E402

REGION_CODE = "93"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("schools", nargs="?", type=int, default=5300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    world.ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    world.migrate(os.environ["DATABASE_URL"])

    from assessments.objectivity import loading
    from assessments.objectivity.models import CheckRun
    from assessments.objectivity.services import runs as run_services
    from assessments.results.models import Result
    from schools.models import Region
    from tests.generators.first import RegionSpec, generate_region
    from tests.generators.objectivity_store import generated_region_store

    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None or not Result.objects.filter(region=region).exists():
        started = time.perf_counter()
        generated = generate_region(
            RegionSpec(n_schools=args.schools, years=(2025, 2026), target_year_index=1), seed=777
        )
        print(f"generated {args.schools} schools in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        region = generated_region_store(generated, code=REGION_CODE, name="Регион бенчмарка")
        print(f"written to PostgreSQL in {time.perf_counter() - started:.1f} s")
    year = 2026
    pupils = Result.objects.filter(region=region, procedure__year=year).count()
    print(f"region {region.code}: {pupils:,} pupil results in {year}")

    # In production the year before was checked and stored: persistence reads its
    # markers instead of computing that year again.
    if not CheckRun.objects.filter(region=region, year=year - 1, status="done").exists():
        started = time.perf_counter()
        run_services.check_run_request(user=None, year=year - 1, region=region, queue=False)
        print(f"the year before checked and stored in {time.perf_counter() - started:.1f} s")

    phases = {"load": [], "check": [], "store": []}
    totals = []
    for _ in range(args.runs):
        run = CheckRun.objects.create(region=region, year=year, trigger=CheckRun.Trigger.COMMAND)
        started = time.perf_counter()
        original = loading.region_data_load

        def timed_load(original=original, **kwargs):
            t0 = time.perf_counter()
            loaded = original(**kwargs)
            phases["load"].append(time.perf_counter() - t0)
            return loaded

        run_services.region_data_load = timed_load
        t_check = time.perf_counter()
        result, loaded, params = run_services._compute(run)
        phases["check"].append(time.perf_counter() - t_check - phases["load"][-1])
        t_store = time.perf_counter()
        run_services._store(run, result, loaded, params)
        phases["store"].append(time.perf_counter() - t_store)
        run_services.region_data_load = original
        totals.append(time.perf_counter() - started)
        run.refresh_from_db()
        print(
            f"run {run.pk}: {totals[-1]:.1f} s (load {phases['load'][-1]:.1f}, check "
            f"{phases['check'][-1]:.1f}, store {phases['store'][-1]:.1f}); "
            f"{run.counts['schools']} schools, {run.counts['flagged']} with markers"
        )
    print(
        f"median {statistics.median(totals):.1f} s for {pupils:,} pupil results "
        f"(target: under 30 s)"
    )


if __name__ == "__main__":
    main()
