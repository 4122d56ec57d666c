"""The production smoke test: the stack as docker-compose runs it, without Docker.

On this machine's PostgreSQL (a fresh database) and Redis: migrations, collectstatic,
gunicorn with DJANGO_PROFILE=production, a real Celery worker on every queue and
Celery beat. Chromium opens pages as each role and checks that every style and
script loads (no 4xx/5xx, no CSP violation or other error in the console), that an
import's and a check run's progress bars move to 100 % (both are queued before the
worker starts, so the bars are seen moving), and that a document is built by the
worker and downloaded. The README's production section uses the same commands.

Plain HTTP here: SECURE_SSL_REDIRECT and the secure-cookie flags are turned off
through their environment variables; everything else is the production profile.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests import factories as f
from tests.browser import ARTIFACTS
from tests.conftest import require_service

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
QUEUES = "celery,imports,checks,documents"
FORM = ROOT / "tests/data/vpr-result-form-example.xlsx"


def free_port() -> int:
    base = os.environ.get("HELPER_PORT_BASE")
    candidates = range(int(base) + 10, int(base) + 99) if base else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


def postgres_admin():
    """A connection to the server of DATABASE_URL, for CREATE/DROP DATABASE."""
    import psycopg

    db = settings.DATABASES["default"]
    require_service(
        "PostgreSQL", db["ENGINE"].endswith("postgresql"), f"DATABASE_URL gives {db['ENGINE']}"
    )
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


class Stack:
    """The processes of the production shape, their logs, and their environment."""

    def __init__(self, folder: Path, port: int, env: dict):
        self.folder, self.port, self.env = folder, port, env
        self.url = f"http://127.0.0.1:{port}"
        self.processes: dict[str, subprocess.Popen] = {}

    def run(self, *args, timeout=180):
        started = time.monotonic()
        done = subprocess.run(
            args, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done, time.monotonic() - started

    def start(self, name: str, *args):
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self):
        """Stop every process; their logs are kept in test-artifacts/smoke-*.log."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        ARTIFACTS.mkdir(exist_ok=True)
        for name in self.processes:
            (ARTIFACTS / f"smoke-{name}.log").write_text(self.log(name))

    def wait_until_up(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.processes["web"].poll() is None, self.log("web")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError("gunicorn did not answer /healthz:\n" + self.log("web"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    import redis

    ok = bool(settings.REDIS_URL)
    if ok:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError:
            ok = False
    require_service("Redis", ok, f"REDIS_URL={settings.REDIS_URL!r} does not answer")
    name = f"{settings.DATABASES['default']['NAME']}_smoke"
    with postgres_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    # Nothing queued by an earlier run may reach this worker.
    redis.Redis.from_url(settings.REDIS_URL).delete(*QUEUES.split(","), "unacked", "unacked_index")

    folder = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "SECURE_")) and k not in {"DEBUG"}
    }
    env.update(
        DJANGO_PROFILE="production",
        SECRET_KEY="smoke-" + "s3cr3t-" * 8,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=database_url(name),
        REDIS_URL=settings.REDIS_URL,
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        PYTHONUNBUFFERED="1",
        PROMETHEUS_MULTIPROC_DIR=str(folder / "prometheus"),
    )
    stack = Stack(folder, port, env)
    timings = {}
    try:
        # migrate and collectstatic are independent (the image runs collectstatic at
        # build time, compose runs migrate as a one-off job): side by side here.
        started = time.monotonic()
        stack.start(
            "collectstatic",
            sys.executable,
            "manage.py",
            "collectstatic",
            "--noinput",
            "--ignore",
            "redoc",
        )
        _, timings["migrate"] = stack.run(sys.executable, "manage.py", "migrate", "--noinput")
        assert stack.processes["collectstatic"].wait(timeout=300) == 0, stack.log("collectstatic")
        timings["migrate+collectstatic"] = time.monotonic() - started
        started = time.monotonic()
        stack.start(
            "web",
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--config",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        )
        stack.start(
            "beat",
            str(BIN / "celery"),
            "-A",
            "config",
            "beat",
            "--loglevel=info",
            f"--schedule={folder / 'celerybeat-schedule'}",
        )
        _, timings["seed"] = stack.run(
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from tests.production.seed import seed; seed()",
        )
        stack.wait_until_up()
        timings["gunicorn, beat, seed"] = time.monotonic() - started
        stack.timings = timings
        yield stack
    finally:
        stack.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "smoke-timings.txt").write_text(
            " ".join(f"{k}={v:.1f}s" for k, v in timings.items()) + "\n"
        )
        with postgres_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Watch:
    """Everything that went wrong on a page: failed responses, console errors (CSP
    violations among them), uncaught script errors."""

    def __init__(self, page, base):
        self.problems: list[str] = []
        self.base = base
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def _failed(self, request):
        # A download ends its navigation as "aborted": that is the browser's way.
        if not (request.url.endswith("/download/") and request.failure == "net::ERR_ABORTED"):
            self.problems.append(f"failed {request.url}: {request.failure}")

    def _console(self, message):
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")


