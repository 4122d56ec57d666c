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

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.utils.translation import gettext as _

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


# --------------------------------------------------------------------------- public API


def parse_deadline(text: str, *, period_start: date, period_end: date) -> Schedule:
    """Turn a deadline as written into a Schedule within the roadmap's period. Never raises."""
    raw = "" if text is None else str(text)
    period = _Period(period_start, period_end)
    try:
        return _parse(raw, period)
    except Exception:  # the contract: text never breaks a save; the fuzz test hunts these
        return Schedule(raw, "unparsed", details={"warning": _("Срок не распознан, уточните его.")})


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


def describe(schedule: Schedule) -> str:
    """The schedule in a short Russian phrase, for the editor and the lists.

    The warning (if any) is not included: show `schedule.warning` beside it.
    """
    dates = occurrences(schedule)
    shown = ", ".join(_fmt(d) for d in dates[:6]) + (" …" if len(dates) > 6 else "")
    kind = schedule.kind
    if kind == "unparsed":
        if not schedule.text.strip():
            return _("Срок не указан")
        return _("Срок не распознан")
    if kind == "on_demand":
        return _("По мере необходимости")
    if kind == "continuous":
        if schedule.start and schedule.end:
            return _("Постоянно, с %(start)s по %(end)s") % {
                "start": _fmt(schedule.start),
                "end": _fmt(schedule.end),
            }
        return _("Постоянно")
    if kind == "event":
        named = schedule.details.get("events") or ([schedule.event] if schedule.event else [])
        names = ", ".join(named)
        if names:
            head = _("По графику %(names)s") % {"names": names}
        elif schedule.details.get("source") == "каникулы":
            head = _("В каникулы")
        elif schedule.details.get("source"):
            head = _cap(schedule.details["source"])
        else:
            head = _("По графику")
        if dates:
            return f"{head}: {shown}"
        if names:
            return _("%(head)s (даты появятся из календаря оценочных процедур)") % {"head": head}
        return _("%(head)s (даты появятся из календаря)") % {"head": head}
    if not dates:
        return _("Срок без даты в периоде дорожной карты")
    if kind == "range" and schedule.start and schedule.end:
        return _("С %(start)s по %(end)s") % {
            "start": _fmt(schedule.start),
            "end": _fmt(schedule.end),
        }
    if kind == "month":
        text = _("%(month)s (до %(date)s)") % {
            "month": _month_label(dates[0]),
            "date": _fmt(dates[0]),
        }
        return _cap(text)
    if kind == "months":
        return _cap(", ".join(_month_label(d) for d in dates))
    if kind == "month_range":
        text = _("%(first)s – %(last)s, до конца каждого месяца") % {
            "first": _month_label(dates[0]),
            "last": _month_label(dates[-1]),
        }
        return _cap(text)
    if kind == "quarters":
        numbers = ", ".join(_ROMAN[n] for n in schedule.details.get("numbers", ()) if n in _ROMAN)
        unit = _("квартал") if schedule.details.get("unit") == "quarter" else _("четверть")
        return f"{numbers} {unit}: {shown}" if numbers else f"{unit}: {shown}"
    if kind == "recurring":
        label = _frequency_labels().get(schedule.details.get("frequency", ""), "")
        return f"{label}: {shown}" if label else shown
    if kind == "end_of_year":
        return _("До конца учебного года: %(dates)s") % {"dates": shown}
    return _("До %(dates)s") % {"dates": shown}


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _frequency_labels() -> dict[str, str]:
    return {
        "yearly": _("Ежегодно"),
        "half_yearly": _("Раз в полугодие"),
        "quarterly": _("Ежеквартально"),
        "monthly": _("Ежемесячно"),
        "weekly": _("Еженедельно"),
    }


