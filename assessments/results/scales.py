"""Scales: primary score → mark or test score. Pure: no ORM, plain data in.

A scale is anything with `ranges` (a list of [from, to, value], inclusive) and
`conditions` (a list of {"tasks": [numbers], "min": points, "mark": value}):
a `Scale` model row or a `ScaleSpec`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# «0–9», «0-9», «0 — 9», «0..9», «от 0 до 9», «с 0 по 9», «0–9 баллов»
RANGE_RE = re.compile(
    r"^\s*(?:от|с)?\s*(\d+)\s*(?:[-–—]|\.\.|…|до|по)\s*(\d+)\s*(?:балл\w*|б)?\.?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ScaleSpec:
    ranges: Sequence[Sequence[int]]
    conditions: Sequence[Mapping] = field(default_factory=tuple)


def mark_for(scale, primary: int | None, task_scores: Mapping[str, int | None] | None = None):
    """The mark (or test score) for `primary` points under `scale`.

    `task_scores` maps task numbers as written ("15", "11.3 k1") to points
    (None = not attempted); it is needed only by scales with conditions.
    None when there is no scale, no score, or the score lies outside every range.
    """
    if scale is None or primary is None:
        return None
    value = None
    for low, high, result in scale.ranges:
        if low <= primary <= high:
            value = result
            break
    if value is None:
        return None
    for condition in scale.conditions or ():
        tasks = condition.get("tasks") or ()
        got = sum((task_scores or {}).get(str(t)) or 0 for t in tasks)
        if got < condition.get("min", 0):
            value = min(value, condition.get("mark", value))
    return value


def parse_range(text) -> tuple[int, int] | None:
    """ "0–9", "10-15", "21..24", "от 0 до 9" or a single number → (from, to); None if
    unreadable."""
    if isinstance(text, int):
        return (text, text)
    text = str(text or "").strip()
    if text.isdigit():
        return (int(text), int(text))
    match = RANGE_RE.match(text)
    if not match:
        return None
    low, high = int(match.group(1)), int(match.group(2))
    return (low, high) if low <= high else None


def check_ranges(ranges: Sequence[Sequence[int]], max_score: int | None = None) -> list[str]:
    """What is wrong with a scale's ranges, in Russian (empty if nothing).

    Ranges must not overlap, must leave no gap, start at 0 and end at the maximum.
    """
    errors = []
    ordered = sorted(ranges, key=lambda r: r[0])
    if not ordered:
        return ["Шкала пуста."]
    if ordered[0][0] != 0:
        errors.append(f"Шкала начинается с {ordered[0][0]}, а не с 0.")
    for (low1, high1, _v1), (low2, _high2, _v2) in zip(ordered, ordered[1:], strict=False):
        if low2 <= high1:
            errors.append(f"Диапазоны {low1}–{high1} и {low2}–… пересекаются.")
        elif low2 > high1 + 1:
            errors.append(f"Баллы {high1 + 1}–{low2 - 1} не попадают ни в один диапазон.")
    if max_score is not None and ordered[-1][1] != max_score:
        errors.append(
            f"Шкала заканчивается на {ordered[-1][1]}, а максимальный балл — {max_score}."
        )
    return errors
