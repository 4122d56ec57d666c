"""The web survives a PostgreSQL restart without being restarted itself.

A throwaway PostgreSQL cluster of the test's own (initdb in a temporary folder,
its own port and socket folder: the machine's PostgreSQL is never touched),
the project migrated into it, gunicorn serving it with persistent connections;
the cluster restarts under it, and the very next request answers (the brief
allowed one failure; CONN_HEALTH_CHECKS replaces the dead connection first)."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path

import pytest

from tests.conftest import require_service

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parent.parent


def _pg_bin() -> Path | None:
    for version in ("17", "16", "15", "14"):
        folder = Path(f"/usr/lib/postgresql/{version}/bin")
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the cluster as `postgres` then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _get(base: str, path: str, headers=None) -> int:
    """The status of GET base+path; 0 when nothing answers."""
    host, port = base.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=15)
    try:
        connection.request("GET", path, headers=headers or {})
        return connection.getresponse().status
    except (ConnectionError, TimeoutError, OSError):
        return 0
    finally:
        connection.close()


@pytest.fixture
def cluster():
    pg = _pg_bin()
    require_service("PostgreSQL binaries", pg is not None, "initdb and pg_ctl not found")
    if os.geteuid() == 0:
        require_service("the postgres user", shutil.which("runuser") is not None, "no runuser")
    folder = Path(tempfile.mkdtemp(prefix="pg-restart-"))
    data, port = folder / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(
        _as_owner([str(pg / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    ctl = [str(pg / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w"]
    subprocess.run(_as_owner([*ctl, "start"]), check=True, capture_output=True)
    try:
        yield {
            "port": port,
            "restart": lambda: subprocess.run(
                _as_owner([*ctl, "-m", "fast", "restart"]), check=True, capture_output=True
            ),
        }
    finally:
        subprocess.run(_as_owner([*ctl, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def web(cluster):
    """The project migrated into the cluster and served by gunicorn (one worker,
    connections kept between requests, as in production)."""
    import psycopg

    with psycopg.connect(
        f"host=127.0.0.1 port={cluster['port']} user=postgres dbname=postgres", autocommit=True
    ) as connection:
        connection.execute("CREATE DATABASE roadmaps")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{cluster['port']}/roadmaps",
        "REDIS_URL": "",
        "CONN_MAX_AGE": "600",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DJANGO_PROFILE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if _get(base, "/healthz"):
                break
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_web_answers_again_after_postgresql_restarts(cluster, web):
    assert _get(web, "/healthz") == 200  # a query through the kept connection

    cluster["restart"]()

    # The first request after the restart already answers: its dead connection is
    # noticed and replaced before use (without CONN_HEALTH_CHECKS it is a 503 here,
    # a 500 on any other page).
    assert [_get(web, "/healthz") for _ in range(3)] == [200, 200, 200]
