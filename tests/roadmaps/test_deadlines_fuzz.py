"""Properties of the deadline parser on arbitrary text and periods.

The internal `_parse` is called as well as `parse_deadline`: the public function
has a last-resort guard, and these tests make sure it is never what saves us.
"""

import calendar
import re
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmaps.deadlines import KINDS, STATUSES, Schedule, parse_deadline, status_on
from roadmaps.deadlines.parser import _parse
from roadmaps.deadlines.period import _Period

WORDS = [
    "январь", "февраль", "Март", "апреля", "мая", "май", "июнь", "июля", "август",
    "сентябрь", "октября", "ноябрь", "декабрь", "дек.", "сент.", "2019", "2020", "2023",
    "2024", "2023-2024", "2023/24", "г.", "года", "гг.", "1", "15", "29", "31", "01.09",
    "15.10.2023", "29.02", "31.04", "01.04.2020г.", "I", "II", "III", "IV", "четверть",
    "четверти", "квартал", "полугодие", "первое", "ежегодно", "ежемесячно", "еженедельно",
    "ежеквартально", "раз в", "2 раза в год", "3 раза в месяц", "далее", "затем", "с",
    "по", "до", "не позднее", "в течение", "года", "учебного года", "до конца", "начало",
    "постоянно", "весь период", "по графику", "ВПР", "ГИА", "РДР", "НИКО", "по запросу",
    "по мере необходимости", ",", ";", "-", "–", "—", "и", "числа", "по понедельникам",
    "<p>", "</p>", "ё", "  ", "\n", "\t", "следующего за отчетным кварталом", "за 2 недели до",
    "в течение 10 рабочих дней после", "к началу учебного года", "по итогам", "начиная с",
    "каждой четверти", "раз в полгода", "31.12.2023", "1 полугодие", "декада", "середина",
    "по плану", "по факту", "00.13.2020", "99", "2100", "1999",
]  # fmt: skip

periods = st.tuples(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)),
    st.integers(min_value=0, max_value=4 * 366),
).map(lambda p: (p[0], p[0] + timedelta(days=p[1])))

deadline_like = st.lists(st.sampled_from(WORDS), min_size=0, max_size=8).map(" ".join)
any_text = st.one_of(st.text(max_size=80), deadline_like)

EXPLICIT_YEAR = re.compile(r"(?:19|20)\d{2}|\d{1,2}\.\d{1,2}\.\d{2}")


def _check(schedule: Schedule, text: str, start: date, end: date) -> None:
    assert schedule.kind in KINDS
    assert schedule.text == text
    assert list(schedule.dates) == sorted(set(schedule.dates))
    before = [d for d in schedule.dates if d < start]
    if before:  # only a year the text writes puts a date before the plan's start
        assert EXPLICIT_YEAR.search(text), (text, before)
    after = [d for d in schedule.dates if d > end]
    if before or after:
        assert schedule.details.get("warning"), (text, before, after)
    if schedule.kind == "unparsed":
        assert schedule.dates == ()
        assert schedule.details.get("warning")
    assert Schedule.from_json(schedule.as_json()) == schedule


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text=any_text, period=periods)
def test_arbitrary_text_never_raises_and_stays_in_the_period(text, period):
    start, end = period
    schedule = _parse(text, _Period(start, end))  # no guard: a bug shows here
    _check(schedule, text, start, end)
    assert parse_deadline(text, period_start=start, period_end=end) == schedule


@settings(max_examples=200, deadline=None)
@given(text=deadline_like, period=periods, on=st.dates(min_value=date(1999, 1, 1)))
def test_status_is_always_a_known_one(text, period, on):
    start, end = period
    schedule = parse_deadline(text, period_start=start, period_end=end)
    assert status_on(schedule, on) in STATUSES
    assert status_on(schedule, on, done=True) == "done"


@settings(max_examples=200, deadline=None)
@given(month=st.integers(1, 12), period=periods)
def test_a_bare_month_is_its_first_occurrence_from_the_start_warned_past_the_end(month, period):
    start, end = period
    names = [
        "январь", "февраль", "март", "апрель", "май", "июнь",
        "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
    ]  # fmt: skip
    schedule = parse_deadline(names[month - 1], period_start=start, period_end=end)
    assert schedule.kind == "month"
    assert len(schedule.dates) <= 1
    assert len(schedule.dates) == 1
    [due] = schedule.dates
    assert due.month == month
    assert start <= due <= max(end, start + timedelta(days=366))
    # the first occurrence: the same month a year earlier ended before the start
    assert date(due.year - 1, month, calendar.monthrange(due.year - 1, month)[1]) < start
    if due > end:
        assert "вне периода" in schedule.details["warning"]


