"""Where a management command's start-up goes: each step in a fresh process.

    .venv/bin/python bench/bench_startup.py [--runs 5] [--top 25] [--before REV]

Prints the median wall and CPU time (fresh processes, --runs each) of: the bare interpreter;
`import django; django.setup()` with the project's settings; that plus the URL
configuration (every view, API and selector module it imports); that plus the
system checks a command runs before its work; `manage.py check`; and
`manage.py import_results` on a missing file, which stops right after the start-up.
Then the heaviest imports of `manage.py check` by `python -X importtime`
(cumulative, top-level packages and the project's own modules).

With `--before REV` the same steps also run on the project's files at that commit
(`git archive` into a temporary folder, same interpreter and packages), printed side by
side, and the heavy packages each step imports are listed for both.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUP = "import django; django.setup()"
URLS = SETUP + "; from django.urls import get_resolver; get_resolver().url_patterns"
CHECKS = URLS + "; from django.core import checks; checks.run_checks()"
STEPS = [
    ("interpreter", [sys.executable, "-c", "pass"]),
    ("django.setup()", [sys.executable, "-c", SETUP]),
    ("+ URL configuration", [sys.executable, "-c", URLS]),
    ("+ system checks", [sys.executable, "-c", CHECKS]),
    ("manage.py check", [sys.executable, "manage.py", "check"]),
    (
        "manage.py import_results (start-up only)",
        [sys.executable, "manage.py", "import_results", "/nonexistent/results.csv", "--year=2025"],
    ),
]


def timed(command: list[str], runs: int, cwd: Path = ROOT) -> tuple[float, float]:
    """Median wall and CPU (user + system) seconds of the command in fresh processes:
    the CPU time is what a busy machine does not inflate."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def heavy_imported(command: list[str], cwd: Path) -> list[str]:
    """The heavy packages (HEAVY) a command imports, by `python -X importtime`."""
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], cwd=cwd, capture_output=True, text=True
    )
    names = {m.group(1).split(".")[0] for m in re.finditer(r"\| +(\S+)$", done.stderr, re.M)}
    return [package for package in HEAVY if package in names]


def checkout(rev: str) -> Path:
    """The project's files at `rev` in a temporary folder (no git worktree is made)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


HEAVY = ("scipy", "numpy", "weasyprint", "openpyxl", "docx", "python_calamine", "celery",
         "rest_framework", "drf_spectacular", "import_export", "PIL", "fontTools")  # fmt: skip


def importtime(top: int) -> tuple[list[tuple[str, float]], dict[str, list[str]]]:
    """The top-level imports of `manage.py check` by cumulative seconds, and for each
    heavy package the chain of modules through which it was first imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    pattern = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
    lines = [
        ((len(m.group(3)) - 1) // 2, m.group(4), int(m.group(1)) / 1e6, int(m.group(2)) / 1e6)
        for m in pattern.finditer(done.stderr)
    ]
    heaviest = sorted(
        ((name, total) for level, name, _own, total in lines if level == 0), key=lambda x: -x[1]
    )[:top]

    def importer(i: int) -> int:
        # Lines come children first: a module's importer is the next line one level up.
        level = lines[i][0]
        return next(j for j in range(i + 1, len(lines)) if lines[j][0] == level - 1)

    chains = {}
    for package in HEAVY:
        inside = [
            i
            for i, line in enumerate(lines)
            if line[1] == package or line[1].startswith(package + ".")
        ]
        if not inside:
            continue
        seconds = sum(lines[i][2] for i in inside)
        # The first module of the package imported from outside it, and who imported it.
        i = inside[0]
        while lines[i][0] > 0 and lines[importer(i)][1].split(".")[0] == package:
            i = importer(i)
        chain = [f"{package} ({seconds:.2f} s in {len(inside)} modules)"]
        while lines[i][0] > 0:
            i = importer(i)
            chain.append(lines[i][1])
        chains[package] = chain
    return heaviest, chains


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--before", metavar="REV", help="also run the steps at this commit")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"median of {args.runs} fresh processes:")
    if args.before:
        old = checkout(args.before)
        print(f"  {'':<44} {'before (' + args.before + ')':>27}   {'now':>23}")
        for label, command in STEPS:
            wall0, cpu0 = timed(command, args.runs, old)
            wall, cpu = timed(command, args.runs)
            print(
                f"  {label:<44} {wall0:6.2f} s wall, {cpu0:5.2f} s CPU   "
                f"{wall:6.2f} s wall, {cpu:5.2f} s CPU",
                flush=True,
            )
        print("\nheavy packages each step imports (before → now):")
        for label, command in STEPS[1:]:
            then, now = heavy_imported(command, old), heavy_imported(command, ROOT)
            print(f"  {label:<44} {', '.join(then) or '-'}\n  {'':<44} → {', '.join(now) or '-'}")
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        return
    for label, command in STEPS:
        wall, cpu = timed(command, args.runs)
        print(f"  {label:<44} {wall:6.2f} s wall, {cpu:6.2f} s CPU", flush=True)
    heaviest, chains = importtime(args.top)
    print("\nheaviest top-level imports of `manage.py check` (-X importtime, cumulative):")
    for name, seconds in heaviest:
        print(f"  {name:<44} {seconds:6.3f} s")
    print("\nfirst imported through (package ← module that imported it ← …):")
    for chain in chains.values():
        print("  " + " ← ".join(chain))


if __name__ == "__main__":
    main()