def _month_names() -> tuple[str, ...]:
    return (
        _("январь"), _("февраль"), _("март"), _("апрель"), _("май"), _("июнь"),
        _("июль"), _("август"), _("сентябрь"), _("октябрь"), _("ноябрь"), _("декабрь"),
    )  # fmt: skip


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fmt(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def _month_label(day: date) -> str:
    return f"{_month_names()[day.month - 1]} {day.year}"


# --------------------------------------------------------------------------- the period


class _Period:
    def __init__(self, start: date, end: date):
        if end < start:
            start, end = end, start
        self.start = start
        self.end = end
        # School-year periods ("2023/24") count years from September to May.
        self.school = (
            not (end.month == 12 and end.day == 31)
            and 5 <= end.month <= 8
            and not (start.month == 1 and start.day == 1)
        )

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


# --------------------------------------------------------------------------- normalising


_DASHES = str.maketrans(
    {
        "–": "-", "—": "-", "‒": "-", "−": "-", "‐": "-", "‑": "-", "―": "-",
        "\u00a0": " ", "ё": "е", "і": "i", "«": " ", "»": " ", '"': " ", "“": " ", "”": " ",
    }
)  # fmt: skip


def _normalize(text: str) -> str:
    s = re.sub(r"<[^>]*>", " ", text)
    s = s.lower().translate(_DASHES)
    s = re.sub(r"\s+", " ", s).strip()
    # "2023/2024", "2023/24", "2023-24" -> "2023-2024"
    s = re.sub(r"(?<!\d)((?:19|20)\d{2})\s*[/-]\s*((?:19|20)\d{2})(?!\d)", r"\1-\2", s)
    s = re.sub(
        r"(?<!\d)((?:19|20)(\d{2}))\s*[/-]\s*(\d{2})(?![\d.])",
        lambda m: (
            f"{m.group(1)}-{m.group(1)[:2]}{m.group(3)}"
            if int(m.group(3)) == (int(m.group(2)) + 1) % 100
            else m.group(0)
        ),
        s,
    )
    # "уч. года", "уч.г.", "уч. год" -> "учебного года"
    s = re.sub(r"(?<![а-я])уч\.?\s*(?:г\.?|года|год)(?![а-я])\.?", " учебного года ", s)
    # a document cited by date is not a deadline: «согласно приказу от 12.03.2020 № 26»
    s = re.sub(
        r"((?:приказ|распоряжени|письм|постановлени|решени)[а-я]*)[^,;]*?\sот\s+\S+(?:\s+г\.?)?"
        r"\s*(?:№|n)\s*\S+",
        r"\1",
        s,
    )
    # "2023г.", "2023 г", "2023 года", "2019-2020 гг." -> the bare year
    s = re.sub(r"(?<=\d)\s*(?:гг|г|года|год|годы|годах|году)(?![а-я])\.?", " ", s)
    return re.sub(r"\s+", " ", s).strip(" .,;:")


# --------------------------------------------------------------------------- tokens

_MONTH_WORD = (
    r"январ[а-я]*|янв\.?|феврал[а-я]*|февр?\.?|март[а-я]*|мар\.?|апрел[а-я]*|апр\.?|"
    r"ма[йяею]м?|июн[а-я]*|июл[а-я]*|август[а-я]*|авг\.?|сентябр[а-я]*|сент?\.?|"
    r"октябр[а-я]*|окт\.?|ноябр[а-я]*|нояб?\.?|декабр[а-я]*|дек\.?"
)
_MONTH_BY_STEM = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "ма": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}  # fmt: skip


def _month_number(word: str) -> int:
    return _MONTH_BY_STEM.get(word[:3], _MONTH_BY_STEM.get(word[:2], 0))


_ORDINALS = {"перв": 1, "втор": 2, "трет": 3, "четв": 4}

