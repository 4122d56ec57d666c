"""Time the analytic tables side by side for one school, its municipality and
the region on N synthetic pupils × 15 tasks (default 1,000,000).

    .venv/bin/python bench/bench_analytics.py [N] [--records]

--records also times building the arrays from PupilResult records (what a
caller that has records rather than columns pays once per level).
"""

import os
import sys
import time
from pathlib import Path

import django
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from assessments.analytics import (  # noqa: E402
    PupilResult,
    ResultArrays,
    TaskInfo,
    deficits,
    side_by_side,
    suppress,
)

TASK_MAXIMA = [1, 2, 1, 2, 1, 1, 2, 1, 3, 2, 1, 2, 2, 1, 2]  # 24 points, like ВПР Russian 4
SCALE = {2: (0, 9), 3: (10, 15), 4: (16, 20), 5: (21, 24)}


def make_region(n: int, seed: int = 2026) -> tuple[ResultArrays, np.ndarray]:
    rng = np.random.default_rng(seed)
    maxima = np.array(TASK_MAXIMA)
    ability = rng.beta(4, 2.5, size=n)[:, None]
    scores = rng.binomial(maxima[None, :], ability).astype(np.float64)
    scores[rng.random(scores.shape) < 0.03] = np.nan  # not attempted
    primary = np.nan_to_num(scores).sum(axis=1).astype(np.int64)
    schools = rng.integers(0, 3000, size=n)
    municipality = schools // 100  # 30 municipalities of 100 schools
    journal = np.clip(rng.integers(2, 6, size=n), 2, 5).astype(np.int8)
    arrays = ResultArrays(
        scores=scores,
        primary=primary,
        mark=np.zeros(n, dtype=np.int8),
        journal=journal,
        school_id=schools,
        class_name=np.array(["4а", "4б", "4в"], dtype=object)[rng.integers(0, 3, size=n)],
        sex=np.array(["м", "ж"], dtype=object)[rng.integers(0, 2, size=n)],
        code=np.arange(n).astype(str).astype(object),
    )
    from assessments.analytics.records import Scale, fill_marks

    arrays.mark = fill_marks(arrays.mark, primary, Scale(SCALE))
    return arrays, municipality


def main():
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 1_000_000))
    tasks = [
        TaskInfo(str(i + 1), m, "Б" if i < 10 else "П", f"Умение {i // 2 + 1}")
        for i, m in enumerate(TASK_MAXIMA)
    ]
    started = time.perf_counter()
    region, municipality = make_region(n)
    print(f"generated {n:,} pupils × {len(tasks)} tasks in {time.perf_counter() - started:.2f} s")

    started = time.perf_counter()
    school_mask = region.school_id == 7
    school = region.take(school_mask)
    own_municipality = region.take(municipality == 0)
    levels = {"Школа": school, "Муниципалитет": own_municipality, "Регион": region}
    tables = side_by_side(levels, tasks, SCALE)
    elapsed = time.perf_counter() - started
    print(
        f"side by side (school {len(school):,} | municipality {len(own_municipality):,} | "
        f"region {len(region):,}): {elapsed:.2f} s"
    )

    started = time.perf_counter()
    suppress(tables, minimum=10)
    print(f"suppression: {time.perf_counter() - started:.4f} s")

    started = time.perf_counter()
    result = deficits(school, tasks, SCALE)
    print(
        f"deficits and ИОМ for the school ({len(result.pupils)} pupils): "
        f"{time.perf_counter() - started:.3f} s"
    )

    if "--records" in sys.argv:
        started = time.perf_counter()
        rows = region.scores.tolist()
        records = [
            PupilResult(
                school,
                cls,
                tuple(None if x != x else int(x) for x in row),
                primary,
                None,
                journal,
                sex,
                code,
            )
            for school, cls, row, primary, journal, sex, code in zip(
                region.school_id.tolist(),
                region.class_name.tolist(),
                rows,
                region.primary.tolist(),
                region.journal.tolist(),
                region.sex.tolist(),
                region.code.tolist(),
                strict=True,
            )
        ]
        print(
            f"built {n:,} PupilResult records in {time.perf_counter() - started:.2f} s (not timed below)"
        )
        started = time.perf_counter()
        side_by_side({"Регион": records}, tasks, SCALE, pupil_lists_for=[])
        print(f"region from records (conversion included): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
