"""What an operator relies on: request ids, structured logs, error reporting, health
and metrics, queues per kind of work."""

import gzip
import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from pythonjsonlogger.json import JsonFormatter

from config.celery import app
from config.logs import RequestContextFilter

ROOT = Path(__file__).resolve().parent.parent
DEAD_REDIS = "redis://127.0.0.1:6390/0"


def production_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_PROFILE", "LOG_FORMAT", "SENTRY_DSN"}
    }
    env.update(DJANGO_PROFILE="production", SECRET_KEY="ops-" + "x" * 60, ALLOWED_HOSTS="localhost")
    env.update(extra)
    return env


def shell(code: str, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ------------------------------------------------------------------ request ids, logs


def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client, db):
    made = client.get("/login/")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/login/")["X-Request-ID"]
    assert client.get("/login/", HTTP_X_REQUEST_ID="proxy-1234abcd")["X-Request-ID"] == (
        "proxy-1234abcd"
    )
    forged = client.get("/login/", HTTP_X_REQUEST_ID="<script>\n")["X-Request-ID"]
    assert len(forged) == 32 and "<" not in forged


@pytest.fixture
def json_log():
    """The production formatter and filter (settings.LOGGING) on a buffer."""
    config = dict(settings.LOGGING["formatters"]["json"])
    config.pop("()")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter(**config))
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield buffer
    root.removeHandler(handler)


def test_a_log_line_of_a_request_names_the_request_the_user_and_the_tenant(client, world, json_log):
    client.force_login(world.bob)
    response = client.get("/roadmaps/999999/")  # out of reach: 404, logged by django.request
    assert response.status_code == 404
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    line = next(x for x in lines if x["logger"] == "django.request")
    assert line["level"] == "WARNING" and "/roadmaps/999999/" in line["message"]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == world.bob.pk
    assert line["tenant"] == f"municipality:{world.muni_a.pk}"
    assert line["time"][:4].isdigit() and "T" in line["time"]


def test_production_logs_are_json_and_development_logs_are_text():
    code = "import logging; logging.getLogger('ops.probe').error('проба записи')"
    produced = shell(code, production_env())
    assert produced.returncode == 0, produced.stderr
    line = json.loads(produced.stderr.strip().splitlines()[-1])
    assert line["logger"] == "ops.probe" and line["level"] == "ERROR"
    assert line["message"] == "проба записи" and "time" in line and "request_id" in line
    env = production_env(DJANGO_PROFILE="development")
    text = shell(code, env).stderr.strip().splitlines()[-1]
    assert text.endswith("ERROR ops.probe [None] проба записи")


# ------------------------------------------------------------------ error reporting


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        type(self).received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_errors_go_to_the_sentry_dsn_and_nowhere_without_one():
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()  # no SENTRY_DSN here
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_port}/7"
        code = (
            "import sentry_sdk\n"
            "try:\n    1 / 0\nexcept ZeroDivisionError:\n    sentry_sdk.capture_exception()\n"
            "sentry_sdk.flush(5)\n"
        )
        done = shell(code, production_env(SENTRY_DSN=dsn))
        assert done.returncode == 0, done.stderr
    finally:
        server.shutdown()
    paths = [path for path, _ in _Collector.received]
    assert paths and all(p.startswith("/api/7/envelope/") for p in paths)
    assert any(b"ZeroDivisionError" in body for _, body in _Collector.received)


# ------------------------------------------------------------------ health, metrics


def test_liveness_asks_nothing_and_readiness_checks_every_dependency(client, db):
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    body = ready.json()
    assert ready.status_code == 200, body
    checks = body["checks"]
    assert checks["database"]["status"] == checks["storage"]["status"] == "ok"
    assert checks["redis"]["status"] in ("ok", "not used (tasks run inline)")
    # Tasks run inline in the suite; tests/production/test_smoke.py asks real workers.
    assert set(checks["workers"]["queues"]) == {"celery", "imports", "checks", "documents"}


