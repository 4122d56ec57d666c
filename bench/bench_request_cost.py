"""What every authenticated request pays, in process: the CPU time and SQL queries of
the cheapest page of the load mix (the deputy's /schools/<id>/), the parts of it that
every page shares (the session, the user, the memberships), and each middleware's
share (the page without it, beside the full stack, interleaved).

    .venv/bin/python bench/bench_request_cost.py --database rm_pages_load

Production settings against a load region (bench/load/make_region.py) that has been
migrated and whose static files are collected (bench/bench_pages.py does both); the
cache is Redis when REDIS_URL is set. Reads only. CPU is the thread's time
(time.thread_time), which other processes inflate less than wall time; a busy machine
still moves it by a few tenths of a millisecond, so compare runs taken back to back.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

import production_env  # bench/production_env.py, beside this script

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="roadmaps_load")
    parser.add_argument("--user", default="deputy980001")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    production_env.apply(args.database, "request-cost")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user, get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import get_resolver

    from schools.models import Membership
    from schools.scoping import memberships_of

    get_resolver().url_patterns  # noqa: B018 - the URL configuration, loaded once
    user = get_user_model().objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    school_id = Membership.objects.filter(user=user).values_list("school_id", flat=True)[0]
    path = f"/schools/{school_id}/"

    def environ():
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={cookie}",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
        }

    def request(handler):
        status = []
        body = handler(environ(), lambda line, headers: status.append(line))
        b"".join(body)
        body.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]}")

    def cpu_ms(call, runs=args.runs):
        samples = []
        for _ in range(runs):
            started = time.thread_time()
            call()
            samples.append((time.thread_time() - started) * 1000)
        return statistics.median(samples)

    full = list(settings.MIDDLEWARE)
    handlers = {"full stack": WSGIHandler()}
    for name in full:
        if name.endswith(("SessionMiddleware", "AuthenticationMiddleware")):
            continue  # the page needs them
        settings.MIDDLEWARE = [m for m in full if m != name]
        handlers[f"without {name.rsplit('.', 1)[-1]}"] = WSGIHandler()
    settings.MIDDLEWARE = full
    for handler in handlers.values():
        for _ in range(10):
            request(handler)
    with CaptureQueriesContext(connection) as captured:
        request(handlers["full stack"])
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{path} as {args.user}: {len(captured)} queries")
    for query in captured:
        print(f"    {query['sql'][:110]}")

    factory = RequestFactory()
    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])

    def session_and_user():
        wsgi_request = factory.get("/")
        wsgi_request.session = engine.SessionStore(cookie)
        return get_user(wsgi_request)

    def memberships():
        memberships_of(session_and_user())

    print(f"  session + user (get_user)            {cpu_ms(session_and_user):7.3f} ms cpu")
    print(f"  session + user + memberships          {cpu_ms(memberships):7.3f} ms cpu")
    samples = {name: [] for name in handlers}
    for _ in range(args.runs):
        for name, handler in handlers.items():
            started = time.thread_time()
            request(handler)
            samples[name].append((time.thread_time() - started) * 1000)
    base = statistics.median(samples["full stack"])
    print(f"  whole page, full stack                {base:7.3f} ms cpu (median of {args.runs})")
    for name, values in samples.items():
        if name != "full stack":
            saved = base - statistics.median(values)
            print(f"    {name:<36} {saved:+7.3f} ms")


if __name__ == "__main__":
    main()
