"""The figures of a step and their report: a table in bench/results/*.txt with the
raw figures beside it as JSON, and the side-by-side view against `before`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bench.large.common import RESULTS


@dataclass
class Figure:
    label: str
    ms: float
    queries: int
    statements: list[dict]  # {"sql", "ms"} of the statements on the results table
    note: str = ""


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:80]


def write_report(path: Path, title: str, figures: list[Figure], extra: list[str]) -> None:
    lines = [title, ""]
    lines += [f"{'operation':<58} {'ms':>10} {'queries':>8} {'slowest SQL ms':>15}"]
    for f in figures:
        slowest = max((s["ms"] for s in f.statements), default=0.0)
        lines.append(f"{f.label:<58} {f.ms:>10.1f} {f.queries:>8} {slowest:>15.1f}")
    path.write_text("\n".join(lines + [""] + extra) + "\n")
    (path.with_suffix(".json")).write_text(
        json.dumps([f.__dict__ for f in figures], ensure_ascii=False, indent=1, default=str) + "\n"
    )


def side_by_side(figures: list[Figure], against: str = "large-before") -> list[str]:
    """The operations beside bench/results/<against>.json (same data, same code
    paths before the change; mind the load of each run)."""
    earlier = {f["label"]: f for f in json.loads((RESULTS / f"{against}.json").read_text())}
    lines = [
        f"beside bench/results/{against}.json (ms end to end / slowest SQL ms):",
        f"{'operation':<58} {'before':>17} {'after':>17}",
    ]
    for f in figures:
        slowest = max((s["ms"] for s in f.statements), default=0.0)
        then = earlier.get(f.label)
        if then:
            then_slowest = max((s["ms"] for s in then["statements"]), default=0.0)
            was = f"{then['ms']:.1f} / {then_slowest:.1f}"
        else:
            was = "-"
        lines.append(f"{f.label:<58} {was:>17} {f'{f.ms:.1f} / {slowest:.1f}':>17}")
    return lines
