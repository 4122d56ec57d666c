"""The period deadlines are read in, and the warnings that name it."""

from __future__ import annotations

import calendar
from datetime import date

from django.utils.translation import gettext as _


class _Period:
    """The window deadlines are read in: from the plan's start (the later of the period's
    start and the order's date) to the period's end."""

    def __init__(self, start: date, end: date, *, plan_start: date | None = None):
        if end < start:
            start, end = end, start
        # School-year periods ("2023/24") count years from September to May.
        self.school = (
            not (end.month == 12 and end.day == 31)
            and 5 <= end.month <= 8
            and not (start.month == 1 and start.day == 1)
        )
        self.start = max(start, plan_start) if plan_start else start
        self.end = max(end, self.start)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def years(self) -> range:
        return range(self.start.year - 1, self.end.year + 2)

    def overlaps(self, first: date, last: date) -> bool:
        return first <= self.end and last >= self.start

    def label(self) -> str:
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1 <= year <= 9999):
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _out_of_period(period: _Period) -> str:
    return _("Срок вне периода действия дорожной карты (%(period)s); проверьте год.") % {
        "period": period.label()
    }


def _no_occurrence(period: _Period) -> str:
    return _(
        "В периоде действия дорожной карты (%(period)s) нет такого срока; укажите год или исправьте срок."
    ) % {"period": period.label()}
