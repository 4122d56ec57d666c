"""The large tables at 10 million pupil rows: every list and filter the results API,
the pages, the import and the objectivity check run on them, timed on today's
schema ("before") and on a prototype of the partitioned, region-keyed schema.

    .venv/bin/python bench/bench_large_tables.py build [--rows 10000000]
    .venv/bin/python bench/bench_large_tables.py before      # today's code and schema
    .venv/bin/python bench/bench_large_tables.py prototype   # raw-SQL prototype (docs/scale.md)
    .venv/bin/python bench/bench_large_tables.py phase2      # phase 2's schema and code
    .venv/bin/python bench/bench_large_tables.py import      # a 200 k-pupil file at that size
    .venv/bin/python bench/bench_large_tables.py indexes     # the two extra indexes: plans, COPY

`build` drops and re-creates the database (default rm_perf_large), migrates it and
writes with COPY a country of 85 regions whose sizes follow a log-normal law
(the largest about 7 % of the pupils, as in Russia), three years (2023–2025), ten
ВПР a region a year (grades 4–8, Russian and maths, 15 tasks each), about 50 pupils
of a school in a test, one import batch per region and test; rows are written in
the order a country's uploads arrive (year, test, region), so one region's rows of
a year are spread over the id range as they are in production.

`before` runs the real code in this process (Django test client and the selectors,
DEBUG off, a local-memory cache): each operation once to warm up and capture its SQL,
then three times (once when it takes over two seconds), and saves EXPLAIN (ANALYZE,
BUFFERS) of every statement that reads the results table to
bench/results/large/before/. It prints a table and writes
bench/results/large-before.txt.

`prototype` builds, beside today's table, `proto_result` partitioned by year with a
region-led primary key and indexes and task scores as smallint[], copies the rows
into it (the migration's data move, timed), then times the same reads as SQL and the
writes: COPY of a region's file into the partitioned table, directly and through a
staging table, a whole year's COPY, a region's check read, the region's analytic
page queries; and scores as smallint[] against jsonb (size and COPY speed). Output:
bench/results/large/prototype/ and bench/results/large-prototype.txt.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.large.build import build  # noqa: E402
from bench.large.common import RESULTS  # noqa: E402
from bench.large.measure import before  # noqa: E402
from bench.large.prototype import prototype  # noqa: E402
from bench.large.report import side_by_side, write_report  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "step", choices=["build", "before", "after", "phase2", "import", "indexes", "prototype"]
    )
    parser.add_argument("--database", default="rm_perf_large")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--pupils", type=int, default=200_000, help="import: the file's size")
    parser.add_argument("--runs", type=int, default=3, help="import: runs")
    parser.add_argument("--rebuild", action="store_true", help="prototype: rebuild proto_result")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.step == "build":
        build(args.database, args.rows)
    elif args.step == "before":
        figures = before(args.database)
        from django.db import connection

        write_report(
            RESULTS / "large-before.txt",
            f"today's schema and code, {args.database}; PostgreSQL "
            f"{connection.cursor().connection.info.server_version}; load average at start "
            f"{load[0]:.2f}, at end {os.getloadavg()[0]:.2f}",
            figures,
            [],
        )
    elif args.step == "after":
        figures = before(args.database, step="after")
        from django.db import connection

        extra = side_by_side(figures)
        write_report(
            RESULTS / "large-after.txt",
            f"issue #17's indexes and cursor, {args.database}; PostgreSQL "
            f"{connection.cursor().connection.info.server_version}; load average at start "
            f"{load[0]:.2f}, at end {os.getloadavg()[0]:.2f}",
            figures,
            extra,
        )
        print("\n".join(extra))
    elif args.step == "import":
        from bench.large.import_at_scale import import_at_scale

        import_at_scale(args.database, args.pupils, args.runs)
    elif args.step == "indexes":
        from bench.large.index_cost import index_cost

        index_cost(args.database)
    elif args.step == "phase2":
        figures = before(args.database, step="phase2")
        from django.db import connection

        extra = side_by_side(figures, "large-before") + [""] + side_by_side(figures, "large-after")
        write_report(
            RESULTS / "large-phase2.txt",
            f"phase 2 (partitioned by year, smallint[] scores, region-led key), "
            f"{args.database}; PostgreSQL "
            f"{connection.cursor().connection.info.server_version}; load average at start "
            f"{load[0]:.2f}, at end {os.getloadavg()[0]:.2f}",
            figures,
            extra,
        )
        print("\n".join(extra))
    else:
        prototype(args.database, rebuild=args.rebuild)


if __name__ == "__main__":
    main()
