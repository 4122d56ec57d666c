"""Deadlines as people write them, turned into schedules. Pure: no ORM, no requests.

INTERFACE (other modules rely on it; keep it stable):

    parse_deadline(text, *, period_start, period_end) -> Schedule

`Schedule.kind` is one of KINDS; `Schedule.dates` are the due dates the
schedule yields within [period_start, period_end] (the last day of a month
for a month). Text that cannot be parsed gives kind "unparsed", keeps the
text, and never raises.

Readings chosen (each is pinned by a test in tests/roadmaps/test_deadlines.py):

- A year without an explicit number is inferred from the period: the first
  occurrence inside [period_start, period_end]. An explicit year always wins;
  when it lies outside the period the dates are kept and `details["warning"]`
  says so in Russian. A month or day that has no occurrence in the period and
  no explicit year yields no dates and a warning (a person must fix it).
- The school year in this module runs from 1 September to 31 May (the end of
  lessons): «до конца учебного года» is due on 31 May, «ежегодно» in a
  school-year period is due on 31 May, «II полугодие» of a school year is
  1 January–31 May.
- A period is a school-year period when it does not end on 31 December and ends
  in May–August; otherwise years are calendar years («ежегодно» due 31 December,
  «II полугодие» is July–December).
- `range`: `start`/`end` are the window, `dates` is the due date (the end).
  A bare year («2019») is a `range` over that year.
- School quarters (четверти) end on 31 October, 31 December, 31 March and
  31 May; calendar quarters on the last day of March, June, September, December.
  «I, III четверть» and «по итогам каждой четверти» are `quarters`;
  «ежеквартально», «раз в квартал» are `recurring`.
- «ежедневно» is `continuous` (a daily task must not nag); «еженедельно» is due
  every Friday unless a weekday is named.
- «1 полугодие» is a `range` over that half-year (due at its end).
- «сентябрь 2019, далее ежегодно» is `recurring`: every September from 2019.
  Other «X, далее Y» combinations keep the reading of X and put Y's schedule
  in `details["then"]`.
- «с 01.09.2023» alone is `continuous` from that day to the end of the period;
  «с 2019 года» likewise from 1 January 2019; «до 2020 года» is due 31.12.2020.
- Written dates win over words: «апрель-май (по графику ВПР)» is a `month_range`
  (with `event` = "ВПР"). Without dates: a named assessment («по итогам ВПР»,
  «в течение 10 дней после проведения ВПР» → `details["offset_days"]` = 10) is
  an `event`; then on-demand wordings; then continuous ones; an unnamed plan or
  schedule («по графику», «по плану отдела образования») is an `event` with
  `event` = "" unless a continuous wording is also there («в течение года по
  графику» is `continuous`: nothing will ever give it dates, so it must not nag).
- An assessment named only as context («в течение года (подготовка к ВПР)») does
  not make a continuous measure an event. «в период летних каникул» is June to
  August; other holidays differ by region, so they are an `event` with
  `details["source"]` = "каникулы" for a calendar to fill.
- A duration counted from nothing («в течение 3 дней») and a date cited for a
  document («согласно приказу от 12.03.2020 № 26») are not deadlines.

Reminders and figures use `status_on`, `next_due`, `due_between`,
`active_between`, `final_due`; `with_calendar` gives assessment-tied schedules
their dates; `describe` says a schedule in Russian for the editor.
"""

from .describe import describe
from .parser import parse_deadline
from .plan import PlanPeriod, plan_period, school_year_named, school_year_of
from .schedule import (
    EVENTS,
    KINDS,
    SCHOOL_YEAR_END,
    STATUSES,
    Schedule,
    active_between,
    due_between,
    final_due,
    last_due,
    next_due,
    occurrences,
    status_on,
    with_calendar,
)

__all__ = [
    "EVENTS",
    "KINDS",
    "PlanPeriod",
    "SCHOOL_YEAR_END",
    "STATUSES",
    "Schedule",
    "active_between",
    "describe",
    "due_between",
    "final_due",
    "last_due",
    "next_due",
    "occurrences",
    "parse_deadline",
    "plan_period",
    "school_year_named",
    "school_year_of",
    "status_on",
    "with_calendar",
]
