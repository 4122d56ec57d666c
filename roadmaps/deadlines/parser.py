"""parse_deadline: the reading of one deadline as written, within a period."""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, timedelta

from django.utils.translation import gettext as _

from .lexicon import (
    _AND_SCHOOL_YEAR_RE,
    _COMBO_RE,
    _CONTINUOUS_RE,
    _DURATION_RE,
    _END_OF_SCHOOL_YEAR_RE,
    _END_OF_YEAR_RE,
    _EVENT_MARKER_RE,
    _ON_DEMAND_RE,
    _START_OF_SCHOOL_YEAR_RE,
    _TIED_RE,
    _WEEKDAYS,
    _events,
    _frequency,
    _normalize,
    _offset_days,
    _tokenize,
)
from .period import _no_occurrence, _out_of_period, _Period
from .points import _dated, _nth_weekday, _occurrences, _school_quarter_ends
from .schedule import SCHOOL_YEAR_END, Schedule


def parse_deadline(
    text: str, *, period_start: date, period_end: date, plan_start: date | None = None
) -> Schedule:
    """Turn a deadline as written into a Schedule within the roadmap's period. Never raises.

    `plan_start` is the day the plan takes effect (its order's date): years are read
    from it and recurring schedules start on it when it lies after `period_start`."""
    raw = "" if text is None else str(text)
    period = _Period(period_start, period_end, plan_start=plan_start)
    try:
        return _parse(raw, period)
    except Exception:  # the contract: text never breaks a save; the fuzz test hunts these
        return Schedule(raw, "unparsed", details={"warning": _("Срок не распознан, уточните его.")})


# --------------------------------------------------------------------------- parsing


