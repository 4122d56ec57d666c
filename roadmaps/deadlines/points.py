"""Deadlines built from what the text dates: days, months, quarters, half-years, years."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.utils.translation import gettext as _

from .lexicon import _APPROXIMATE, _CONTINUOUS_RE, _MONTH_WORD, _month_number, _Tok
from .period import _month_end, _no_occurrence, _out_of_period, _Period, _safe_date
from .schedule import SCHOOL_YEAR_END, Schedule

# --------------------------------------------------------------------------- points in time


@dataclass
class _Point:
    """A day or a whole month, with its year when known."""

    month: int
    day: int = 0  # 0: the whole month
    year: int | None = None
    explicit: bool = False

    def first(self) -> date:
        return date(self.year, self.month, self.day or 1)

    def last(self) -> date:
        if self.day:
            return date(self.year, self.month, self.day)
        return _month_end(self.year, self.month)

    def key(self) -> tuple[int, int]:
        return (self.month, self.day or 1)

    def valid_in(self, year: int) -> bool:
        return _safe_date(year, self.month, self.day or 1) is not None


def _point_of(tok: _Tok) -> _Point:
    return _Point(tok.month, tok.day, tok.year, tok.year is not None)


def _infer_alone(point: _Point, period: _Period) -> None:
    """Give a point without a year its first occurrence that ends on or after the
    period's start (the plan's start), within a year of it. An occurrence past the
    period's end is kept: the caller warns about it. 29 February may find none."""
    if point.year is not None:
        return
    horizon = max(period.end, period.start + timedelta(days=365))
    for year in range(period.start.year - 1, horizon.year + 1):
        if not point.valid_in(year):
            continue
        candidate = replace(point, year=year)
        if candidate.last() >= period.start and candidate.first() <= horizon:
            point.year = year
            return


def _chain(points: list[_Point], period: _Period) -> bool:
    """Years for points read in chronological order (a range, a list with some years).

    Returns True when a day that does not exist (31.04, 29.02 of a common year) was
    moved to the last day of its month."""
    anchors = [i for i, p in enumerate(points) if p.year is not None]
    if not anchors:
        _infer_alone(points[-1], period)
        if points[-1].year is None:
            _infer_alone(points[0], period)
        anchors = [i for i, p in enumerate(points) if p.year is not None]
        if not anchors:
            return False
    first_anchor = anchors[0]
    for i in range(first_anchor - 1, -1, -1):  # backwards from the first known year
        nxt = points[i + 1]
        points[i].year = nxt.year if points[i].key() <= nxt.key() else nxt.year - 1
    for i in range(first_anchor + 1, len(points)):
        if points[i].year is None:
            prev = points[i - 1]
            points[i].year = prev.year if points[i].key() >= prev.key() else prev.year + 1
    clamped = False
    for p in points:  # 29 February in a year that has none
        if not p.valid_in(p.year):
            p.day = calendar.monthrange(p.year, p.month)[1]
            clamped = True
    return clamped


_SCHOOL_QUARTERS = {  # number: (first month/day, last month/day, year offset from the school year's start)
    1: ((9, 1), (10, 31), 0),
    2: ((11, 1), (12, 31), 0),
    3: ((1, 1), (3, 31), 1),
    4: ((4, 1), (5, 31), 1),
}
_CAL_QUARTERS = {
    1: ((1, 1), (3, 31)),
    2: ((4, 1), (6, 30)),
    3: ((7, 1), (9, 30)),
    4: ((10, 1), (12, 31)),
}
_SCHOOL_HALVES = {1: ((9, 1), (12, 31), 0), 2: ((1, 1), (5, 31), 1)}
_CAL_HALVES = {1: ((1, 1), (6, 30)), 2: ((7, 1), (12, 31))}


def _school_quarter_ends(period: _Period, numbers, *, every: bool, school_year: int | None = None):
    found = []
    for n in numbers:
        _first, (m, d), offset = _SCHOOL_QUARTERS[n]
        if school_year is not None:
            found.append(date(school_year + offset, m, d))
            continue
        inside = [
            date(y + offset, m, d) for y in period.years() if date(y + offset, m, d) in period
        ]
        found.extend(inside if every else inside[:1])
    return sorted(set(found))


def _numerals_before(toks, index: int) -> list[int]:
    """Quarter or half-year numbers written before toks[index]: «I, III», «1-2», «второе»."""
    numbers: list[int] = []
    dash = False
    i = index - 1
    while i >= 0 and toks[i].kind in ("roman", "num", "ord", "sep", "dash"):
        t = toks[i]
        if t.kind == "dash":
            dash = True
        elif t.kind != "sep":
            if dash and numbers:
                numbers.extend(range(t.value + 1, numbers[-1]))
            numbers.append(t.value)
            dash = False
        i -= 1
    return sorted(set(numbers))


