"""Server time and SQL queries of every page and API list of the load mix, one user
at a time, against the figures taken before the optimisation.

    .venv/bin/python bench/bench_pages.py                 # prints the table
    .venv/bin/python bench/bench_pages.py --save-before   # writes bench/results/pages-before.json

Builds the load region (bench/load/make_region.py: 1,000 schools, 10,000 measures)
in its own PostgreSQL database when it is missing (or with --rebuild), starts
gunicorn with one worker and one thread on a port of this helper, production
settings (DEBUG off, the manifest static storage, Redis cache when REDIS_URL is
set) plus BENCH_SERVER_TIMING=true, which adds config.timing's middleware: every
response carries its server time (first middleware in, response out: session,
auth, view, template) and the number of SQL statements in a Server-Timing header.
Logs in as each role of bench/load/locustfile.py and requests each page once to
warm up and then --runs times; prints the median server time, the query count and
the serving thread's CPU time (SQL time and the wall time on loopback go to the
JSON too). It waits for a quiet machine (--quiet) and prints the load average
before and after: figures taken while the machine is busy are not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import production_env  # bench/production_env.py, beside this script
import requests

ROOT = Path(__file__).resolve().parents[1]
BEFORE = ROOT / "bench" / "results" / "pages-before.json"
PASSWORD = "Load-2026!"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMING = re.compile(r"app;dur=([\d.]+), cpu;dur=([\d.]+), db;dur=([\d.]+), sql;desc=\"(\d+)\"")

# Who opens what, every day: the load mix of bench/load/locustfile.py first, then
# the pages a person of that role opens daily besides. A path holding "{name}" is
# filled from a link found on an earlier page (FIND below).
PAGES = [
    ("official01", "/ (official)", "/"),
    ("official01", "/roadmaps/ (official)", "/roadmaps/"),
    ("official01", "/roadmaps/[id]/ (official, municipal)", "/roadmaps/{municipal_roadmap}/"),
    ("official01", "/roadmaps/[id]/ (official, school)", "/roadmaps/{roadmap}/"),
    ("official01", "/roadmaps/reports/", "/roadmaps/reports/"),
    ("official01", "/roadmaps/reports/[id]/ (official)", "/roadmaps/reports/{report}/"),
    ("official01", "/schools/", "/schools/"),
    ("official01", "/municipalities/[id]/ (official)", "/municipalities/{municipality}/"),
    ("official01", "/assessments/objectivity/ (official)", "/assessments/objectivity/"),
    ("deputy980001", "/ (deputy)", "/"),
    ("deputy980001", "/roadmaps/my/", "/roadmaps/my/"),
    ("deputy980001", "/roadmaps/ (deputy)", "/roadmaps/"),
    ("deputy980001", "/roadmaps/[id]/ (deputy, municipal)", "/roadmaps/{municipal_roadmap}/"),
    ("deputy980001", "/roadmaps/[id]/ (deputy, school)", "/roadmaps/{school_roadmap}/"),
    ("deputy980001", "/roadmaps/assignments/[id]/report/", "/roadmaps/assignments/{assignment}/report/"),
    ("deputy980001", "/schools/[id]/ (deputy)", "/schools/{school}/"),
    ("deputy980001", "/account/notifications/", "/account/notifications/"),
    ("methodist01", "/ (methodist)", "/"),
    ("methodist01", "/documents/", "/documents/"),
    ("methodist01", "/assessments/analytics/", "/assessments/analytics/"),
    ("analyst", "/ (analyst)", "/"),
    ("analyst", "/municipalities/", "/municipalities/"),
    ("analyst", "/roadmaps/ (analyst)", "/roadmaps/"),
    ("analyst", "/api/v1/schools/?page=10", "/api/v1/schools/?page=10"),
    ("analyst", "/api/v1/measures/?page=50", "/api/v1/measures/?page=50"),
    ("analyst", "/api/v1/assignments/?page=50", "/api/v1/assignments/?page=50"),
    ("analyst", "/api/v1/roadmaps/", "/api/v1/roadmaps/"),
    ("analyst", "/api/v1/progress-reports/?page=50", "/api/v1/progress-reports/?page=50"),
]  # fmt: skip
# name: (page to read, pattern of the link); the first match is taken, so the same
# region gives the same object every time. The list is newest first, so its first
# roadmap is a school's (one made from the municipal roadmap: its hundred measures
# copied): the municipal roadmap (a hundred measures, the cascade of its schools) is
# found through the list's level filter.
FIND = {
    "roadmap": ("/roadmaps/", r'href="/roadmaps/(\d+)/"'),
    "municipal_roadmap": ("/roadmaps/?level=municipality", r'href="/roadmaps/(\d+)/"'),
    "report": ("/roadmaps/reports/", r'href="/roadmaps/reports/(\d+)/"'),
    "municipality": ("/municipalities/", r'href="/municipalities/(\d+)/"'),
    "assignment": ("/roadmaps/my/", r'href="/roadmaps/assignments/(\d+)/report/"'),
    "school": ("/", r'href="/schools/(\d+)/"'),
}


def database_exists(name: str) -> bool:
    listing = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SELECT datname FROM pg_database"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return name in listing


def server_env(database: str, port: int) -> dict:
    env = dict(os.environ)
    env.update(
        production_env.production_env(
            database,
            "pages",
            CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}",
            BENCH_SERVER_TIMING="true",
        )
    )
    return env


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    python = str(ROOT / ".venv" / "bin" / "python")
    # A region built before the latest migrations (indexes) gets them first.
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--threads=1",
            "--worker-class=gthread",
            "--keep-alive=75",
            "--access-logfile=/dev/null",
            f"--error-logfile={log}",
        ],
        cwd=ROOT,
        env=env,
    )
    # The first request loads the URL configuration (seconds on a busy machine).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=60).ok:
                return server
        except requests.RequestException:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer within two minutes; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def timing(response) -> dict:
    """The Server-Timing figures of a response: server, CPU and SQL ms, and queries."""
    found = TIMING.search(response.headers.get("Server-Timing", ""))
    if not found:
        raise SystemExit(f"no Server-Timing header on {response.url}: is BENCH_SERVER_TIMING on?")
    app, cpu, db, queries = found.groups()
    return {"ms": float(app), "cpu_ms": float(cpu), "db_ms": float(db), "queries": int(queries)}


def summary(samples: list[dict]) -> dict:
    """Medians of the timed samples; the largest query count, and whether it varied."""
    counts = {s["queries"] for s in samples}
    out = {
        key: round(statistics.median(s[key] for s in samples), 1)
        for key in ("ms", "cpu_ms", "db_ms", "wall_ms")
    }
    return {**out, "queries": max(counts), "queries_varied": len(counts) > 1}


def wait_for_quiet(threshold: float, patience: float) -> None:
    """Wait (up to `patience` seconds) until the one-minute load average is below
    `threshold`: other people's work on a 2-core machine doubles a page's time."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        print(f"  waiting for a quiet machine: load {os.getloadavg()[0]:.2f}", flush=True)
        time.sleep(20)