def _parse(raw: str, period: _Period) -> Schedule:
    s = _normalize(raw)
    if not re.search(r"[0-9a-zа-я]", s):
        return Schedule(raw, "unparsed", details={"warning": _("Срок не указан.")})
    parts = _COMBO_RE.split(s, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return _combine(
            raw, _parse_one(raw, parts[0], period), _parse_one(raw, parts[1], period), period
        )
    return _parse_one(raw, s, period)


def _combine(raw: str, first: Schedule, then: Schedule, period: _Period) -> Schedule:
    """«сентябрь 2019, далее ежегодно»: one reading for a start and what follows it."""
    if then.kind == "recurring" and first.dates and then.details.get("frequency") != "yearly":
        # «сентябрь 2019, далее ежемесячно»: the start, then every occurrence after it
        start = first.dates[0]
        dates = sorted({start, *(d for d in then.dates if d > start)})
        details = {**then.details, "from": start.isoformat()}
        warnings = [w for w in (first.warning, then.warning) if w and dates]
        details.pop("warning", None)
        if warnings:
            details["warning"] = " ".join(dict.fromkeys(warnings))
        return replace(then, text=raw, dates=tuple(dates), details=details)
    if (
        then.kind == "recurring"
        and then.details.get("frequency") == "yearly"
        and not then.details.get("months")
        and first.kind in ("date", "month")
        and first.dates
    ):
        start = first.dates[0]
        day = start.day if first.kind == "date" else 0
        dates = [start, *_recurring_dates(period, "yearly", months=[start.month], day=day)]
        dates = sorted({d for d in dates if d >= start})
        details = {"frequency": "yearly", "months": [start.month], "from": start.isoformat()}
        if day:
            details["day"] = day
        if first.warning:
            details["warning"] = first.warning
        return Schedule(raw, "recurring", tuple(dates), period.start, period.end, details=details)
    details = {**first.details, "then": then.as_json()}
    warnings = [w for w in (first.warning, then.warning) if w]
    if warnings:
        details["warning"] = " ".join(warnings)
    return replace(first, text=raw, details=details)


def _parse_one(raw: str, s: str, period: _Period) -> Schedule:
    toks = _tokenize(s)
    events = _events(s)
    event = events[0] if events else ""

    def make(kind, dates=(), start=None, end=None, **details) -> Schedule:
        details = {
            k: v for k, v in details.items() if v is not False and v not in (None, "", [], ())
        }
        if len(events) > 1:
            details["events"] = events
        return Schedule(raw, kind, tuple(sorted(set(dates))), start, end, event, details)

    freq, warning = _frequency(s)
    if freq == "school_quarters":
        dates = _school_quarter_ends(period, (1, 2, 3, 4), every=True)
        return make("quarters", dates, unit="school_quarter", numbers=[1, 2, 3, 4], every=True)
    if freq:
        return _recurring(toks, s, freq, warning, period, make)

    nth = _nth_weekday(s, period, make)
    if nth is not None:
        return nth
    dated = any(t.kind in ("date", "month", "qs", "qc", "half") for t in toks)
    if _END_OF_SCHOOL_YEAR_RE.search(s) and not dated:
        return _end_of_school_year(toks, period, make)
    m = _START_OF_SCHOOL_YEAR_RE.search(s)
    if m and not dated:
        # «до начала» is 31 August, «к началу» 1 September, «в начале» September
        month, day = {"до ": (8, 31), "к ": (9, 1)}.get(m.group(1) or "", (9, 30))
        years = _occurrences(period, False, month, day)
        dates = [date(y, month, day) for y in years]
        warning = _no_occurrence(period) if not dates else ""
        if dates and dates[0] > period.end:
            warning = _out_of_period(period)
        return make("date", dates, warning=warning)

    result = _dated(toks, s, period, make)
    if result is not None:
        if result.dates and (_END_OF_SCHOOL_YEAR_RE.search(s) or _AND_SCHOOL_YEAR_RE.search(s)):
            # «по итогам I полугодия и учебного года»: both due dates
            extra = _end_of_school_year(toks, period, make)
            dates = tuple(sorted({*result.dates, *extra.dates}))
            details = dict(result.details)
            warning = " ".join(dict.fromkeys(w for w in (result.warning, extra.warning) if w))
            if warning:
                details["warning"] = warning
            return replace(result, kind="dates", dates=dates, start=None, end=None, details=details)
        return result

    if _END_OF_YEAR_RE.search(s):
        dates = [date(y, 12, 31) for y in period.years() if date(y, 12, 31) in period][:1]
        if dates:
            return make("date", dates)
        return make(
            "date",
            (),
            warning=_("В периоде дорожной карты (%(period)s) нет конца года.")
            % {"period": period.label()},
        )
    offset = _offset_days(s)
    if offset is None and not events and _DURATION_RE.search(s):
        # «в течение 3 дней» without what it counts from: a person must say
        return make("unparsed", warning=_("Срок указан длительностью без начала; уточните его."))
    tied = offset is not None or _TIED_RE.search(s)
    if events and (tied or not _CONTINUOUS_RE.search(s)):
        # «по графику проведения ВПР»; but «в течение года (подготовка к ВПР)» is continuous
        return make("event", (), period.start, period.end, offset_days=offset)
    if offset is not None:
        return make("event", (), period.start, period.end, offset_days=offset)
    if re.search(r"летн[а-я]* (?:каникул|период)", s):
        summers = [
            (date(y, 6, 1), date(y, 8, 31))
            for y in period.years()
            if period.overlaps(date(y, 6, 1), date(y, 8, 31))
        ][:1]
        if summers:
            start, end = summers[0]
            return make("range", [min(end, period.end)], start, end)
    if "каникул" in s:  # holidays differ by region and year: a calendar must give them
        return make("event", (), period.start, period.end, source="каникулы")
    if _ON_DEMAND_RE.search(s):
        return make("on_demand")
    if _EVENT_MARKER_RE.search(s) and not _CONTINUOUS_RE.search(s):
        m = re.search(r"(?:по|согласно|в соответствии с) (?:плану|графику)[а-я ]*", s)
        return make("event", (), period.start, period.end, source=m.group(0) if m else "")
    if _CONTINUOUS_RE.search(s):
        daily = "ежедневн" in s
        return make("continuous", (), period.start, period.end, frequency="daily" if daily else "")
    return make("unparsed", warning=_("Срок не распознан, уточните его."))


def _end_of_school_year(toks, period: _Period, make) -> Schedule:
    years = [t.value for t in toks if t.kind == "year"]
    month, day = SCHOOL_YEAR_END
    if years:
        if len(years) > 1:  # «до конца 2023-2024 учебного года»: the later year is when it ends
            due = date(max(years), month, day)
        else:  # «2023 учебного года»: the school year that ends in it, or the one it starts
            due = next(
                (
                    d
                    for d in (date(years[0], month, day), date(years[0] + 1, month, day))
                    if d in period
                ),
                date(years[0], month, day),
            )
        warning = "" if due in period else _out_of_period(period)
        return make("end_of_year", [due], warning=warning, explicit_year=True)
    dates = [date(y, month, day) for y in period.years() if date(y, month, day) in period]
    if not dates:
        return make(
            "end_of_year",
            warning=_("В периоде дорожной карты (%(period)s) нет конца учебного года (31 мая).")
            % {"period": period.label()},
        )
    return make("end_of_year", dates)


def _recurring(toks, s: str, freq: str, warning: str, period: _Period, make) -> Schedule:
    if freq == "irregular":
        return make("recurring", (), period.start, period.end, frequency=freq, warning=warning)
    months: list[int] = []  # due months; a window «сентябрь-октябрь» is due at its end
    window: set[int] = set()  # every month named, windows filled in
    day = 0
    for i, t in enumerate(toks):
        if t.kind not in ("date", "month") or t.month in months:
            continue
        if i >= 2 and months and (toks[i - 1].kind == "dash" or toks[i - 1].text == "по"):
            first = months.pop()
            window.update((first - 1 + k) % 12 + 1 for k in range((t.month - first) % 12 + 1))
        months.append(t.month)
        window.add(t.month)
        if t.kind == "date":
            day = t.day
    if months and freq in ("half_yearly", "quarterly"):  # «2 раза в год (декабрь, май)»
        freq = "yearly"
    m = re.search(r"(?<!\d)(\d{1,2})(?:-?(?:го|е))? числ", s)
    if m and 1 <= int(m.group(1)) <= 31:
        day = int(m.group(1))
    weekday = next((n for stem, n in _WEEKDAYS if stem in s), None)
    if freq == "weekly" and weekday is None:
        weekday = 4
    if freq == "yearly" and not months and _END_OF_SCHOOL_YEAR_RE.search(s):
        months, day = [SCHOOL_YEAR_END[0]], SCHOOL_YEAR_END[1]
    shift = 1 if re.search(r"следующ[а-я]* за (?:отчетн|кварт|полугод)", s) else 0
    dates = _recurring_dates(period, freq, months=months, day=day, weekday=weekday, shift=shift)
    if shift and freq == "monthly":  # the first month's report is for a month before the period
        first_month = (period.start.year, period.start.month)
        dates = [d for d in dates if (d.year, d.month) > first_month]
    excluded = bool(window) and bool(re.search(r"кроме|за исключением", s))
    if window and freq in ("monthly", "weekly"):
        if excluded:  # «ежемесячно, кроме июля и августа»
            dates = [d for d in dates if d.month not in window]
        else:  # «ежемесячно (сентябрь-май)»
            dates = [d for d in dates if d.month in window]
    years = [t.value for t in toks if t.kind == "year"]
    if years:  # «ежемесячно в 2024 году», «ежегодно, начиная с 2020 года»
        since = re.search(r"начиная|(?<![а-я])с ", s)
        high = 9999 if since else max(years)
        dates = [d for d in dates if min(years) <= d.year <= high]
    return make(
        "recurring",
        dates,
        period.start,
        period.end,
        frequency=freq,
        months=months if freq == "yearly" else ([] if excluded else sorted(window)),
        except_months=sorted(window) if excluded else [],
        day=day or None,
        weekday=weekday if freq == "weekly" else None,
        after_period_end=bool(shift),
        warning="" if dates else _no_occurrence(period),
    )


def _recurring_dates(
    period: _Period, freq: str, *, months=(), day=0, weekday=None, shift=0
) -> list[date]:
    """Every due date of a frequency inside the period. `shift`: months after each
    reporting period's end («до 5 числа месяца, следующего за отчётным кварталом»)."""

    def on(year, month):
        last = calendar.monthrange(year, month)[1]
        return date(year, month, min(day, last) if day else last)

    years = period.years()
    if freq == "yearly" and months:
        found = [on(y, m) for y in years for m in months]
    elif freq == "yearly" and period.school:
        found = []
        for y in years:  # the school year y/y+1, due at its end or at the period's end
            first, last = date(y, 9, 1), date(y + 1, *SCHOOL_YEAR_END)
            if period.overlaps(first, last):
                found.append(min(last, period.end))
    elif freq == "yearly":
        found = [
            min(date(y, 12, 31), period.end)
            for y in years
            if period.overlaps(date(y, 1, 1), date(y, 12, 31))
        ]
    elif freq == "half_yearly":
        ends = (12, 5) if period.school else (6, 12)
        found = [on(y, (m - 1 + shift) % 12 + 1) for y in years for m in ends]
    elif freq == "quarterly":
        found = [on(y, (m - 1 + shift) % 12 + 1) for y in years for m in (3, 6, 9, 12)]
    elif freq == "monthly":
        found = [on(y, m) for y in years for m in range(1, 13)]
    elif freq == "weekly":
        first = period.start + timedelta(days=(weekday - period.start.weekday()) % 7)
        found = [first + timedelta(weeks=i) for i in range((period.end - first).days // 7 + 1)]
    else:
        found = []
    return sorted({d for d in found if d in period})
