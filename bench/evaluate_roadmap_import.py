"""How well `import_roadmap` reads plans it was never tuned on.

    .venv/bin/python bench/evaluate_roadmap_import.py [--plan ID] [--format docx] [-v]

Runs `manage.py import_roadmap PATH --owner CODE --dry-run --json` on every
evaluation plan (`tests/data/eval_plans/`, see its README) in every format, in
a throwaway SQLite database that holds only the plans' owners, and compares
the printed JSON with the hand-written truth (`tests/data/eval_plans/truth/`).
It reads only the command's public JSON: `order`, `sections` (nested
`sections`, `measures`), each measure's `text`, `responsible.text` and
`deadline.kind` / `deadline.dates`.

Formats: `docx`, `xlsx` (the order's lines above the table), `xlsx-table`
(only the plan's title and the table: read as a person would without the
order, see `reading_without_order` and a measure's `without_order`), `pdf`
(LibreOffice's print of the DOCX, with a text layer). A refused file scores 0.
At the end the scanned PDF (no text layer) must be refused with a message
that says it holds no text (a scan, no text layer, needs recognition).

Columns, per plan and format:

- sections: truth sections matched by title (numbering stripped, similarity
  ≥ 0.8) / truth sections, and (in brackets) how many titled sections the
  JSON has;
- measures: truth measures matched to a parsed measure (text similarity ≥ 0.6,
  best pairs first, each used once) / truth measures (JSON's count);
- text, resp: share of truth measures whose matched text is ≥ 0.95 similar,
  and whose responsible parties as written are ≥ 0.9 similar (whitespace,
  dashes, quotes and case normalised);
- deadlines: truth measures whose deadline is read as a person reads it, over
  all truth measures (an unmatched measure counts as wrong). Dates are
  compared within the plan's year: every parsed date before
  start + 1 year (start = the plan's start as a person reads it: the order's
  date, or the named period's start when that is later; without an order, the
  school year the deadlines name). A date matches within one day (31 May and
  1 June both read «до июня»; «до 01.09» may be 31 August).
    * due dates («октябрь, декабрь, февраль, май», «до 15.10.2023 г.»): the
      set of parsed dates equals the truth's, date for date (so the first
      due date is right too);
    * window («сентябрь-октябрь», «с 15 по 30 апреля», «в течение мая»,
      «I полугодие»): at least one parsed date, all inside the window, the
      last on its end;
    * continuous («в течение года», «постоянно»): kind `continuous`, and any
      dates it carries within its span (± 7 days);
    * recurrence («еженедельно», «ежемесячно», «ежеквартально»,
      «ежегодно, сентябрь»): the first parsed date not before the start and
      within one step of the truth's first (7, 31, 92, 366 days); when the
      plan's year holds two or more occurrences, the median gap between parsed
      dates is the step (5–9, 27–33, 85–97, 355–375 days), otherwise exactly
      one date falls in the year;
    * event / on demand («по графику ФИОКО», «по мере необходимости»): no
      dates, kind `event` or `on_demand`;
    * any_of: one of several readings (only for genuinely ambiguous wording);
- before: parsed measures with a date before the order's date (for files
  without the order: before the plan's start as a person reads it, or the
  earliest date the plan itself writes if that is earlier). Must be 0;
- header: of body, number, date, place, signatory, how many equal the order's
  (number and place without spaces, signatory by surname and initials, body
  ≥ 0.85 similar; a key the JSON lacks counts as wrong); for a file without
  the order, how many the parser left empty rather than invented.

`--self-check` scores, instead of the parser, a reader that prints exactly
the truth (recurrences unrolled): every row must be ok, which checks the truth
files and these rules against each other.

Exit status is non-zero only when the command crashed (a traceback, a timeout,
output that is not JSON), never for a low score.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
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


# ------------------------------------------------------------- self-check


def month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def occurrences(step: str, first: dt.date, until: dt.date) -> list[dt.date]:
    """`first` and the following occurrences every `step` up to `until`."""
    months = {"month": 1, "quarter": 3, "year": 12}
    dates, n = [], 0
    while True:
        if step == "week":
            d = first + dt.timedelta(weeks=n)
        else:
            total = first.month - 1 + n * months[step]
            year, month = first.year + total // 12, total % 12 + 1
            end = month_end(year, month)
            d = (
                end
                if first == month_end(first.year, first.month)
                else min(first.replace(year=year, month=month, day=min(first.day, end.day)), end)
            )
        if d > until:
            return dates
        dates.append(d)
        n += 1


def ideal_json(plan: dict, fmt: str) -> dict:
    """The JSON a parser that reads exactly as the truth says would print."""
    reading_key = "reading" if FORMATS[fmt][1] else "reading_without_order"
    horizon = add_year(day(plan[reading_key]["start"]))

    def deadline(m: dict) -> dict:
        reading = (
            m["deadline"] if FORMATS[fmt][1] else m["deadline"].get("without_order", m["deadline"])
        )
        r = readings(reading)[0]
        if "event" in r:
            return {"kind": "event", "dates": []}
        if "continuous" in r:
            return {"kind": "continuous", "dates": []}
        if "due" in r:
            return {"kind": "month", "dates": r["due"]}
        if "window" in r:
            return {"kind": "range", "dates": [r["window"][1]]}
        dates = occurrences(r["every"], day(r["first"]), add_year(horizon))
        return {"kind": "recurring", "dates": [d.isoformat() for d in dates]}

    with_order = FORMATS[fmt][1] and plan.get("order")
    order = dict(plan["order"]) if with_order else {}
    if isinstance(order.get("body"), list):
        order["body"] = order["body"][0]
    return {
        "order": order,
        "sections": [
            {
                "number": s["number"],
                "title": s["title"],
                "sections": [],
                "measures": [
                    {
                        "text": m["text"],
                        "responsible": {"text": m["responsible"]},
                        "deadline": deadline(m),
                    }
                    for m in s["measures"]
                ],
            }
            for s in plan["sections"]
        ],
    }


def self_check(plans: list[dict]) -> int:
    """Score a perfect reader: anything short of full marks is a fault in the
    truth files or in the comparison rules, not in the parser."""
    faults = 0
    for plan in plans:
        for fmt, (_pattern, with_order) in FORMATS.items():
            if not with_order and not plan.get("order"):
                continue  # no table-only copy of a plan that has no order
            s = Score(plan["id"], fmt)
            score(plan, fmt, ideal_json(plan, fmt), s)
            truth = s.measures[1]
            perfect = (
                s.measures[0] == truth
                and s.sections[0] == s.sections[1]
                and s.text_ok == s.resp_ok == s.deadlines_ok == truth
                and s.before == 0
                and s.header[0] == s.header[1]
            )
            faults += not perfect
            print(f"{plan['id']:<24} {fmt:<10} {'ok' if perfect else 'FAULT'}")
            if not perfect:
                for miss in s.misses:
                    print(f"      {miss}")
    return 1 if faults else 0


# -------------------------------------------------------------------- run


def owner_arg(owner: dict) -> str:
    if "school" in owner:
        return owner["school"]["fis_login"]
    if "municipality" in owner:
        return f"{owner['region']['code']}:{owner['municipality']['code']}"
    return owner["region"]["code"]


OWNERS_SCRIPT = """
import json, os
from schools.models import Municipality, Region, School
for owner in json.loads(os.environ["EVAL_OWNERS"]):
    region, _ = Region.objects.get_or_create(
        code=owner["region"]["code"], defaults={"name": owner["region"]["name"]})
    if "municipality" in owner:
        muni, _ = Municipality.objects.get_or_create(
            region=region, code=owner["municipality"]["code"],
            defaults={"name": owner["municipality"]["name"]})
        if "school" in owner:
            s = owner["school"]
            School.objects.get_or_create(
                region=region, code=s["code"],
                defaults={"municipality": muni, "fis_login": s["fis_login"],
                          "full_name": s["full_name"], "short_name": s["short_name"]})