def login(base: str, username: str) -> tuple[requests.Session, dict]:
    """A logged-in session, and the login POST's figures."""
    session = requests.Session()
    token = CSRF.search(session.get(f"{base}/login/").text).group(1)
    started = time.perf_counter()
    response = session.post(
        f"{base}/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
    )
    wall = (time.perf_counter() - started) * 1000
    if response.status_code != 302:
        raise SystemExit(f"login of {username} failed: {response.status_code}")
    return session, {**timing(response), "wall_ms": wall}


def measure(session, url: str, runs: int) -> dict:
    """One warm-up request, then `runs` timed ones: medians and the query counts seen."""
    response = session.get(url)
    response.raise_for_status()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = session.get(url)
        wall = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        samples.append({**timing(response), "wall_ms": wall})
    return summary(samples)


def run_pages(base: str, runs: int, only: list[str] | None = None) -> dict:
    figures: dict[str, dict] = {}
    sessions: dict[str, requests.Session] = {}
    found: dict[str, dict[str, str]] = {}
    pages = [page for page in PAGES if not only or any(word in page[1] for word in only)]
    for username in dict.fromkeys(user for user, _label, _path in pages):
        logins = [login(base, username) for _ in range(runs + 1)][1:]
        sessions[username] = logins[-1][0]
        figures[f"login POST ({username})"] = summary([figure for _session, figure in logins])
    for username, label, path in pages:
        session = sessions[username]
        names = re.findall(r"{(\w+)}", path)
        values = found.setdefault(username, {})
        for name in names:
            if name == "school_roadmap":
                # The school's own plan: the listed roadmap whose owner is a school
                # (the list shows «owner: ДК …»; make_region names schools «Школа №…»).
                text = session.get(f"{base}/roadmaps/").text
                match = re.search(r'href="/roadmaps/(\d+)/">Школа ', text)
            else:
                page, pattern = FIND[name]
                match = re.search(pattern, session.get(f"{base}{page}").text)
            if not match:
                raise SystemExit(f"{username}: no link for {name} ({label})")
            values[name] = match.group(1)
        figures[label] = measure(session, f"{base}{path.format(**values)}", runs)
        figure = figures[label]
        print(
            f"  {label:<48} {figure['ms']:>8.1f} ms (cpu {figure['cpu_ms']:>6.1f}, "
            f"sql {figure['db_ms']:>6.1f}) {figure['queries']:>4} q",
            flush=True,
        )
    return figures


