"""Periods of a roadmap: its plan period, its reporting periods, the one holding a day."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.utils import timezone

from roadmaps.deadlines import plan_period
from roadmaps.models import (
    Roadmap,
)

# A report for a period is on time when sent by this many days after the period ends
# («до 10 числа месяца, следующего за отчётным», as orders usually put it).
REPORT_GRACE_DAYS = 10


def roadmap_period(roadmap: Roadmap) -> tuple[date, date]:
    """The period deadlines are read in: the roadmap's dates, its academic year,
    else the school year of its order date (or of today), as `plan_period` reads them."""
    if roadmap.period_start and roadmap.period_end:
        return roadmap.period_start, roadmap.period_end
    year = (roadmap.academic_year or "").strip()
    if len(year) >= 4 and year[:4].isdigit():
        first = int(year[:4])
        return date(first, 9, 1), date(first + 1, 8, 31)
    plan = plan_period(order_date=roadmap.order_date, today=timezone.localdate())
    return plan.start, plan.end


MONTHS_IN = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def reporting_periods(roadmap: Roadmap) -> list[tuple[date, date]]:
    """Calendar months, quarters, half-years or years covering the roadmap's
    period, clipped to it."""
    start, end = roadmap_period(roadmap)
    step = MONTHS_IN.get(roadmap.reporting_period, 3)
    month0 = (start.month - 1) // step * step + 1
    cursor = date(start.year, month0, 1)
    periods = []
    while cursor <= end:
        last_month = cursor.month + step - 1
        year = cursor.year + (last_month - 1) // 12
        last_month = (last_month - 1) % 12 + 1
        period_end = date(year, last_month, calendar.monthrange(year, last_month)[1])
        periods.append((max(cursor, start), min(period_end, end)))
        cursor = period_end + timedelta(days=1)
    return periods


def period_containing(roadmap: Roadmap, day: date) -> tuple[date, date]:
    periods = reporting_periods(roadmap)
    if not periods:  # a period that ends before it starts: report on it as a whole
        return roadmap_period(roadmap)
    for period in periods:
        if period[0] <= day <= period[1]:
            return period
    return periods[-1] if day > periods[-1][1] else periods[0]
