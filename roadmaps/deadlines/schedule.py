"""The Schedule a deadline parses into, and what reminders and figures ask of it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

KINDS = (
    "date", "dates", "range", "month", "months", "month_range", "quarters", "recurring",
    "continuous", "event", "on_demand", "end_of_year", "unparsed",
)  # fmt: skip

STATUSES = (
    "done", "overdue", "due_soon", "upcoming", "continuous", "on_demand",
    "waiting_for_calendar", "unscheduled",
)  # fmt: skip

# Assessments an "event" deadline can be tied to, in the spelling the calendar uses.
EVENTS = ("ВПР", "ОГЭ", "ЕГЭ", "ГВЭ", "ГИА", "НИКО", "РДР")

SCHOOL_YEAR_END = (5, 31)  # month, day: the end of lessons


@dataclass(frozen=True)
class Schedule:
    text: str
    kind: str
    dates: tuple[date, ...] = ()
    start: date | None = None  # for ranges and continuous schedules
    end: date | None = None
    # for kind "event": the assessment named (ВПР, ОГЭ, ЕГЭ, НИКО, РДР, ГИА…), or ""
    event: str = ""
    details: dict = field(default_factory=dict, hash=False)

    @property
    def parsed(self) -> bool:
        return self.kind != "unparsed"

    @property
    def needs_review(self) -> bool:
        """True when a person should look at the deadline: not parsed, or parsed with a warning."""
        return not self.parsed or bool(self.details.get("warning"))

    @property
    def warning(self) -> str:
        return self.details.get("warning", "")

    def as_json(self) -> dict:
        """{"text", "kind", "dates": ["YYYY-MM-DD", ...]} plus what `from_json` needs."""
        data = {
            "text": self.text,
            "kind": self.kind,
            "dates": [d.isoformat() for d in self.dates],
        }
        if self.start is not None:
            data["start"] = self.start.isoformat()
        if self.end is not None:
            data["end"] = self.end.isoformat()
        if self.event:
            data["event"] = self.event
        if self.details:
            data["details"] = dict(self.details)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Schedule:
        def day(value):
            return date.fromisoformat(value) if value else None

        kind = data.get("kind", "unparsed")
        return cls(
            text=data.get("text", ""),
            kind=kind if kind in KINDS else "unparsed",
            dates=tuple(date.fromisoformat(d) for d in data.get("dates", ())),
            start=day(data.get("start")),
            end=day(data.get("end")),
            event=data.get("event", ""),
            details=dict(data.get("details", {})),
        )


def occurrences(schedule: Schedule) -> list[date]:
    """The due dates of a schedule, sorted (empty for continuous, on-demand, unparsed…)."""
    return sorted(set(schedule.dates))


def next_due(schedule: Schedule, on: date) -> date | None:
    """The first due date on or after `on`, or None."""
    return next((d for d in occurrences(schedule) if d >= on), None)


def last_due(schedule: Schedule, on: date) -> date | None:
    """The last due date strictly before `on`, or None."""
    past = [d for d in occurrences(schedule) if d < on]
    return past[-1] if past else None


def due_between(schedule: Schedule, first: date, last: date) -> list[date]:
    """The due dates inside [first, last] (a reporting period, a week of reminders)."""
    return [d for d in occurrences(schedule) if first <= d <= last]


def active_between(schedule: Schedule, first: date, last: date) -> bool:
    """Whether the measure has something to do in [first, last]: a due date there,
    or a continuous/assessment/range window overlapping it. On-demand and
    unparsed measures are never active by the calendar alone."""
    if due_between(schedule, first, last):
        return True
    if schedule.kind in ("continuous", "event", "range", "month", "month_range"):
        start, end = schedule.start, schedule.end
        if start is not None and end is not None:
            return start <= last and end >= first
    return False


def final_due(schedule: Schedule) -> date | None:
    """The date by which the whole measure is due, for "done on time" figures:
    the last due date, else the end of a continuous or assessment-tied window;
    None for on-demand and unparsed deadlines."""
    dates = occurrences(schedule)
    if dates:
        return dates[-1]
    if schedule.kind in ("continuous", "event"):
        return schedule.end
    return None


def status_on(
    schedule: Schedule,
    on: date,
    *,
    done: bool = False,
    done_through: date | None = None,
    horizon_days: int = 7,
) -> str:
    """What a measure with this schedule is on day `on`; one of STATUSES.

    `done`: the measure is finished altogether, it goes quiet.
    `done_through`: for schedules with several due dates (recurring, months,
    quarters…), the last due date already reported done; only later ones count.
    A missed due date stays "overdue" until it is reported. Continuous and
    on-demand measures never nag; an assessment-tied measure waits for the
    calendar (`with_calendar`) to get its dates.
    """
    if done:
        return "done"
    if schedule.kind == "on_demand":
        return "on_demand"
    if schedule.kind == "continuous":
        return "continuous"
    dates = occurrences(schedule)
    if schedule.kind == "event" and not dates:
        return "waiting_for_calendar"
    if not dates:
        return "unscheduled"
    pending = [d for d in dates if done_through is None or d > done_through]
    if not pending:
        return "done"
    first = pending[0]
    if first < on:
        return "overdue"
    if (first - on).days <= horizon_days:
        return "due_soon"
    return "upcoming"


def with_calendar(schedule: Schedule, calendar_dates: dict[str, list[date]]) -> Schedule:
    """Give an "event" schedule the dates of its assessment from a calendar.

    `calendar_dates` maps an event name ("ВПР", "ОГЭ"…; "" for an unnamed
    schedule such as «по графику») to its dates. "ГИА" falls back to ОГЭ, ЕГЭ
    and ГВЭ together. Dates outside the schedule's start/end are dropped.
    Other kinds come back unchanged.
    """
    if schedule.kind != "event":
        return schedule
    wanted = list(schedule.details.get("events") or [schedule.event])
    by_name = {str(k).upper(): v for k, v in calendar_dates.items()}
    found: set[date] = set()
    for name in wanted:
        key = name.upper()
        if key in by_name:
            found.update(by_name[key])
        elif key == "ГИА":
            for part in ("ОГЭ", "ЕГЭ", "ГВЭ"):
                found.update(by_name.get(part, ()))
    offset = schedule.details.get("offset_days") or 0
    found = {d + timedelta(days=offset) for d in found}
    if schedule.start is not None:
        found = {d for d in found if d >= schedule.start}
    if schedule.end is not None:
        found = {d for d in found if d <= schedule.end}
    return replace(
        schedule, dates=tuple(sorted(found)), details={**schedule.details, "from_calendar": True}
    )
