"""Benchmark: the analytic page of a procedure at the region level (and a
school's page with its municipality and region beside it) over N results on
PostgreSQL (default 1,000,000).

    .venv/bin/python bench/bench_analytics_page.py [N] [--runs 3]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/roadmaps_bench_analytics
(created and migrated when missing). The rows are generated once, in SQL
(`INSERT … SELECT generate_series`): 30 municipalities × 100 schools, 15 tasks
of 24 points like ВПР Russian grade 4, 3 % of tasks not attempted. Prints the
seconds of each part (reading the rows into arrays, the tables, the whole
page through the view) with the median of the runs.
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/roadmaps_bench_analytics"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TASK_MAXIMA = [1, 2, 1, 2, 1, 1, 2, 1, 3, 2, 1, 2, 2, 1, 2]  # 24 points
RANGES = [[0, 9, 2], [10, 15, 3], [16, 20, 4], [21, 24, 5]]
MUNICIPALITIES, SCHOOLS_PER_MUNICIPALITY = 30, 100


def ensure_database(url: str, *, fresh: bool = False):
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def migrate(url: str):
    """Bring the schema up to date; a bench database whose recorded history
    no longer matches the code's migrations (edited while unreleased) is made
    afresh (its rows are generated again)."""
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.exceptions import InconsistentMigrationHistory

    try:
        call_command("migrate", verbosity=0)
    except InconsistentMigrationHistory as problem:
        print(f"bench database out of date ({problem}); making it afresh")
        connections.close_all()
        ensure_database(url, fresh=True)
        call_command("migrate", verbosity=0)


def build_world(n: int):
    """The region, its schools, the procedure and n results (made once per n)."""
    from django.db import connection, transaction

    from assessments.results.models import Instrument, Procedure, Result, Scale, Subject, Task
    from schools.models import Membership, Municipality, Region, Role, School

    region, _ = Region.objects.get_or_create(code="98", defaults={"name": "Бенч-край"})
    if not Municipality.objects.filter(region=region).exists():
        Municipality.objects.bulk_create(
            Municipality(region=region, code=f"m{i:02d}", name=f"Район {i:02d}")
            for i in range(MUNICIPALITIES)
        )
        municipalities = list(Municipality.objects.filter(region=region).order_by("code"))
        School.objects.bulk_create(
            School(
                region=region,
                municipality=municipalities[i // SCHOOLS_PER_MUNICIPALITY],
                code=f"s{i:04d}",
                full_name=f"Школа {i:04d}",
                short_name=f"Школа {i:04d}",
            )
            for i in range(MUNICIPALITIES * SCHOOLS_PER_MUNICIPALITY)
        )
    procedure, created = Procedure.objects.get_or_create(
        region=region,
        instrument=Instrument.VPR,
        subject=Subject.RUSSIAN,
        grade=4,
        year=2026,
        defaults={"max_score": sum(TASK_MAXIMA)},
    )
    if created:
        Task.objects.bulk_create(
            Task(
                procedure=procedure,
                position=i + 1,
                number=str(i + 1),
                max_score=m,
                level="Б" if i < 10 else "П",
                planned_result=f"Умение {i // 2 + 1}",
            )
            for i, m in enumerate(TASK_MAXIMA)
        )
        Scale.objects.get_or_create(
            region=region,
            instrument=Instrument.VPR,
            year=2026,
            grade=4,
            subject=Subject.RUSSIAN,
            defaults={"max_score": sum(TASK_MAXIMA), "ranges": RANGES},
        )
    if Result.objects.filter(procedure=procedure).count() != n:
        started = time.perf_counter()
        schools = list(
            School.objects.filter(region=region).order_by("code").values_list("pk", flat=True)
        )
        municipality_of = dict(
            School.objects.filter(region=region).values_list("pk", "municipality_id")
        )
        with transaction.atomic(), connection.cursor() as cursor:
            Result.objects.filter(procedure=procedure).delete()
            cursor.execute("CREATE TEMP TABLE bench_school (k int, school int, muni int)")
            cursor.executemany(
                "INSERT INTO bench_school VALUES (%s, %s, %s)",
                [(k, pk, municipality_of[pk]) for k, pk in enumerate(schools)],
            )
            maxima = "{" + ",".join(map(str, TASK_MAXIMA)) + "}"
            cursor.execute(
                f"""
                WITH s AS (
                    SELECT g, ARRAY(
                        SELECT CASE WHEN random() < 0.03 THEN NULL
                               ELSE floor(random() * (m + 1) * (0.6 + 0.4 * (g % 7) / 6.0))::int
                               END
                        FROM unnest('{maxima}'::int[]) WITH ORDINALITY AS t(m, i)
                        WHERE g > 0 ORDER BY i
                    ) AS a
                    FROM generate_series(1, {n}) AS g
                ), p AS (
                    SELECT g, a, (SELECT coalesce(sum(x), 0) FROM unnest(a) AS x) AS primary_score
                    FROM s
                )
                INSERT INTO assessments_result (
                    procedure_id, region_id, municipality_id, school_id, class_name,
                    participant_code, variant, scores, primary_score, mark, journal_mark,
                    mark_mismatch, sex, person_hash, last_name, first_name, patronymic,
                    exam_point, room, answers
                )
                SELECT {procedure.pk}, {region.pk}, b.muni, b.school, '4' || chr(1072 + (g % 3)),
                       lpad(g::text, 8, '0'), '', to_jsonb(p.a), p.primary_score,
                       CASE WHEN p.primary_score <= 9 THEN 2 WHEN p.primary_score <= 15 THEN 3
                            WHEN p.primary_score <= 20 THEN 4 ELSE 5 END,
                       2 + (g % 4), false, CASE WHEN g % 2 = 0 THEN 'м' ELSE 'ж' END,
                       '', '', '', '', '', '', ''
                FROM p JOIN bench_school b ON b.k = p.g % {len(schools)}
                """  # noqa: S608 (our own integers, no input)
            )
            cursor.execute("DROP TABLE bench_school")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE assessments_result")
        print(f"generated {n:,} results in SQL in {time.perf_counter() - started:.1f} s")

    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    analyst = users.filter(username="bench-analyst").first() or users.create_user("bench-analyst")
    Membership.objects.get_or_create(user=analyst, role=Role.REGIONAL_ANALYST, region=region)
    school = School.objects.filter(region=region).order_by("code").first()
    deputy = users.filter(username="bench-deputy").first() or users.create_user("bench-deputy")
    Membership.objects.get_or_create(
        user=deputy,
        role=Role.SCHOOL_DEPUTY,
        school=school,
        municipality=school.municipality,
        region=region,
    )
    return procedure, school, analyst, deputy


def share_procedures_down():
    """Until the integrator declares Procedure/Task/Scale `shared_down=True`, a
    school deputy does not see the region's procedures; do it here for the run."""
    import dataclasses

    from assessments.results.models import Procedure, Scale, Task

    for model in (Procedure, Task, Scale):
        if not model.scope_paths.shared_down:
            model.scope_paths = dataclasses.replace(model.scope_paths, shared_down=True)


