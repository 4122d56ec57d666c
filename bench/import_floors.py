"""What bench_import_results.py compares the import with: a plain COPY of the same
rows (into the results table and into a table without indexes), and the import's
own XLSX read with that COPY running beside it (the least any XLSX import can take
on this machine). Also `clear`, which empties the tables the benchmark writes."""

from __future__ import annotations

import io
import os
import statistics
import time
from pathlib import Path


def clear():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE assessments_result, assessments_schoolaggregate, assessments_importbatch, "
            "assessments_task, assessments_procedure CASCADE"
        )


def copy_text_of(path: Path) -> bytearray:
    """The rows the import writes for `path`, in COPY text (the columns of
    `copy_columns()`), read back from the table; the table is left empty."""
    from django.db import connection

    from assessments.results.importers.common import ProcedureKey
    from assessments.results.services.imports import results_import

    clear()
    key = ProcedureKey(instrument="vpr", subject="math", grade=4, year=2025)
    results_import(source=path, procedure_key=key)  # the rows as the import writes them
    buffer = bytearray()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY (SELECT {copy_columns()} FROM assessments_result) TO STDOUT"  # noqa: S608
        ) as copy:
            for chunk in copy:
                buffer += chunk
        cursor.execute("TRUNCATE assessments_result CASCADE")
    return buffer


def copy_columns() -> str:
    """The columns the import's COPY writes (the year last: the partition key)."""
    from assessments.results.services.rows import RESULT_COLUMNS

    return ", ".join((*RESULT_COLUMNS, "year"))


def copy_rows(cursor, table: str, buffer: bytearray) -> None:
    with cursor.copy(f"COPY {table} ({copy_columns()}) FROM STDIN") as copy:
        view = memoryview(buffer)
        for start in range(0, len(view), 8 * 1024 * 1024):
            copy.write(view[start : start + 8 * 1024 * 1024])


def time_plain_copy(path: Path, *, into_results: bool) -> tuple[float, int]:
    """COPY of the same rows, already in COPY text, with nothing read or checked."""
    from django.db import connection, transaction

    buffer = copy_text_of(path)
    if not into_results:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_plain")
            cursor.execute(
                "CREATE TABLE bench_plain AS SELECT * FROM assessments_result WITH NO DATA"
            )
    table = "assessments_result" if into_results else "bench_plain"
    rows = buffer.count(b"\n")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        copy_rows(cursor.cursor, table, buffer)
    elapsed = time.perf_counter() - started
    return elapsed, rows


def backend_cpu(pid: int) -> float:
    """Seconds of CPU a PostgreSQL backend (a process of this machine) has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_read_beside_copy(xlsx_path: Path, csv_path: Path, runs: int) -> dict[str, float]:
    """The product's read of the XLSX alone, then the same read while PostgreSQL COPYs
    the file's rows into the results table on another connection (rolled back);
    medians of: "alone" and "beside" (seconds to the end of both), "read CPU" (this
    process's, beside) and "COPY CPU" (the backend's).

    "beside" is the least any XLSX import can take here that reads with these
    readers into these indexes, whatever it overlaps: it has nothing else to do (no
    checks, no rows built, no COPY text, no transaction's bookkeeping). Its CPU
    over its seconds says how busy the cores already are without that work."""
    import threading

    import psycopg

    from infra.files import read_table

    buffer = copy_text_of(csv_path)
    data = xlsx_path.read_bytes()

    def read():
        started = time.perf_counter()
        sheets = read_table(io.BytesIO(data), filename=xlsx_path.name, columnar=True)
        assert sheets and sheets[0].columns
        return time.perf_counter() - started

    def copy(connection, ready):
        with connection.cursor() as cursor:
            ready.wait()
            copy_rows(cursor, "assessments_result", buffer)
        connection.rollback()

    figures = {"alone": [], "beside": [], "read CPU": [], "COPY CPU": []}
    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        backend = connection.info.backend_pid
        for _ in range(runs):
            connection.execute("CHECKPOINT")
            connection.commit()
            figures["alone"].append(read())
            ready = threading.Event()
            writer = threading.Thread(target=copy, args=(connection, ready))
            writer.start()
            cpu, server = time.process_time(), backend_cpu(backend)
            started = time.perf_counter()
            ready.set()
            read()
            writer.join()
            figures["beside"].append(time.perf_counter() - started)
            figures["read CPU"].append(time.process_time() - cpu)
            figures["COPY CPU"].append(backend_cpu(backend) - server)
    return {name: statistics.median(values) for name, values in figures.items()}