def open_as(browser, stack, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(30000)
    watch = Watch(page, stack.url)
    page.goto(f"{stack.url}/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(f.PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    return page, watch


def styled(page) -> bool:
    """app.css applied: the top bar has its dark background."""
    colour = page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
    return colour == "rgb(20, 54, 95)"


def progress_seen(page, pattern: str) -> list[dict]:
    """Every answer the page's poller gets from a progress URL, read on the way (the
    page reloads as soon as one says done, so the answers are taken from the route)."""
    seen = []

    def record(route):
        response = route.fetch()
        seen.append(response.json())
        route.fulfill(response=response)

    page.route(re.compile(pattern), record)
    return seen


def test_the_production_stack_serves_every_role(stack, browser):
    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    watches = {}

    # Static files: hashed names, compressed, cached for good, from gunicorn.
    page, watches["viewer"] = open_as(browser, stack, "viewer")
    assert styled(page)
    href = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", href), href
    request = urllib.request.Request(stack.url + href, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]
        assert b".topbar" in gzip.decompress(response.read())
    for path in ("/", "/roadmaps/", "/assessments/analytics/"):
        page.goto(stack.url + path)
        assert styled(page), path

    # The deputy uploads results and the analyst orders a check while no worker runs:
    # both bars stand queued at their start.
    deputy, watches["deputy"] = open_as(browser, stack, "deputy")
    deputy.goto(f"{stack.url}/assessments/imports/")
    deputy.get_by_label("Файл результатов").set_input_files(str(FORM))
    deputy.get_by_label("Процедура").select_option(index=1)
    deputy.get_by_role("button", name="Загрузить").click()
    expect(deputy.locator("#batch-status")).to_have_text("в очереди")
    import_polls = progress_seen(deputy, r"/assessments/imports/\d+/progress/")

    analyst, watches["analyst"] = open_as(browser, stack, "analyst")
    analyst.goto(f"{stack.url}/assessments/objectivity/")
    analyst.get_by_label("Год").fill("2025")
    analyst.get_by_label("Где проверить").select_option(label="Весь регион: Край проверки")
    analyst.get_by_role("button", name="Запустить проверку").click()
    expect(analyst.locator("#run-progress")).to_be_visible()
    check_polls = progress_seen(analyst, r"/assessments/objectivity/runs/\d+/progress/")
    assert int(analyst.locator("#run-progress").get_attribute("value")) < 100

    stack.start(
        "worker",
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "-Q",
        QUEUES,
        "--concurrency=2",
        "--loglevel=info",
        "-n",
        "smoke@%h",
    )
    expect(deputy.locator("#batch-status")).to_have_text("загружен", timeout=60000)
    expect(deputy.locator("#batch-progress")).to_have_attribute("value", "100")
    expect(deputy.get_by_text("Участников: 18")).to_be_visible()
    assert import_polls and import_polls[-1]["progress"] == 100, import_polls
    expect(analyst.locator("#flag-table")).to_be_visible(timeout=60000)
    assert check_polls and check_polls[-1] == {**check_polls[-1], "status": "done", "progress": 100}
    deputy.screenshot(path=str(ARTIFACTS / "smoke-import-done.png"), full_page=True)

    # The official orders the roadmap's order; the worker builds it; it downloads.
    official, watches["official"] = open_as(browser, stack, "official")
    official.goto(f"{stack.url}/documents/")
    # The card by its heading: other cards' roadmap choices name orders too.
    card = official.locator("article.card").filter(
        has=official.get_by_role("heading", name="Приказ об утверждении дорожной карты")
    )
    card.locator("select[name=roadmap]").select_option(index=1)
    card.get_by_role("button", name="Построить").click()
    download_link = official.get_by_role("link", name="Скачать PDF")
    expect(download_link).to_be_visible(timeout=60000)
    expect(official.locator("#job-progress")).to_have_attribute("value", "100")
    with official.expect_download() as download:
        download_link.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    official.screenshot(path=str(ARTIFACTS / "smoke-document-done.png"), full_page=True)
    # The same document in the browser, its print CSS from the static files.
    official.goto(f"{stack.url}/documents/")
    card.locator("select[name=roadmap]").select_option(index=1)
    with official.expect_popup() as popup:
        card.get_by_role("button", name="Просмотр").click()
    preview = popup.value
    preview_watch = Watch(preview, stack.url)
    preview.wait_for_load_state()
    assert preview.evaluate("getComputedStyle(document.body).fontFamily").startswith(
        '"Times New Roman"'
    )
    watches["preview"] = preview_watch

    # The methodist, and the API's documentation page with its own assets.
    methodist, watches["methodist"] = open_as(browser, stack, "methodist")
    for path in ("/", "/roadmaps/", "/assessments/objectivity/"):
        methodist.goto(stack.url + path)
        assert styled(methodist), path
    analyst.goto(f"{stack.url}/api/v1/docs/")
    expect(analyst.locator(".swagger-ui .info .title")).to_contain_text("Дорожные карты")
    analyst.screenshot(path=str(ARTIFACTS / "smoke-swagger.png"), full_page=True)

    # What an operator watches: readiness sees the worker on every queue; the metrics
    # count the tasks the worker ran; every log line is JSON with its request id.
    with urllib.request.urlopen(f"{stack.url}/health/ready", timeout=10) as response:
        ready = json.load(response)
    assert ready["status"] == "ok", ready
    assert set(ready["checks"]["workers"]["queues"].values()) == {"ok"}, ready
    with urllib.request.urlopen(f"{stack.url}/metrics", timeout=10) as response:
        metrics = response.read().decode()
    for task in ("assessments.import_batch", "assessments.run_checks", "reports.build_document"):
        assert f'roadmaps_celery_tasks_total{{state="SUCCESS",task="{task}"}}' in metrics, task
    # Database time per request, joined across gunicorn's processes.
    assert (
        "roadmaps_request_db_seconds_count" in metrics
        and "roadmaps_request_db_queries_total" in metrics
    )
    assert 'roadmaps_celery_queue_length{queue="imports"} 0.0' in metrics
    assert "django_http_requests_total_by_method_total" in metrics
    web_lines = [json.loads(line) for line in stack.log("web").splitlines() if line.strip()]
    access = [x for x in web_lines if x["logger"] == "gunicorn.access"]
    assert access and all(re.search(r"request_id=[0-9a-f]{32}", x["message"]) for x in access)
    worker_lines = [
        json.loads(line) for line in stack.log("worker").splitlines() if line[:1] == "{"
    ]
    done = [x for x in worker_lines if "succeeded" in x["message"]]
    assert done and all(x["request_id"] for x in done), worker_lines[-5:]

    problems = {who: w.problems for who, w in watches.items() if w.problems}
    assert problems == {}
    assert stack.processes["beat"].poll() is None, stack.log("beat")
    assert "beat: Starting" in stack.log("beat")
    stack.timings["browser"] = time.monotonic() - started
