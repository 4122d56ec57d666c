"""Build the analytic report PDF of a REGION of 1,000 schools and print seconds and pages.

    .venv/bin/python bench/bench_analytic_pdf.py [N] [--runs 3] [--profile]

N results (default 100,000: a hundred pupils a school) are generated once in
SQL by bench_analytics_page.build_world, here as 20 municipalities × 50
schools, on PostgreSQL (DATABASE_URL defaults to
postgres://postgres@127.0.0.1:5432/roadmaps_bench_analytic_pdf, created and
migrated when missing). WeasyPrint is warmed up first, as in a running worker.
Each run starts with an empty cache, so it reads the region's rows as the
first report after an import does. --profile prints a pyinstrument profile
of one run. Target: under 30 s.
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
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/roadmaps_bench_analytic_pdf"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import bench_analytics_page as world  # noqa: E402

world.MUNICIPALITIES, world.SCHOOLS_PER_MUNICIPALITY = 20, 50


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    world.ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    world.migrate(os.environ["DATABASE_URL"])

    from django.core.cache import cache

    from infra.output.pdf import html_to_pdf
    from reports.services import document_render_bytes
    from schools.models import School

    procedure, _school, analyst, _deputy = world.build_world(args.n)
    schools = School.objects.filter(region=procedure.region).count()
    print(f"procedure: {procedure} — {args.n:,} results in {schools:,} schools")
    html_to_pdf("<p>warm-up</p>")
    params = {"procedure": procedure.pk, "level": "region"}

    def build():
        cache.clear()
        return document_render_bytes(kind="analytic", fmt="pdf", params=params, user=analyst)

    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
        build()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))

    seconds, pages, size = [], 0, 0
    for _ in range(args.runs):
        started = time.perf_counter()
        content, pages = build()
        seconds.append(time.perf_counter() - started)
        size = len(content)
    print(
        f"region analytic report PDF: {pages} pages, {size / 1024:.0f} KB, "
        f"median {statistics.median(seconds):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in seconds)}); target < 30 s"
    )
    for fmt in ("docx", "xlsx"):
        started = time.perf_counter()
        content, _pages = document_render_bytes(
            kind="analytic", fmt=fmt, params=params, user=analyst
        )
        print(
            f"  {fmt.upper()}: {time.perf_counter() - started:.2f} s, {len(content) / 1024:.0f} KB"
        )


if __name__ == "__main__":
    main()
