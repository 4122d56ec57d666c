"""Benchmark: import of per-pupil results (read + validate + write) on PostgreSQL,
against a plain COPY of the same rows.

    .venv/bin/python bench/bench_import_results.py [N ...] [--runs 3] [--no-xlsx] [--command]
        [--padded-codes] [--book PATH]

Generates N pupil rows of a consolidated file (school login, class, code,
variant, 15 task scores, sex, journal mark, total) as CSV and XLSX (cached in
BENCH_TMP, /tmp by default), imports each through
`assessments.results.services.imports.results_import` into DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/roadmaps_bench, created when missing), and
prints rows/s with the median of the runs, then the rows/s of a plain COPY of
the same rows into the results table and into an unindexed table with the same
columns, and of python-calamine alone reading the XLSX; then calamine reading the
sheet's two halves (as the import cuts a large sheet) one by one and on two threads,
which shows what this machine's second core gives calamine.

It also prints where one import of each file spends its time, by phase (the
functions of the import timed in place, each phase without the phases it calls):
file read, format and header detection, column mapping, row parse and checks,
gates, school and procedure look-ups, row build, COPY text, COPY (the server's
part), history, the import's signals. `results_imported` (the analytic tables'
warm-up and the objectivity re-run) is sent after the commit by a background import
and by the command, not by the in-process import timed here; with REDIS_URL set the
command only queues that work for the worker, as in production (without it, tasks
run inline and the command's time includes them).

With --padded-codes the XLSX's participant codes are numbers formatted «000000»
(as someone formats a code column to show its zeros; read as «040001»), in a book
of its own (bench_results_N_padded.xlsx): what reading a padded format costs.

With --book PATH the XLSX read is PATH in place of the generated one: the same
pupils written by another program, so the XLSX figures stand on a book this
benchmark did not write. LibreOffice writes one from the CSV as a person who opens
it in Calc and saves it does (shared strings, codes turned into numbers):

    libreoffice --headless --infilter="CSV:59,34,76,1" --convert-to xlsx bench_results_N.csv

With --command it also prints one command run's steps (start-up, the import, the
announcement after the commit, the interpreter's exit), timed in the process.

The start-up of `manage.py import_results` (to the first row, and `--help`) is
always printed. With --command it also runs `manage.py import_results` on each file, end to end
as a person would (a new process: start-up, checks, read, write), and prints the
start-up before the first row apart: the same command on a missing file, which
stops right after the start-up (interpreter, django.setup(), the system checks,
which load the URL configuration).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.import_floors import (  # noqa: E402
    backend_cpu,
    clear,
    time_plain_copy,
    time_read_beside_copy,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/roadmaps_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["UPLOAD_MAX_BYTES"] = str(2 * 1024**3)

TASKS = [
    ("1", 1), ("2", 1), ("3", 2), ("4", 1), ("5.1", 1), ("5.2", 1), ("6", 2), ("7", 1),
    ("8", 2), ("9.1", 1), ("9.2", 1), ("10", 2), ("11", 2), ("12.1", 1), ("12.2", 2),
]  # fmt: skip
SCHOOLS = 1000


def ensure_database(url: str):
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def generate(n: int, *, xlsx: bool, padded: bool = False) -> tuple[Path, Path | None]:
    """The CSV (and XLSX) of n pupils, made once per n from a fixed seed; with
    `padded`, the XLSX's codes are numbers in the number format «000000»."""
    folder = Path(os.environ.get("BENCH_TMP", "/tmp"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"bench_results_{n}.csv"
    xlsx_path = folder / f"bench_results_{n}{'_padded' if padded else ''}.xlsx"
    header = ["Логин ФИС ОКО", "Класс", "Код участника", "Вариант"]
    header += [f"{number} ({maximum}б)" for number, maximum in TASKS]
    header += ["Пол", "Отметка за предыдущую четверть", "Итого баллов"]
    if not csv_path.exists() or (xlsx and not xlsx_path.exists()):
        rng = random.Random(n)
        rows = []
        for i in range(n):
            school = i % SCHOOLS
            ability = rng.random()
            scores = []
            for _number, maximum in TASKS:
                if rng.random() < 0.03:
                    scores.append("x")
                else:
                    scores.append(sum(rng.random() < ability for _ in range(maximum)))
            total = sum(s for s in scores if s != "x")
            rows.append(
                [
                    f"edu77{school:04d}",
                    f"4{'абвг'[i % 4]}",
                    str(40001 + i // SCHOOLS),
                    str(1 + i % 2),
                ]
                + [str(s) for s in scores]
                + ["мж"[i % 2], str(rng.randint(2, 5)), str(total)]
            )
        if not csv_path.exists():
            with csv_path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, delimiter=";")
                writer.writerow(header)
                writer.writerows(rows)
        if xlsx and not xlsx_path.exists():
            import openpyxl
            from openpyxl.cell import WriteOnlyCell

            book = openpyxl.Workbook(write_only=True)
            sheet = book.create_sheet("Результаты")
            sheet.append(header)
            for row in rows:
                code = row[2]
                if padded:
                    code = WriteOnlyCell(sheet, value=int(code))
                    code.number_format = "000000"
                sheet.append(
                    [*row[:2], code, row[3]]
                    + [int(v) if v != "x" else v for v in row[4 : 4 + len(TASKS)]]
                    + [row[-3], int(row[-2]), int(row[-1])]
                )
            book.save(xlsx_path)
    return csv_path, (xlsx_path if xlsx else None)


def xlsx_written_by(path: Path) -> str:
    """Which program wrote the book, and how its sheet holds text, as its parts say."""
    import zipfile

    with zipfile.ZipFile(path) as book:
        names = set(book.namelist())
        app = book.read("docProps/app.xml").decode() if "docProps/app.xml" in names else ""
        sheet = book.getinfo("xl/worksheets/sheet1.xml")
    found = re.search(r"<Application>([^<]*)</Application>", app)
    strings = "shared strings" if "xl/sharedStrings.xml" in names else "inline strings"
    return (
        f"written by {found[1] if found else 'an unnamed program'}, {strings},"
        f" sheet XML {sheet.file_size / 2**20:.0f} MB"
    )


def setup_world():
    from assessments.results.models import Procedure
    from schools.models import Municipality, Region, School

    region, _ = Region.objects.get_or_create(code="77", defaults={"name": "Бенчмарк-край"})
    municipality, _ = Municipality.objects.get_or_create(
        region=region, code="1", defaults={"name": "Бенчмарк"}
    )
    existing = set(School.objects.filter(region=region).values_list("code", flat=True))
    School.objects.bulk_create(
        [
            School(
                region=region,
                municipality=municipality,
                code=f"77{i:04d}",
                fis_login=f"edu77{i:04d}",
                full_name=f"Школа {i}",
                short_name=f"Школа {i}",
            )
            for i in range(SCHOOLS)
            if f"77{i:04d}" not in existing
        ]
    )
    return region, Procedure


def time_import(path: Path) -> tuple[float, int]:
    from assessments.results.importers.common import ProcedureKey
    from assessments.results.services.imports import results_import

    clear()
    key = ProcedureKey(instrument="vpr", subject="math", grade=4, year=2025)
    started = time.perf_counter()
    outcome = results_import(source=path, procedure_key=key)
    return time.perf_counter() - started, outcome.rows


PHASES = (
    # (module, function name, phase): the import's functions timed in place.
    ("assessments.results.services.imports", "read_bytes", "file read"),
    ("assessments.results.services.imports", "read_table", "file read"),
    ("assessments.results.importers", "detect_format", "format and headers"),
    ("assessments.results.importers.columnar", "read_columns", "column mapping"),
    ("assessments.results.importers.pupils", "read_columns", "column mapping"),
    ("assessments.results.importers", "parse_pupil_columns", "row parse and checks"),
    ("assessments.results.importers", "parse_pupil_sheets", "row parse and checks"),
    ("assessments.results.services.imports", "parse_overrides", "column mapping"),
    ("assessments.results.services.imports", "reading_gates", "gates"),
    ("assessments.results.services.imports", "mark_gates", "gates"),
    ("assessments.results.services.imports", "_resolve_schools", "schools, procedure"),
    ("assessments.results.services.imports", "_resolve_procedure", "schools, procedure"),
    ("assessments.results.services.imports", "_check_tasks", "schools, procedure"),
    ("assessments.results.services.imports", "_already_imported", "schools, procedure"),
    ("assessments.results.services.imports", "_result_rows", "row build"),
    ("assessments.results.services.rows", "_copy_text", "COPY text"),
    ("assessments.results.services.imports", "results_write", "COPY (server, writer thread)"),
    ("assessments.results.services.imports", "_results_history", "history"),
    ("assessments.results.services.imports", "_replacing_announce", "signals"),
)


class Phases:
    """Seconds by phase, each without the phases it calls (exclusive)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.stack: list[float] = []  # time of the callees, per open call

    def wrap(self, function, phase):
        def timed(*args, **kwargs):
            self.stack.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                inner = self.stack.pop()
                self.seconds[phase] = self.seconds.get(phase, 0.0) + elapsed - inner
                if self.stack:
                    self.stack[-1] += elapsed

        return timed


def time_phases(path: Path) -> tuple[float, dict[str, float]]:
    """One import of `path` with its functions timed in place: (total, seconds by phase)."""
    import importlib

    from assessments.results.signals import results_replaced

    phases = Phases()
    saved = []
    for module_name, name, phase in PHASES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:  # an older importer (the benchmark runs on either)
            continue
        if hasattr(module, name):
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, phases.wrap(getattr(module, name), phase))
    send = results_replaced.send
    results_replaced.send = phases.wrap(send, "signals")
    try:
        total, _rows = time_import(path)
    finally:
        results_replaced.send = send
        for module, name, function in reversed(saved):
            setattr(module, name, function)
    return total, phases.seconds


def print_phases(label: str, total: float, seconds: dict[str, float], rows: int) -> None:
    print(f"  where one {label} spends its time ({total:.2f} s, {rows / total:,.0f} rows/s):")
    order = list(dict.fromkeys(phase for _m, _n, phase in PHASES))
    for phase in order:
        if phase in seconds:
            print(f"    {phase:<30} {seconds[phase]:6.2f} s  {100 * seconds[phase] / total:5.1f} %")
    rest = total - sum(seconds.values())
    print(f"    {'the rest (hash, batch, DELETE)':<30} {rest:6.2f} s  {100 * rest / total:5.1f} %")


COMMAND_ARGS = ["--instrument", "ВПР", "--subject", "Математика", "--grade", "4", "--year", "2025"]


def run_command(path: Path) -> float:
    """Seconds of `manage.py import_results` in a new process, as a person runs it."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "import_results", str(path), *COMMAND_ARGS],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if path.exists() and done.returncode != 0:
        raise SystemExit(f"import_results failed: {done.stderr[-2000:]}")
    return elapsed


TIMELINE = """
import atexit, os, sys, time
started = time.perf_counter()
marks = []
def mark(name):
    marks.append((name, time.perf_counter() - started))
# Registered first, so it runs last: what follows it is the interpreter's exit.
atexit.register(lambda: print("timeline", *(f"{n}={t:.3f}" for n, t in marks),
                              f"atexit={time.perf_counter() - started:.3f}", file=sys.stderr))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from assessments.management.commands import import_results as command
def timed(function, name):
    def wrapper(**kwargs):
        mark(name + "_start")
        try:
            return function(**kwargs)
        finally:
            mark(name + "_end")
    return wrapper
command.results_import = timed(command.results_import, "import")
command.results_announce = timed(command.results_announce, "announce")
sys.argv = ["manage.py", "import_results", *__ARGV__]
import manage
manage.main()
"""


def command_timeline(path: Path) -> dict[str, float]:
    """One `manage.py import_results` run (manage.main(), as manage.py runs it) with its
    steps timed: start-up to the import, the import, the announcement after the commit
    (`results_announce`), and the interpreter's exit after the last atexit handler."""
    clear()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", TIMELINE.replace("__ARGV__", repr([str(path), *COMMAND_ARGS]))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"import_results failed: {done.stderr[-2000:]}")
    line = next(x for x in done.stderr.splitlines() if x.startswith("timeline "))
    marks = {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}
    return {
        "start-up to the import": marks["import_start"],
        "the import (results_import)": marks["import_end"] - marks["import_start"],
        "announce (results_announce)": marks.get("announce_end", 0.0)
        - marks.get("announce_start", 0.0),
        "output and return": marks["atexit"] - marks.get("announce_end", marks["import_end"]),
        "exit (after the atexit handlers)": wall - marks["atexit"],
        "wall": wall,
    }


def time_help() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "import_results", "--help"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - started


def time_command(path: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        clear()
        times.append(run_command(path))
    return statistics.median(times)


def time_calamine(path: Path, runs: int, *, gc_paused: bool = False) -> float:
    """Seconds python-calamine alone takes to read the first sheet into Python rows
    (with the garbage collector paused, as the import reads, when `gc_paused`)."""
    import gc

    from python_calamine import CalamineWorkbook

    times = []
    for _ in range(runs):
        if gc_paused:
            gc.disable()
        started = time.perf_counter()
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        times.append(time.perf_counter() - started)
        gc.enable()
        assert len(rows) > 1
        del rows
    return statistics.median(times)


def time_calamine_halves(path: Path, runs: int) -> tuple[float, float]:
    """Seconds python-calamine takes to read the sheet's two halves (cut as
    `infra.xlsx_pieces` cuts a sheet, each a book of its own) one after the other,
    and on two threads at once: what a second core gives calamine on this machine."""
    import threading
    import zipfile

    from python_calamine import CalamineWorkbook

    from infra.xlsx_pieces import _written, cut_points

    archive = zipfile.ZipFile(path)
    part = next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))
    xml = archive.read(part)
    start, [cut], close = cut_points(xml, 2)
    others = [(i.filename, archive.read(i)) for i in archive.infolist() if i.filename != part]
    view = memoryview(xml)
    books = [
        _written(others, part, (view[:start], view[start:cut], view[close:])),
        _written(others, part, (view[:start], view[cut:close], view[close:])),
    ]

    def read(book):
        CalamineWorkbook.from_path(book.name).get_sheet_by_index(0).to_python()

    one, two = [], []
    for _ in range(runs):
        started = time.perf_counter()
        for book in books:
            read(book)
        one.append(time.perf_counter() - started)
        threads = [threading.Thread(target=read, args=(book,)) for book in books]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        two.append(time.perf_counter() - started)
    for book in books:
        book.close()
    return statistics.median(one), statistics.median(two)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[200_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-xlsx", action="store_true")
    parser.add_argument("--command", action="store_true", help="also through manage.py")
    parser.add_argument(
        "--padded-codes", action="store_true", help="the XLSX's codes as numbers formatted 000000"
    )
    parser.add_argument(
        "--book",
        type=Path,
        help="an XLSX of the same pupils written by another program, read in place of ours",
    )
    args = parser.parse_args()
    if args.book is not None and (args.no_xlsx or len(args.sizes) != 1):
        parser.error("--book takes one size and the XLSX")

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL"
    call_command("migrate", verbosity=0)
    setup_world()
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, {os.cpu_count()} CPU")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    startup = statistics.median(
        run_command(Path("/nonexistent/bench.csv")) for _ in range(args.runs)
    )
    print(f"manage.py import_results start-up (to the first row): {startup:.2f} s")
    helped = statistics.median(time_help() for _ in range(args.runs))
    print(f"manage.py import_results --help: {helped:.2f} s")
    for n in args.sizes:
        csv_path, xlsx_path = generate(n, xlsx=not args.no_xlsx, padded=args.padded_codes)
        if args.book is not None:
            xlsx_path = args.book
        print(f"\n{n:,} pupils × {len(TASKS)} tasks")
        if xlsx_path is not None:
            print(f"  the XLSX: {xlsx_path.name}, {xlsx_written_by(xlsx_path)}")
        figures = {}
        for label, path in (("import CSV", csv_path), ("import XLSX", xlsx_path)):
            if path is None:
                continue
            print_phases(label, *time_phases(path), n)
            times, cpu, server = [], [], []
            connection.ensure_connection()
            backend = connection.connection.info.backend_pid
            for _ in range(args.runs):
                started, served = time.process_time(), backend_cpu(backend)
                elapsed, rows = time_import(path)
                cpu.append(time.process_time() - started)
                server.append(backend_cpu(backend) - served)
                assert rows == n, (rows, n)
                times.append(elapsed)
            median = statistics.median(times)
            figures[label] = n / median
            print(
                f"  {label:<32} {median:7.2f} s  {n / median:>10,.0f} rows/s"
                f"  (CPU: this process {statistics.median(cpu):.2f} s,"
                f" its PostgreSQL backend {statistics.median(server):.2f} s)"
            )
            if args.command:
                steps = command_timeline(path)
                print(f"  where one manage.py {label} spends its time ({steps.pop('wall'):.2f} s):")
                for step, seconds in steps.items():
                    print(f"    {step:<34} {seconds:6.2f} s")
                seconds = time_command(path, args.runs)
                figures[f"manage.py {label}"] = n / seconds
                print(
                    f"  {'manage.py ' + label:<32} {seconds:7.2f} s  {n / seconds:>10,.0f} rows/s"
                    f"  ({n / max(seconds - startup, 1e-9):,.0f} rows/s after the start-up)"
                )
        if xlsx_path is not None:
            seconds = time_calamine(xlsx_path, args.runs)
            figures["calamine"] = n / seconds
            print(
                f"  {'python-calamine alone (XLSX)':<32} {seconds:7.2f} s  {n / seconds:>10,.0f} rows/s"
            )
            seconds = time_calamine(xlsx_path, args.runs, gc_paused=True)
            figures["calamine, gc paused"] = n / seconds
            print(f"  {'  the same, gc paused':<32} {seconds:7.2f} s  {n / seconds:>10,.0f} rows/s")
            one, two = time_calamine_halves(xlsx_path, args.runs)
            print(
                f"  {'  its two halves, one by one':<32} {one:7.2f} s;"
                f" on two threads {two:.2f} s: the second core gives {one / two:.2f}×"
            )
            overlap = time_read_beside_copy(xlsx_path, csv_path, args.runs)
            alone, beside = overlap["alone"], overlap["beside"]
            busy = (overlap["read CPU"] + overlap["COPY CPU"]) / beside
            figures["read beside COPY"] = n / beside
            print(
                f"  {'the XLSX read of the import alone':<32} {alone:7.2f} s  {n / alone:>10,.0f} rows/s"
            )
            print(
                f"  {'  with the COPY beside it':<32} {beside:7.2f} s  {n / beside:>10,.0f} rows/s"
                "  (the least an XLSX import can take: nothing checked, built or kept)"
            )
            print(
                f"    CPU meanwhile: the read {overlap['read CPU']:.2f} s, the COPY's backend"
                f" {overlap['COPY CPU']:.2f} s: {busy:.2f} of {len(os.sched_getaffinity(0))} cores busy"
            )
        for label, into_results in (
            ("plain COPY into the results table", True),
            ("plain COPY into a table without indexes", False),
        ):
            times = [
                time_plain_copy(csv_path, into_results=into_results)[0] for _ in range(args.runs)
            ]
            median = statistics.median(times)
            figures[label] = n / median
            print(f"  {label:<32} {median:7.2f} s  {n / median:>10,.0f} rows/s")
        copy_rate = figures["plain COPY into the results table"]
        print("  the issue's targets (#17 item 4):")
        for label in ("import CSV", "manage.py import CSV"):
            if label in figures:
                print(f"    {label}: {figures[label]:,.0f} rows/s (target ≥ 50,000)")
        for label in ("import CSV", "import XLSX", "manage.py import CSV", "manage.py import XLSX"):
            if label in figures:
                print(
                    f"    {label}: {copy_rate / figures[label]:.1f}× the time of the plain COPY"
                    " (target ≤ 3×)"
                )
        for label in ("import XLSX", "manage.py import XLSX"):
            if label in figures and "calamine" in figures:
                print(
                    f"    {label}: {figures[label] / figures['calamine']:.2f} of calamine's rate"
                    f" (target ≥ 0.75); {figures[label] / figures['calamine, gc paused']:.2f}"
                    " of calamine's with the collector paused"
                )
        if "read beside COPY" in figures and "calamine" in figures:
            print(
                f"    the least an XLSX import can take: {figures['read beside COPY'] / figures['calamine']:.2f}"
                " of calamine's rate (the read and the COPY at once, nothing else)"
            )
        print(f"  start-up to the first row {startup:.2f} s (target < 1 s)")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        clear()


if __name__ == "__main__":
    main()
