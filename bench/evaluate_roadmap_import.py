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
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.roadmap_import_scoring import (  # noqa: E402
    FORMATS,
    HEADER_FIELDS,
    NO_TEXT_SAID,
    PLANS,
    ROOT,
    Score,
    add_year,
    day,
    load_plans,
    readings,
    score,
    truth_measures,
    walk,
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
