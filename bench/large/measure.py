# ruff: noqa: S608 (SQL here is built from ids this script generated, never from input)
"""`before` / `after`: the reads and writes of today's code in this process, timed,
with their SQL captured and EXPLAIN (ANALYZE, BUFFERS) of what reads the results table."""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from bench.large.common import RESULTS, YEARS, django_setup
from bench.large.report import Figure, slug


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


def _refused(call):
    """Run a delete that RESTRICT must refuse; what it costs is the check."""
    from django.db.models import RestrictedError

    try:
        call()
    except RestrictedError:
        return "refused"
    raise AssertionError("the delete was not refused")


def _check(region, year: int = 2025):
    """A region's check as a run computes it: the product's loading, then the method."""
    from assessments.objectivity import checks
    from assessments.objectivity.loading import region_data_load

    params = checks.CheckParams()
    loaded = region_data_load(region=region, year=year, persistence_years=params.persistence_years)
    return checks.check_region(loaded.data, year, params=params)


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
    from assessments.results.services.imports import results_delete
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
            lambda: Result.objects.filter(region_id=big.pk, import_batch_id=batch.pk).count(),
        ),
        ("check: read of the region's year", lambda: region_data_load(region=big, year=2025)),
        *(
            [("check: region's year loaded and checked (check_region)", lambda: _check(big))]
            if step == "phase2"
            else []
        ),
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
            "batch deleted: refused while it has rows (RESTRICT)",
            rolled_back(lambda: _refused(lambda: ImportBatch.objects.filter(pk=batch.pk).delete())),
        ),
        (
            "re-import of a region's file: old rows deleted (one statement)",
            rolled_back(
                lambda: results_delete(
                    procedure=procedure,
                    region_id=big.pk,
                    school_ids=list(
                        Result.objects.filter(region_id=big.pk, procedure=procedure)
                        .values_list("school_id", flat=True)
                        .distinct()
                    ),
                )
            ),
        ),
    ]
    figures = [record(label, call, out) for label, call in ops]
    vacuum("assessments_result")
    return figures