def _dated(toks, s: str, period: _Period, make) -> Schedule | None:
    """Schedules built from dates, months, quarters and years written in the text."""
    # «1-15 октября», «с 1 по 15 октября»: a bare day before a date shares its month.
    for i, t in enumerate(toks):
        if t.kind == "num" and 1 <= t.value <= 31 and i + 2 < len(toks):
            link, nxt = toks[i + 1], toks[i + 2]
            if (
                (link.kind == "dash" or link.text in ("по", "до"))
                and nxt.kind == "date"
                and _safe_date(2000, nxt.month, t.value)
                and t.value < nxt.day
            ):
                toks[i] = _Tok("date", t.text, month=nxt.month, day=t.value, year=nxt.year)

    years = [t.value for t in toks if t.kind == "year"]
    units = [i for i, t in enumerate(toks) if t.kind in ("qs", "qc", "half")]
    point_toks = [i for i, t in enumerate(toks) if t.kind in ("date", "month")]

    if point_toks:
        return _from_points(toks, point_toks, s, period, make)
    if units:
        return _from_units(toks, units, years, s, period, make)
    if years:
        return _from_years(years, s, period, make)
    return None


def _is_range(toks, i: int, j: int) -> bool:
    between = toks[i + 1 : j]
    if len(between) == 1 and (between[0].kind == "dash" or between[0].text in ("по", "до")):
        return True
    return len(between) == 0 and any(t.text in ("с", "со", "от") for t in toks[:i])


def _from_points(toks, idx: list[int], s: str, period: _Period, make) -> Schedule:
    points = [_point_of(toks[i]) for i in idx]
    explicit = any(p.explicit for p in points)
    warnings: list[str] = []

    def check(dates: list[date]) -> list[date]:
        """Keep explicit-year dates (with a warning outside the period); drop inferred ones
        before the plan's start, keep those past the period's end with a warning."""
        if explicit:
            if any(d not in period for d in dates):
                warnings.append(_out_of_period(period))
            return dates
        kept = [d for d in dates if d >= period.start]
        if len(kept) < len(dates):
            warnings.append(_no_occurrence(period))
        if any(d > period.end for d in kept):
            warnings.append(_out_of_period(period))
        return kept

    def clip(point_end: date) -> date:
        """An inferred month is due by the period's end when the period ends inside it."""
        if explicit or point_end.replace(day=1) > period.end:
            return point_end
        return min(point_end, period.end)

    def warn() -> str:
        return " ".join(dict.fromkeys(warnings))

    # «с 01.09.2023»: from that day on, for the rest of the period.
    def chain() -> None:
        if _chain(points, period):
            warnings.append(_("Такой даты нет в календаре; взят последний день месяца."))

    if len(points) == 1 and re.match(r"(?:начиная )?(?:с|со|от) ", s) and points[0].day:
        chain()
        if points[0].year is None:
            return make("continuous", (), period.start, period.end, warning=_no_occurrence(period))
        start = points[0].first()
        return make(
            "continuous",
            (),
            start,
            max(start, period.end),
            warning="" if start in period else _out_of_period(period),
        )

    if len(points) == 2 and _is_range(toks, idx[0], idx[1]):
        chain()
        first, last = points
        if first.year is None or last.year is None:
            return make("range", warning=_no_occurrence(period))
        start, end = first.first(), last.last()
        if not first.day and not last.day:
            months = []
            y, m = start.year, start.month
            while (y, m) <= (end.year, end.month) and len(months) < 240:
                months.append(_month_end(y, m))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            # Months of the window before the plan's start are not due: nothing is owed
            # for the time before the plan existed.
            dates = check([clip(d) for d in months if explicit or d >= period.start])
            if not dates and not warnings:
                warnings.append(_no_occurrence(period))
            return make("month_range", dates, start, end, warning=warn(), explicit_year=explicit)
        due = end if explicit or start > period.end else min(end, period.end)
        return make("range", check([due]), start, end, warning=warn(), explicit_year=explicit)

    if explicit:
        chain()
    else:
        for p in points:
            _infer_alone(p, period)
    resolved = [p for p in points if p.year is not None]
    if len(resolved) < len(points):
        warnings.append(_no_occurrence(period))

    if len(points) == 1:
        p = points[0]
        if p.year is None:
            return make("date" if p.day else "month", warning=warn())
        if p.day:
            return make("date", check([p.last()]), warning=warn(), explicit_year=explicit)
        if idx[0] > 0 and toks[idx[0] - 1].text in ("до", "к"):
            # «до июня 2023», «к сентябрю»: by the start of the month, the last day before it
            due = p.first() - timedelta(days=1)
            if not explicit and due < period.start:
                due = date(p.year + 1, p.month, 1) - timedelta(days=1)
            return make("date", check([due]), warning=warn(), explicit_year=explicit)
        for pattern, day in _APPROXIMATE:
            if pattern.search(s):
                due = date(p.year, p.month, day)
                return make(
                    "date", check([due]), warning=warn(), approximate=True, explicit_year=explicit
                )
        return make(
            "month",
            check([clip(p.last())]),
            p.first(),
            p.last(),
            warning=warn(),
            explicit_year=explicit,
        )

    if all(p.day for p in points):
        return make(
            "dates", check([p.last() for p in resolved]), warning=warn(), explicit_year=explicit
        )
    if not any(p.day for p in points):
        dates = [clip(p.last()) for p in resolved]
        return make("months", check(dates), warning=warn(), explicit_year=explicit)
    return make(
        "dates", check([p.last() for p in resolved]), warning=warn(), explicit_year=explicit
    )


