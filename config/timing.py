"""Server time and SQL query count of each request, for the page benchmark.

On only when the environment says BENCH_SERVER_TIMING=true (bench/bench_pages.py
starts its gunicorn so); never in production. The middleware sits first, so the
time covers every other middleware, the view and the template, and answers in a
`Server-Timing` header:

    Server-Timing: app;dur=12.31, cpu;dur=7.80, db;dur=4.02, sql;desc="7"

`app` is wall time, `cpu` the CPU time of the serving thread (Python's part, which
other processes on a busy machine do not inflate), `db` the wall time spent in
SQL statements, `sql` their number.
"""

from __future__ import annotations

import time

from django.db import connections


class _QueryCounter:
    """An execute wrapper that counts the statements sent and the time they took."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _QueryCounter()
        started, cpu = time.perf_counter(), time.thread_time()
        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        response["Server-Timing"] = (
            f"app;dur={elapsed * 1000:.2f}, cpu;dur={cpu * 1000:.2f}, "
            f'db;dur={counter.seconds * 1000:.2f}, sql;desc="{counter.count}"'
        )
        return response
