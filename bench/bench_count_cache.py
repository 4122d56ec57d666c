"""What the API lists' count costs with and without its cache (infra.api.pagination), in
process: for each list of the load mix as the regional analyst sees it, the worker's
CPU of a plain COUNT, of the cache's key (the count's SQL built, the table stamps read)
and of a count found in the cache, and the database's time of the COUNT itself
(EXPLAIN ANALYZE). Reads only; the cache is Redis when REDIS_URL is set.

    .venv/bin/python bench/bench_count_cache.py --database rm_pages_x
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_ms(fn, repeat: int) -> float:
    """Median over 5 batches of the thread's CPU milliseconds a call of `fn`."""
    fn()
    batches = []
    for _ in range(5):
        start = time.thread_time()
        for _ in range(repeat):
            fn()
        batches.append((time.thread_time() - start) / repeat * 1000)
    return statistics.median(batches)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="roadmaps_load")
    parser.add_argument("--user", default="analyst")
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    raise SystemExit(run(get_user_model().objects.get(username=args.user), connection))


def list_queryset(viewset, user):
    """What the endpoint lists for `user`, through the viewset's own get_queryset."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    request = Request(APIRequestFactory().get("/"))
    request.user = user
    view = viewset(action="list", action_map={"get": "list"}, request=request, kwargs={})
    view.format_kwarg = None
    return view.get_queryset()


def run(user, connection) -> int:
    from django.test.utils import CaptureQueriesContext

    from infra.api.pagination import cached_count, count_key
    from roadmaps.api import (
        AssignmentViewSet,
        MeasureEditViewSet,
        ProgressReportWriteViewSet,
        RoadmapViewSet,
    )
    from schools.api import SchoolViewSet

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; user {user.username}")
    print(f"{'list':<22}{'rows':>8}{'COUNT db ms':>13}{'count() cpu':>13}{'key cpu':>10}"
          f"{'cached cpu':>12}")  # fmt: skip
    for name, viewset in (
        ("measures", MeasureEditViewSet),
        ("assignments", AssignmentViewSet),
        ("progress-reports", ProgressReportWriteViewSet),
        ("roadmaps", RoadmapViewSet),
        ("schools", SchoolViewSet),
    ):
        queryset = list_queryset(viewset, user)
        rows = queryset.count()
        with CaptureQueriesContext(connection) as captured:
            queryset.count()
        count_sql = captured[-1]["sql"]  # Django's own COUNT, its parameters written in
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + count_sql)
            plan = [line for (line,) in cursor.fetchall()]
        db_ms = float(next(p for p in plan if p.startswith("Execution Time")).split()[2])
        plain = cpu_ms(queryset.count, 20)
        key = cpu_ms(lambda q=queryset: count_key(q), 200)
        cached = cpu_ms(lambda q=queryset: cached_count(q), 200)
        print(f"{name:<22}{rows:>8}{db_ms:>13.2f}{plain:>13.3f}{key:>10.3f}{cached:>12.3f}")
    return 0


if __name__ == "__main__":
    main()
