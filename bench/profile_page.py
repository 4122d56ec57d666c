"""One page of the load mix taken apart, in process: its SQL statements with their
times and plans (EXPLAIN (ANALYZE, BUFFERS) of each, after the page's warm-up), and a
cProfile of the view's Python time, for the page opened warm.

    .venv/bin/python bench/profile_page.py --database rm_pages_x \
        --user official01 --path "/roadmaps/{municipal_roadmap}/"

Production settings against a load region (bench/load/make_region.py) that has been
migrated and whose static files are collected (bench/bench_pages.py does both); the
cache is Redis when REDIS_URL is set. Reads only. `{municipal_roadmap}` is the first
municipal roadmap of the user's list, as bench/bench_pages.py finds it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
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
    parser.add_argument("--path", default="/roadmaps/{municipal_roadmap}/")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    production_env.apply(args.database, "profile-page")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    path = args.path
    if "{municipal_roadmap}" in path:
        listing = client.get("/roadmaps/?level=municipality").content.decode()
        pk = re.search(r'href="/roadmaps/(\d+)/"', listing).group(1)
        path = path.replace("{municipal_roadmap}", pk)
    print(f"{args.user} {path}")
    for _ in range(3):
        assert client.get(path).status_code == 200

    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    statements = [(q["sql"], float(q["time"]) * 1000) for q in captured.captured_queries]
    # The times again over several runs: the first capture is one sample.
    times = [[] for _ in statements]
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as again:
            client.get(path)
        for i, q in enumerate(again.captured_queries[: len(statements)]):
            times[i].append(float(q["time"]) * 1000)
    print(f"\n{len(statements)} queries, median ms of {args.runs} runs:")
    for i, (sql, _ms) in enumerate(statements):
        print(f"\n[{i}] {statistics.median(times[i]):.2f} ms: {sql[:1500]}")
        if not args.no_explain and sql.lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                for (line,) in cursor.fetchall():
                    print("    " + line)

    cpu = []
    for _ in range(args.runs):
        started = time.thread_time()
        client.get(path)
        cpu.append((time.thread_time() - started) * 1000)
    print(
        f"\nCPU ms per request (test client, median of {args.runs}): {statistics.median(cpu):.1f}"
    )
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.runs):
        client.get(path)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    # What the view itself calls, by cumulative time: where its Python time goes.
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_callees(
        "roadmap_detail|cascade_status|roadmap_blocks"
    )
    print(out.getvalue())


if __name__ == "__main__":
    main()
