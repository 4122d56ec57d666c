"""The thread's CPU of a few warm pages, in process, against a checkout of your choice:
the official's and the analyst's home, the official's municipal roadmap, /documents/,
and the methodist's and the deputy's home beside them for scale. Median of --runs
after three warm-up requests, and the SQL statements of one more.

    .venv/bin/python bench/bench_home_cpu.py --database rm_pages_x [--root ../base] [--runs 40]

--root runs the code of another checkout (a detached `git worktree` of main, say) with
this one's virtualenv: run the base and the branch back to back, alternating, since the
machine is shared and CPU time itself grows when other work fills the cores. Production
settings against a load region with its cascade (bench/load/make_region.py; static
files collected in the checkout, as bench/bench_pages.py does); the cache is Redis when
REDIS_URL is set (each checkout's entries under its own release prefix). Reads only.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import production_env  # bench/production_env.py, beside this script

PAGES = [
    ("official01", "/"),
    ("official01", "{municipal_roadmap}"),
    ("methodist01", "/documents/"),
    ("analyst", "/"),
    ("methodist01", "/"),
    ("deputy980001", "/"),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="roadmaps_load")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    root = Path(args.root).resolve()
    production_env.apply(args.database, "home-cpu")
    # The checkout's code, not the one the virtualenv was installed from.
    sys.path.insert(0, str(root))
    os.chdir(root)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for user, _path in PAGES:
        if user not in clients:
            clients[user] = Client()
            clients[user].force_login(get_user_model().objects.get(username=user))
    listing = clients["official01"].get("/roadmaps/?level=municipality").content.decode()
    pk = re.search(r'href="/roadmaps/(\d+)/"', listing).group(1)
    municipal = f"/roadmaps/{pk}/"
    print(f"code of {root}")
    for user, path in PAGES:
        path = path.replace("{municipal_roadmap}", municipal)
        client = clients[user]
        for _ in range(3):
            assert client.get(path).status_code == 200
        cpu = []
        for _ in range(args.runs):
            started = time.thread_time()
            client.get(path)
            cpu.append((time.thread_time() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        print(
            f"  {user:13} {path:16} {statistics.median(cpu):6.2f} ms cpu "
            f"{len(captured.captured_queries):3d} q"
        )


if __name__ == "__main__":
    main()