def _years_after(toks, index: int) -> list[int]:
    """The year (or «2023-2024») written right after toks[index]."""
    if index + 1 < len(toks) and toks[index + 1].kind == "year":
        first = toks[index + 1].value
        if (
            index + 3 < len(toks)
            and toks[index + 2].kind == "dash"
            and toks[index + 3].kind == "year"
        ):
            return [first, toks[index + 3].value]
        return [first]
    return []


def _occurrences(period: _Period, every: bool, month: int, day: int, offset: int = 0) -> list[int]:
    """Years y whose due date (day.month of y + offset) falls in the period: every one, or
    the first; a single one not in the period is its first occurrence after the plan's start."""

    def due(year: int) -> date:
        return date(year + offset, month, day)

    years = [y for y in period.years() if due(y) in period]
    if every:
        return years
    if years:
        return years[:1]
    return [y for y in range(period.start.year - 1, period.end.year + 3) if due(y) >= period.start][
        :1
    ]


def _from_units(
    toks, units: list[int], years: list[int], s: str, period: _Period, make
) -> Schedule:
    """Quarters (четверти, кварталы) and half-years, possibly with a year."""
    explicit = bool(years)
    dates: list[date] = []
    spans: list[tuple[date, date]] = []
    kinds = set()
    numbers_all: list[int] = []
    for i in units:
        unit = toks[i].kind
        numbers = _numerals_before(toks, i)
        every = not numbers
        limit = 2 if unit == "half" else 4
        numbers = [n for n in numbers if 1 <= n <= limit] or list(range(1, limit + 1))
        numbers_all.extend(numbers)
        uy = _years_after(toks, i) or years  # «IV квартал 2023 г. - I квартал 2024 г.»
        school_year = min(uy) if uy else None
        school = unit == "qs" or (
            unit == "half" and ("учебн" in s or len(uy) >= 2 or (not uy and period.school))
        )
        kinds.add(
            "school_quarter"
            if unit == "qs"
            else ("quarter" if unit == "qc" else ("school_half" if school else "half"))
        )
        for n in numbers:
            if unit == "qs" or (unit == "half" and school):
                table = _SCHOOL_QUARTERS if unit == "qs" else _SCHOOL_HALVES
                (fm, fd), (lm, ld), offset = table[n]
                if school_year is not None:
                    base = school_year if len(uy) >= 2 or offset == 0 else school_year - 1
                    candidates = [base]
                else:
                    candidates = _occurrences(period, every, lm, ld, offset)
                for y in candidates:
                    spans.append((date(y + offset, fm, fd), date(y + offset, lm, ld)))
            else:
                table = _CAL_QUARTERS if unit == "qc" else _CAL_HALVES
                (fm, fd), (lm, ld) = table[n]
                candidates = [max(uy)] if uy else _occurrences(period, every, lm, ld)
                for y in candidates:
                    spans.append((date(y, fm, fd), date(y, lm, ld)))
    dates = sorted({end for _start, end in spans})
    warning = ""
    if not dates:
        warning = _no_occurrence(period)
    elif any(d not in period for d in dates):
        warning = _out_of_period(period)
    unit_kind = sorted(kinds)[0] if len(kinds) == 1 else "mixed"
    if kinds <= {"half", "school_half"}:
        if len(spans) == 1:
            start, end = spans[0]
            return make(
                "range",
                dates,
                start,
                end,
                unit=unit_kind,
                numbers=numbers_all,
                warning=warning,
                explicit_year=explicit,
            )
        return make(
            "dates",
            dates,
            unit=unit_kind,
            numbers=numbers_all,
            warning=warning,
            explicit_year=explicit,
        )
    return make(
        "quarters",
        dates,
        unit=unit_kind,
        numbers=sorted(set(numbers_all)),
        warning=warning,
        explicit_year=explicit,
    )


