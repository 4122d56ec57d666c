"""CPU a request of the load mix costs, in process: the pages of bench/load/locustfile.py
in its proportions (a deputy's home and «Мои мероприятия» a fifth each, the
official's home and roadmap a tenth, ...), for several people of each role, through
Django's whole stack (middleware, session, views, templates; not gunicorn). Prints,
per request of the mix and per page, the thread's CPU, the CPU of the PostgreSQL
backend that served it (read from /proc), and the SQL statements.

    .venv/bin/python bench/bench_mix_cost.py --database rm_x [--rounds 6] [--profile 40]

Production settings against a VACUUMed copy of the load region; the cache is Redis
when REDIS_URL is set (give it a Redis database of its own: it is emptied first).
A round is the whole mix once; the first is the warm-up (cold caches) and is not
counted. Run the base and the branch back to back, alternating: the machine is
shared, and CPU time itself grows when other work fills the cores.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import production_env  # bench/production_env.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")

# (role's users, page label, path) with how many times a round opens it: the shares of
# the locustfile's weights (role weight x task weight / the role's task weights).
MIX = [
    ("official", "/ (official)", "/", 10),
    ("official", "/roadmaps/[id]/ (official)", "roadmap", 10),
    ("official", "/roadmaps/reports/", "/roadmaps/reports/", 7),
    ("official", "/schools/", "/schools/", 3),
    ("deputy", "/ (deputy)", "/", 21),
    ("deputy", "/roadmaps/my/", "/roadmaps/my/", 21),
    ("deputy", "/roadmaps/[id]/ (deputy)", "roadmap", 7),
    ("methodist", "/ (methodist)", "/", 5),
    ("methodist", "/documents/", "/documents/", 5),
    ("analyst", "/ (analyst)", "/", 4),
    ("analyst", "/municipalities/", "/municipalities/", 2),
    ("analyst", "/api/v1/schools/", "/api/v1/schools/?page={n20}", 2),
    ("analyst", "/api/v1/measures/", "/api/v1/measures/?page={n100}", 2),
    ("analyst", "/api/v1/assignments/", "/api/v1/assignments/?page={n100}", 2),
]
USERS = {
    "official": [f"official{m:02d}" for m in (1, 5, 9, 13)],
    "deputy": [f"deputy98{n:04d}" for n in range(1, 1000, 50)],
    "methodist": [f"methodist{m:02d}" for m in (2, 7)],
    "analyst": ["analyst"],
}
ROADMAP = re.compile(r'href="/roadmaps/(\d+)/"')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="roadmaps_load")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="also print the N functions of most CPU (cProfile on the thread's CPU clock) "
        "over the counted rounds",
    )
    parser.add_argument("--profile-file", help="and write the profile there (pstats' format)")
    args = parser.parse_args()
    production_env.apply(
        args.database,
        "mix-cost",
        # One connection, one backend to read, for the whole run.
        CONN_MAX_AGE="3600",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import gc

    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the URL configuration, loaded once
    cache.clear()
    people = {}
    for role, names in USERS.items():
        for name in names:
            client = Client()
            client.force_login(get_user_model().objects.get(username=name))
            # The roadmaps a person works in, as the locustfile finds them.
            found = [
                int(x)
                for level in ("municipality", "school")
                for x in ROADMAP.findall(client.get(f"/roadmaps/?level={level}").content.decode())[
                    : 1 if level == "municipality" else 4
                ]
            ]
            people.setdefault(role, []).append((client, found))
    gc.collect()
    gc.freeze()  # as config/gunicorn.py's worker start does

    connection.ensure_connection()
    backend = connection.connection.info.backend_pid

    def backend_ticks() -> int:
        text = Path(f"/proc/{backend}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()
        return int(fields[11]) + int(fields[12])

    plan = []
    for role, label, path, times in MIX:
        plan.extend([(role, label, path)] * times)
    per_page = defaultdict(list)
    totals = []
    # The thread's CPU clock, not the wall's: waits for PostgreSQL and Redis cost nothing.
    profile = cProfile.Profile(time.thread_time) if args.profile else None
    step = 0
    for round_ in range(args.rounds):
        cpu = queries = 0.0
        pg_before = backend_ticks()
        for role, label, path in plan:
            step += 1
            client, roadmaps = people[role][step % len(people[role])]
            if path == "roadmap":
                if not roadmaps:
                    continue
                url = f"/roadmaps/{roadmaps[step % len(roadmaps)]}/"
            else:
                url = path.format(n20=1 + step % 20, n100=1 + step % 100)
            with CaptureQueriesContext(connection) as captured:
                if profile and round_:
                    profile.enable()
                started = time.thread_time()
                response = client.get(url)
                spent = time.thread_time() - started
                if profile and round_:
                    profile.disable()
            if response.status_code != 200:
                raise SystemExit(f"{url} as {role}: {response.status_code}")
            cpu += spent
            queries += len(captured)
            if round_:
                per_page[label].append((spent, len(captured)))
        pg = (backend_ticks() - pg_before) / TICK
        if connection.connection.info.backend_pid != backend:
            raise SystemExit("the connection was opened again: its backend is not counted")
        if round_:
            totals.append((cpu / len(plan), pg / len(plan), queries / len(plan)))

    print(f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print(
        f"DB_PREPARED_STATEMENTS={os.environ.get('DB_PREPARED_STATEMENTS', '(default)')}; "
        f"{len(plan)} requests a round, {args.rounds - 1} rounds after the warm-up"
    )
    for name, column in (("web cpu", 0), ("PostgreSQL cpu", 1)):
        values = [1000 * t[column] for t in totals]
        print(
            f"  {name:16} {statistics.median(values):6.2f} ms a request (median of rounds; "
            f"{' '.join(f'{v:.2f}' for v in values)})"
        )
    print(f"  {'SQL statements':16} {statistics.median(t[2] for t in totals):6.2f} a request")
    for label, rows in per_page.items():
        print(
            f"    {label:34} cpu {1000 * statistics.median(r[0] for r in rows):6.2f} ms"
            f"  {statistics.median(r[1] for r in rows):4.0f} q"
        )
    if profile and args.profile_file:
        profile.dump_stats(args.profile_file)
    if profile:
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.profile)
            print(out.getvalue())


if __name__ == "__main__":
    main()