def git_commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


def print_table(now: dict, before: dict | None) -> None:
    """The table of the issue, plus the serving thread's CPU time (which a busy
    machine inflates less than the server time)."""
    old = (before or {}).get("pages", {})
    print("\n| page | before ms | now ms | queries before | queries now | cpu before | cpu now |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, figure in now.items():
        was = old.get(label, {})
        print(
            f"| {label} | {was.get('ms', '—')} | {figure['ms']} | "
            f"{was.get('queries', '—')} | {figure['queries']}"
            f"{' (varied)' if figure['queries_varied'] else ''} | "
            f"{was.get('cpu_ms', '—')} | {figure['cpu_ms']} |"
        )


def main():
    parser = argparse.ArgumentParser()
    # The database of bench/load/run.sh: one build of the region serves both.
    parser.add_argument("--database", default="roadmaps_load")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("HELPER_PORT_BASE", "8600")) + 10
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build the load region again")
    parser.add_argument(
        "--quiet", type=float, default=1.0, help="wait for a one-minute load average below this"
    )
    parser.add_argument("--patience", type=float, default=1800, help="seconds to wait for it")
    parser.add_argument("--save-before", action="store_true", help=f"write {BEFORE.name}")
    parser.add_argument(
        "--only",
        action="append",
        help="measure only the pages whose label holds this text (repeatable)",
    )
    args = parser.parse_args()

    python = str(ROOT / ".venv" / "bin" / "python")
    if args.rebuild or not database_exists(args.database):
        subprocess.run(
            [python, "bench/load/make_region.py", "--database", args.database], cwd=ROOT, check=True
        )
    env = server_env(args.database, args.port)
    log = Path(f"/tmp/bench-pages-{args.port}.log")
    wait_for_quiet(args.quiet, args.patience)
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    server = start_server(env, args.port, log)
    try:
        figures = run_pages(f"http://127.0.0.1:{args.port}", args.runs, args.only)
    finally:
        stop_server(server)
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else None
    print_table(figures, None if args.save_before else before)
    if args.save_before:
        BEFORE.parent.mkdir(parents=True, exist_ok=True)
        BEFORE.write_text(
            json.dumps(
                {
                    "taken": datetime.now(UTC).isoformat(timespec="seconds"),
                    "commit": git_commit(),
                    "command": "bench/bench_pages.py --save-before",
                    "method": (
                        "gunicorn 1 worker 1 thread (gthread), production settings, "
                        f"cache {'Redis' if env.get('REDIS_URL') else 'local memory'}; "
                        f"median of {args.runs} after one warm-up; ms = server time from "
                        "Server-Timing (config.timing, first middleware), wall_ms = loopback"
                    ),
                    "load_average": [round(x, 2) for x in (*load_before, *load_after)],
                    "pages": figures,
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )
        print(f"\nwritten {BEFORE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
