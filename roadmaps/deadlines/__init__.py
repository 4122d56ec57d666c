"""Deadlines as people write them, turned into schedules. Pure: no ORM, no requests.

INTERFACE (other modules rely on it; keep it stable):

    parse_deadline(text, *, period_start, period_end, plan_start=None) -> Schedule
    plan_period(*, period_start, period_end, order_date, deadline_texts, today) -> PlanPeriod

`Schedule.kind` is one of KINDS; `Schedule.dates` are the due dates the
schedule yields from the plan's start to period_end (the last day of a month
for a month). The plan's start is the later of period_start and plan_start
(the order's date). Text that cannot be parsed gives kind "unparsed", keeps
the text, and never raises. `plan_period` says which period and plan start a
document's deadlines are read in when it names no period (deadlines/plan.py).

Readings chosen (each is pinned by a test in tests/roadmaps/test_deadlines.py):

- A month, a day, a list or a range without a year is its first occurrence on or
  after the plan's start (a month counts while it lasts: «декабрь» in an order of
  29 December is that December). Nothing without a year is due before the plan's
  start; an occurrence past the period's end is kept with a warning (a person
  checks it). 29 February without a leap year within a year of the start yields
  no date and a warning. An explicit year always wins; when it lies outside the
  window the dates are kept and `details["warning"]` says so in Russian.
- Recurring and continuous schedules («еженедельно», «ежемесячно»,
  «ежеквартально», «в течение года») run from the plan's start.
- «до июня 2023», «к сентябрю»: by the start of the month, so its day before
  (31 May, 31 August); «до конца мая», «в течение мая» are due 31 May.
- «первая среда декабря», «в последнюю пятницу марта»: that day (`date`).
- A span of calendar years («2024-2025 гг.», «в течение 2024 года») is `continuous`
  through them from the plan's start; a single year («2024») stays a `range` due at
  its end, and a span that is one school year («2023-2024 уч. г.») a `range` due 31 May.
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
