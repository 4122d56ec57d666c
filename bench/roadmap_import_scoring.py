"""The scoring of bench/evaluate_roadmap_import.py: the hand-written truth of the
evaluation plans, how a parsed measure, deadline and order header are compared
with it, and the score of one plan in one format."""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "tests" / "data" / "eval_plans"
FORMATS = {
    "docx": ("{id}.docx", True),
    "xlsx": ("{id}.xlsx", True),
    "xlsx-table": ("{id}-table-only.xlsx", False),
    "pdf": ("{id}.pdf", True),
}
# How a refusal of the scanned PDF may say that the file holds no text.
NO_TEXT_SAID = re.compile(
    r"скан|распозна|изображени|текстов\w* сло|нет текста|без текста|не содержит текст", re.I
)
HEADER_FIELDS = ("body", "number", "date", "place", "signatory")
STEP_DAYS = {"week": 7, "month": 31, "quarter": 92, "year": 366}
STEP_GAP = {"week": (5, 9), "month": (27, 33), "quarter": (85, 97), "year": (355, 375)}
RECURRING_KINDS = {"recurring"}
EVENT_KINDS = {"event", "on_demand"}
CONTINUOUS_KINDS = {"continuous"}
EMPTY_KINDS = {"unparsed", ""}
DATED_KINDS = {
    "month",
    "months",
    "month_range",
    "quarters",
    "range",
    "end_of_year",
    "date",
    "before",
}


# ------------------------------------------------------------------ truth


