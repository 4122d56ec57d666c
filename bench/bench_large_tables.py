# ruff: noqa: S608 (SQL here is built from ids this script generated, never from input)
"""The large tables at 10 million pupil rows: every list and filter the results API,
the pages, the import and the objectivity check run on them, timed on today's
schema ("before") and on a prototype of the partitioned, region-keyed schema.

    .venv/bin/python bench/bench_large_tables.py build [--rows 10000000]
    .venv/bin/python bench/bench_large_tables.py before      # today's code and schema
    .venv/bin/python bench/bench_large_tables.py prototype   # raw-SQL prototype (docs/scale.md)

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

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
YEARS = (2023, 2024, 2025)
TESTS = [(grade, subject) for grade in (4, 5, 6, 7, 8) for subject in ("russian", "math")]
TASK_MAX = [1, 1, 2, 1, 1, 1, 2, 1, 2, 1, 1, 2, 2, 1, 2]  # 15 tasks, 21 points
TASK_NUMBERS = ["1", "2", "3", "4", "5.1", "5.2", "6", "7", "8", "9.1", "9.2", "10", "11", "12.1", "12.2"]  # fmt: skip
# Marks from the primary score: 0–6 → 2, 7–11 → 3, 12–16 → 4, 17–21 → 5.
SCALE = [[0, 6, 2], [7, 11, 3], [12, 16, 4], [17, 21, 5]]
REGIONS = 85
PUPILS_PER_SCHOOL = 50  # in one test: two classes of a grade
PASSWORD = "Large-2026!"


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def django_setup(name: str):
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ["REDIS_URL"] = ""  # a local-memory cache in this process; tasks inline
    os.environ["AXES_ENABLED"] = "false"
    import django

    django.setup()


# --------------------------------------------------------------------------- build


@dataclass
class Country:
    """The generated country: sizes of each region and the ids written."""

    shares: np.ndarray  # share of the pupils per region, largest first
    rows_per_test: list[int]  # pupils of a region in one test
    schools: dict[int, list[tuple[int, int]]] = field(
        default_factory=dict
    )  # region → (school, muni)
    region_ids: list[int] = field(default_factory=list)


def plan_country(rows: int) -> Country:
    rng = np.random.default_rng(2026)
    shares = np.sort(rng.lognormal(0.0, 1.0, REGIONS))[::-1]
    shares = shares / shares.sum()
    per_test = rows / len(YEARS) / len(TESTS)
    return Country(shares=shares, rows_per_test=[max(200, round(per_test * s)) for s in shares])


def build(name: str, rows: int) -> None:
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    django_setup(name)
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    country = plan_country(rows)
    started = time.perf_counter()
    with transaction.atomic():
        procedures, batches = build_world(country)
    print(f"world: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    written = copy_results(country, procedures, batches)
    elapsed = time.perf_counter() - started
    print(f"results: {written:,} rows by COPY in {elapsed:.0f} s ({written / elapsed:,.0f} rows/s)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) assessments_result")
        cursor.execute("ANALYZE")
    print(f"vacuum analyze: {time.perf_counter() - started:.0f} s")
    create_users(country)


def build_world(country: Country):
    """Regions, municipalities, schools, procedures with tasks, federal scales, one
    import batch per region and test. Returns {(year, grade, subject, region_id):
    procedure_id} and {procedure_id: batch_id}."""
    from assessments.results.models import ImportBatch, Procedure, Scale, Task
    from schools.models import Municipality, Region, School

    # The directory ships the federation's subjects: take their rows, add the codes it lacks.
    codes = [f"{i + 1:02d}" for i in range(REGIONS)]
    have = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    Region.objects.bulk_create(Region(code=c, name=f"Регион {c}") for c in codes if c not in have)
    regions = list(Region.objects.filter(code__in=codes).order_by("code"))
    country.region_ids = [r.pk for r in regions]
    municipalities, schools = [], []
    for region, per_test in zip(regions, country.rows_per_test, strict=True):
        school_count = max(4, round(per_test / PUPILS_PER_SCHOOL))
        muni_count = max(2, round(school_count / 25))
        munis = [
            Municipality(region=region, code=f"{region.code}{m:03d}", name=f"Район {m}")
            for m in range(muni_count)
        ]
        municipalities += munis
        schools += [
            School(
                region=region,
                municipality=munis[k % muni_count],
                code=f"{region.code}{k:04d}",
                fis_login=f"edu{region.code}{k:04d}",
                full_name=f"Школа №{k + 1}",
                short_name=f"Школа №{k + 1}",
            )
            for k in range(school_count)
        ]
    # bulk_create needs the municipalities' ids before the schools that point at them.
    Municipality.objects.bulk_create(municipalities, batch_size=2000)
    for s in schools:
        s.municipality_id = s.municipality.pk
    School.objects.bulk_create(schools, batch_size=2000)
    for s in schools:
        country.schools.setdefault(s.region_id, []).append((s.pk, s.municipality_id))
    procedures = Procedure.objects.bulk_create(
        [
            Procedure(
                region=region,
                instrument="vpr",
                subject=subject,
                grade=grade,
                year=year,
                season="spring",
                max_score=sum(TASK_MAX),
            )
            for year in YEARS
            for grade, subject in TESTS
            for region in regions
        ],
        batch_size=2000,
    )
    Task.objects.bulk_create(
        [
            Task(procedure=p, position=i + 1, number=number, max_score=maximum, level="Б")
            for p in procedures
            for i, (number, maximum) in enumerate(zip(TASK_NUMBERS, TASK_MAX, strict=True))
        ],
        batch_size=5000,
    )
    Scale.objects.bulk_create(
        Scale(
            region=None,
            instrument="vpr",
            year=year,
            grade=grade,
            subject=subject,
            kind="mark",
            max_score=sum(TASK_MAX),
            ranges=SCALE,
        )
        for year in YEARS
        for grade, subject in TESTS
    )
    batches = ImportBatch.objects.bulk_create(
        [
            ImportBatch(
                region_id=p.region_id,
                file_name=f"vpr-{p.year}-{p.grade}-{p.subject}-{p.region_id}.xlsx",
                sha256=f"{p.pk:064d}",
                format="xlsx",
                procedure=p,
                status="done",
                progress=100,
            )
            for p in procedures
        ],
        batch_size=2000,
    )
    by_key = {(p.year, p.grade, p.subject, p.region_id): p.pk for p in procedures}
    return by_key, {b.procedure_id: b.pk for b in batches}


def _score_strings(scores: np.ndarray) -> list[str]:
    """JSON lists of the scores (-1 = not attempted → null), row by row."""
    tokens = ["null", "0", "1", "2"]
    return ["[" + ", ".join([tokens[v + 1] for v in row]) + "]" for row in scores.tolist()]


def pupil_block(rng, n_rows: int, schools: list[tuple[int, int]], grade: int):
    """The generated pupils of one region in one test, as column arrays."""
    school_index = np.sort(rng.integers(0, len(schools), n_rows))
    ability = rng.beta(2.2, 1.8, n_rows)
    scores = np.stack([rng.binomial(m, ability) for m in TASK_MAX], axis=1).astype(np.int8)
    skipped = rng.random(scores.shape) < 0.03
    scores[skipped] = -1
    primary = np.where(scores > 0, scores, 0).sum(axis=1)
    mark = np.select([primary <= 6, primary <= 11, primary <= 16], [2, 3, 4], 5)
    journal = np.clip(mark + rng.choice([-1, 0, 0, 0, 1], n_rows), 2, 5)
    # Position of each pupil within the school: codes and classes of 25.
    starts = np.searchsorted(school_index, school_index, side="left")
    position = np.arange(n_rows) - starts
    return school_index, scores, primary, mark, journal, position


def copy_results(country: Country, procedures: dict, batches: dict) -> int:
    from django.db import connection

    from assessments.results.services.rows import RESULT_COLUMNS

    rng = np.random.default_rng(7)
    letters = "абвгдежзиклмн"
    sql = f"COPY assessments_result ({', '.join(RESULT_COLUMNS)}) FROM STDIN"
    written = 0
    empty_tail = "\t\t\t\t\t\t\t"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for year in YEARS:
            for grade, subject in TESTS:
                lines = []
                for r, region_id in enumerate(country.region_ids):
                    procedure_id = procedures[(year, grade, subject, region_id)]
                    batch = batches[procedure_id]
                    schools = country.schools[region_id]
                    n = country.rows_per_test[r]
                    school_index, scores, primary, mark, journal, position = pupil_block(
                        rng, n, schools, grade
                    )
                    score_text = _score_strings(scores)
                    sexes = rng.integers(0, 2, n)
                    for i in range(n):
                        school_id, muni_id = schools[school_index[i]]
                        k = position[i]
                        lines.append(
                            f"{procedure_id}\t{region_id}\t{muni_id}\t{school_id}\t{batch}"
                            f"\t{grade}{letters[min(k // 25, 12)]}\t{10001 + k}\t{1 + k % 2}"
                            f"\t{score_text[i]}\t{primary[i]}\t{mark[i]}\t\\N\t\\N\tf"
                            f"\t{journal[i]}\t{'мж'[sexes[i]]}{empty_tail}\n"
                        )
                    if len(lines) > 200_000:
                        copy.write("".join(lines))
                        written += len(lines)
                        lines = []
                copy.write("".join(lines))
                written += len(lines)
                print(f"  {year} {grade} {subject}: {written:,} rows", flush=True)
    return written


def create_users(country: Country) -> None:
    """The people whose requests are timed: the analysts of the largest and of the
    median region, an official of the largest municipality of the largest region, a
    deputy of a school there."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from schools.models import Membership, Role, School

    User = get_user_model()
    password = make_password(PASSWORD)
    big, median = country.region_ids[0], country.region_ids[REGIONS // 2]
    school = School.objects.filter(region_id=big).order_by("pk").first()
    people = [
        ("analyst_big", Role.REGIONAL_ANALYST, {"region_id": big}),
        ("analyst_median", Role.REGIONAL_ANALYST, {"region_id": median}),
        (
            "official_big",
            Role.MUNICIPAL_OFFICIAL,
            {"region_id": big, "municipality_id": school.municipality_id},
        ),
        (
            "deputy_big",
            Role.SCHOOL_DEPUTY,
            {"region_id": big, "municipality_id": school.municipality_id, "school_id": school.pk},
        ),
    ]
    for username, role, where in people:
        user = User.objects.create(username=username, password=password)
        Membership.objects.create(user=user, role=role, **where)
    print(f"users: {', '.join(u for u, _r, _w in people)} (password {PASSWORD})")


# --------------------------------------------------------------------------- before


@dataclass
class Figure:
    label: str
    ms: float
    queries: int
    statements: list[dict]  # {"sql", "ms"} of the statements on the results table
    note: str = ""


class CopyRecorder:
    """Records the COPY statements psycopg runs (Django's query log does not see them)."""

    def __init__(self):
        self.statements: list[str] = []

    def __enter__(self):
        import psycopg

        original = psycopg.Cursor.copy
        recorder = self

        def copy(cursor, statement, params=None, **kwargs):
            text = cursor.mogrify(statement, params) if hasattr(cursor, "mogrify") else statement
            recorder.statements.append(text)
            return original(cursor, statement, params, **kwargs)

        self._original = original
        psycopg.Cursor.copy = copy
        return self

    def __exit__(self, *exc):
        import psycopg

        psycopg.Cursor.copy = self._original


def explain(sql: str) -> tuple[float, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of a statement (the SELECT inside a COPY), inside a
    transaction rolled back, so a DELETE or UPDATE changes nothing."""
    from django.db import connection, transaction

    inner = re.fullmatch(r"COPY \((.*)\) TO STDOUT", sql, flags=re.S)
    statement = inner.group(1) if inner else sql
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return float(found.group(1)) if found else float("nan"), plan


def time_call(call, *, slow: float = 2.0) -> tuple[float, object]:
    """Median ms of three calls after a warm-up (one call when the warm-up is slow)."""
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    times = []
    for _ in range(1 if first > slow else 3):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:80]


def record(label: str, call, out: Path, *, note: str = "") -> Figure:
    """Times `call`, captures its SQL, explains what reads the large tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured, CopyRecorder() as copies:
        call()
    sqls = [q["sql"] for q in captured.captured_queries] + copies.statements
    ms = time_call(call)
    statements = []
    lines = [f"# {label}", f"# {ms:.1f} ms end to end, {len(sqls)} statements", ""]
    for sql in sqls:
        if "assessments_result" not in sql or sql.startswith("EXPLAIN"):
            continue
        took, plan = explain(sql)
        statements.append({"sql": sql, "ms": round(took, 2)})
        lines += [f"-- {took:.2f} ms", sql, "", plan, ""]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{slug(label)}.txt").write_text("\n".join(lines))
    slowest = max((s["ms"] for s in statements), default=0.0)
    print(
        f"  {label:<58} {ms:>9.1f} ms {len(sqls):>4} q  slowest SQL {slowest:>9.1f} ms",
        flush=True,
    )
    return Figure(label, round(ms, 1), len(sqls), statements, note)


def vacuum(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {table}")


def before(name: str, *, step: str = "before") -> list[Figure]:
    """The reads and writes of today's code; `step` names the folder of the plans
    ("after": the same operations after issue #17's indexes and cursor, and more)."""
    django_setup(name)
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client

    from assessments.objectivity.loading import region_data_load
    from assessments.results.models import ImportBatch, Procedure, Result
    from schools.models import Membership, Municipality, Region, School

    out = RESULTS / "large" / step
    vacuum("assessments_result")  # dead rows of an earlier run's writes would slow the reads
    User = get_user_model()
    clients = {}
    for username in ("analyst_big", "analyst_median", "official_big", "deputy_big"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    deputy = Membership.objects.get(user__username="deputy_big")
    official = Membership.objects.get(user__username="official_big")
    big = Region.objects.get(pk=deputy.region_id)
    school, municipality = deputy.school_id, official.municipality_id
    procedure = Procedure.objects.get(region=big, year=2025, grade=5, subject="math")
    batch = ImportBatch.objects.get(procedure=procedure)
    result_id = Result.objects.filter(procedure=procedure, school_id=school).order_by("id")[0].pk
    rows = Result.objects.filter(region_id=big.pk).count()
    print(f"largest region: {rows:,} rows over {len(YEARS)} years; procedure {procedure.pk}")

    def get(who, url, *, stream=False):
        def call():
            response = clients[who].get(url)
            assert response.status_code == 200, (url, response.status_code)
            if stream:
                for _chunk in response.streaming_content:
                    pass
            return response

        return call

    def next_page(who, url):
        following = clients[who].get(url).json()["next"]
        return get(who, following.replace("http://testserver", ""))

    def previous_page(who, url):
        following = clients[who].get(url).json()["next"]
        third = clients[who].get(following.replace("http://testserver", "")).json()["next"]
        back = clients[who].get(third.replace("http://testserver", "")).json()["previous"]
        return get(who, back.replace("http://testserver", ""))

    def rolled_back(call):
        def run():
            with transaction.atomic():
                call()
                transaction.set_rollback(True)

        return run

    def cold(call):
        def run():
            cache.clear()
            return call()

        return run

    api = "/api/v1/results/"
    p, s, m = procedure.pk, school, municipality
    analytic = f"/assessments/analytics/{p}"
    ops = [
        ("API analyst: first page", get("analyst_big", api)),
        ("API analyst: year=2025", get("analyst_big", f"{api}?year=2025")),
        ("API analyst: year=2025, next page", next_page("analyst_big", f"{api}?year=2025")),
        ("API analyst: class_name=5а", get("analyst_big", f"{api}?class_name=5а")),
        ("API analyst: procedure", get("analyst_big", f"{api}?procedure={p}")),
        ("API analyst: school", get("analyst_big", f"{api}?school={s}")),
        ("API analyst: municipality", get("analyst_big", f"{api}?municipality={m}")),
        ("API analyst: mark=2", get("analyst_big", f"{api}?mark=2")),
        (
            "API analyst: year, subject, grade",
            get("analyst_big", f"{api}?year=2025&subject=math&grade=5"),
        ),
        ("API analyst: one result", get("analyst_big", f"{api}{result_id}/")),
        (
            "API analyst: export school × procedure (CSV)",
            get("analyst_big", f"{api}export/?school={s}&procedure={p}", stream=True),
        ),
        ("API median region analyst: year=2025", get("analyst_median", f"{api}?year=2025")),
        ("API official: year=2025", get("official_big", f"{api}?year=2025")),
        ("API deputy: first page", get("deputy_big", api)),
        ("API deputy: procedure", get("deputy_big", f"{api}?procedure={p}")),
    ]
    if step != "before":
        muni_code = Municipality.objects.get(pk=m).code
        school_code = School.objects.get(pk=s).code
        ops += [
            ("API analyst: year=2025, previous page", previous_page("analyst_big", f"{api}?year=2025")),
            ("API analyst: year=2025, class_name=5а", get("analyst_big", f"{api}?year=2025&class_name=5а")),
            ("API analyst: municipality_code", get("analyst_big", f"{api}?municipality_code={muni_code}")),
            ("API analyst: school_code", get("analyst_big", f"{api}?school_code={school_code}")),
            ("API analyst: page_size=1000", get("analyst_big", f"{api}?page_size=1000")),
            ("API official: first page", get("official_big", api)),
            ("API official: class_name=5а", get("official_big", f"{api}?class_name=5а")),
            ("API official: procedure", get("official_big", f"{api}?procedure={p}")),
            ("API deputy: year=2025", get("deputy_big", f"{api}?year=2025")),
            ("API deputy: class_name=5а", get("deputy_big", f"{api}?class_name=5а")),
        ]  # fmt: skip
    ops += [
        (
            "rows of an import batch (count)",
            lambda: Result.objects.filter(import_batch_id=batch.pk).count(),
        ),
        ("check: read of the region's year", lambda: region_data_load(region=big, year=2025)),
        ("page: procedure (analyst)", get("analyst_big", f"/assessments/procedures/{p}/")),
        (
            "page: school's results in a procedure (deputy)",
            get("deputy_big", f"/assessments/procedures/{p}/schools/{s}/"),
        ),
        ("page: region analytics, cold cache", cold(get("analyst_big", f"{analytic}/region/"))),
        ("page: region analytics, warm cache", get("analyst_big", f"{analytic}/region/")),
        (
            "page: municipality analytics, cold cache (official)",
            cold(get("official_big", f"{analytic}/municipalities/{m}/")),
        ),
        (
            "page: school analytics, cold cache (deputy)",
            cold(get("deputy_big", f"{analytic}/schools/{s}/")),
        ),
        ("page: school deficits (deputy)", get("deputy_big", f"{analytic}/schools/{s}/deficits/")),
        # Writes last (rolled back, but they leave dead rows behind for the reads).
        (
            "batch deleted: its rows' batch set to NULL",
            rolled_back(lambda: ImportBatch.objects.filter(pk=batch.pk).delete()),
        ),
        (
            "re-import of a region's file: old rows deleted",
            rolled_back(
                lambda: Result.objects.filter(
                    procedure=procedure,
                    school_id__in=list(
                        Result.objects.filter(procedure=procedure)
                        .values_list("school_id", flat=True)
                        .distinct()
                    ),
                ).delete()
            ),
        ),
    ]
    figures = [record(label, call, out) for label, call in ops]
    vacuum("assessments_result")
    return figures


def write_report(path: Path, title: str, figures: list[Figure], extra: list[str]) -> None:
    lines = [title, ""]
    lines += [f"{'operation':<58} {'ms':>10} {'queries':>8} {'slowest SQL ms':>15}"]
    for f in figures:
        slowest = max((s["ms"] for s in f.statements), default=0.0)
        lines.append(f"{f.label:<58} {f.ms:>10.1f} {f.queries:>8} {slowest:>15.1f}")
    path.write_text("\n".join(lines + [""] + extra) + "\n")
    (path.with_suffix(".json")).write_text(
        json.dumps([f.__dict__ for f in figures], ensure_ascii=False, indent=1, default=str) + "\n"
    )


def side_by_side(figures: list[Figure]) -> list[str]:
    """The operations beside bench/results/large-before.json (same data, same code
    paths before the change; mind the load of each run)."""
    earlier = {f["label"]: f for f in json.loads((RESULTS / "large-before.json").read_text())}
    lines = [
        "beside bench/results/large-before.json (ms end to end / slowest SQL ms):",
        f"{'operation':<58} {'before':>17} {'after':>17}",
    ]
    for f in figures:
        slowest = max((s["ms"] for s in f.statements), default=0.0)
        then = earlier.get(f.label)
        if then:
            then_slowest = max((s["ms"] for s in then["statements"]), default=0.0)
            was = f"{then['ms']:.1f} / {then_slowest:.1f}"
        else:
            was = "-"
        lines.append(f"{f.label:<58} {was:>17} {f'{f.ms:.1f} / {slowest:.1f}':>17}")
    return lines


# --------------------------------------------------------------------------- prototype

PROTO_COLUMNS = """
    id bigint NOT NULL,
    region_id bigint NOT NULL,
    year smallint NOT NULL,
    procedure_id bigint NOT NULL,
    municipality_id bigint NOT NULL,
    school_id bigint NOT NULL,
    import_batch_id bigint,
    class_name varchar(20) NOT NULL,
    participant_code varchar(64) NOT NULL,
    variant varchar(20) NOT NULL,
    scores {scores} NOT NULL,
    primary_score smallint NOT NULL CHECK (primary_score >= 0),
    mark smallint CHECK (mark >= 0),
    test_score smallint CHECK (test_score >= 0),
    file_mark smallint CHECK (file_mark >= 0),
    mark_mismatch boolean NOT NULL,
    journal_mark smallint CHECK (journal_mark >= 0),
    sex varchar(1) NOT NULL,
    person_hash varchar(64) NOT NULL,
    last_name varchar(100) NOT NULL,
    first_name varchar(100) NOT NULL,
    patronymic varchar(100) NOT NULL,
    exam_point varchar(20) NOT NULL,
    room varchar(20) NOT NULL,
    answers varchar(200) NOT NULL
"""
PROTO_NAMES = [line.split()[0] for line in PROTO_COLUMNS.strip().splitlines() if line.strip()]
# Every index leads with the region (Citus: distributed by region; on one server:
# each region's rows of a year are one contiguous range of every index), and every
# unique carries the region and the year (the partition key).
# The primary key is also the order of the API's cursor, (procedure, id): a
# procedure's rows are one range of it, so a page, a procedure's read for the
# analytic tables or the check, and a count of its rows are each one index range.
PRIMARY_KEY = "(region_id, procedure_id, id, year)"
PROTO_INDEXES = [
    f"ALTER TABLE proto_result ADD PRIMARY KEY {PRIMARY_KEY}",
    "CREATE UNIQUE INDEX proto_result_participant ON proto_result "
    "(region_id, school_id, procedure_id, participant_code, year)",
    "CREATE INDEX proto_result_batch ON proto_result (region_id, import_batch_id)",
    # Lookups by id alone (the admin, a superuser): ids grow with the rows' order.
    "CREATE INDEX proto_result_id ON proto_result USING brin (id) WITH (pages_per_range = 16)",
]
ORDER = "ORDER BY r.procedure_id, r.id"
SCORES_AS_ARRAY = "translate(r.scores::text, '[]', '{}')::smallint[]"


def sql_ms(cursor, sql: str, params=(), *, runs: int = 3) -> float:
    """Median ms of a statement after a warm-up."""
    cursor.execute(sql, params)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        cursor.execute(sql, params)
        if cursor.description:
            cursor.fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def copy_out(cursor, sql: str) -> bytes:
    data = bytearray()
    with cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
        while chunk := copy.read():
            data += chunk
    return bytes(data)


def copy_in(cursor, table: str, columns: list[str], data: bytes) -> float:
    started = time.perf_counter()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        view = memoryview(data)
        for start in range(0, len(view), 8 << 20):
            copy.write(view[start : start + (8 << 20)])
    return time.perf_counter() - started


def relation_mb(cursor, name: str) -> float:
    cursor.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "WHERE c.relname = %s OR c.oid IN (SELECT inhrelid FROM pg_inherits i "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s)",
        (name, name),
    )
    return cursor.fetchone()[0] / 2**20


def proto_build(conn, log) -> None:
    """proto_result: partitions by year, rows moved from today's table, indexes."""
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS proto_result CASCADE")
    cur.execute(
        f"CREATE TABLE proto_result ({PROTO_COLUMNS.format(scores='smallint[]')}) "
        "PARTITION BY LIST (year)"
    )
    for year in (*YEARS, 2026):
        cur.execute(
            f"CREATE TABLE proto_result_{year} PARTITION OF proto_result FOR VALUES IN ({year})"
        )
    started = time.perf_counter()
    names = ", ".join(PROTO_NAMES)
    selected = ", ".join(
        "p.year" if n == "year" else SCORES_AS_ARRAY if n == "scores" else f"r.{n}"
        for n in PROTO_NAMES
    )
    cur.execute(
        f"INSERT INTO proto_result ({names}) SELECT {selected} FROM assessments_result r "
        "JOIN assessments_procedure p ON p.id = r.procedure_id"
    )
    moved = cur.rowcount
    conn.commit()
    log(f"data move into the partitions: {moved:,} rows in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    for statement in PROTO_INDEXES:
        step = time.perf_counter()
        cur.execute(statement)
        conn.commit()
        log(f"  {statement[:90]}: {time.perf_counter() - step:.0f} s")
    log(f"indexes: {time.perf_counter() - started:.0f} s")
    conn.commit()
    conn.autocommit = True
    cur.execute("VACUUM (ANALYZE) proto_result")
    conn.autocommit = False
    log(
        f"proto_result {relation_mb(cur, 'proto_result'):,.0f} MB with indexes; "
        f"assessments_result {relation_mb(cur, 'assessments_result'):,.0f} MB"
    )


def proto_vacuum(conn) -> None:
    """Dead rows left by the rolled-back writes of a run would slow the next reads."""
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE) proto_result")
    conn.autocommit = False


def proto_reads(conn, ids: dict, out: Path, log) -> list[Figure]:
    """The reads of the API, pages, check and import on the prototype, as the
    phase-2 code would send them: the region always named, the year whenever the
    code knows it (a procedure's year is on the procedure)."""
    proto_vacuum(conn)
    cur = conn.cursor()
    R, P, S, M, B, Y = (
        ids[k] for k in ("region", "procedure", "school", "municipality", "batch", "year")
    )
    cols = ", ".join(
        f"r.{c}" for c in ("id", "procedure_id", "school_id", "municipality_id", "class_name",
                           "participant_code", "variant", "scores", "primary_score", "mark",
                           "test_score", "file_mark", "mark_mismatch", "journal_mark", "sex")
    )  # fmt: skip
    page = f"SELECT {cols} FROM proto_result r WHERE r.region_id = {R}"
    cur.execute(
        f"SELECT procedure_id, id FROM proto_result r WHERE region_id = {R} AND year = {Y} "
        f"{ORDER} OFFSET 100 LIMIT 1"
    )
    after = cur.fetchone()
    procedures_of_year = f"SELECT id FROM assessments_procedure WHERE region_id = {R} AND year BETWEEN {Y - 2} AND {Y + 1}"
    cur.execute(procedures_of_year)
    check_procedures = [row[0] for row in cur.fetchall()]
    cur.execute(
        f"SELECT DISTINCT school_id FROM proto_result WHERE region_id = {R} AND year = {Y} "
        f"AND procedure_id = {P}"
    )
    region_schools = ",".join(str(row[0]) for row in cur.fetchall())
    cur.execute(
        "SELECT id, year FROM assessments_procedure WHERE region_id = %s AND grade = 5 "
        "AND subject = 'math' AND year < %s",
        (R, Y),
    )
    earlier = cur.fetchall()
    M_median = ids["median_region"]
    statements = [
        ("API analyst: first page", f"{page} {ORDER} LIMIT 101"),
        ("API analyst: year=2025", f"{page} AND r.year = {Y} {ORDER} LIMIT 101"),
        (
            "API analyst: year=2025, next page",
            f"{page} AND r.year = {Y} AND (r.procedure_id, r.id) > ({after[0]}, {after[1]}) "
            f"{ORDER} LIMIT 101",
        ),
        ("API analyst: class_name=5а", f"{page} AND r.class_name = '5а' {ORDER} LIMIT 101"),
        (
            "API analyst: procedure",
            f"{page} AND r.year = {Y} AND r.procedure_id = {P} {ORDER} LIMIT 101",
        ),
        ("API analyst: school", f"{page} AND r.school_id = {S} {ORDER} LIMIT 101"),
        (
            "API analyst: school and class_name",
            f"{page} AND r.school_id = {S} AND r.class_name = '5а' {ORDER} LIMIT 101",
        ),
        (
            "API analyst: procedure, its year not named",
            f"{page} AND r.procedure_id = {P} {ORDER} LIMIT 101",
        ),
        (
            "API analyst: municipality",
            f"{page} AND r.municipality_id = {M} {ORDER} LIMIT 101",
        ),
        ("API analyst: mark=2", f"{page} AND r.mark = 2 {ORDER} LIMIT 101"),
        (
            "API analyst: year, subject, grade",
            f"{page} AND r.year = {Y} AND r.procedure_id IN (SELECT id FROM assessments_procedure "
            f"WHERE region_id = {R} AND year = {Y} AND subject = 'math' AND grade = 5) "
            f"{ORDER} LIMIT 101",
        ),
        ("API analyst: one result", f"{page} AND r.id = {ids['result']}"),
        (
            "one result by id alone (admin)",
            f"SELECT {cols} FROM proto_result r WHERE r.id = {ids['result']}",
        ),
        (
            "API analyst: export school × procedure (CSV)",
            f"{page} AND r.year = {Y} AND r.school_id = {S} AND r.procedure_id = {P} ORDER BY r.id",
        ),
        (
            "API median region analyst: year=2025",
            f"SELECT {cols} FROM proto_result r WHERE r.region_id = {M_median} AND r.year = {Y} "
            f"{ORDER} LIMIT 101",
        ),
        (
            "API official: year=2025",
            f"{page} AND r.municipality_id = {M} AND r.year = {Y} {ORDER} LIMIT 101",
        ),
        ("API deputy: first page", f"{page} AND r.school_id = {S} {ORDER} LIMIT 101"),
        (
            "API deputy: procedure",
            f"{page} AND r.school_id = {S} AND r.year = {Y} AND r.procedure_id = {P} "
            f"{ORDER} LIMIT 101",
        ),
        (
            "rows of an import batch (count)",
            f"SELECT count(*) FROM proto_result WHERE region_id = {R} AND import_batch_id = {B}",
        ),
        (
            "check: stamps of the region's procedures",
            "SELECT procedure_id, count(id), max(import_batch_id) FROM proto_result "
            f"WHERE region_id = {R} AND year BETWEEN {Y - 2} AND {Y + 1} "
            f"AND procedure_id IN ({', '.join(map(str, check_procedures))}) GROUP BY procedure_id",
        ),
        (
            "check: stamps, count and max id (index only)",
            "SELECT procedure_id, count(id), max(id) FROM proto_result "
            f"WHERE region_id = {R} AND year BETWEEN {Y - 2} AND {Y + 1} "
            f"AND procedure_id IN ({', '.join(map(str, check_procedures))}) GROUP BY procedure_id",
        ),
        (
            "page: procedure (analyst)",
            "SELECT r.school_id, s.short_name, s.code, count(r.id), avg(r.primary_score), "
            + ", ".join(f"count(r.id) FILTER (WHERE r.mark = {k})" for k in (2, 3, 4, 5))
            + f" FROM proto_result r JOIN schools_school s ON s.id = r.school_id "
            f"WHERE r.region_id = {R} AND r.year = {Y} AND r.procedure_id = {P} "
            "GROUP BY r.school_id, s.short_name, s.code ORDER BY s.short_name",
        ),
        (
            "page: school's results in a procedure (deputy)",
            f"{page} AND r.school_id = {S} AND r.year = {Y} AND r.procedure_id = {P} "
            "ORDER BY r.class_name, r.participant_code LIMIT 100",
        ),
        (
            "analytic page: fingerprint of the region's rows",
            f"SELECT count(id), min(id), max(id) FROM proto_result WHERE region_id = {R} "
            f"AND year = {Y} AND procedure_id = {P}",
        ),
        (
            "analytic page: the region's rows (COPY)",
            f"COPY (SELECT scores, primary_score, mark, journal_mark FROM proto_result "
            f"WHERE region_id = {R} AND year = {Y} AND procedure_id = {P}) TO STDOUT",
        ),
        (
            "analytic page: a municipality's rows (COPY)",
            f"COPY (SELECT scores, primary_score, mark, journal_mark FROM proto_result "
            f"WHERE region_id = {R} AND year = {Y} AND procedure_id = {P} "
            f"AND municipality_id = {M}) TO STDOUT",
        ),
        (
            "analytic page: dynamics, earlier years (grouped counts)",
            " UNION ALL ".join(
                f"(SELECT {e}, mark, primary_score, count(id) FROM proto_result WHERE region_id = {R} "
                f"AND year = {year} AND procedure_id = {e} GROUP BY mark, primary_score)"
                for e, year in earlier
            ),
        ),
        (
            "page: procedure, grouped by school id, then named",
            "SELECT g.*, s.short_name, s.code FROM (SELECT school_id, count(id), "
            "avg(primary_score), "
            + ", ".join(f"count(id) FILTER (WHERE mark = {k})" for k in (2, 3, 4, 5))
            + f" FROM proto_result WHERE region_id = {R} AND year = {Y} AND procedure_id = {P} "
            "GROUP BY school_id) g JOIN schools_school s ON s.id = g.school_id "
            "ORDER BY s.short_name",
        ),
        # Writes last (rolled back, but they leave dead rows behind).
        (
            "batch deleted: its rows' batch set to NULL",
            f"UPDATE proto_result SET import_batch_id = NULL WHERE region_id = {R} "
            f"AND year = {Y} AND import_batch_id = {B}",
        ),
        (
            "re-import of a region's file: old rows deleted",
            f"DELETE FROM proto_result WHERE region_id = {R} AND year = {Y} "
            f"AND procedure_id = {P} AND school_id IN ({region_schools})",
        ),
    ]
    figures = []
    out.mkdir(parents=True, exist_ok=True)
    for label, sql in statements:
        if sql.startswith("COPY"):
            started = time.perf_counter()
            data = copy_out(cur, sql[len("COPY (") : -len(") TO STDOUT")])
            ms = (time.perf_counter() - started) * 1000
            note = f"{len(data) / 2**20:.1f} MB"
        elif sql.startswith(("UPDATE", "DELETE")):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                cur.execute(sql)
                times.append(time.perf_counter() - started)
                conn.rollback()
            ms, note = statistics.median(times) * 1000, "rolled back"
        else:
            ms, note = sql_ms(cur, sql), ""
        inner = sql[len("COPY (") : -len(") TO STDOUT")] if sql.startswith("COPY") else sql
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {inner}")
        plan = "\n".join(row[0] for row in cur.fetchall())
        conn.rollback()
        (out / f"{slug(label)}.txt").write_text(f"# {label}\n# {ms:.2f} ms\n\n{sql}\n\n{plan}\n")
        figures.append(Figure(label, round(ms, 2), 1, [{"sql": sql, "ms": round(ms, 2)}], note))
        log(f"  {label:<58} {ms:>9.2f} ms {note}")
    # The check's read of a region's year: every ВПР of the years it compares,
    # the columns the method reads, by COPY (as assessments/objectivity/loading.py).
    started = time.perf_counter()
    size = 0
    for procedure_id in check_procedures:
        cur.execute("SELECT year FROM assessments_procedure WHERE id = %s", (procedure_id,))
        year = cur.fetchone()[0]
        size += len(
            copy_out(
                cur,
                "SELECT scores, primary_score, coalesce(file_mark, mark), journal_mark, school_id, "
                "abs(hashtext(class_name)) % 100000000 FROM proto_result "
                f"WHERE region_id = {R} AND year = {year} AND procedure_id = {procedure_id}",
            )
        )
    ms = (time.perf_counter() - started) * 1000
    figures.append(
        Figure("check: read of the region's year (COPY, SQL only)", round(ms, 1),
               len(check_procedures), [], f"{size / 2**20:.1f} MB")
    )  # fmt: skip
    log(
        f"  check: read of the region's year (COPY, SQL only)   {ms:>9.1f} ms, {size / 2**20:.1f} MB"
    )
    return figures


def proto_writes(conn, ids: dict, log) -> list[str]:
    """COPY of a region's file into the partitioned table (directly, through a staging
    table), into today's table, a year into an empty partition; scores as smallint[]
    against jsonb. Every write is rolled back."""
    cur = conn.cursor()
    lines = []
    R, Y = ids["region"], ids["year"]
    n = 200_000
    names = list(PROTO_NAMES)
    # A region's file: 200,000 rows of the largest region's year, as new pupils.
    source = (
        f"SELECT id + 1000000000, region_id, year, procedure_id, municipality_id, school_id, "
        f"import_batch_id, class_name, participant_code || '-n', {', '.join(PROTO_NAMES[9:])} "
        f"FROM proto_result WHERE region_id = {R} AND year = {Y} ORDER BY id LIMIT {n}"
    )
    data = copy_out(cur, source)
    rows = data.count(b"\n")

    def timed(label, action):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
            conn.rollback()
        seconds = statistics.median(times)
        text = f"{label:<66} {seconds:7.2f} s {rows / seconds:>11,.0f} rows/s"
        log(text)
        lines.append(text)

    timed(
        f"COPY {rows:,} rows into the partitioned table (routed by year)",
        lambda: copy_in(cur, "proto_result", names, data),
    )
    timed(
        f"COPY {rows:,} rows straight into the year's partition",
        lambda: copy_in(cur, f"proto_result_{Y}", names, data),
    )

    def staged():
        cur.execute(
            f"CREATE TEMP TABLE staging ({PROTO_COLUMNS.format(scores='smallint[]')}) "
            "ON COMMIT DROP"
        )
        copy_in(cur, "staging", names, data)
        cur.execute(f"INSERT INTO proto_result ({', '.join(names)}) SELECT * FROM staging")

    timed(f"COPY {rows:,} rows into a staging table, then INSERT … SELECT", staged)
    old_data = copy_out(
        cur,
        f"SELECT id + 1000000000, procedure_id, region_id, municipality_id, school_id, "
        f"import_batch_id, class_name, participant_code || '-n', variant, "
        f"array_to_json(scores)::jsonb, {', '.join(PROTO_NAMES[11:])} FROM proto_result "
        f"WHERE region_id = {R} AND year = {Y} ORDER BY id LIMIT {n}",
    )
    old_columns = ["id", "procedure_id", "region_id", "municipality_id", "school_id",
                   "import_batch_id", "class_name", "participant_code", "variant", "scores",
                   *PROTO_NAMES[11:]]  # fmt: skip
    timed(
        f"COPY {rows:,} rows into today's table (jsonb scores, 3 indexes)",
        lambda: copy_in(cur, "assessments_result", old_columns, old_data),
    )
    # A whole year into an empty partition: with its indexes, and loaded first then
    # indexed and attached.
    cur.execute(f"SELECT count(*) FROM proto_result WHERE year = {Y}")
    year_rows = cur.fetchone()[0]
    year_data = copy_out(
        cur,
        f"SELECT id + 2000000000, region_id, 2026, {', '.join(PROTO_NAMES[3:])} "
        f"FROM proto_result WHERE year = {Y}",
    )
    started = time.perf_counter()
    copy_in(cur, "proto_result_2026", names, year_data)
    seconds = time.perf_counter() - started
    conn.rollback()
    text = (
        f"COPY a year ({year_rows:,} rows) into its empty partition, indexed "
        f"{seconds:7.1f} s {year_rows / seconds:>11,.0f} rows/s"
    )
    log(text)
    lines.append(text)
    started = time.perf_counter()
    cur.execute(
        "CREATE TABLE proto_load (LIKE proto_result INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    copy_in(cur, "proto_load", names, year_data)
    loaded = time.perf_counter() - started
    cur.execute(f"ALTER TABLE proto_load ADD PRIMARY KEY {PRIMARY_KEY}")
    for statement in PROTO_INDEXES[1:]:
        cur.execute(
            statement.replace("ON proto_result", "ON proto_load").replace(
                "INDEX proto_result_", "INDEX proto_load_"
            )
        )
    cur.execute("ALTER TABLE proto_load ADD CHECK (year = 2026)")
    cur.execute("ALTER TABLE proto_result DETACH PARTITION proto_result_2026")
    cur.execute("ALTER TABLE proto_result ATTACH PARTITION proto_load FOR VALUES IN (2026)")
    seconds = time.perf_counter() - started
    conn.rollback()
    text = (
        f"the same year: COPY into a bare table {loaded:.1f} s, then indexes and ATTACH: "
        f"{seconds:.1f} s in all, {year_rows / seconds:,.0f} rows/s"
    )
    log(text)
    lines.append(text)
    # Scores: smallint[] against jsonb, a million rows of each, no indexes.
    sample = 1_000_000
    for kind, expression in (("smallint[]", "scores"), ("jsonb", "array_to_json(scores)::jsonb")):
        cur.execute("DROP TABLE IF EXISTS proto_scores")
        cur.execute(f"CREATE TABLE proto_scores ({PROTO_COLUMNS.format(scores=kind)})")
        conn.commit()
        payload = copy_out(
            cur,
            f"SELECT {', '.join(expression if c == 'scores' else c for c in PROTO_NAMES)} "
            f"FROM proto_result WHERE year = {Y} LIMIT {sample}",
        )
        times = []
        for _ in range(3):
            cur.execute("TRUNCATE proto_scores")
            conn.commit()
            started = time.perf_counter()
            copy_in(cur, "proto_scores", names, payload)
            conn.commit()
            times.append(time.perf_counter() - started)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM proto_scores")
        conn.autocommit = False
        mb = relation_mb(cur, "proto_scores")
        cur.execute("SELECT avg(pg_column_size(scores)) FROM proto_scores")
        column = cur.fetchone()[0]
        started = time.perf_counter()
        read = copy_out(cur, "SELECT scores, primary_score FROM proto_scores")
        read_s = time.perf_counter() - started
        copied = payload.count(b"\n")
        text = (
            f"scores as {kind:<10}: {mb:6.0f} MB for {copied:,} rows (the column {column:.0f} "
            f"bytes a row); COPY in {statistics.median(times):.2f} s "
            f"({copied / statistics.median(times):,.0f} rows/s); COPY out of scores "
            f"{read_s:.2f} s ({len(read) / 2**20:.0f} MB)"
        )
        log(text)
        lines.append(text)
    cur.execute("DROP TABLE IF EXISTS proto_scores")
    conn.commit()
    proto_vacuum(conn)
    return lines


def prototype(name: str, *, rebuild: bool) -> None:
    import psycopg

    out = RESULTS / "large" / "prototype"
    report: list[str] = []

    def log(text: str) -> None:
        print(text, flush=True)
        report.append(text)

    conn = psycopg.connect(database_url(name))
    cur = conn.cursor()
    cur.execute("SELECT to_regclass('proto_result') IS NOT NULL")
    if rebuild or not cur.fetchone()[0]:
        proto_build(conn, log)
        (out.parent / "prototype-build.txt").write_text("\n".join(report) + "\n")
    ids = proto_ids(conn)
    figures = proto_reads(conn, ids, out, log)
    report += proto_writes(conn, ids, log)
    write_report(
        RESULTS / "large-prototype.txt",
        f"proto_result (partitioned by year, region-led indexes, smallint[] scores), "
        f"{ids['rows']:,} rows; PostgreSQL {conn.info.server_version}",
        figures,
        report,
    )


def proto_ids(conn) -> dict:
    """The same people's objects as `before` reads: the largest region, its 2025
    maths of grade 5, the deputy's school, the official's municipality."""
    cur = conn.cursor()
    cur.execute(
        "SELECT m.region_id, m.municipality_id, m.school_id FROM schools_membership m "
        "JOIN auth_user u ON u.id = m.user_id WHERE u.username = 'deputy_big'"
    )
    region, municipality, school = cur.fetchone()
    cur.execute(
        "SELECT m.region_id FROM schools_membership m JOIN auth_user u ON u.id = m.user_id "
        "WHERE u.username = 'analyst_median'"
    )
    median = cur.fetchone()[0]
    cur.execute(
        "SELECT id FROM assessments_procedure WHERE region_id = %s AND year = 2025 AND grade = 5 "
        "AND subject = 'math'",
        (region,),
    )
    procedure = cur.fetchone()[0]
    cur.execute("SELECT id FROM assessments_importbatch WHERE procedure_id = %s", (procedure,))
    batch = cur.fetchone()[0]
    cur.execute(
        "SELECT min(id) FROM assessments_result WHERE procedure_id = %s AND school_id = %s",
        (procedure, school),
    )
    result = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM proto_result")
    rows = cur.fetchone()[0]
    return {
        "region": region,
        "median_region": median,
        "municipality": municipality,
        "school": school,
        "procedure": procedure,
        "batch": batch,
        "result": result,
        "year": 2025,
        "rows": rows,
    }


# --------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["build", "before", "after", "prototype"])
    parser.add_argument("--database", default="rm_perf_large")
    parser.add_argument("--rows", type=int, default=10_000_000)
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
    else:
        prototype(args.database, rebuild=args.rebuild)


if __name__ == "__main__":
    main()
