"""The municipal roadmap's page of an official after a change to one of its school
roadmaps, in process: the cascade table's cache entry is keyed by every school
roadmap's marks, so such a change (which happens often) builds the table again.
Prints the thread's CPU and the SQL statements of the page on that miss and on a
plain hit, median of --runs, and the time of `cascade_status` alone.

    .venv/bin/python bench/bench_cascade_miss.py --database rm_pages_x [--runs 15]

Production settings against a load region with its cascade (bench/load/make_region.py;
bench/bench_pages.py migrates it and collects the static files); the cache is Redis
when REDIS_URL is set. Each miss renews one school roadmap's activity token
(roadmaps.services.base.roadmap_touch, as every write to it does) inside a
transaction that is rolled back after the request: the database is left as it was.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import production_env  # bench/production_env.py, beside this script

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="roadmaps_load")
    parser.add_argument("--user", default="official01")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    production_env.apply(args.database, "cascade-miss")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from roadmaps.models import Measure, Roadmap
    from roadmaps.selectors.execution import cascade_status
    from roadmaps.services.base import roadmap_touch

    user = get_user_model().objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    listing = client.get("/roadmaps/?level=municipality").content.decode()
    pk = int(re.search(r'href="/roadmaps/(\d+)/"', listing).group(1))
    path = f"/roadmaps/{pk}/"
    roadmap = Roadmap.objects.get(pk=pk)
    children = list(roadmap.school_roadmaps.order_by("pk").values_list("pk", flat=True))
    copies = Measure.objects.filter(roadmap__parent=roadmap).count()
    print(f"{args.user} {path}: {len(children)} school roadmaps ({copies} copied measures)")
    for _ in range(3):
        assert client.get(path).status_code == 200

    def measure(miss: bool, run: int):
        with transaction.atomic():
            if miss:
                roadmap_touch(roadmap_id=children[run % len(children)])
            with CaptureQueriesContext(connection) as captured:
                started = time.thread_time()
                response = client.get(path)
                cpu = (time.thread_time() - started) * 1000
            assert response.status_code == 200
            transaction.set_rollback(True)
        return cpu, len(captured.captured_queries)

    for label, miss in (("hit", False), ("miss (one school roadmap changed)", True)):
        figures = [measure(miss, run) for run in range(args.runs)]
        cpu = statistics.median(f[0] for f in figures)
        queries = statistics.median(f[1] for f in figures)
        print(f"  page, {label:34} {cpu:7.1f} ms cpu  {queries:4.0f} q")

    user = get_user_model().objects.get(username=args.user)  # the scope read afresh
    times = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.thread_time()
            rows = cascade_status(roadmap=roadmap, user=user)
            times.append((time.thread_time() - started) * 1000)
    print(
        f"  cascade_status alone ({len(rows)} schools)       "
        f"{statistics.median(times):7.1f} ms cpu  {len(captured.captured_queries):4d} q"
    )


if __name__ == "__main__":
    main()
