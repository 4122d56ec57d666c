"""Properties of the deadline parser on arbitrary text and periods.

The internal `_parse` is called as well as `parse_deadline`: the public function
has a last-resort guard, and these tests make sure it is never what saves us.
"""

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
    outside = [d for d in schedule.dates if not start <= d <= end]
    if outside:
        assert EXPLICIT_YEAR.search(text), (text, outside)
        assert schedule.details.get("warning"), (text, outside)
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
def test_a_bare_month_is_its_last_day_inside_the_period_or_nothing(month, period):
    start, end = period
    names = [
        "январь", "февраль", "март", "апрель", "май", "июнь",
        "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
    ]  # fmt: skip
    schedule = parse_deadline(names[month - 1], period_start=start, period_end=end)
    assert schedule.kind == "month"
    assert len(schedule.dates) <= 1
    for due in schedule.dates:
        assert due.month == month
        assert start <= due <= end
    if not schedule.dates:
        assert schedule.details["warning"]


@settings(max_examples=300, deadline=None)
@given(text=deadline_like, period=periods)
def test_case_yo_and_dash_style_do_not_change_the_reading(text, period):
    start, end = period

    def reading(t):
        schedule = parse_deadline(t, period_start=start, period_end=end)
        return schedule.kind, schedule.dates, schedule.start, schedule.end, schedule.event

    variant = text.upper().replace("Е", "Ё").replace("-", " – ")
    assert reading(variant) == reading(text)
