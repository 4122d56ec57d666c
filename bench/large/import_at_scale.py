# ruff: noqa: S608 (SQL here names tables and ids of this script, never input)
"""`import`: bench_import_results.py's file (200 k pupils of one region's ВПР, CSV)
imported through `results_import` into the large database, beside its other rows,
instead of into an empty table (bench_import_results.py truncates its tables, so it
cannot run there). The first run writes the rows; the next ones are re-imports (the
schools' old rows deleted, the new ones written) of the file and of a copy with one
pupil's sex changed, taking turns: a file the schools already hold unchanged is not
written again (`imports._already_imported`), so re-importing the very same file
would time only its reading and checks. Then a plain
COPY of the same rows into the partitioned table at that size, rolled back.
Nothing is truncated; the rows stay (a region of 200 k more pupils in 2025)."""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from pathlib import Path

from bench.large.common import RESULTS, django_setup

# The file's journal marks are random, so the plausibility check refuses them as
# journal marks (38 % two marks apart): the column is ignored, as its message advises.
IGNORE_JOURNAL = {"Отметка за предыдущую четверть": "ignore"}


def import_at_scale(name: str, n: int, runs: int) -> None:
    django_setup(name)
    os.environ["UPLOAD_MAX_BYTES"] = str(2 * 1024**3)
    from django.db import connection, transaction

    from assessments.results.importers.common import ProcedureKey
    from assessments.results.models import ImportBatch, Result
    from assessments.results.services.imports import results_import
    from assessments.results.services.rows import RESULT_COLUMNS
    from bench.bench_import_results import generate, setup_world
    from bench.import_floors import copy_rows

    region, _procedure = setup_world()
    csv_path, _xlsx = generate(n, xlsx=False)
    key = ProcedureKey(instrument="vpr", subject="math", grade=4, year=2025)
    total = Result.objects.count()
    lines = [
        f"import of {n:,} pupils (CSV, bench_import_results.py's file) into {name} "
        f"({total:,} rows before); PostgreSQL {connection.cursor().connection.info.server_version}",
    ]
    files = [csv_path, changed_copy(csv_path)]
    first = not Result.objects.filter(region=region, year=2025).exists()
    held = (
        ImportBatch.objects.filter(region=region, procedure__year=2025)
        .order_by("-pk")
        .values_list("sha256", flat=True)
        .first()
    )
    if held == hashlib.sha256(files[0].read_bytes()).hexdigest():
        files.reverse()  # an earlier run left this file's rows: begin with the other
    times = []
    for run in range(runs):
        load = os.getloadavg()[0]
        started = time.perf_counter()
        outcome = results_import(source=files[run % 2], procedure_key=key, columns=IGNORE_JOURNAL)
        elapsed = time.perf_counter() - started
        assert outcome.rows == n, (outcome.rows, n)
        assert not outcome.unchanged, "a file the schools hold already: nothing was written"
        times.append(elapsed)
        kind = "first import" if first and run == 0 else "re-import (old rows deleted)"
        lines.append(
            f"  run {run + 1} {kind:<30} {elapsed:7.2f} s {n / elapsed:>9,.0f} rows/s"
            f"  ({outcome.replaced:,} old rows deleted; load average {load:.2f})"
        )
        print(lines[-1], flush=True)
    again = times[1:] if first else times
    lines.append(f"  median of the re-imports: {statistics.median(again or times):.2f} s")
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
    for _ in range(runs):
        load = os.getloadavg()[0]
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            copy_rows(cursor.cursor, "assessments_result", buffer)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        lines.append(
            f"  plain COPY of {rows:,} rows into the partitioned table (rolled back) "
            f"{elapsed:6.2f} s {rows / elapsed:>9,.0f} rows/s (load average {load:.2f})"
        )
        print(lines[-1], flush=True)
    (RESULTS / "large-phase2-import.txt").write_text("\n".join(lines) + "\n")


def changed_copy(path: Path) -> Path:
    """A copy of the CSV `path` whose first pupil's sex is the other one: the same
    pupils, another file."""
    header, first, rest = path.read_text(encoding="utf-8").split("\n", 2)
    cells = first.split(";")
    cells[-3] = {"м": "ж", "ж": "м"}[cells[-3]]
    copy = path.with_name(f"{path.stem}_changed{path.suffix}")
    copy.write_text("\n".join([header, ";".join(cells), rest]), encoding="utf-8")
    return copy
