"""Which period a plan's deadlines are read in, when the document says less than that.

    plan_period(*, period_start, period_end, order_date, deadline_texts, today) -> PlanPeriod

In order of what wins:

1. A period the document names («на 2022-2023 учебный год»): that period; deadlines
   are read from the later of its start and the order's date.
2. An order's (or approval's) date: the school year it is for, from the date on.
   An order of June to August is for the school year that starts that September
   (plans for the next year are approved once lessons end).
3. The years the document's own deadlines name («сентябрь 2022г.», «до 01.04.2023»):
   the school year most of them fall in, with a warning that says so.
4. Today's school year, with a warning that says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from .lexicon import _normalize, _tokenize

# An order dated from this month on is for the school year starting that September.
NEXT_SCHOOL_YEAR_FROM = 6
# A deadline dated from this month on belongs to the school year starting that September
# (August is the preparation of the coming year: «августовское совещание»).
DEADLINE_SCHOOL_YEAR_FROM = 8


@dataclass(frozen=True)
class PlanPeriod:
    start: date
    end: date
    plan_start: date  # the day deadlines are read from: no due date before it
    source: str  # "document", "order", "deadlines" or "today"
    warning: str = ""  # Russian, for the import preview


def school_year_of(day: date) -> int:
    """The first calendar year of the school year a plan dated `day` is for."""
    return day.year if day.month >= NEXT_SCHOOL_YEAR_FROM else day.year - 1


def school_year_named(texts: Iterable[str]) -> int | None:
    """The school year most of the dated deadlines in `texts` fall in (the earliest of
    equals), counting days and months written with a year and school years written
    out («2022-2023 учебный год»); None when no deadline names a year."""
    votes: Counter[int] = Counter()
    for text in texts:
        s = _normalize(text or "")
        toks = _tokenize(s)
        for i, tok in enumerate(toks):
            if tok.kind in ("date", "month") and tok.year is not None:
                votes[tok.year if tok.month >= DEADLINE_SCHOOL_YEAR_FROM else tok.year - 1] += 1
            elif (
                tok.kind == "year"
                and "учебн" in s
                and i + 2 < len(toks)
                and toks[i + 1].kind == "dash"
                and toks[i + 2].kind == "year"
                and toks[i + 2].value == tok.value + 1
            ):
                votes[tok.value] += 1
    if not votes:
        return None
    best = max(votes.values())
    return min(year for year, count in votes.items() if count == best)


def plan_period(
    *,
    period_start: date | None = None,
    period_end: date | None = None,
    order_date: date | None = None,
    deadline_texts: Iterable[str] = (),
    today: date,
) -> PlanPeriod:
    """The period and plan start deadlines are read in (see the module's docstring)."""
    if period_start and period_end:
        plan_start = max(period_start, order_date) if order_date else period_start
        return PlanPeriod(period_start, period_end, plan_start, "document")
    if order_date:
        first = school_year_of(order_date)
        start = min(order_date, date(first, 9, 1))
        return PlanPeriod(start, date(first + 1, 8, 31), order_date, "order")
    named = school_year_named(deadline_texts)
    if named is not None:
        message = _(
            "Дата приказа и период дорожной карты не найдены; годы в сроках без года "
            "определены по %(year)s учебному году, который называют другие сроки документа."
        )
        return _whole_school_year(named, "deadlines", message)
    message = _(
        "Дата приказа, период дорожной карты и годы в сроках не найдены; годы в сроках "
        "определены по текущему (%(year)s) учебному году — проверьте их."
    )
    return _whole_school_year(school_year_of(today), "today", message)


def _whole_school_year(first: int, source: str, message: str) -> PlanPeriod:
    """The school year starting in September of `first`, read from its start."""
    start = date(first, 9, 1)
    label = f"{first}/{(first + 1) % 100:02d}"
    return PlanPeriod(start, date(first + 1, 8, 31), start, source, message % {"year": label})
