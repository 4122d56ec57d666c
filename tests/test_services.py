"""The real PostgreSQL and Redis. On a laptop without them these skip; with
CI=true they fail instead, so CI never passes without having used them."""

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_service

pytestmark = pytest.mark.services


def test_ci_runs_the_suite_on_postgresql(db):
    require_service(
        "PostgreSQL", connection.vendor == "postgresql", f"DATABASE_URL gives {connection.vendor}"
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 14


def _redis_ok():
    if not settings.REDIS_URL:
        return False, "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return False, str(exc)
    return True, ""


def test_redis_is_the_celery_broker_when_redis_url_is_set():
    ok, why = _redis_ok()
    require_service("Redis", ok, why)
    from config.celery import app

    assert app.conf.broker_url == settings.REDIS_URL
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_through_redis():
    ok, why = _redis_ok()
    require_service("Redis", ok, why)
    from celery.contrib.testing.worker import start_worker

    from config.celery import app, ping

    app.conf.task_always_eager = False  # the suite's fixture made it inline
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert ping.delay().get(timeout=30) == "pong"
