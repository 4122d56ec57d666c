# ruff: noqa: S608 (SQL here names tables and ids of this script, never input)
"""`import`: bench_import_results.py's file (200 k pupils of one region's ВПР, CSV)
imported through `results_import` into the large database, beside its other rows,
instead of into an empty table (bench_import_results.py truncates its tables, so it
cannot run there). The first run writes the rows; the next ones are re-imports of
the same file (the school's old rows deleted, the new ones written). Then a plain
COPY of the same rows into the partitioned table at that size, rolled back.
Nothing is truncated; the rows stay (a region of 200 k more pupils in 2025)."""

from __future__ import annotations

import os
import statistics
import time

from bench.large.common import RESULTS, django_setup

# The file's journal marks are random, so the plausibility check refuses them as
# journal marks (38 % two marks apart): the column is ignored, as its message advises.
IGNORE_JOURNAL = {"Отметка за предыдущую четверть": "ignore"}


def import_at_scale(name: str, n: int, runs: int) -> None:
    django_setup(name)
    os.environ["UPLOAD_MAX_BYTES"] = str(2 * 1024**3)
    from django.db import connection, transaction

    from assessments.results.importers.common import ProcedureKey
    from assessments.results.models import Result
    from assessments.results.services.imports import results_import
    from assessments.results.services.rows import RESULT_COLUMNS
    from bench.bench_import_results import generate, setup_world

    region, _procedure = setup_world()
    csv_path, _xlsx = generate(n, xlsx=False)
    key = ProcedureKey(instrument="vpr", subject="math", grade=4, year=2025)
    total = Result.objects.count()
    lines = [
        f"import of {n:,} pupils (CSV, bench_import_results.py's file) into {name} "
        f"({total:,} rows before); PostgreSQL {connection.cursor().connection.info.server_version}",
    ]
    times = []
    for run in range(runs):
        load = os.getloadavg()[0]
        started = time.perf_counter()
        outcome = results_import(source=csv_path, procedure_key=key, columns=IGNORE_JOURNAL)
        elapsed = time.perf_counter() - started
        assert outcome.rows == n, (outcome.rows, n)
        times.append(elapsed)
        kind = "first import" if run == 0 else "re-import (old rows deleted)"
        lines.append(
            f"  run {run + 1} {kind:<30} {elapsed:7.2f} s {n / elapsed:>9,.0f} rows/s"
            f"  (load average {load:.2f})"
        )
        print(lines[-1], flush=True)
    lines.append(f"  median of the re-imports: {statistics.median(times[1:] or times):.2f} s")
    # The same rows as COPY text (other participant codes, so the unique key takes them
    # beside the originals), then a plain COPY of them into the partitioned table.
    select = ", ".join(
        "'c' || participant_code" if c == "participant_code" else c for c in RESULT_COLUMNS
    )
    with connection.cursor() as cursor:
        buffer = bytearray()
        with cursor.cursor.copy(
            f"COPY (SELECT {select}, year FROM assessments_result "
            f"WHERE region_id = {region.pk} AND year = 2025 AND procedure_id = "
            f"(SELECT id FROM assessments_procedure WHERE region_id = {region.pk} "
            "AND year = 2025 AND grade = 4 AND subject = 'math' AND instrument = 'vpr') "
            f"LIMIT {n}) TO STDOUT"
        ) as copy:
            for chunk in copy:
                buffer += chunk
    rows = buffer.count(b"\n")
    sql = f"COPY assessments_result ({', '.join(RESULT_COLUMNS)}, year) FROM STDIN"
    for _ in range(runs):
        load = os.getloadavg()[0]
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            with cursor.cursor.copy(sql) as copy:
                copy.write(bytes(buffer))
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        lines.append(
            f"  plain COPY of {rows:,} rows into the partitioned table (rolled back) "
            f"{elapsed:6.2f} s {rows / elapsed:>9,.0f} rows/s (load average {load:.2f})"
        )
        print(lines[-1], flush=True)
    (RESULTS / "large-phase2-import.txt").write_text("\n".join(lines) + "\n")
