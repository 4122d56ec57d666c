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
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
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
