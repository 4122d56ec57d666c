"""Deadlines as people write them, turned into schedules. Pure: no ORM, no requests.

INTERFACE (other modules rely on it; keep it stable):

    parse_deadline(text, *, period_start, period_end) -> Schedule

`Schedule.kind` is one of KINDS; `Schedule.dates` are the due dates the
schedule yields within [period_start, period_end] (the last day of a month
for a month). Text that cannot be parsed gives kind "unparsed", keeps the
text, and never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

KINDS = (
    "date", "dates", "range", "month", "months", "month_range", "quarters", "recurring",
    "continuous", "event", "on_demand", "end_of_year", "unparsed",
)


@dataclass(frozen=True)
class Schedule:
    text: str
    kind: str
    dates: tuple[date, ...] = ()
    start: date | None = None  # for ranges and continuous schedules
    end: date | None = None
    event: str = ""  # for kind "event": the assessment named (ВПР, ОГЭ, ЕГЭ, НИКО, РДР, ГИА…), or ""
    details: dict = field(default_factory=dict)

    @property
    def parsed(self) -> bool:
        return self.kind != "unparsed"


def parse_deadline(text: str, *, period_start: date, period_end: date) -> Schedule:
    raise NotImplementedError  # being written