def day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def add_year(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def load_plans() -> list[dict]:
    plans = []
    for path in sorted((PLANS / "truth").glob("*.json")):
        plan = json.loads(path.read_text(encoding="utf-8"))
        check_truth(plan)
        plans.append(plan)
    return plans


def truth_measures(plan: dict) -> list[dict]:
    return [m for s in plan["sections"] for m in s["measures"]]


def readings(reading: dict) -> list[dict]:
    return reading.get("any_of", [reading])


def check_truth(plan: dict) -> None:
    """Refuse a malformed truth file: a typo there would skew every figure."""
    starts = [day(plan["reading"]["start"]), day(plan["reading_without_order"]["start"])]
    order_date = day(plan["order"]["date"]) if plan.get("order") else None
    for m in truth_measures(plan):
        for key in ("deadline", "without_order"):
            reading = m["deadline"] if key == "deadline" else m["deadline"].get(key)
            if reading is None:
                continue
            for r in readings(reading):
                kinds = {"due", "window", "continuous", "every", "event"} & set(r)
                if len(kinds) != 1:
                    raise ValueError(f"{plan['id']} {m['number']}: unclear reading {r}")
                if "every" in r and r["every"] not in STEP_DAYS:
                    raise ValueError(f"{plan['id']} {m['number']}: unknown step {r['every']}")
                floor = min(starts) if key == "without_order" else (order_date or starts[0])
                dates = [day(d) for d in r.get("due", [])] + (
                    [day(r["first"])] if "first" in r else []
                )
                if any(d < floor for d in dates):
                    raise ValueError(f"{plan['id']} {m['number']}: a due date before {floor}")


# ----------------------------------------------------------------- parsed


def norm(text) -> str:
    text = str(text or "").lower().replace("ё", "е")
    text = re.sub(r"[‐‑‒–—−-]", "-", text)
    text = re.sub(r"[«»“”„\"']", '"', text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"\s+([,.;:)])", r"\1", text)
    return re.sub(r"([(])\s+", r"\1", text)


def similar(a, b) -> float:
    return difflib.SequenceMatcher(None, norm(a), norm(b), autojunk=False).ratio()


def strip_numbering(title: str) -> str:
    return re.sub(r"^\s*(?:[ivxlc]+|\d+(?:\.\d+)*)\.?\s+", "", norm(title))


def walk(sections: list[dict]):
    for section in sections:
        yield section
        yield from walk(section.get("sections") or [])


@dataclass
class Deadline:
    kind: str
    dates: list[dt.date]

    @classmethod
    def of(cls, measure: dict) -> Deadline:
        deadline = measure.get("deadline") or {}
        dates = sorted(day(d) for d in deadline.get("dates") or [])
        return cls(str(deadline.get("kind") or ""), dates)

    @property
    def klass(self) -> str:
        if self.kind in RECURRING_KINDS:
            return "recurrence"
        if self.kind in EVENT_KINDS:
            return "event"
        if self.kind in CONTINUOUS_KINDS:
            return "continuous"
        if self.kind in EMPTY_KINDS and not self.dates:
            return "none"
        return "dated"


def near(a: dt.date, b: dt.date, days: int = 1) -> bool:
    return abs((a - b).days) <= days


def reading_ok(reading: dict, got: Deadline, start: dt.date) -> bool:
    """Whether `got` reads the deadline as `reading` (the truth) says; see the
    module's docstring for each rule."""
    horizon = add_year(start)
    within = [d for d in got.dates if d < horizon]
    if "any_of" in reading:
        return any(reading_ok(r, got, start) for r in reading["any_of"])
    if "event" in reading:
        return got.klass == "event" and not got.dates
    if "due" in reading:
        want = sorted(day(d) for d in reading["due"])
        return len(within) == len(want) and all(map(near, within, want))
    if "window" in reading:
        lo, hi = (day(d) for d in reading["window"])
        return (
            bool(within)
            and all(lo - dt.timedelta(days=1) <= d <= hi + dt.timedelta(days=1) for d in within)
            and near(within[-1], hi)
        )
    if "continuous" in reading:
        lo, hi = (day(d) for d in reading["continuous"])
        slack = dt.timedelta(days=7)
        return got.klass == "continuous" and all(lo - slack <= d <= hi + slack for d in got.dates)
    step, first = reading["every"], day(reading["first"])
    if not within or within[0] < start - dt.timedelta(days=1):
        return False
    if not near(within[0], first, STEP_DAYS[step]):
        return False
    if first + dt.timedelta(days=STEP_GAP[step][0]) < horizon:
        if len(within) < 2:
            return False
        gap = statistics.median((b - a).days for a, b in itertools.pairwise(within))
        low, high = STEP_GAP[step]
        return low <= gap <= high
    return len(within) == 1


def earliest(plan: dict, fmt: str) -> dt.date:
    """The earliest date the plan itself writes, as read in this format."""
    dates = []
    for m in truth_measures(plan):
        reading = (
            m["deadline"] if FORMATS[fmt][1] else m["deadline"].get("without_order", m["deadline"])
        )
        for r in readings(reading):
            for key in ("due", "window", "continuous"):
                dates += [day(d) for d in r.get(key, [])]
            if "first" in r:
                dates.append(day(r["first"]))
    return min(dates)


def describe(reading: dict) -> str:
    if "any_of" in reading:
        return " | ".join(describe(r) for r in reading["any_of"])
    if "event" in reading:
        return "event"
    if "every" in reading:
        return f"every {reading['every']} from {reading['first']}"
    kind = next(k for k in ("due", "window", "continuous") if k in reading)
    return f"{kind} {', '.join(reading[kind])}"


# ---------------------------------------------------------------- header


def code(value) -> str:
    return re.sub(r"[\s№]", "", str(value or "").lower())


def person(value) -> tuple[str, tuple[str, ...]]:
    words = re.findall(r"[А-ЯЁA-Z][а-яёa-z]+", str(value or ""))
    initials = re.findall(r"\b([А-ЯЁA-Z])\.", str(value or ""))
    surname = max(words, key=len).lower() if words else ""
    return surname, tuple(sorted(initials))


def header_ok(name: str, want, got) -> bool:
    if not want:
        return not got
    if name == "body":
        options = want if isinstance(want, list) else [want]
        return bool(got) and max(similar(o, got) for o in options) >= 0.85
    if name == "signatory":
        return person(want) == person(got)
    if name == "date":
        return str(got or "") == want
    return code(want) == code(got)


# ------------------------------------------------------------------ score


@dataclass
class Score:
    plan: str
    fmt: str
    seconds: float = 0.0
    outcome: str = "ok"  # ok | refused | crashed | missing
    message: str = ""
    sections: tuple[int, int, int] = (0, 0, 0)
    measures: tuple[int, int, int] = (0, 0, 0)
    text_ok: int = 0
    resp_ok: int = 0
    deadlines_ok: int = 0
    before: int = 0
    header: tuple[int, int] = (0, 0)
    misses: list[str] = field(default_factory=list)
    unknown_kinds: set[str] = field(default_factory=set)


def match_measures(truth: list[dict], parsed: list[dict]) -> dict[int, int]:
    pairs = sorted(
        (
            (similar(t["text"], p.get("text")), i, j)
            for i, t in enumerate(truth)
            for j, p in enumerate(parsed)
        ),
        reverse=True,
    )
    taken_t, taken_p, match = set(), set(), {}
    for ratio, i, j in pairs:
        if ratio < 0.6:
            break
        if i in taken_t or j in taken_p:
            continue
        taken_t.add(i)
        taken_p.add(j)
        match[i] = j
    return match


def score(plan: dict, fmt: str, data: dict, score_: Score) -> None:
    with_order = FORMATS[fmt][1] and plan.get("order") is not None
    reading_key = "reading" if FORMATS[fmt][1] else "reading_without_order"
    start = day(plan[reading_key]["start"])
    floor = day(plan["order"]["date"]) if with_order else min(start, earliest(plan, fmt))

    parsed_sections = [s for s in walk(data.get("sections") or []) if norm(s.get("title"))]
    found_sections = 0
    for truth_section in plan["sections"]:
        want = strip_numbering(truth_section["title"])
        if any(
            difflib.SequenceMatcher(None, want, strip_numbering(s["title"])).ratio() >= 0.8
            for s in parsed_sections
        ):
            found_sections += 1
    score_.sections = (found_sections, len(plan["sections"]), len(parsed_sections))

    parsed = [m for s in walk(data.get("sections") or []) for m in s.get("measures") or []]
    truth = truth_measures(plan)
    match = match_measures(truth, parsed)
    score_.measures = (len(match), len(truth), len(parsed))

    for i, t in enumerate(truth):
        if i not in match:
            score_.misses.append(f"{t['number']:<6} not found: {t['text'][:60]}")
            continue
        p = parsed[match[i]]
        score_.text_ok += similar(t["text"], p.get("text")) >= 0.95
        score_.resp_ok += similar(t["responsible"], (p.get("responsible") or {}).get("text")) >= 0.9
        got = Deadline.of(p)
        if (
            got.kind
            not in RECURRING_KINDS | EVENT_KINDS | CONTINUOUS_KINDS | EMPTY_KINDS | DATED_KINDS
        ):
            score_.unknown_kinds.add(got.kind)
        reading = (
            t["deadline"] if FORMATS[fmt][1] else t["deadline"].get("without_order", t["deadline"])
        )
        if reading_ok(reading, got, start):
            score_.deadlines_ok += 1
        else:
            dates = ", ".join(d.isoformat() for d in got.dates[:6])
            more = f" …(+{len(got.dates) - 6})" if len(got.dates) > 6 else ""
            score_.misses.append(
                f"{t['number']:<6} «{' '.join(t['deadline_text'].split())}»: want {describe(reading)};"
                f" got {got.kind} [{dates}{more}]"
            )
    score_.before = sum(any(d < floor for d in Deadline.of(p).dates) for p in parsed)

    order = data.get("order") or {}
    want_order = plan["order"] if with_order else {}
    right = sum(header_ok(name, want_order.get(name), order.get(name)) for name in HEADER_FIELDS)
    score_.header = (right, len(HEADER_FIELDS))
    wrong = [n for n in HEADER_FIELDS if not header_ok(n, want_order.get(n), order.get(n))]
    if wrong:
        score_.misses.append(
            "header wrong: "
            + "; ".join(f"{n}: want {want_order.get(n)!r}, got {order.get(n)!r}" for n in wrong)
        )
