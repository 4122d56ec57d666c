"""Settings of the large-table bench: the generated country's shape, the database
and the Django set-up of the process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
YEARS = (2023, 2024, 2025)
TESTS = [(grade, subject) for grade in (4, 5, 6, 7, 8) for subject in ("russian", "math")]
TASK_MAX = [1, 1, 2, 1, 1, 1, 2, 1, 2, 1, 1, 2, 2, 1, 2]  # 15 tasks, 21 points
TASK_NUMBERS = ["1", "2", "3", "4", "5.1", "5.2", "6", "7", "8", "9.1", "9.2", "10", "11", "12.1", "12.2"]  # fmt: skip
# Marks from the primary score: 0–6 → 2, 7–11 → 3, 12–16 → 4, 17–21 → 5.
SCALE = [[0, 6, 2], [7, 11, 3], [12, 16, 4], [17, 21, 5]]
REGIONS = 85
PUPILS_PER_SCHOOL = 50  # in one test: two classes of a grade
PASSWORD = "Large-2026!"


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def django_setup(name: str):
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ["REDIS_URL"] = ""  # a local-memory cache in this process; tasks inline
    os.environ["AXES_ENABLED"] = "false"
    import django

    django.setup()