_TOKEN_RE = re.compile(
    r"(?P<numdate>(?<![\d.])(?P<nd>\d{1,2})\.(?P<nm>\d{1,2})(?:\.(?P<ny>\d{4}|\d{2}))?(?![\d])(?!\.\d))"
    r"|(?P<daymonth>(?<![\d.])(?P<dd>\d{1,2})(?:-?(?:го|ое|е))?\s+(?P<dm>"
    + _MONTH_WORD
    + r")(?![а-я]))"
    r"|(?P<month>(?<![а-я])(?:" + _MONTH_WORD + r")(?![а-я]))"
    r"|(?P<year>(?<![\d.])(?:19|20)\d{2}(?![\d]))"
    r"|(?P<num>(?<![\d.])\d{1,3}(?:-?(?:й|я|е|го|ое|ой|ая|ый))?(?![\d]))"
    r"|(?P<roman>(?<![a-zа-я])(?:iv|i{1,3})(?![a-zа-я]))"
    r"|(?P<ord>(?<![а-я])(?:перв|втор|трет|четверт(?=ый|ая|ой|ого|ую|ое|ом))[а-я]*)"
    r"|(?P<qs>(?<![а-я])(?:четверт(?:ь|и|ей|ям|ями|ях)|четв\.?)(?![а-я]))"
    r"|(?P<qc>(?<![а-я])(?:квартал[а-я]*|кв\.?(?![а-я])))"
    r"|(?P<half>(?<![а-я])(?:полугоди[а-я]*|полуг\.?(?![а-я])))"
    r"|(?P<dash>-)"
    r"|(?P<sep>[,;/+&]|(?<![а-я])и(?![а-я]))"
    r"|(?P<word>[а-яa-z]+)"
)


@dataclass
class _Tok:
    kind: str  # date month year num roman ord qs qc half dash sep word
    text: str
    month: int = 0
    day: int = 0
    year: int | None = None
    value: int = 0


