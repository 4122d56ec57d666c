"""The fixed cast.

Region «Альфа-край» holds municipality A («Альфаград») with two schools and
municipality B («Бетаград») with one school. Alice is the regional analyst,
Bob the official of A, Carol the deputy of school A1, Dan the official of B,
Victor a read-only viewer of A, Mia a methodist of A; Gina is the analyst
of another region («Гамма-область»). Names carry markers
(«Альфа», «Бета») that the isolation sweep looks for in responses.
"""

import importlib
import os
from dataclasses import dataclass, field

import pytest

from tests import factories as f

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# A Redis address where nothing listens (tests of the product with Redis down).
DEAD_REDIS = "redis://127.0.0.1:6390/0"

pytest_plugins = ["tests.browser"]


@dataclass
class World:
    region: object
    other_region: object
    muni_a: object
    muni_b: object
    school_a1: object
    school_a2: object
    school_b1: object
    body_a: object
    body_b: object
    alice: object
    bob: object
    carol: object
    dan: object
    victor: object
    mia: object
    gina: object
    # Strings that only objects of municipality A (and of its region) carry.
    municipality_markers: tuple = ("Альфаград", "Альфа-школа", "Альфа-орган")
    region_markers: tuple = ("Альфа-край", "Бетаград", "Бета-школа")
    # What each app adds to the world (roadmaps, results…), by name.
    extra: dict = field(default_factory=dict)


def _restores_serialized_rows(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("serialized_rollback"))


@pytest.hookimpl(trylast=True)  # after pytest-django has put the transactional tests last
def pytest_collection_modifyitems(items):
    """The tests that restore the database's serialized rows (the migration tests) run
    first among the transactional ones. After another transactional test's flush,
    the content types are made again under new ids, and restoring the serialized rows
    would then meet each of them twice (a unique violation at set-up); before any
    flush, and after one of their own (which does not re-create them), they load."""
    serialized = [item for item in items if _restores_serialized_rows(item)]
    if not serialized:
        return
    rest = [item for item in items if not _restores_serialized_rows(item)]
    first = next(
        (
            index
            for index, item in enumerate(rest)
            if (marker := item.get_closest_marker("django_db"))
            and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
        ),
        len(rest),
    )
    items[:] = rest[:first] + serialized + rest[first:]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def login_throttling_off(settings):
    """Tests log in many times from one address; tests/schools/test_security.py turns it on."""
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run inline in tests; tests/test_services.py runs a real worker on purpose."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Files written by a test stay in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    region = f.region(code="77", name="Альфа-край")
    other_region = f.region(code="66", name="Гамма-область")
    muni_a = f.municipality(region=region, name="Альфаград", code="A")
    muni_b = f.municipality(region=region, name="Бетаград", code="B")
    school_a1 = f.school(
        municipality=muni_a, name="Альфа-школа №1", code="770001", fis_login="edu770001"
    )
    school_a2 = f.school(
        municipality=muni_a,
        name="Альфа-школа №2",
        code="770002",
        kind="gymnasium",
        locality="rural",
    )
    school_b1 = f.school(
        municipality=muni_b, name="Бета-школа №1", code="770101", fis_login="edu770101"
    )
    f.school(municipality=f.municipality(region=other_region, name="Гаммаполь"), name="Гамма-школа")
    body_a = f.body(municipality=muni_a, name="Альфа-орган управления образованием")
    body_b = f.body(municipality=muni_b, name="Бета-орган управления образованием")
    world = World(
        region=region,
        other_region=other_region,
        muni_a=muni_a,
        muni_b=muni_b,
        school_a1=school_a1,
        school_a2=school_a2,
        school_b1=school_b1,
        body_a=body_a,
        body_b=body_b,
        alice=f.user("alice", role=f.Role.REGIONAL_ANALYST, node=region),
        bob=f.user("bob", role=f.Role.MUNICIPAL_OFFICIAL, node=muni_a),
        carol=f.user("carol", role=f.Role.SCHOOL_DEPUTY, node=school_a1),
        dan=f.user("dan", role=f.Role.MUNICIPAL_OFFICIAL, node=muni_b),
        victor=f.user("victor", role=f.Role.VIEWER, node=muni_a),
        mia=f.user("mia", role=f.Role.METHODIST, node=muni_a),
        gina=f.user("gina", role=f.Role.REGIONAL_ANALYST, node=other_region),
    )
    # Each app may add its objects: tests/<app>/world.py defines populate(world),
    # which must put at least one object of every model of the app inside
    # municipality A (the isolation sweep needs them) and one inside B.
    for app in ("roadmaps", "assessments", "reports"):
        try:
            module = importlib.import_module(f"tests.{app}.world")
        except ModuleNotFoundError as missing:
            if missing.name != f"tests.{app}.world":
                raise
            continue
        module.populate(world)
    return world


def require_service(name: str, available: bool, why: str):
    """Skip a service test on a laptop without the service; fail it in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{name} is required in CI but is not available: {why}")
    pytest.skip(f"{name} is not available here ({why}); CI runs this test")


@pytest.fixture
def redis_down(settings):
    """Cache and broker both at a port where nothing listens, as in production
    settings (the real backends and timeouts, not mocks)."""
    from config.cache import TolerantRedisCache
    from config.celery import app

    settings.REDIS_URL = DEAD_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    TolerantRedisCache.reset()
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = DEAD_REDIS, False
    app._pool, app.amqp._producer_pool = None, None
    yield
    app.conf.broker_url, app.conf.task_always_eager = previous
    app._pool, app.amqp._producer_pool = None, None
    TolerantRedisCache.reset()
