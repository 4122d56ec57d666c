"""Time the objectivity checks on a generated region of about 1,000,000 pupil
results in the checked year: 4 procedures (ВПР grade 4 and 5 × Russian and
maths) of ~250,000 pupils each, ~5,300 schools, through every indicator
(the year before is in the data too, for the cohort and rise-then-fall
indicators; its markers come "from a stored run", as in production).

    .venv/bin/python bench/bench_checks.py [SCHOOLS] [--json]

Prints the pupil count, the seconds of the check (and of the JSON shape with
--json), and the flag counts.
"""

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from assessments.objectivity.checks import CheckParams, check_region  # noqa: E402
from tests.generators.first import RegionSpec, generate_region  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_schools = int(args[0]) if args else 5300
    t0 = time.perf_counter()
    region = generate_region(RegionSpec(n_schools=n_schools, years=(2025, 2026)), seed=777)
    t_gen = time.perf_counter() - t0
    year = 2026
    pupils = sum(len(r) for r in region.data.results if r.procedure.year == year)
    print(f"generated {n_schools} schools, {pupils:,} pupil results in {year} in {t_gen:.1f} s")
    stored = {2025: np.zeros(n_schools, bool)}
    t0 = time.perf_counter()
    result = check_region(region.data, year, CheckParams(), earlier_markers=stored)
    t_check = time.perf_counter() - t0
    flagged = len(result.flagged())
    print(f"check: {t_check:.1f} s for {pupils:,} pupil results ({flagged} schools with markers)")
    if "--json" in sys.argv:
        t0 = time.perf_counter()
        text = json.dumps(result.as_json(), ensure_ascii=False)
        print(f"json: {time.perf_counter() - t0:.1f} s, {len(text) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
