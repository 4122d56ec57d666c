# ruff: noqa: S608 (SQL here is the captured SQL of the bench and names of this script)
"""`indexes`: do `result_muni_proc` and `result_region_class` earn their cost? For each
set of the two dropped (inside a transaction rolled back, nothing changes), the
execution time and the plan's access path of the API lists that could use them (the SQL
`phase2` captured, bench/results/large/phase2/), and a 200 k-row COPY into the
partitioned table (region 77's 2025 rows under other participant codes)."""

from __future__ import annotations

import os
import re
import time

from bench.large.common import RESULTS, django_setup

LISTS = [
    "api-official-first-page",
    "api-official-year-2025",
    "api-official-class-name-5",
    "api-official-procedure",
    "api-analyst-municipality",
    "api-analyst-class-name-5",
    "api-analyst-year-2025-class-name-5",
    "api-deputy-class-name-5",
]
SETS = [(), ("result_muni_proc",), ("result_region_class",), ("result_muni_proc", "result_region_class")]  # fmt: skip


def _first_sql(slug: str) -> str:
    text = (RESULTS / "large" / "phase2" / f"{slug}.txt").read_text()
    found = re.search(r"^-- [\d.]+ ms\n(.+)$", text, flags=re.M)
    return found.group(1)


def _explain(cursor, sql: str) -> tuple[float, str]:
    for _ in range(2):  # the second, warm
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    ms = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
    scans = sorted(
        {m.group(1) for line in plan if (m := re.search(r"Scan (?:Backward )?using (\S+)", line))}
        | {m.group(1) for line in plan if (m := re.search(r"Bitmap Index Scan on (\S+)", line))}
    )
    access = ", ".join(re.sub(r"^assessments_result_\d+_", "", s) for s in scans) or "seq scan"
    return ms, access


def index_cost(name: str) -> None:
    django_setup(name)
    from django.db import connection, transaction

    from assessments.results.services.rows import RESULT_COLUMNS

    select = ", ".join(
        "'c' || participant_code" if c == "participant_code" else c for c in RESULT_COLUMNS
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM schools_region WHERE code = '77'")
        region = cursor.fetchone()[0]
        buffer = bytearray()
        with cursor.cursor.copy(
            f"COPY (SELECT {select}, year FROM assessments_result WHERE region_id = {region} "
            "AND year = 2025 LIMIT 200000) TO STDOUT"
        ) as copy:
            for chunk in copy:
                buffer += chunk
    rows = buffer.count(b"\n")
    copy_sql = f"COPY assessments_result ({', '.join(RESULT_COLUMNS)}, year) FROM STDIN"
    load = os.getloadavg()
    lines = [
        f"indexes kept beyond the plan, {name}; load average at start {load[0]:.2f}",
        "",
        f"{'list (SQL of the phase2 run)':<38} {'dropped':<40} {'ms':>8}  access",
    ]
    copies = {}
    for dropped in SETS:
        label = " + ".join(dropped) or "(none: all indexes)"
        for slug in LISTS:
            with transaction.atomic(), connection.cursor() as cursor:
                for index in dropped:
                    cursor.execute(f"DROP INDEX {index}")
                ms, access = _explain(cursor, _first_sql(slug))
                transaction.set_rollback(True)
            lines.append(f"{slug:<38} {label:<40} {ms:>8.2f}  {access}")
            print(lines[-1], flush=True)
        times = []
        for _ in range(3):
            with transaction.atomic(), connection.cursor() as cursor:
                for index in dropped:
                    cursor.execute(f"DROP INDEX {index}")
                started = time.perf_counter()
                with cursor.cursor.copy(copy_sql) as copy:
                    copy.write(bytes(buffer))
                times.append(time.perf_counter() - started)
                transaction.set_rollback(True)
        copies[label] = sorted(times)[1]
        print(f"  COPY {rows:,} rows, {label}: {copies[label]:.2f} s", flush=True)
    lines += ["", f"COPY of {rows:,} rows into the partitioned table at 10 M rows (median of 3):"]
    lines += [f"  {label:<44} {s:6.2f} s {rows / s:>9,.0f} rows/s" for label, s in copies.items()]
    lines.append(f"load average at end {os.getloadavg()[0]:.2f}")
    (RESULTS / "large-phase2-indexes.txt").write_text("\n".join(lines) + "\n")