def _from_years(years: list[int], s: str, period: _Period, make) -> Schedule:
    """«2019», «2019-2020», «2023-2024 учебный год», «в течение 2020 года», «до конца 2023 года»."""
    first, last = min(years), max(years)
    if "учебн" in s or (period.school and len(years) == 2 and last == first + 1):
        start_year = first
        if len(years) == 1:  # «2024 учебный год»: the school year starting or ending in it
            start_year = next(
                (
                    y
                    for y in (first, first - 1)
                    if period.overlaps(date(y, 9, 1), date(y + 1, 5, 31))
                ),
                first,
            )
        start, end = date(start_year, 9, 1), date(max(last, start_year + 1), *SCHOOL_YEAR_END)
    else:
        start, end = date(first, 1, 1), date(last, 12, 31)
    warning = "" if period.overlaps(start, end) else _out_of_period(period)
    if len(years) == 1 and re.match(r"(?:начиная )?с ", s):  # «с 2019 года»: from then on
        end = max(start, period.end)
        warning = "" if period.overlaps(start, end) else _out_of_period(period)
        return make("continuous", (), start, end, warning=warning, explicit_year=True)
    if len(years) == 1 and re.match(r"(?:до|не позднее|к) ", s):  # «до 2020 года»: its year end
        start = None
    closing = re.search(r"(?:конц|окончани|итог)[а-я]*", s)
    calendar_span = start is not None and start.month == 1 and last > first
    # «до 2020 года» with a word of continuity is still due at the year's end.
    if start is not None and (_CONTINUOUS_RE.search(s) or calendar_span) and not closing:
        # «в течение 2023 года», «2024-2025 гг.»: throughout, from the plan's start
        begin = max(start, period.start) if start <= period.end else start
        return make("continuous", (), begin, end, warning=warning, explicit_year=True)
    if end not in period:  # the due date itself is outside, even when the year overlaps
        warning = _out_of_period(period)
    if start is None or closing:
        return make("date", [end], warning=warning, explicit_year=True)
    return make("range", [end], start, end, warning=warning, explicit_year=True)


_NTH_WEEKDAY_RE = re.compile(
    r"(?<![а-я])(?P<nth>перв|втор|трет|четверт|последн)[а-я]*\s+"
    r"(?P<day>понедельник|вторник|сред|четверг|пятниц|суббот|воскресень)[а-я]*\s+"
    r"(?P<month>" + _MONTH_WORD + r")(?![а-я])(?:\s+(?P<year>(?:19|20)\d{2}))?"
)
_NTH = {"перв": 1, "втор": 2, "трет": 3, "четверт": 4, "последн": -1}
_DAY_NUMBER = {
    "понедельник": 0, "вторник": 1, "сред": 2, "четверг": 3, "пятниц": 4, "суббот": 5,
    "воскресень": 6,
}  # fmt: skip


def _nth_weekday_in(year: int, month: int, weekday: int, nth: int) -> date:
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return days[nth - 1] if nth > 0 else days[-1]


def _nth_weekday(s: str, period: _Period, make) -> Schedule | None:
    """«первая среда декабря», «в последнюю пятницу марта 2025 г.»: that day of that
    month, the first on or after the plan's start unless the year is written."""
    found = _NTH_WEEKDAY_RE.search(s)
    if found is None:
        return None
    month = _month_number(found["month"])
    nth, weekday = _NTH[found["nth"]], _DAY_NUMBER[found["day"]]
    if found["year"]:
        due = _nth_weekday_in(int(found["year"]), month, weekday, nth)
        warning = "" if due in period else _out_of_period(period)
        return make("date", [due], warning=warning, explicit_year=True)
    for year in range(period.start.year, period.start.year + 2):
        due = _nth_weekday_in(year, month, weekday, nth)
        if due >= period.start:
            return make("date", [due], warning="" if due in period else _out_of_period(period))
    return None