@settings(max_examples=300, deadline=None)
@given(text=deadline_like, period=periods)
def test_case_yo_and_dash_style_do_not_change_the_reading(text, period):
    start, end = period

    def reading(t):
        schedule = parse_deadline(t, period_start=start, period_end=end)
        return schedule.kind, schedule.dates, schedule.start, schedule.end, schedule.event

    variant = text.upper().replace("Е", "Ё").replace("-", " – ")
    assert reading(variant) == reading(text)


# --- nothing is due before the order's date -------------------------------------------
# Deadlines as plans write them without a year, in every grammatical form, read under
# an order of any date: whatever the period, no due date and no start precedes the order.

MONTHS_NOM = [
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
]  # fmt: skip
MONTHS_GEN = [
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
]  # fmt: skip
MONTHS_DAT = [
    "январю", "февралю", "марту", "апрелю", "маю", "июню",
    "июлю", "августу", "сентябрю", "октябрю", "ноябрю", "декабрю",
]  # fmt: skip

month = st.integers(0, 11)
day = st.integers(1, 28)
nom = month.map(lambda m: MONTHS_NOM[m])
gen = month.map(lambda m: MONTHS_GEN[m])
yearless_wordings = st.one_of(
    nom,
    nom.map(str.capitalize),
    st.lists(nom, min_size=2, max_size=4).map(", ".join),
    st.tuples(nom, nom).map(lambda p: f"{p[0]} и {p[1]}"),
    st.tuples(nom, st.sampled_from(["-", " – ", "—"]), nom).map("".join),
    st.tuples(gen, month.map(lambda m: MONTHS_NOM[m])).map(lambda p: f"с {p[0]} по {p[1]}"),
    st.tuples(st.sampled_from(["до ", "до конца ", "в течение ", "начало ", "середина "]), gen).map(
        "".join
    ),
    month.map(lambda m: f"к {MONTHS_DAT[m]}"),
    st.tuples(day, gen).map(lambda p: f"{p[0]} {p[1]}"),
    st.tuples(day, gen).map(lambda p: f"до {p[0]} {p[1]}"),
    st.tuples(day, st.integers(1, 12)).map(lambda p: f"{p[0]:02d}.{p[1]:02d}"),
    st.tuples(day, st.integers(1, 12), day, st.integers(1, 12)).map(
        lambda p: f"с {p[0]:02d}.{p[1]:02d} по {p[2]:02d}.{p[3]:02d}"
    ),
    st.tuples(st.sampled_from(["I", "II", "III", "IV", "1", "2"]), st.sampled_from(
        [" четверть", " четверти", " квартал", " полугодие"]
    )).map("".join),
    st.sampled_from([
        "I, III четверть", "II–IV четверти", "по итогам каждой четверти", "по итогам полугодия",
        "еженедельно", "ежемесячно", "ежеквартально", "ежегодно", "2 раза в год",
        "ежегодно в мае", "ежемесячно (сентябрь-май)", "еженедельно по понедельникам",
        "до 5 числа месяца, следующего за отчетным", "в течение года", "постоянно",
        "весь период", "до конца учебного года", "к началу учебного года",
        "до начала учебного года", "в период летних каникул", "до конца года",
        "по итогам I полугодия и учебного года", "сентябрь, далее ежемесячно",
        "ежемесячно, кроме июля и августа", "в течение учебного года",
    ]),
)  # fmt: skip
orders = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


def _periods_for(order: date) -> list[tuple[date, date]]:
    """The period the plan's own order implies, and periods a title might name."""
    from roadmaps.deadlines import plan_period

    inferred = plan_period(order_date=order, today=order)
    first = order.year if order.month >= 9 else order.year - 1
    return [
        (inferred.start, inferred.end),
        (date(first, 9, 1), date(first + 1, 8, 31)),  # the school year it falls in
        (date(order.year, 9, 1), date(order.year + 1, 8, 31)),  # the one it prepares
        (date(order.year, 1, 1), date(order.year, 12, 31)),  # its calendar year
        (date(order.year, 1, 1), date(order.year + 2, 12, 31)),  # three calendar years
    ]


@settings(max_examples=800, deadline=None)
@given(text=yearless_wordings, order=orders, which=st.integers(0, 4))
def test_nothing_is_due_before_the_orders_date(text, order, which):
    start, end = _periods_for(order)[which]
    schedule = parse_deadline(text, period_start=start, period_end=end, plan_start=order)
    assert all(d >= order for d in schedule.dates), (text, order, schedule.dates)
    if schedule.kind in ("recurring", "continuous") and schedule.start is not None:
        assert schedule.start >= order
    if any(d > end for d in schedule.dates):
        assert schedule.warning