def check_copy_path(procedure, tasks, scale):
    """The bulk COPY reading gives the same columns as reading row by row."""
    import numpy as np

    from assessments.analytics import arrays
    from assessments.results.models import Result

    municipality_id = (
        Result.objects.filter(procedure=procedure).values_list("municipality_id", flat=True).first()
    )
    rows = Result.objects.filter(procedure=procedure, municipality_id=municipality_id)
    bulk = arrays.arrays_from_queryset(rows, task_count=len(tasks), scale=scale, pupil_detail=False)
    one_by_one = arrays.arrays_from_queryset(
        rows, task_count=len(tasks), scale=scale, pupil_detail=True
    )
    same = len(bulk) == len(one_by_one) and all(
        np.array_equal(np.sort(getattr(bulk, f)), np.sort(getattr(one_by_one, f)))
        for f in ("primary", "mark", "journal", "school_id")
    )
    same = same and np.array_equal(
        np.nansum(bulk.scores, axis=0), np.nansum(one_by_one.scores, axis=0)
    )
    same = same and int(np.isnan(bulk.scores).sum()) == int(np.isnan(one_by_one.scores).sum())
    print(
        f"COPY reading checked against row-by-row on {len(bulk):,} rows: {'same' if same else 'DIFFERENT'}"
    )
    if not same:
        raise SystemExit(1)


def timed(label: str, runs: int, call):
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    print(
        f"{label}: median {statistics.median(seconds):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in seconds)})"
    )
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    migrate(os.environ["DATABASE_URL"])

    from django.test import RequestFactory

    from assessments.analytics import group_tables, views
    from assessments.analytics import selectors as sel
    from schools.scoping import forget_reach

    procedure, school, analyst, deputy = build_world(args.n)
    share_procedures_down()
    tasks = sel.procedure_tasks(user=analyst, procedure=procedure)
    scale = sel.procedure_scale(procedure)
    print(f"procedure: {procedure} — {args.n:,} results, {len(tasks)} tasks")

    check_copy_path(procedure, tasks, scale)
    arrays = timed(
        "region rows → arrays (one query)",
        args.runs,
        lambda: sel.reference_arrays(procedure=procedure, task_count=len(tasks), scale=scale),
    )
    print(f"  rows read: {len(arrays):,}")
    timed(
        "region tables from the arrays (group_tables)",
        args.runs,
        lambda: group_tables("Регион", arrays, tasks, scale, pupil_lists=False),
    )
    from django.core.cache import cache

    def cold_page():
        cache.clear()
        return sel.analytics_page(user=analyst, procedure=procedure, level=sel.LEVEL_REGION)

    timed("region page data, cold cache (read + tables + dynamics)", args.runs, cold_page)
    timed(
        "region page data, warm cache",
        args.runs,
        lambda: sel.analytics_page(user=analyst, procedure=procedure, level=sel.LEVEL_REGION),
    )
    cache.clear()
    timed(
        "reference_tables_warm (region + every municipality from one read)",
        1,
        lambda: sel.reference_tables_warm(procedure=procedure),
    )

    factory = RequestFactory()

    def page(user, url, view, **kwargs):
        request = factory.get(url)
        forget_reach(user)
        request.user = user
        response = view(request, **kwargs)
        assert response.status_code == 200, response.status_code
        return response

    timed(
        "region page through the view (HTML, warm cache)",
        args.runs,
        lambda: page(analyst, "/", views.procedure_region, procedure_pk=procedure.pk),
    )
    timed(
        "region page as XLSX",
        args.runs,
        lambda: page(analyst, "/?format=xlsx", views.procedure_region, procedure_pk=procedure.pk),
    )
    timed(
        "a school's page with its municipality and the region (deputy, warm cache)",
        args.runs,
        lambda: page(
            deputy,
            "/",
            views.procedure_school,
            procedure_pk=procedure.pk,
            school_pk=school.pk,
        ),
    )


if __name__ == "__main__":
    main()