def _tokenize(s: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN_RE.finditer(s):
        kind = m.lastgroup
        if kind == "numdate":
            day, month = int(m["nd"]), int(m["nm"])
            year = m["ny"]
            if not (1 <= month <= 12 and 1 <= day <= 31):
                toks.append(_Tok("word", m.group(0)))
                continue
            y = None
            if year:
                y = int(year) if len(year) == 4 else 2000 + int(year)
            toks.append(_Tok("date", m.group(0), month=month, day=day, year=y))
        elif kind == "daymonth":
            day, month = int(m["dd"]), _month_number(m["dm"])
            if not 1 <= day <= 31:
                toks.append(_Tok("num", m["dd"], value=day))
                toks.append(_Tok("month", m["dm"], month=month))
                continue
            toks.append(_Tok("date", m.group(0), month=month, day=day))
        elif kind == "month":
            toks.append(_Tok("month", m.group(0), month=_month_number(m.group(0))))
        elif kind == "year":
            toks.append(_Tok("year", m.group(0), value=int(m.group(0))))
        elif kind == "num":
            toks.append(_Tok("num", m.group(0), value=int(re.match(r"\d+", m.group(0))[0])))
        elif kind == "roman":
            toks.append(
                _Tok("roman", m.group(0), value={"i": 1, "ii": 2, "iii": 3, "iv": 4}[m.group(0)])
            )
        elif kind == "ord":
            toks.append(_Tok("ord", m.group(0), value=_ORDINALS[m.group(0)[:4]]))
        else:
            toks.append(_Tok(kind, m.group(0)))
    # A year right after a date or a month belongs to it: "Декабрь 2023", "25 мая 2024".
    out: list[_Tok] = []
    for tok in toks:
        prev = out[-1] if out else None
        if (
            tok.kind == "year"
            and prev is not None
            and prev.kind in ("date", "month")
            and prev.year is None
        ):
            prev.year = tok.value
            continue
        out.append(tok)
    return out


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
    """Give a point without a year its first year that puts it inside the period."""
    if point.year is not None:
        return
    for year in period.years():
        if not point.valid_in(year):
            continue
        candidate = replace(point, year=year)
        if period.overlaps(candidate.first(), candidate.last()):
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


# --------------------------------------------------------------------------- markers

_ON_DEMAND_RE = re.compile(
    r"по мере (?:необходимости|потребности|поступлени|получени)|по необходимости|при необходимости|"
    r"в случае необходимости|по запрос|по требовани|по заявк|по обращени|по мере выявлени"
)
_CONTINUOUS_RE = re.compile(
    r"в течени|весь период|всего периода|постоянн|на постоянной основе|регулярн|систематическ|"
    r"плановый период|планового периода|на протяжении|круглогодичн|в период действия|"
    r"периодически|ежедневн|в течение всего|весь год|весь учебный год|текущ|в рабочем порядке"
)
_END_OF_SCHOOL_YEAR_RE = re.compile(
    r"(?:конц|окончани|завершени|итог)[а-я]* (?:текущего |\d{4}(?:-\d{4})? )?учебного (?:\d{4} )?года"
)
_AND_SCHOOL_YEAR_RE = re.compile(
    r"(?:(?<![а-я])и|,)\s+(?:по итогам\s+|до конца\s+|конца\s+)?(?:текущего\s+)?учебного года"
)
_START_OF_SCHOOL_YEAR_RE = re.compile(r"(к |до )?начал[а-я]* (?:нового |нового )?учебного года")
_RELATIVE_RE = re.compile(
    r"(?:в течение|не позднее|через|за)\s+(\d+|одного|двух|трех|пяти|десяти)?\s*"
    r"(рабоч[а-я]* |календарн[а-я]* )?(дн|день|недел|месяц)[а-я]*\s+(после|до|с момента|со дня)"
)
_TIED_RE = re.compile(
    r"график|расписани|срок|проведени|итог|результат|после|период|(?<![а-я])дн|день|перед|"
    r"(?<![а-я])до(?![а-я])|накануне"
)
_DURATION_RE = re.compile(
    r"(?:в течение|за|через)\s+(?:\d+|одного|двух|трех|пяти|десяти)?\s*"
    r"(?:рабоч[а-я]* |календарн[а-я]* )?(?:дн|день|недел|месяц)"
)
_END_OF_YEAR_RE = re.compile(r"(?:конц|окончани|итог)[а-я]* (?:календарного |текущего )?года")
_EVENT_MARKER_RE = re.compile(
    r"график|расписани|по плану|в соответствии с план|согласно план|в сроки|сроками проведения|"
    r"в период проведения|в дни проведения|в день проведения|по срокам|после проведения|"
    r"по итогам проведения|по факту|после получени|в соответствии с приказ|согласно приказ"
)
_EVENT_NAMES = (
    (re.compile(r"(?<![а-я])впр(?![а-я])"), "ВПР"),
    (re.compile(r"(?<![а-я])огэ(?![а-я])"), "ОГЭ"),
    (re.compile(r"(?<![а-я])егэ(?![а-я])"), "ЕГЭ"),
    (re.compile(r"(?<![а-я])гвэ(?![а-я])"), "ГВЭ"),
    (re.compile(r"(?<![а-я])(?:гиа|государственной итоговой аттестации)(?![а-я])"), "ГИА"),
    (re.compile(r"(?<![а-я])нико(?![а-я])"), "НИКО"),
    (re.compile(r"(?<![а-я])рдр(?![а-я])|региональн[а-я]* диагностическ"), "РДР"),
)

_FREQUENCIES = (
    (re.compile(r"ежечетвертн|кажд[а-я]* четверт|по четвертям|раза? в четверть|по итогам четвертей"), "school_quarters"),
    (re.compile(r"ежекварт|кажд[а-я]* квартал|поквартальн|раза? в квартал"), "quarterly"),
    (re.compile(r"ежеполугод|кажд[а-я]* полугоди|раза? в полгода|раза? в полугодие|дважды в год"), "half_yearly"),
    (re.compile(r"ежемесячн|кажд[а-я]* месяц|раза? в месяц|помесячн"), "monthly"),
    (
        re.compile(
            r"еженедельн|кажд[а-я]* недел|раза? в неделю|"
            r"(?:кажд[а-я]*|по) (?:понедельник|вторник|сред|четверг|пятниц|суббот)"
        ),
        "weekly",
    ),
    (re.compile(r"ежегодн|кажд[а-я]* (?:учебный |календарный )?год|раза? в год|ежегодный"), "yearly"),
)  # fmt: skip
_TIMES_RE = re.compile(
    r"(?<![\d])(\d+|один|одна|два|две|три|четыре|пять|шесть)\s*раз[а]?\s*в\s*"
    r"(год|учебный год|полугодие|полгода|квартал|четверть|месяц|неделю)"
)
_TIMES_WORDS = {
    "один": 1,
    "одна": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
}
_TIMES = {
    (1, "год"): "yearly", (1, "учебный год"): "yearly", (2, "год"): "half_yearly",
    (2, "учебный год"): "half_yearly", (4, "год"): "quarterly", (12, "год"): "monthly",
    (1, "полугодие"): "half_yearly", (1, "полгода"): "half_yearly", (2, "полугодие"): "quarterly",
    (1, "квартал"): "quarterly", (3, "квартал"): "monthly", (1, "четверть"): "school_quarters",
    (1, "месяц"): "monthly", (1, "неделю"): "weekly",
}  # fmt: skip
_WEEKDAYS = (
    ("понедельник", 0),
    ("вторник", 1),
    ("сред", 2),
    ("четверг", 3),
    ("пятниц", 4),
    ("суббот", 5),
)
_APPROXIMATE = (
    (re.compile(r"перв[а-я]* декад|начал[а-я]*"), 10),
    (re.compile(r"втор[а-я]* декад|середин[а-я]*|перв[а-я]* половин"), 15),
)
_COMBO_RE = re.compile(
    r"\s*[,;.]?\s*(?:-\s*)?(?:далее|затем|в дальнейшем|впоследствии)\s*[-:,]?\s*"
)


def _frequency(s: str) -> tuple[str, str]:
    """(frequency, warning); frequency "" when the text names none."""
    m = _TIMES_RE.search(s)
    if m:
        count = m.group(1)
        n = int(count) if count.isdigit() else _TIMES_WORDS[count]
        freq = _TIMES.get((n, m.group(2)))
        if freq:
            return freq, ""
        return "irregular", _("Частота «%(text)s» не поддерживается: укажите даты.") % {
            "text": m.group(0)
        }
    for pattern, freq in _FREQUENCIES:
        if pattern.search(s):
            return freq, ""
    if re.search(r"следующ[а-я]* за отчетн", s):  # «до 5 числа месяца, следующего за отчётным»
        if "квартал" in s:
            return "quarterly", ""
        if "полугоди" in s:
            return "half_yearly", ""
        return "monthly", ""
    return "", ""


def _offset_days(s: str) -> int | None:
    """«в течение 10 дней после проведения ВПР» -> 10; «за 2 недели до ВПР» -> -14; None."""
    m = _RELATIVE_RE.search(s)
    if not m:
        return None
    words = {"одного": 1, "двух": 2, "трех": 3, "пяти": 5, "десяти": 10}
    count = m.group(1)
    n = 1 if not count else (int(count) if count.isdigit() else words[count])
    n = min(n, 366)
    unit = m.group(3)
    if unit.startswith("недел"):
        days = 7 * n
    elif unit.startswith("месяц"):
        days = 30 * n
    elif m.group(2) and m.group(2).startswith("рабоч"):
        days = n + 2 * ((n - 1) // 5)  # working days, roughly: weekends added
    else:
        days = n
    return -days if m.group(4) == "до" else days


def _events(s: str) -> list[str]:
    found = []
    for pattern, name in _EVENT_NAMES:
        m = pattern.search(s)
        if m:
            found.append((m.start(), name))
    return [name for _pos, name in sorted(found)]


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

    dated = any(t.kind in ("date", "month", "qs", "qc", "half") for t in toks)
    if _END_OF_SCHOOL_YEAR_RE.search(s) and not dated:
        return _end_of_school_year(toks, period, make)
    m = _START_OF_SCHOOL_YEAR_RE.search(s)
    if m and not dated:
        # «до начала» is 31 August, «к началу» 1 September, «в начале» September
        month, day = {"до ": (8, 31), "к ": (9, 1)}.get(m.group(1) or "", (9, 30))
        dates = [date(y, month, day) for y in period.years() if date(y, month, day) in period][:1]
        return make("date", dates, warning="" if dates else _no_occurrence(period))

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


def _out_of_period(period: _Period) -> str:
    return _("Срок вне периода дорожной карты (%(period)s); проверьте год.") % {
        "period": period.label()
    }


def _no_occurrence(period: _Period) -> str:
    return _(
        "В периоде дорожной карты (%(period)s) нет такого срока; укажите год или исправьте срок."
    ) % {"period": period.label()}


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
        """Keep explicit-year dates (with a warning), drop inferred ones outside the period."""
        if explicit:
            if any(d not in period for d in dates):
                warnings.append(_out_of_period(period))
            return dates
        inside = [d for d in dates if d in period]
        if len(inside) < len(dates):
            warnings.append(_no_occurrence(period))
        return inside

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
            if explicit:
                dates = check(months)
            else:
                dates = [min(d, period.end) for d in months if period.overlaps(d.replace(day=1), d)]
                if not dates:
                    warnings.append(_no_occurrence(period))
            return make("month_range", dates, start, end, warning=warn(), explicit_year=explicit)
        dates = (
            [end] if explicit or end in period else ([period.end] if start <= period.end else [])
        )
        if not explicit and not period.overlaps(start, end):
            dates = []
            warnings.append(_no_occurrence(period))
        elif explicit and end not in period:
            warnings.append(_out_of_period(period))
        return make("range", dates, start, end, warning=warn(), explicit_year=explicit)

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
        for pattern, day in _APPROXIMATE:
            if pattern.search(s):
                due = date(p.year, p.month, day)
                return make(
                    "date", check([due]), warning=warn(), approximate=True, explicit_year=explicit
                )
        due = p.last() if explicit else min(p.last(), period.end)
        return make(
            "month", check([due]), p.first(), p.last(), warning=warn(), explicit_year=explicit
        )

    if all(p.day for p in points):
        return make(
            "dates", check([p.last() for p in resolved]), warning=warn(), explicit_year=explicit
        )
    if not any(p.day for p in points):
        dates = [p.last() if explicit else min(p.last(), period.end) for p in resolved]
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
                    candidates = [y for y in period.years() if date(y + offset, lm, ld) in period]
                    candidates = candidates if every else candidates[:1]
                for y in candidates:
                    spans.append((date(y + offset, fm, fd), date(y + offset, lm, ld)))
            else:
                table = _CAL_QUARTERS if unit == "qc" else _CAL_HALVES
                (fm, fd), (lm, ld) = table[n]
                if uy:
                    candidates = [max(uy)]
                else:
                    candidates = [y for y in period.years() if date(y, lm, ld) in period]
                    candidates = candidates if every else candidates[:1]
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
    if _CONTINUOUS_RE.search(s) and not re.search(r"(?:конц|окончани)[а-я]*", s):
        return make("continuous", (), start, end, warning=warning, explicit_year=True)
    if end not in period:  # the due date itself is outside, even when the year overlaps
        warning = _out_of_period(period)
    if start is None or re.search(r"(?:конц|окончани|итог)[а-я]*", s):
        return make("date", [end], warning=warning, explicit_year=True)
    return make("range", [end], start, end, warning=warning, explicit_year=True)
