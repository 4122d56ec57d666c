"""Prometheus metrics: `/metrics` (see config/health.py for what is measured).

Requests, latencies and responses come from django-prometheus' middleware. Celery
tasks are counted by the workers themselves into a Redis hash (one HINCRBY per
finished task), and the web reads that hash and the queue lengths at each scrape,
so one scrape of any web process sees every worker on every machine. With gunicorn's
several processes, PROMETHEUS_MULTIPROC_DIR (config/gunicorn.py) joins their figures.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from config.health import METRICS_KEY, QUEUES

logger = logging.getLogger(__name__)


def _broker():
    import redis

    return redis.Redis.from_url(
        settings.CELERY_BROKER_REDIS_URL, socket_connect_timeout=0.5, socket_timeout=1
    )


# ---------------------------------------------------------------- in the worker


def task_started(task=None, **kwargs):
    if task is not None:
        task.request.metrics_started = time.monotonic()


def task_finished(task=None, state=None, **kwargs):
    """Celery's task_postrun: count the task by its final state, add its duration."""
    if task is None or task.request.is_eager or not settings.CELERY_BROKER_REDIS_URL:
        return
    started = getattr(task.request, "metrics_started", None)
    try:
        pipe = _broker().pipeline()
        pipe.hincrby(METRICS_KEY, f"{task.name}|{state or 'UNKNOWN'}", 1)
        if started is not None:
            pipe.hincrbyfloat(METRICS_KEY, f"{task.name}|seconds", time.monotonic() - started)
        pipe.execute()
    except Exception as exc:  # metrics never fail a task
        logger.warning("task metrics not recorded: %s", exc)


# ---------------------------------------------------------------- in the web

_db_metrics = []


def db_metrics():
    """(histogram of database seconds per request, counter of statements), made on the
    first request: under gunicorn's several processes they live in files of
    PROMETHEUS_MULTIPROC_DIR, which only the web processes have."""
    if not _db_metrics:
        _db_metrics.extend(
            (
                Histogram(
                    "roadmaps_request_db_seconds",
                    "Time a web request spent in SQL statements",
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
                ),
                Counter("roadmaps_request_db_queries", "SQL statements run by web requests"),
            )
        )
    return _db_metrics


class DatabaseTimeMiddleware:
    """Database time and statement count of every request, for /metrics. Times the
    statements Django executes (a streamed body's statements after the response
    leaves the view, and COPY, are not counted)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        spent = {"seconds": 0.0, "queries": 0}

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent["seconds"] += time.perf_counter() - started
                spent["queries"] += 1

        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        seconds, queries = db_metrics()
        seconds.observe(spent["seconds"])
        queries.inc(spent["queries"])
        return response


class CeleryCollector:
    """Task counts and durations (from the workers' hash), queue lengths, Redis up."""

    def collect(self):
        up = GaugeMetricFamily("roadmaps_redis_up", "Whether the broker's Redis answered")
        if not settings.CELERY_BROKER_REDIS_URL:
            up.add_metric([], 0)
            yield up
            return
        try:
            client = _broker()
            counts = client.hgetall(METRICS_KEY)
            lengths = {queue: client.llen(queue) for queue in QUEUES}
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        tasks = CounterMetricFamily(
            "roadmaps_celery_tasks",
            "Celery tasks finished, by task and state",
            labels=["task", "state"],
        )
        seconds = CounterMetricFamily(
            "roadmaps_celery_task_seconds", "Seconds Celery tasks ran, by task", labels=["task"]
        )
        for key, value in sorted(counts.items()):
            name, _, kind = key.decode().rpartition("|")
            if kind == "seconds":
                seconds.add_metric([name], float(value))
            else:
                tasks.add_metric([name, kind], float(value))
        yield tasks
        yield seconds
        queue = GaugeMetricFamily(
            "roadmaps_celery_queue_length", "Messages waiting in each queue", labels=["queue"]
        )
        for name, length in lengths.items():
            queue.add_metric([name], length)
        yield queue


def _allowed(request) -> bool:
    token = os.environ.get("METRICS_TOKEN", "")
    if token:
        return request.headers.get("Authorization", "") == f"Bearer {token}"
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def metrics(request):
    """Prometheus' text format; from loopback or private addresses, or with
    `Authorization: Bearer $METRICS_TOKEN` when that is set."""
    if not _allowed(request):
        return HttpResponseForbidden("metrics: not from this address\n")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    celery = CollectorRegistry()
    celery.register(CeleryCollector())
    body = generate_latest(registry) + generate_latest(celery)
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")