"""


def manage(env: dict, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def make_database(folder: str, plans: list[dict]) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/eval.sqlite3",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EVAL_OWNERS": json.dumps([p["owner"] for p in plans], ensure_ascii=False),
    }
    for args in (("migrate", "-v0"), ("shell", "-c", OWNERS_SCRIPT)):
        done = manage(env, *args)
        if done.returncode:
            sys.exit(f"could not prepare the database ({args[0]}):\n{done.stderr}")
    return env


def run_import(env: dict, path: Path, owner: str) -> tuple[str, str, dict | None, float]:
    """('ok' | 'refused' | 'crashed', message, JSON, seconds)."""
    began = time.perf_counter()
    try:
        done = manage(
            env,
            "import_roadmap",
            str(path),
            "--owner",
            owner,
            "--dry-run",
            "--json",  # the command runs no system checks of its own (no --skip-checks)
        )
    except subprocess.TimeoutExpired:
        return "crashed", "timeout", None, time.perf_counter() - began
    seconds = time.perf_counter() - began
    if done.returncode:
        crashed = "Traceback" in done.stderr
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        message = lines[-1].removeprefix("CommandError: ") if lines else f"exit {done.returncode}"
        return ("crashed" if crashed else "refused"), message, None, seconds
    try:
        return "ok", "", json.loads(done.stdout[done.stdout.index("{") :]), seconds
    except ValueError:
        return "crashed", "output is not JSON: " + done.stdout[:200], None, seconds


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:3.0f}%" if whole else "  — "


def print_row(s: Score) -> None:
    m_found, m_truth, m_parsed = s.measures
    s_found, s_truth, s_parsed = s.sections
    note = "" if s.outcome == "ok" else f"{s.outcome}: {s.message[:70]}"
    if s.unknown_kinds:
        note += f" kinds counted as dated: {', '.join(sorted(s.unknown_kinds))}"
    print(
        f"{s.plan:<24} {s.fmt:<10} {s.seconds:5.1f} "
        f"{s_found:>3}/{s_truth:<2}({s_parsed:>2}) "
        f"{m_found:>3}/{m_truth:<2}({m_parsed:>3}) "
        f"{pct(s.text_ok, m_truth):>5} {pct(s.resp_ok, m_truth):>5} "
        f"{s.deadlines_ok:>3}/{m_truth:<2} {pct(s.deadlines_ok, m_truth):>5} "
        f"{s.before:>6} {s.header[0]:>4}/{s.header[1]}  {note}"
    )


def print_total(label: str, scores: list[Score]) -> None:
    truth = sum(s.measures[1] for s in scores)
    found = sum(s.measures[0] for s in scores)
    sections = sum(s.sections[0] for s in scores), sum(s.sections[1] for s in scores)
    right = sum(s.deadlines_ok for s in scores)
    header = sum(s.header[0] for s in scores), sum(s.header[1] for s in scores)
    print(
        f"{label:<35} {sections[0]:>3}/{sections[1]:<6} {found:>4}/{truth:<8}"
        f"{pct(sum(s.text_ok for s in scores), truth):>5} {pct(sum(s.resp_ok for s in scores), truth):>5} "
        f"{right:>3}/{truth:<3}{pct(right, truth):>5} {sum(s.before for s in scores):>6}"
        f" {header[0]:>4}/{header[1]}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", help="only this plan's id")
    parser.add_argument("--format", choices=sorted(FORMATS), help="only this format")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="score a reader that reads exactly as the truth says (must be all ok); no parser run",
    )
    args = parser.parse_args()

    plans = [p for p in load_plans() if args.plan in (None, p["id"])]
    if not plans:
        sys.exit(f"no plan {args.plan!r}")
    if args.self_check:
        return self_check(plans)
    scores: list[Score] = []
    with tempfile.TemporaryDirectory() as folder:
        env = make_database(folder, plans)
        print(
            f"{'plan':<24} {'format':<10} {'s':>5} {'sections':>9} {'measures':>11} "
            f"{'text':>5} {'resp':>5} {'deadlines':>12} {'before':>6} {'header':>6}"
        )
        for plan in plans:
            for fmt, (pattern, _with_order) in FORMATS.items():
                if args.format not in (None, fmt):
                    continue
                path = PLANS / plan["id"] / pattern.format(id=plan["id"])
                if not path.exists():
                    continue  # a plan without an order has no table-only copy
                s = Score(plan["id"], fmt)
                s.outcome, s.message, data, s.seconds = run_import(
                    env, path, owner_arg(plan["owner"])
                )
                s.measures = (0, len(truth_measures(plan)), 0)
                s.sections = (0, len(plan["sections"]), 0)
                s.header = (0, len(HEADER_FIELDS))
                if data is not None:
                    score(plan, fmt, data, s)
                scores.append(s)
                print_row(s)
                if args.verbose:
                    for miss in s.misses:
                        print(f"      {miss}")

        print()
        for fmt in FORMATS:
            of_format = [s for s in scores if s.fmt == fmt]
            if of_format:
                print_total(f"all plans, {fmt}", of_format)
        print_total("all plans, all formats", scores)

        every_plan = args.plan is None and args.format in (None, "pdf")
        scanned = sorted((PLANS / "scanned").glob("*.pdf")) if every_plan else []
        for path in scanned:
            plan = next(p for p in plans if path.name.startswith(p["id"]))
            outcome, message, data, _ = run_import(env, path, owner_arg(plan["owner"]))
            verdict = {
                "refused": "refused, saying it has no text"
                if NO_TEXT_SAID.search(message)
                else "refused, but not saying it has no text",
                "ok": "NOT refused",
                "crashed": "CRASHED",
            }[outcome]
            found = sum(len(s.get("measures") or []) for s in walk(data["sections"])) if data else 0
            print(f"\nscanned/{path.name}: {verdict}" + (f" ({found} measures)" if data else ""))
            print(f"    {message}")
            if outcome == "crashed":
                scores.append(Score(plan["id"], "scan", outcome="crashed"))

    crashed = [s for s in scores if s.outcome == "crashed"]
    if crashed:
        print(
            f"\n{len(crashed)} run(s) crashed: " + ", ".join(f"{s.plan} {s.fmt}" for s in crashed)
        )
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
