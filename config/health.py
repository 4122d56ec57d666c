"""Health and metrics for operators.

- `/health/live`: the process answers (no dependency is asked): restart it if not.
- `/health/ready`: PostgreSQL, Redis (broker and cache), the file storage and the
  Celery workers. 503 when PostgreSQL, Redis or the storage fail: take this web
  process out of the load balancer. Queues without a worker make the answer
  "degraded" but still 200: the pages work, background work waits (and the sweep
  re-queues it), so the web should stay in; the JSON says which queues wait.
- `/metrics`: Prometheus. Requests and latencies by view (django-prometheus), and,
  read from Redis at each scrape so that every worker machine counts: Celery task
  counts by task and state, task durations, and the length of each queue.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse

QUEUES = ("celery", "imports", "checks", "documents")
METRICS_KEY = "metrics:tasks"  # Redis hash: "<task>|<state>" → count, "<task>|seconds" → sum


def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_redis() -> str:
    if not settings.CELERY_BROKER_REDIS_URL:
        return "not used (tasks run inline)"
    _redis(settings.CELERY_BROKER_REDIS_URL).ping()
    if settings.CACHE_REDIS_URL and settings.CACHE_REDIS_URL != settings.CELERY_BROKER_REDIS_URL:
        _redis(settings.CACHE_REDIS_URL).ping()
    return "ok"


def check_storage() -> str:
    """Write, read back and delete a small file where uploads and documents go."""
    name = default_storage.save("health/probe.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            if handle.read() != b"ok":
                raise OSError("the storage gave back other bytes")
    finally:
        default_storage.delete(name)
    return "ok"


def check_workers(timeout: float = 1.0) -> dict:
    """Which queues have a worker consuming them (asks every worker over the broker)."""
    from config.celery import app

    if app.conf.task_always_eager:
        return {"status": "ok", "queues": dict.fromkeys(QUEUES, "inline")}
    replies = app.control.inspect(timeout=timeout).active_queues() or {}
    consumed = {q["name"] for queues in replies.values() for q in queues}
    queues = {q: ("ok" if q in consumed else "no worker") for q in QUEUES}
    status = "ok" if all(v == "ok" for v in queues.values()) else "degraded"
    return {"status": status, "workers": sorted(replies), "queues": queues}


def live(request):
    return JsonResponse({"status": "ok"})


def ready(request):
    checks, failed = {}, False
    for name, check in (
        ("database", check_database),
        ("redis", check_redis),
        ("storage", check_storage),
    ):
        started = time.monotonic()
        try:
            checks[name] = {"status": check()}
        except Exception as exc:  # any failure of a dependency is "not ready"
            checks[name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
            failed = True
        checks[name]["seconds"] = round(time.monotonic() - started, 3)
    if checks["redis"]["status"] == "error":
        checks["workers"] = {"status": "unknown: Redis is unreachable"}
    else:
        try:
            checks["workers"] = check_workers()
        except Exception as exc:
            checks["workers"] = {"status": "error", "error": str(exc)[:300]}
    status = "error" if failed else "ok" if checks["workers"]["status"] == "ok" else "degraded"
    return JsonResponse({"status": status, "checks": checks}, status=503 if failed else 200)
