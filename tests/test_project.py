"""The project as a newcomer and an operator meet it: settings, compose, the demo."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from schools.demo import DEMO_PASSWORD, USERS
from schools.models import Membership, School

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env=None, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def clean_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_PROFILE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(extra)
    return env


def test_production_profile_passes_check_deploy():
    env = clean_env(
        DJANGO_PROFILE="production",
        SECRET_KEY="x" * 60 + "-production-secret-0123456789",
        ALLOWED_HOSTS="roadmaps.example.ru",
        DEBUG="false",
    )
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_profile_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env=clean_env(DJANGO_PROFILE="production", SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_demo_command_builds_a_working_sqlite_site_from_nothing(tmp_path):
    """What `make run` does before it starts the server, on a fresh SQLite file."""
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    assert run_manage("migrate", "--noinput", env=env).returncode == 0
    first = run_manage("load_demo", env=env)
    assert first.returncode == 0, first.stderr
    assert DEMO_PASSWORD in first.stdout and "official" in first.stdout
    again = run_manage("load_demo", env=env)
    assert again.returncode == 0 and again.stdout == first.stdout


def test_demo_is_idempotent_and_believable(db):
    call_command("load_demo", stdout=io.StringIO())
    counts = (School.objects.count(), Membership.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (School.objects.count(), Membership.objects.count()) == counts
    assert counts[0] >= 30
    assert School.objects.filter(short_name="МБОУ СОШ №4 имени В.Н. Носова").exists()
    assert {role for _, _, role, _, _ in USERS} >= {
        "regional_analyst",
        "municipal_official",
        "methodist",
        "school_deputy",
        "viewer",
    }


@pytest.mark.parametrize("username", [u[0] for u in USERS])
def test_every_demo_user_logs_in_and_sees_a_home_page_of_their_role(client, db, username):
    call_command("load_demo", stdout=io.StringIO())
    response = client.post(
        "/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == username
    membership = Membership.objects.get(user__username=username)
    html = response.content.decode()
    assert membership.get_role_display().capitalize() in html
    assert str(membership.node) in html


def test_login_with_a_wrong_password_says_so_in_russian(client, db):
    call_command("load_demo", stdout=io.StringIO())
    response = client.post("/login/", {"username": "official", "password": "wrong"})
    assert "Неверное имя пользователя или пароль" in response.content.decode()


def test_navigation_shows_only_what_the_role_may_use(client, world):
    client.force_login(world.carol)
    html = client.get("/").content.decode()
    assert "Администрирование" not in html
    assert 'href="/schools/"' in html


def test_docker_compose_describes_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "redis", "migrate", "web", "worker", "worker-checks", "beat"}
    for name in ("db", "redis", "web", "worker", "worker-checks"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    assert "/health/ready" in " ".join(services["web"]["healthcheck"]["test"])
    assert set(compose["volumes"]) >= {"pgdata", "minio", "backups"}
    # Migrations run once, as a job the web and the workers wait for.
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    web = services["web"]
    assert "gunicorn" in web["command"] and "migrate" not in web["command"]
    env = web["environment"]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
    assert env["CACHE_URL"].startswith("redis://redis:")
    assert env["CELERY_BROKER_URL"].rsplit("/", 1)[1] != env["CACHE_URL"].rsplit("/", 1)[1]
    queues = set()
    for name in ("worker", "worker-checks"):
        command = services[name]["command"]
        assert "worker" in command
        queues |= set(command[command.index("-Q") + 1].split(","))
    assert queues == {"celery", "imports", "checks", "documents"}
    assert "beat" in services["beat"]["command"]
    for name in ("web", "worker", "worker-checks", "beat"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    # Stored files in MinIO: a pinned image with a healthcheck and a volume, a one-off
    # job that makes the private bucket; the web and the workers are pointed at it.
    minio = services["minio"]
    assert minio["image"].startswith("minio/minio:RELEASE.")
    assert "healthcheck" in minio and minio["volumes"] == ["minio:/data"]
    bucket = services["minio-bucket"]
    assert bucket["image"].startswith("minio/mc:RELEASE.")
    assert bucket["depends_on"]["minio"]["condition"] == "service_healthy"
    job = " ".join(bucket["command"])
    assert "mc mb --ignore-existing" in job and "mc anonymous set none" in job
    assert bucket["restart"] == "no"
    for name in ("web", "worker", "worker-checks", "beat"):
        service = services[name]
        env = service["environment"]
        assert env["S3_ENDPOINT_URL"].endswith("://minio:9000}")
        for key in ("S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_REGION"):
            assert env[key], (name, key)
        assert service["depends_on"]["minio-bucket"]["condition"] == (
            "service_completed_successfully"
        )
        assert not any("/data/media" in v for v in service.get("volumes", [])), name
    assert re.fullmatch(
        r"\$\{S3_SECRET_KEY:\?[^}]*\}", services["web"]["environment"]["S3_SECRET_KEY"]
    )
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install" in dockerfile and "-c constraints.txt" in dockerfile
    assert "\nUSER app" in dockerfile and "gunicorn" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "media", "db.sqlite3", ".git"} <= set(ignored)


def test_docker_compose_refuses_to_start_without_a_secret_key():
    """No published fallback key: compose stops with a message when SECRET_KEY is unset."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("migrate", "web", "worker", "worker-checks", "beat"):
        value = compose["services"][name]["environment"]["SECRET_KEY"]
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*SECRET_KEY[^}]*\}", value), (name, value)
    assert "change-me" not in (ROOT / "docker-compose.yml").read_text()


def test_constraints_pin_every_dependency_exactly():
    pins = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert all(
        "==" in line
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    names = {
        re.split(r"[<>=\[ ]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in wanted
    }
    assert names - pins == set()


def test_healthz_answers_while_the_database_does(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_interface_is_russian_whatever_language_the_browser_asks_for(client, db):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Вход в систему" in html
    assert 'lang="ru"' in html
    from django.conf import settings

    # No other language is offered, so none is claimed.
    assert dict(settings.LANGUAGES).keys() == {"ru"}
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 404
    assert os.environ.get("TIME_ZONE", "Europe/Moscow") == settings.TIME_ZONE


def test_the_menu_marks_exactly_the_section_the_page_belongs_to(client, world):
    client.force_login(world.bob)
    html = client.get("/assessments/analytics/").content.decode()
    assert html.count('aria-current="page"') == 1
    assert '<a href="/assessments/analytics/" aria-current="page">' in html