def test_readiness_fails_when_redis_is_unreachable(client, db, settings):
    settings.CELERY_BROKER_REDIS_URL = DEAD_REDIS
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["redis"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


def test_readiness_fails_when_the_storage_cannot_be_written(client, db, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage folder should be")
    settings.MEDIA_ROOT = blocked
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "error"


def test_metrics_answer_inside_and_refuse_outside(client, db, monkeypatch):
    client.get("/login/")
    body = client.get("/metrics").content.decode()
    assert "django_http_requests_total_by_method_total" in body
    assert "roadmaps_redis_up" in body
    outside = client.get("/metrics", REMOTE_ADDR="8.8.8.8")
    assert outside.status_code == 403
    monkeypatch.setenv("METRICS_TOKEN", "t0ken-for-prometheus")
    assert client.get("/metrics").status_code == 403
    allowed = client.get(
        "/metrics", REMOTE_ADDR="8.8.8.8", HTTP_AUTHORIZATION="Bearer t0ken-for-prometheus"
    )
    assert allowed.status_code == 200


# ------------------------------------------------------------------ queues


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("assessments.import_batch", "imports"),
        ("assessments.run_checks", "checks"),
        ("reports.build_document", "documents"),
        ("roadmaps.send_reminders", "celery"),
        ("config.sweep_background_work", "celery"),
    ],
)
def test_each_kind_of_work_has_its_queue(task, queue):
    route = app.amqp.router.route({}, task, (), {})
    assert route["queue"].name == queue


def test_worker_processes_are_recycled_and_tasks_report_events():
    assert 0 < app.conf.worker_max_tasks_per_child <= 200
    assert app.conf.worker_send_task_events is True


# ------------------------------------------------------------------ reminders by region


def test_the_daily_reminders_run_one_task_per_region(world, settings):
    """Each region's people are reminded by that region's task only."""
    from datetime import date

    from roadmaps.reminders import reminders_send
    from roadmaps.tasks import send_reminders
    from schools.models import Notification, Region
    from tests.factories import approved_roadmap

    approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[("1.", "Анализ результатов ВПР на педсоветах", "октябрь 2025")],
    )
    today = date(2025, 10, 27)
    reminders = Notification.objects.filter(kind__in=("due_soon", "overdue"))
    assert reminders_send(today=today, region_id=world.other_region.pk)["notifications"] == 0
    assert not reminders.exists()
    assert reminders_send(today=today, region_id=world.region.pk)["notifications"] > 0
    assert "carol" in set(reminders.values_list("user__username", flat=True))
    # The beat task fans out: one queued task per region (inline here).
    result = send_reminders.apply().get()
    assert result == {"regions": Region.objects.count(), "queued": Region.objects.count()}


def test_an_api_request_by_token_is_logged_with_its_user(world, json_log):
    from rest_framework.test import APIClient

    from tests.api.helpers import client_for

    client = client_for(world.dan)
    assert isinstance(client, APIClient)
    response = client.get("/api/v1/roadmaps/999999/")
    assert response.status_code == 404
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    line = next(x for x in lines if x["logger"] == "django.request")
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == world.dan.pk
    assert line["tenant"] == f"municipality:{world.muni_b.pk}"


def test_metrics_count_the_database_time_and_statements_of_requests(client, db):
    def figures():
        body = client.get("/metrics").content.decode()
        count = re.search(r"^roadmaps_request_db_seconds_count (\S+)$", body, re.M)
        queries = re.search(r"^roadmaps_request_db_queries_total (\S+)$", body, re.M)
        assert count and queries, body[:2000]
        return float(count.group(1)), float(queries.group(1))

    client.get("/login/")  # the metrics are made at the first request of a process
    requests_before, queries_before = figures()
    user = get_user_model().objects.create_user("metered", password="Metered-2026!")
    client.force_login(user)
    assert client.get("/").status_code == 200  # reads the session, the user, memberships
    requests_after, queries_after = figures()
    # The home page and the first /metrics were timed; the home page ran statements.
    assert requests_after >= requests_before + 2
    assert queries_after >= queries_before + 3
