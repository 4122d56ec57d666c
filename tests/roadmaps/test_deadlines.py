"""The deadline parser against every deadline the seed roadmaps use, and its edge cases.

Periods of the seeds:
- Baltiysk, order 1081 of 29.12.2023: the plan is for the 2023/24 school year (it speaks
  of «по итогам учебного года», «до конца учебного года»), so its period is the school
  year 2023-09-01..2024-08-31; «Сентябрь» is September 2023 and «май» May 2024.
- Krasnoturansk, order 26 «на 2020 год»: calendar 2020.
- SPb Kirovsky «на 2019-2020 годы»: 2019-09-01..2020-12-31.
"""

import re
from datetime import date
from pathlib import Path

import pytest

from roadmaps.deadlines import (
    KINDS,
    STATUSES,
    Schedule,
    active_between,
    describe,
    due_between,
    final_due,
    last_due,
    next_due,
    occurrences,
    parse_deadline,
    status_on,
    with_calendar,
)

SEEDS = Path("tests/data/seeds")

PERIODS = {
    "baltiysk-2023-order-1081.txt": (date(2023, 9, 1), date(2024, 8, 31)),
    "krasnoturansk-2020-order-26.txt": (date(2020, 1, 1), date(2020, 12, 31)),
    "spb-kirovsky-2019-roadmap.txt": (date(2019, 9, 1), date(2020, 12, 31)),
}
B, K, S = PERIODS  # short names for the table

# (seed, deadline as written, kind, due dates, event)
SEED_DEADLINES = [
    # Baltiysk
    (B, "Декабрь 2023 г.", "month", ["2023-12-31"], ""),
    (B, "Декабрь 2023г.", "month", ["2023-12-31"], ""),
    (B, "по мере необходимости", "on_demand", [], ""),
    (B, "В течение года", "continuous", [], ""),
    (B, "в течение года", "continuous", [], ""),
    (B, "ежегодно", "recurring", ["2024-05-31"], ""),
    (B, "в соответствии с графиком", "event", [], ""),
    (B, "До конца учебного года", "end_of_year", ["2024-05-31"], ""),
    (B, "постоянно", "continuous", [], ""),
    (B, "весь период", "continuous", [], ""),
    (B, "по графику", "event", [], ""),
    (B, "ежегодно май", "recurring", ["2024-05-31"], ""),
    (B, "Сентябрь", "month", ["2023-09-30"], ""),
    # Krasnoturansk
    (K, "В течение периода", "continuous", [], ""),
    (K, "Плановый период", "continuous", [], ""),
    (K, "Регулярно в течение планового периода", "continuous", [], ""),
    (K, "По плану отдела образования", "event", [], ""),
    (K, "По графику проведения", "event", [], ""),
    (K, "На договорной основе по графику проведения", "event", [], ""),
    (K, "По запросу", "on_demand", [], ""),
    (K, "В течение планового периода", "continuous", [], ""),
    (
        K,
        "Сентябрь-декабрь",
        "month_range",
        ["2020-09-30", "2020-10-31", "2020-11-30", "2020-12-31"],
        "",
    ),
    (K, "На постоянной основе в течение планового периода", "continuous", [], ""),
    (K, "до 01.04.2020 г.", "date", ["2020-04-01"], ""),  # in the order's item 2.2
    # SPb Kirovsky
    (S, "август 2019", "month", ["2019-08-31"], ""),  # explicit year before the period: kept
    (S, "сентябрь 2019", "month", ["2019-09-30"], ""),
    (S, "", "unparsed", [], ""),
    (S, "ежегодно", "recurring", ["2019-12-31", "2020-12-31"], ""),
    (S, "В соответствии с графиком РДР", "event", [], "РДР"),
    (S, "в соответствии с графиком проведения НИКО", "event", [], "НИКО"),
    (S, "в соответствии с графиком проведения ВПР", "event", [], "ВПР"),
    (S, "2019", "range", ["2019-12-31"], ""),
    (S, "Постоянно", "continuous", [], ""),
]


@pytest.mark.parametrize(
    ("seed", "text", "kind", "dates", "event"),
    SEED_DEADLINES,
    ids=[f"{seed.split('-')[0]}:{text or '(empty)'}" for seed, text, *_ in SEED_DEADLINES],
)
def test_every_seed_deadline_parses_to_its_schedule(seed, text, kind, dates, event):
    start, end = PERIODS[seed]
    schedule = parse_deadline(text, period_start=start, period_end=end)
    assert schedule.kind == kind
    assert [d.isoformat() for d in schedule.dates] == dates
    assert schedule.event == event
    assert schedule.text == text


def _seed_deadlines(path: Path) -> set[str]:
    """The deadline column of every measure row of a seed (the third cell)."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) < 3 or not re.fullmatch(r"\d+(?:\.\d+)*\.?", cells[0].strip()):
            continue
        cell = cells[2]
        if cell.startswith("<p>"):  # a row the converter flattened into <p> paragraphs
            cell = re.match(r"<p>(.*?)</p>", cell).group(1)
        found.add(cell.strip())
    return found


@pytest.mark.parametrize("seed", sorted(PERIODS))
def test_the_table_holds_every_deadline_of_the_seed(seed):
    in_table = {text for s, text, *_ in SEED_DEADLINES if s == seed}
    in_seed = _seed_deadlines(SEEDS / seed)
    assert len(in_seed) >= 5
    assert in_seed - in_table == set()


def test_the_seed_month_range_spans_its_months():
    schedule = parse_deadline(
        "Сентябрь-декабрь", period_start=date(2020, 1, 1), period_end=date(2020, 12, 31)
    )
    assert (schedule.start, schedule.end) == (date(2020, 9, 1), date(2020, 12, 31))


def test_an_explicit_year_before_the_period_is_kept_with_a_russian_warning():
    schedule = parse_deadline(
        "август 2019", period_start=date(2019, 9, 1), period_end=date(2020, 12, 31)
    )
    assert schedule.dates == (date(2019, 8, 31),)
    assert "вне периода" in schedule.details["warning"]
    assert schedule.needs_review


def test_an_empty_cell_is_kept_and_marked_for_a_person():
    schedule = parse_deadline("  ", period_start=date(2020, 1, 1), period_end=date(2020, 12, 31))
    assert schedule.kind == "unparsed"
    assert schedule.text == "  "
    assert schedule.details["warning"] == "Срок не указан."


def test_assessment_tied_deadlines_carry_the_period_for_the_calendar():
    schedule = parse_deadline(
        "В соответствии с графиком РДР",
        period_start=date(2019, 9, 1),
        period_end=date(2020, 12, 31),
    )
    assert (schedule.start, schedule.end) == (date(2019, 9, 1), date(2020, 12, 31))


def test_continuous_deadlines_span_the_period_without_dates():
    schedule = parse_deadline(
        "На постоянной основе в течение планового периода",
        period_start=date(2020, 1, 1),
        period_end=date(2020, 12, 31),
    )
    assert schedule.dates == ()
    assert (schedule.start, schedule.end) == (date(2020, 1, 1), date(2020, 12, 31))


# --------------------------------------------------------------------------- wordings
# Wordings seen in other roadmaps of the same kind; all in the school year 2023/24.

SY = (date(2023, 9, 1), date(2024, 8, 31))

WORDINGS = [
    ("15.03.2024", "date", ["2024-03-15"]),
    ("15.03.24", "date", ["2024-03-15"]),
    ("до 01.04.2024 г.", "date", ["2024-04-01"]),
    ("в срок до 01.04.2024", "date", ["2024-04-01"]),
    ("не позднее 25 мая 2024 года", "date", ["2024-05-25"]),
    ("25 мая", "date", ["2024-05-25"]),
    ("до 20 сентября", "date", ["2023-09-20"]),
    ("15.03", "date", ["2024-03-15"]),
    ("15.10.2023, 15.03.2024", "dates", ["2023-10-15", "2024-03-15"]),
    ("20 октября и 20 марта", "dates", ["2023-10-20", "2024-03-20"]),
    ("с 01.09 по 15.10", "range", ["2023-10-15"]),
    ("01.10.2023–30.11.2023", "range", ["2023-11-30"]),
    ("01.10.2023 — 30.11.2023", "range", ["2023-11-30"]),
    ("с 1 по 15 октября", "range", ["2023-10-15"]),
    ("1-15 октября 2023 г.", "range", ["2023-10-15"]),
    ("СЕНТЯБРЬ", "month", ["2023-09-30"]),
    ("май", "month", ["2024-05-31"]),
    ("в течение сентября", "month", ["2023-09-30"]),
    ("до конца октября", "month", ["2023-10-31"]),
    ("февраль 2024 г", "month", ["2024-02-29"]),
    ("сентябрь, январь, май", "months", ["2023-09-30", "2024-01-31", "2024-05-31"]),
    ("май, сентябрь", "months", ["2023-09-30", "2024-05-31"]),
    ("март, май 2024 г.", "months", ["2024-03-31", "2024-05-31"]),
    ("октябрь – ноябрь 2023 г.", "month_range", ["2023-10-31", "2023-11-30"]),
    ("апрель-май", "month_range", ["2024-04-30", "2024-05-31"]),
    ("с сентября по ноябрь", "month_range", ["2023-09-30", "2023-10-31", "2023-11-30"]),
    (
        "ноябрь — февраль",
        "month_range",
        ["2023-11-30", "2023-12-31", "2024-01-31", "2024-02-29"],
    ),
    ("I четверть", "quarters", ["2023-10-31"]),
    ("I, III четверть", "quarters", ["2023-10-31", "2024-03-31"]),
    ("II–IV четверти", "quarters", ["2023-12-31", "2024-03-31", "2024-05-31"]),
    ("1 четверть", "quarters", ["2023-10-31"]),
    ("III четв.", "quarters", ["2024-03-31"]),
    ("1-ая четверть", "quarters", ["2023-10-31"]),
    ("четвертая четверть", "quarters", ["2024-05-31"]),
    ("II кв. 2024 г.", "quarters", ["2024-06-30"]),
    ("2 полуг.", "range", ["2024-05-31"]),
    (
        "по итогам каждой четверти",
        "quarters",
        ["2023-10-31", "2023-12-31", "2024-03-31", "2024-05-31"],
    ),
    ("по итогам II четверти 2023-2024 учебного года", "quarters", ["2023-12-31"]),
    ("I квартал 2024 г.", "quarters", ["2024-03-31"]),
    ("IV квартал 2023 г. - I квартал 2024 г.", "quarters", ["2023-12-31", "2024-03-31"]),
    ("III четверть 2024 г.", "quarters", ["2024-03-31"]),
    ("1 полугодие 2023-2024 уч. года", "range", ["2023-12-31"]),
    (
        "до 5 числа месяца, следующего за отчетным кварталом",
        "recurring",
        ["2023-10-05", "2024-01-05", "2024-04-05", "2024-07-05"],
    ),
    (
        "до 10 числа месяца, следующего за отчетным",
        "recurring",
        [
            "2023-10-10",
            "2023-11-10",
            "2023-12-10",
            "2024-01-10",
            "2024-02-10",
            "2024-03-10",
            "2024-04-10",
            "2024-05-10",
            "2024-06-10",
            "2024-07-10",
            "2024-08-10",
        ],
    ),
    ("IV квартал", "quarters", ["2023-12-31"]),
    ("ежеквартально", "recurring", ["2023-09-30", "2023-12-31", "2024-03-31", "2024-06-30"]),
    ("раз в квартал", "recurring", ["2023-09-30", "2023-12-31", "2024-03-31", "2024-06-30"]),
    ("ежегодно в мае", "recurring", ["2024-05-31"]),
    ("ежегодно до 1 сентября", "recurring", ["2023-09-01"]),
    ("два раза в год", "recurring", ["2023-12-31", "2024-05-31"]),
    ("2 раза в год", "recurring", ["2023-12-31", "2024-05-31"]),
    ("1 полугодие", "range", ["2023-12-31"]),
    ("II полугодие", "range", ["2024-05-31"]),
    ("первое полугодие 2024 года", "range", ["2024-06-30"]),
    ("в течение учебного года", "continuous", []),
    ("систематически", "continuous", []),
    ("ежедневно", "continuous", []),
    ("в течение 2023-2024 учебного года", "continuous", []),
    ("по графику проведения ВПР", "event", []),
    ("по расписанию ГИА", "event", []),
    ("при необходимости", "on_demand", []),
    ("по запросу ОО", "on_demand", []),
    ("до конца учебного года", "end_of_year", ["2024-05-31"]),
    ("до конца 2023-2024 учебного года", "end_of_year", ["2024-05-31"]),
    ("по окончании учебного года", "end_of_year", ["2024-05-31"]),
    ("до конца года", "date", ["2023-12-31"]),
    ("до конца 2023 года", "date", ["2023-12-31"]),
    ("2023-2024 учебный год", "range", ["2024-05-31"]),
    ("начало сентября", "date", ["2023-09-10"]),
    ("середина мая", "date", ["2024-05-15"]),
    ("третья декада мая", "month", ["2024-05-31"]),
    ("к 1 сентября", "date", ["2023-09-01"]),
    ("к началу учебного года", "date", ["2023-09-01"]),
    ("01.09.-15.10.", "range", ["2023-10-15"]),
    ("с 20 сентября по 20 октября", "range", ["2023-10-20"]),
    (
        "октябрь 2023 г. – май 2024 г.",
        "month_range",
        [f"2023-{m}" for m in ("10-31", "11-30", "12-31")]
        + ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"],
    ),
    ("апрель-май (в соответствии с графиком ВПР)", "month_range", ["2024-04-30", "2024-05-31"]),
    ("Ноябрь 2023 г. Апрель 2024 г.", "months", ["2023-11-30", "2024-04-30"]),
    ("по окончании четверти", "quarters", ["2023-10-31", "2023-12-31", "2024-03-31", "2024-05-31"]),
    (
        "не реже 1 раза в четверть",
        "quarters",
        ["2023-10-31", "2023-12-31", "2024-03-31", "2024-05-31"],
    ),
    ("по итогам I полугодия и учебного года", "dates", ["2023-12-31", "2024-05-31"]),
    ("по итогам полугодия", "dates", ["2023-12-31", "2024-05-31"]),
    ("ежегодно (по итогам учебного года)", "recurring", ["2024-05-31"]),
    ("ежегодно, сентябрь-октябрь", "recurring", ["2023-10-31"]),
    ("ежегодно в период с 1 по 15 сентября", "recurring", ["2023-09-15"]),
    (
        "не реже одного раза в месяц",
        "recurring",
        [f"2023-{m}" for m in ("09-30", "10-31", "11-30", "12-31")]
        + [
            "2024-01-31",
            "2024-02-29",
            "2024-03-31",
            "2024-04-30",
            "2024-05-31",
            "2024-06-30",
            "2024-07-31",
            "2024-08-31",
        ],
    ),
    (
        "ежеквартально до 5 числа месяца, следующего за отчетным кварталом",
        "recurring",
        ["2023-10-05", "2024-01-05", "2024-04-05", "2024-07-05"],
    ),
    (
        "ежемесячно в 2024 году",
        "recurring",
        [
            "2024-01-31",
            "2024-02-29",
            "2024-03-31",
            "2024-04-30",
            "2024-05-31",
            "2024-06-30",
            "2024-07-31",
            "2024-08-31",
        ],
    ),
    ("2023 - 2024 гг.", "range", ["2024-05-31"]),  # two years in a school-year period: that year
    ("весь учебный год", "continuous", []),
    ("В течение года по графику", "continuous", []),  # a plan's own rhythm does not nag
    ("по графику Рособрнадзора", "event", []),
    ("в сроки, установленные Рособрнадзором", "event", []),
    ("в течение 10 дней после проведения ВПР", "event", []),
    ("по итогам ВПР", "event", []),
    ("В течение года (подготовка к ВПР)", "continuous", []),  # ВПР named, but not its timing
    ("в течение года по результатам ВПР", "event", []),
    ("в период летних каникул", "range", ["2024-08-31"]),
    ("в каникулярное время", "event", []),  # holidays differ by region: a calendar gives them
    ("до начала учебного года", "date", ["2024-08-31"]),
    ("В течение 2023-2024 уч. года", "continuous", []),
    ("2023-2024 уч.г.", "range", ["2024-05-31"]),
    ("2 раза в год (декабрь, май)", "recurring", ["2023-12-31", "2024-05-31"]),
    ("ежемесячно (сентябрь-ноябрь)", "recurring", ["2023-09-30", "2023-10-31", "2023-11-30"]),
    (
        "ежемесячно, кроме июля и августа",
        "recurring",
        [
            "2023-09-30",
            "2023-10-31",
            "2023-11-30",
            "2023-12-31",
            "2024-01-31",
            "2024-02-29",
            "2024-03-31",
            "2024-04-30",
            "2024-05-31",
            "2024-06-30",
        ],
    ),
    (
        "до 30 числа каждого месяца",
        "recurring",
        [
            "2023-09-30",
            "2023-10-30",
            "2023-11-30",
            "2023-12-30",
            "2024-01-30",
            "2024-02-29",
            "2024-03-30",
            "2024-04-30",
            "2024-05-30",
            "2024-06-30",
            "2024-07-30",
            "2024-08-30",
        ],
    ),
    ("Ежегодно в августе-сентябре", "recurring", ["2023-09-30"]),
    (
        "Октябрь (входной контроль), декабрь (промежуточный), май (итоговый)",
        "months",
        ["2023-10-31", "2023-12-31", "2024-05-31"],
    ),
    ("согласно приказу от 12.03.2020 № 26", "event", []),  # a cited order's date is no deadline
    ("После получения результатов", "event", []),
    ("по мере получения результатов", "on_demand", []),
    ("с 2023 года", "continuous", []),
    ("как получится", "unparsed", []),
    ("в течение 3 дней", "unparsed", []),  # a duration counted from nothing
    ("в течение месяца", "unparsed", []),
    ("9-11 классы", "unparsed", []),
    ("32.01.2024", "unparsed", []),
    ("в течение месяца после проведения ВПР", "event", []),
]


@pytest.mark.parametrize(("text", "kind", "dates"), WORDINGS, ids=[w[0] for w in WORDINGS])
def test_common_wordings_parse_in_a_school_year(text, kind, dates):
    schedule = parse_deadline(text, period_start=SY[0], period_end=SY[1])
    assert (schedule.kind, [d.isoformat() for d in schedule.dates]) == (kind, dates)


def test_assessment_names_are_recognised():
    for text, event in [
        ("по графику проведения ВПР", "ВПР"),
        ("по расписанию ГИА", "ГИА"),
        ("в сроки проведения ОГЭ", "ОГЭ"),
        ("в соответствии с расписанием ЕГЭ", "ЕГЭ"),
        ("по графику РДР", "РДР"),
    ]:
        schedule = parse_deadline(text, period_start=SY[0], period_end=SY[1])
        assert (schedule.kind, schedule.event) == ("event", event), text


def test_a_bare_two_year_span_in_a_calendar_period_runs_through_them_from_the_start():
    schedule = parse_deadline(
        "2019-2020", period_start=date(2019, 9, 1), period_end=date(2020, 12, 31)
    )
    assert (schedule.kind, schedule.dates, schedule.start, schedule.end) == (
        "continuous",
        (),
        date(2019, 9, 1),
        date(2020, 12, 31),
    )


def test_weekly_on_a_named_day():
    schedule = parse_deadline("каждую среду", period_start=SY[0], period_end=SY[1])
    assert schedule.kind == "recurring"
    assert {d.weekday() for d in schedule.dates} == {2}


def test_until_a_year_is_due_at_its_end():
    schedule = parse_deadline(
        "до 2020 года", period_start=date(2019, 9, 1), period_end=date(2020, 12, 31)
    )
    assert (schedule.kind, schedule.dates) == ("date", (date(2020, 12, 31),))


def test_until_a_year_with_a_word_of_continuity_is_still_due_at_its_end():
    # Found by the fuzz test: «до …» with «постоянно» crashed the parser.
    for text in ("до 2020 года постоянно", "до постоянно 2020"):
        schedule = parse_deadline(
            text, period_start=date(2019, 9, 1), period_end=date(2020, 12, 31)
        )
        assert (schedule.kind, schedule.dates) == ("date", (date(2020, 12, 31),))


def test_a_deadline_relative_to_an_assessment_keeps_its_offset():
    after = parse_deadline(
        "в течение 10 дней после проведения ВПР", period_start=SY[0], period_end=SY[1]
    )
    before = parse_deadline("за 2 недели до проведения ВПР", period_start=SY[0], period_end=SY[1])
    assert (after.event, after.details["offset_days"]) == ("ВПР", 10)
    assert (before.event, before.details["offset_days"]) == ("ВПР", -14)


def test_several_assessments_are_all_kept():
    schedule = parse_deadline("по графику ВПР, НИКО", period_start=SY[0], period_end=SY[1])
    assert schedule.event == "ВПР"
    assert schedule.details["events"] == ["ВПР", "НИКО"]


def test_plan_of_a_body_is_an_event_without_an_assessment():
    schedule = parse_deadline(
        "По плану отдела образования", period_start=date(2020, 1, 1), period_end=date(2020, 12, 31)
    )
    assert (schedule.kind, schedule.event) == ("event", "")
    assert schedule.details["source"] == "по плану отдела образования"


# --------------------------------------------------------------------------- edge cases


def test_a_month_without_a_year_wraps_from_december_to_january_in_a_school_year():
    schedule = parse_deadline("декабрь, январь", period_start=SY[0], period_end=SY[1])
    assert schedule.dates == (date(2023, 12, 31), date(2024, 1, 31))


def test_february_ends_on_the_29th_in_a_leap_year_and_the_28th_otherwise():
    leap = parse_deadline("февраль", period_start=SY[0], period_end=SY[1])
    plain = parse_deadline("февраль", period_start=date(2022, 9, 1), period_end=date(2023, 8, 31))
    assert leap.dates == (date(2024, 2, 29),)
    assert plain.dates == (date(2023, 2, 28),)


def test_29_february_without_a_year_finds_the_leap_year_of_the_period():
    schedule = parse_deadline("29.02", period_start=date(2023, 1, 1), period_end=date(2024, 12, 31))
    assert schedule.dates == (date(2024, 2, 29),)


def test_29_february_outside_a_leap_period_is_marked_not_invented():
    schedule = parse_deadline("29.02", period_start=date(2022, 9, 1), period_end=date(2023, 8, 31))
    assert schedule.kind == "date"
    assert schedule.dates == ()
    assert schedule.details["warning"]


def test_a_month_past_the_periods_end_is_its_next_occurrence_with_a_warning():
    # Baltiysk's plan runs from its order of 29.12.2023: September 2023 had passed.
    schedule = parse_deadline(
        "Сентябрь", period_start=date(2023, 12, 29), period_end=date(2024, 8, 31)
    )
    assert schedule.kind == "month"
    assert schedule.dates == (date(2024, 9, 30),)
    assert "вне периода" in schedule.details["warning"]


def test_the_seed_baltiysk_with_the_order_date_as_period_start():
    start, end = date(2023, 12, 29), date(2024, 8, 31)
    assert parse_deadline("Декабрь 2023г.", period_start=start, period_end=end).dates == (
        date(2023, 12, 31),
    )
    assert parse_deadline("ежегодно май", period_start=start, period_end=end).dates == (
        date(2024, 5, 31),
    )
    assert parse_deadline("До конца учебного года", period_start=start, period_end=end).dates == (
        date(2024, 5, 31),
    )


def test_in_a_two_year_period_a_month_without_a_year_is_its_first_occurrence():
    spb = PERIODS[S]
    assert parse_deadline("Сентябрь", period_start=spb[0], period_end=spb[1]).dates == (
        date(2019, 9, 30),
    )
    assert parse_deadline("ежегодно май", period_start=spb[0], period_end=spb[1]).dates == (
        date(2020, 5, 31),
    )


def test_in_a_two_year_period_every_quarter_recurs_in_both_school_years():
    spb = PERIODS[S]
    schedule = parse_deadline("по итогам каждой четверти", period_start=spb[0], period_end=spb[1])
    assert schedule.dates == (
        date(2019, 10, 31),
        date(2019, 12, 31),
        date(2020, 3, 31),
        date(2020, 5, 31),
        date(2020, 10, 31),
        date(2020, 12, 31),
    )


def test_a_month_range_with_one_year_at_the_end_reads_backwards():
    schedule = parse_deadline("ноябрь-февраль 2024", period_start=SY[0], period_end=SY[1])
    assert schedule.start == date(2023, 11, 1)
    assert schedule.dates[-1] == date(2024, 2, 29)


def test_an_explicit_date_outside_the_period_is_kept_and_warned():
    schedule = parse_deadline("до 01.04.2020 г.", period_start=SY[0], period_end=SY[1])
    assert schedule.dates == (date(2020, 4, 1),)
    assert schedule.details["warning"].startswith("Срок вне периода")


def test_year_suffixes_and_capitals_do_not_matter():
    texts = ["Декабрь 2023 г.", "декабрь 2023г", "ДЕКАБРЬ 2023 года", "декабрь 2023"]
    results = {parse_deadline(t, period_start=SY[0], period_end=SY[1]).dates for t in texts}
    assert results == {(date(2023, 12, 31),)}


def test_yo_and_e_are_the_same():
    assert (
        parse_deadline("ежеквартально", period_start=SY[0], period_end=SY[1]).dates
        == parse_deadline("ЕЖЕКВАРТАЛЬНО", period_start=SY[0], period_end=SY[1]).dates
    )
    assert (
        parse_deadline("в течёние года", period_start=SY[0], period_end=SY[1]).kind == "continuous"
    )


def test_a_start_then_yearly_recurs_every_year_from_the_start():
    schedule = parse_deadline(
        "сентябрь 2019, далее ежегодно",
        period_start=date(2019, 9, 1),
        period_end=date(2021, 12, 31),
    )
    assert schedule.kind == "recurring"
    assert schedule.dates == (date(2019, 9, 30), date(2020, 9, 30), date(2021, 9, 30))


def test_a_start_then_monthly_recurs_from_the_start():
    schedule = parse_deadline(
        "декабрь 2019, далее ежеквартально",
        period_start=date(2019, 9, 1),
        period_end=date(2020, 12, 31),
    )
    assert schedule.kind == "recurring"
    assert schedule.dates == (
        date(2019, 12, 31),
        date(2020, 3, 31),
        date(2020, 6, 30),
        date(2020, 9, 30),
        date(2020, 12, 31),
    )


def test_an_explicit_past_school_year_is_kept_and_warned():
    schedule = parse_deadline(
        "по итогам 2022-2023 учебного года", period_start=SY[0], period_end=SY[1]
    )
    assert (schedule.kind, schedule.dates) == ("end_of_year", (date(2023, 5, 31),))
    assert schedule.details["warning"]


def test_a_start_then_on_demand_keeps_the_start_and_tells_what_follows():
    schedule = parse_deadline(
        "декабрь 2023, далее по мере необходимости", period_start=SY[0], period_end=SY[1]
    )
    assert (schedule.kind, schedule.dates) == ("month", (date(2023, 12, 31),))
    assert schedule.details["then"]["kind"] == "on_demand"


def test_from_a_day_on_is_continuous_to_the_end_of_the_period():
    schedule = parse_deadline("с 01.10.2023", period_start=SY[0], period_end=SY[1])
    assert (schedule.kind, schedule.start, schedule.end) == (
        "continuous",
        date(2023, 10, 1),
        SY[1],
    )


def test_weekly_is_due_every_friday_unless_a_day_is_named():
    fridays = parse_deadline("еженедельно", period_start=SY[0], period_end=SY[1]).dates
    mondays = parse_deadline(
        "еженедельно по понедельникам", period_start=SY[0], period_end=SY[1]
    ).dates
    assert {d.weekday() for d in fridays} == {4}
    assert {d.weekday() for d in mondays} == {0}
    assert fridays[0] == date(2023, 9, 1)
    assert len(fridays) == 53


def test_monthly_on_a_day_is_due_that_day_each_month():
    schedule = parse_deadline(
        "ежемесячно до 5 числа", period_start=date(2020, 1, 1), period_end=date(2020, 12, 31)
    )
    assert schedule.dates == tuple(date(2020, m, 5) for m in range(1, 13))


def test_yearly_in_a_calendar_period_is_due_at_each_year_end():
    schedule = parse_deadline(
        "ежегодно", period_start=date(2020, 1, 1), period_end=date(2022, 12, 31)
    )
    assert schedule.dates == (date(2020, 12, 31), date(2021, 12, 31), date(2022, 12, 31))


def test_an_unsupported_frequency_is_recurring_without_dates_and_warned():
    schedule = parse_deadline("3 раза в год", period_start=SY[0], period_end=SY[1])
    assert (schedule.kind, schedule.dates) == ("recurring", ())
    assert "не поддерживается" in schedule.details["warning"]


def test_markup_from_a_converted_cell_is_ignored():
    schedule = parse_deadline("<p>В течение года</p>", period_start=SY[0], period_end=SY[1])
    assert schedule.kind == "continuous"


def test_a_reversed_period_is_read_the_right_way_round():
    schedule = parse_deadline("Сентябрь", period_start=SY[1], period_end=SY[0])
    assert schedule.dates == (date(2023, 9, 30),)


def test_a_day_that_does_not_exist_is_moved_to_the_month_end_and_warned():
    schedule = parse_deadline("31.04.2024", period_start=SY[0], period_end=SY[1])
    assert schedule.dates == (date(2024, 4, 30),)
    assert "нет в календаре" in schedule.details["warning"]


def test_none_text_is_unparsed_not_an_error():
    schedule = parse_deadline(None, period_start=SY[0], period_end=SY[1])
    assert (schedule.kind, schedule.text) == ("unparsed", "")


# --------------------------------------------------------------------------- json


@pytest.mark.parametrize(
    "text", ["Сентябрь-декабрь", "по графику ВПР, НИКО", "2019", "", "ежегодно"]
)
def test_json_has_the_import_shape_and_round_trips(text):
    schedule = parse_deadline(text, period_start=date(2019, 9, 1), period_end=date(2020, 12, 31))
    data = schedule.as_json()
    assert {"text", "kind", "dates"} <= set(data)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in data["dates"])
    assert Schedule.from_json(data) == schedule


def test_json_of_a_month_range_lists_the_month_ends():
    data = parse_deadline(
        "Сентябрь-декабрь", period_start=date(2020, 1, 1), period_end=date(2020, 12, 31)
    ).as_json()
    assert data["kind"] == "month_range"
    assert data["dates"] == ["2020-09-30", "2020-10-31", "2020-11-30", "2020-12-31"]


# --------------------------------------------------------------------------- status


def _parse(text):
    return parse_deadline(text, period_start=SY[0], period_end=SY[1])


@pytest.mark.parametrize(
    ("text", "on", "expected"),
    [
        ("15.03.2024", date(2024, 3, 1), "upcoming"),
        ("15.03.2024", date(2024, 3, 8), "due_soon"),
        ("15.03.2024", date(2024, 3, 15), "due_soon"),
        ("15.03.2024", date(2024, 3, 16), "overdue"),
        ("В течение года", date(2024, 3, 16), "continuous"),
        ("по мере необходимости", date(2024, 3, 16), "on_demand"),
        ("по графику проведения ВПР", date(2024, 3, 16), "waiting_for_calendar"),
        ("как получится", date(2024, 3, 16), "unscheduled"),
        ("", date(2024, 3, 16), "unscheduled"),
        ("До конца учебного года", date(2024, 5, 28), "due_soon"),
    ],
)
def test_status_on_a_day(text, on, expected):
    assert status_on(_parse(text), on) == expected


def test_a_done_measure_goes_quiet():
    assert status_on(_parse("15.03.2024"), date(2024, 4, 1), done=True) == "done"


def test_a_recurring_measure_is_due_once_per_occurrence():
    quarterly = _parse("ежеквартально")  # 30.09, 31.12, 31.03, 30.06
    on = date(2024, 1, 10)
    assert status_on(quarterly, on) == "overdue"  # nothing reported yet
    assert status_on(quarterly, on, done_through=date(2023, 12, 31)) == "upcoming"
    assert status_on(quarterly, date(2024, 3, 28), done_through=date(2023, 12, 31)) == "due_soon"
    assert status_on(quarterly, on, done_through=date(2024, 6, 30)) == "done"


def test_the_horizon_decides_what_is_due_soon():
    schedule = _parse("15.03.2024")
    assert status_on(schedule, date(2024, 3, 1), horizon_days=14) == "due_soon"
    assert status_on(schedule, date(2024, 3, 1), horizon_days=7) == "upcoming"


def test_next_and_last_due():
    schedule = _parse("сентябрь, январь, май")
    assert next_due(schedule, date(2023, 10, 1)) == date(2024, 1, 31)
    assert next_due(schedule, date(2024, 1, 31)) == date(2024, 1, 31)
    assert next_due(schedule, date(2024, 6, 1)) is None
    assert last_due(schedule, date(2023, 10, 1)) == date(2023, 9, 30)
    assert last_due(schedule, date(2023, 9, 1)) is None
    assert occurrences(schedule) == [date(2023, 9, 30), date(2024, 1, 31), date(2024, 5, 31)]


def test_due_dates_inside_a_reporting_quarter():
    schedule = _parse("ежемесячно")
    assert due_between(schedule, date(2024, 1, 1), date(2024, 3, 31)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]


def test_what_is_active_in_a_reporting_quarter():
    q3 = (date(2024, 1, 1), date(2024, 3, 31))
    assert active_between(_parse("В течение года"), *q3)
    assert active_between(_parse("по графику проведения ВПР"), *q3)
    assert active_between(_parse("I, III четверть"), *q3)
    assert not active_between(_parse("I четверть"), *q3)
    assert not active_between(_parse("по запросу"), *q3)
    assert not active_between(_parse("как получится"), *q3)


def test_final_due_is_the_last_date_or_the_end_of_the_window():
    assert final_due(_parse("сентябрь, январь, май")) == date(2024, 5, 31)
    assert final_due(_parse("В течение года")) == SY[1]
    assert final_due(_parse("по графику проведения ВПР")) == SY[1]
    assert final_due(_parse("по запросу")) is None


def test_a_half_year_period_from_january_counts_calendar_years():
    schedule = parse_deadline(
        "ежегодно", period_start=date(2023, 1, 1), period_end=date(2023, 6, 30)
    )
    assert schedule.dates == (date(2023, 6, 30),)


def test_every_status_is_a_known_one():
    for text in [w[0] for w in WORDINGS]:
        for on in (date(2023, 9, 1), date(2024, 1, 15), date(2024, 8, 31)):
            assert status_on(_parse(text), on) in STATUSES


# --------------------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Декабрь 2023 г.", "Декабрь 2023 (до 31.12.2023)"),
        ("по мере необходимости", "По мере необходимости"),
        ("В течение года", "Постоянно, с 01.09.2023 по 31.08.2024"),
        ("ежегодно май", "Ежегодно: 31.05.2024"),
        ("До конца учебного года", "До конца учебного года: 31.05.2024"),
        ("сентябрь, январь", "Сентябрь 2023, январь 2024"),
        ("Сентябрь-декабрь", "Сентябрь 2023 – декабрь 2023, до конца каждого месяца"),
        ("I, III четверть", "I, III четверть: 31.10.2023, 31.03.2024"),
        ("с 01.09 по 15.10", "С 01.09.2023 по 15.10.2023"),
        ("15.03.2024", "До 15.03.2024"),
        (
            "по графику ВПР, НИКО",
            "По графику ВПР, НИКО (даты появятся из календаря оценочных процедур)",
        ),
        ("", "Срок не указан"),
        ("в каникулярное время", "В каникулы (даты появятся из календаря)"),
        ("по плану работы ИМЦ", "По плану работы имц (даты появятся из календаря)"),
        ("как получится", "Срок не распознан"),
    ],
)
def test_describe_says_the_schedule_in_russian(text, expected):
    assert describe(_parse(text)) == expected


def test_describe_an_assessment_with_its_calendar_dates():
    schedule = with_calendar(_parse("по графику ВПР"), CALENDAR)
    assert describe(schedule) == "По графику ВПР: 19.03.2024, 16.04.2024"


# --------------------------------------------------------------------------- calendar

CALENDAR = {
    "ВПР": [date(2024, 4, 16), date(2024, 3, 19), date(2025, 4, 10)],
    "ОГЭ": [date(2024, 5, 21)],
    "ЕГЭ": [date(2024, 5, 23)],
    "НИКО": [date(2023, 10, 10)],
}


def test_the_calendar_gives_an_assessment_deadline_its_dates_in_the_period():
    schedule = with_calendar(_parse("по графику проведения ВПР"), CALENDAR)
    assert schedule.kind == "event"
    assert schedule.dates == (date(2024, 3, 19), date(2024, 4, 16))
    assert status_on(schedule, date(2024, 3, 15)) == "due_soon"


def test_gia_takes_the_dates_of_oge_and_ege():
    schedule = with_calendar(_parse("по расписанию ГИА"), CALENDAR)
    assert schedule.dates == (date(2024, 5, 21), date(2024, 5, 23))


def test_several_assessments_take_all_their_dates():
    schedule = with_calendar(_parse("по графику ВПР, НИКО"), CALENDAR)
    assert schedule.dates == (date(2023, 10, 10), date(2024, 3, 19), date(2024, 4, 16))


def test_the_calendar_dates_move_by_the_offset_of_a_relative_deadline():
    after = with_calendar(_parse("в течение 10 дней после проведения ВПР"), CALENDAR)
    before = with_calendar(_parse("за 2 недели до проведения ВПР"), CALENDAR)
    assert after.dates == (date(2024, 3, 29), date(2024, 4, 26))
    assert before.dates == (date(2024, 3, 5), date(2024, 4, 2))


def test_an_assessment_missing_from_the_calendar_keeps_waiting():
    schedule = with_calendar(_parse("в соответствии с графиком РДР"), CALENDAR)
    assert status_on(schedule, date(2024, 3, 15)) == "waiting_for_calendar"


def test_the_calendar_leaves_other_kinds_alone():
    schedule = _parse("Сентябрь")
    assert with_calendar(schedule, CALENDAR) is schedule


def test_kinds_are_the_documented_ones():
    assert set(KINDS) == {
        "date", "dates", "range", "month", "months", "month_range", "quarters", "recurring",
        "continuous", "event", "on_demand", "end_of_year", "unparsed",
    }  # fmt: skip


# --------------------------------------------------------------------------- dates follow the plan
# A deadline without a year is its first occurrence on or after the plan's start: the
# order's date, or the period's start when that is later. Nothing is due before it.
# (period start, period end, plan start) of the plans the issue tells of:

PLANS = {
    # a municipal order of 27.06.2022, no period in its title: its school year, from the order
    "order 27.06.2022": (date(2022, 6, 27), date(2023, 8, 31), date(2022, 6, 27)),
    # a school plan «на 2022-2023 учебный год» approved on 27.02.2023
    "school plan 27.02.2023": (date(2022, 9, 1), date(2023, 8, 31), date(2023, 2, 27)),
    # Baltiysk: order 1081 of 29.12.2023, its school year
    "Baltiysk 29.12.2023": (date(2023, 9, 1), date(2024, 8, 31), date(2023, 12, 29)),
    # a plan «на 2023-2024 учебный год» approved in August before it: the period's start
    "plan 2023/24 of 28.08.2023": (date(2023, 9, 1), date(2024, 8, 31), date(2023, 8, 28)),
    # a regional order of 10.02.2025 «на 2025-2026 годы»
    "region 2025-2026 of 10.02.2025": (date(2025, 1, 1), date(2026, 12, 31), date(2025, 2, 10)),
}

# (plan, deadline as written, kind, due dates ("…" ends a prefix), start, warned)
PLAN_RULES = [
    (
        "order 27.06.2022",
        "сентябрь-октябрь",
        "month_range",
        ["2022-09-30", "2022-10-31"],
        None,
        False,
    ),
    (
        "order 27.06.2022",
        "октябрь, декабрь, февраль, май",
        "months",
        ["2022-10-31", "2022-12-31", "2023-02-28", "2023-05-31"],
        None,
        False,
    ),
    ("order 27.06.2022", "июль", "month", ["2022-07-31"], None, False),
    ("order 27.06.2022", "май", "month", ["2023-05-31"], None, False),
    ("order 27.06.2022", "до 20 сентября", "date", ["2022-09-20"], None, False),
    ("order 27.06.2022", "к 1 сентября", "date", ["2022-09-01"], None, False),
    ("order 27.06.2022", "до июня 2023", "date", ["2023-05-31"], None, False),
    ("order 27.06.2022", "до июня 2023 г.", "date", ["2023-05-31"], None, False),
    ("order 27.06.2022", "до июня", "date", ["2023-05-31"], None, False),
    ("order 27.06.2022", "к сентябрю", "date", ["2022-08-31"], None, False),
    ("order 27.06.2022", "до января 2023 года", "date", ["2022-12-31"], None, False),
    ("order 27.06.2022", "до конца мая", "month", ["2023-05-31"], None, False),
    ("order 27.06.2022", "в течение мая", "month", ["2023-05-31"], None, False),
    ("order 27.06.2022", "до конца учебного года", "end_of_year", ["2023-05-31"], None, False),
    ("order 27.06.2022", "к началу учебного года", "date", ["2022-09-01"], None, False),
    ("order 27.06.2022", "I полугодие", "range", ["2022-12-31"], None, False),
    ("order 27.06.2022", "III четверть", "quarters", ["2023-03-31"], None, False),
    ("order 27.06.2022", "ежегодно", "recurring", ["2023-05-31"], "2022-06-27", False),
    (
        "order 27.06.2022",
        "ежемесячно",
        "recurring",
        ["2022-06-30", "2022-07-31", "2022-08-31", "…"],
        "2022-06-27",
        False,
    ),
    (
        "order 27.06.2022",
        "ежеквартально",
        "recurring",
        ["2022-06-30", "2022-09-30", "2022-12-31", "2023-03-31", "2023-06-30"],
        "2022-06-27",
        False,
    ),
    ("order 27.06.2022", "в течение года", "continuous", [], "2022-06-27", False),
    (
        "school plan 27.02.2023",
        "еженедельно",
        "recurring",
        ["2023-03-03", "2023-03-10", "2023-03-17", "…"],
        "2023-02-27",
        False,
    ),
    (
        "school plan 27.02.2023",
        "ежемесячно",
        "recurring",
        ["2023-02-28", "2023-03-31", "2023-04-30", "…"],
        "2023-02-27",
        False,
    ),
    (
        "school plan 27.02.2023",
        "ежеквартально",
        "recurring",
        ["2023-03-31", "2023-06-30"],
        "2023-02-27",
        False,
    ),
    ("school plan 27.02.2023", "в течение года", "continuous", [], "2023-02-27", False),
    ("school plan 27.02.2023", "постоянно", "continuous", [], "2023-02-27", False),
    ("school plan 27.02.2023", "май", "month", ["2023-05-31"], None, False),
    (
        "school plan 27.02.2023",
        "по итогам каждой четверти",
        "quarters",
        ["2023-03-31", "2023-05-31"],
        None,
        False,
    ),
    # written with its year: kept as written, with a warning (it precedes the plan)
    ("school plan 27.02.2023", "сентябрь 2022г.", "month", ["2022-09-30"], None, True),
    # without one: the next September, past the period's end, with a warning
    ("school plan 27.02.2023", "сентябрь", "month", ["2023-09-30"], None, True),
    ("school plan 27.02.2023", "I четверть", "quarters", ["2023-10-31"], None, True),
    ("Baltiysk 29.12.2023", "Сентябрь", "month", ["2024-09-30"], None, True),
    ("Baltiysk 29.12.2023", "ежегодно май", "recurring", ["2024-05-31"], "2023-12-29", False),
    (
        "Baltiysk 29.12.2023",
        "ноябрь-февраль",
        "month_range",
        ["2023-12-31", "2024-01-31", "2024-02-29"],
        None,
        False,
    ),
    ("plan 2023/24 of 28.08.2023", "Сентябрь", "month", ["2023-09-30"], None, False),
    ("region 2025-2026 of 10.02.2025", "2025-2026 гг.", "continuous", [], "2025-02-10", False),
    (
        "region 2025-2026 of 10.02.2025",
        "в течение 2025-2026 годов",
        "continuous",
        [],
        "2025-02-10",
        False,
    ),
    ("region 2025-2026 of 10.02.2025", "2025 год", "range", ["2025-12-31"], None, False),
    ("region 2025-2026 of 10.02.2025", "до конца 2026 года", "date", ["2026-12-31"], None, False),
    ("region 2025-2026 of 10.02.2025", "январь", "month", ["2026-01-31"], None, False),
    ("region 2025-2026 of 10.02.2025", "первая среда декабря", "date", ["2025-12-03"], None, False),
    (
        "region 2025-2026 of 10.02.2025",
        "в последнюю пятницу марта",
        "date",
        ["2025-03-28"],
        None,
        False,
    ),
    (
        "region 2025-2026 of 10.02.2025",
        "второй вторник февраля 2026 г.",
        "date",
        ["2026-02-10"],
        None,
        False,
    ),
    ("order 27.06.2022", "третий четверг августа", "date", ["2022-08-18"], None, False),
    (
        "plan 2023/24 of 28.08.2023",
        "ежемесячно",
        "recurring",
        ["2023-09-30", "2023-10-31", "…"],
        "2023-09-01",
        False,
    ),
]


@pytest.mark.parametrize(
    ("plan", "text", "kind", "dates", "start", "warned"),
    PLAN_RULES,
    ids=[f"{plan}:{text}" for plan, text, *_ in PLAN_RULES],
)
def test_dates_follow_the_plans_start(plan, text, kind, dates, start, warned):
    period_start, period_end, plan_start = PLANS[plan]
    schedule = parse_deadline(
        text, period_start=period_start, period_end=period_end, plan_start=plan_start
    )
    found = [d.isoformat() for d in schedule.dates]
    assert schedule.kind == kind
    if dates[-1:] == ["…"]:
        assert found[: len(dates) - 1] == dates[:-1]
    else:
        assert found == dates
    if start is not None:
        assert schedule.start == date.fromisoformat(start)
    assert bool(schedule.warning) == warned, schedule.warning
    if not schedule.details.get("explicit_year"):
        assert all(d >= plan_start for d in schedule.dates)


def test_weekly_from_a_school_plans_approval_runs_to_its_periods_end():
    schedule = parse_deadline(
        "еженедельно",
        period_start=date(2022, 9, 1),
        period_end=date(2023, 8, 31),
        plan_start=date(2023, 2, 27),
    )
    assert schedule.dates[0] == date(2023, 3, 3)  # the first Friday after 27.02.2023
    assert schedule.dates[-1] == date(2023, 8, 25)
    assert {d.weekday() for d in schedule.dates} == {4}
    assert len(schedule.dates) == 26


def test_a_plan_start_before_the_period_start_changes_nothing():
    for text in ("Сентябрь", "ежемесячно", "в течение года", "I четверть"):
        plain = parse_deadline(text, period_start=SY[0], period_end=SY[1])
        early = parse_deadline(
            text, period_start=SY[0], period_end=SY[1], plan_start=date(2023, 6, 1)
        )
        assert early == plain, text


# (order date, period named by the document, deadlines, today) ->
#   (period start, period end, plan start, source, warning phrase)
PLAN_PERIODS = [
    (
        date(2022, 6, 27), None, [], date(2026, 12, 4),
        (date(2022, 6, 27), date(2023, 8, 31), date(2022, 6, 27), "order", ""),
    ),
    (
        date(2023, 2, 27), None, [], date(2026, 12, 4),
        (date(2022, 9, 1), date(2023, 8, 31), date(2023, 2, 27), "order", ""),
    ),
    (
        date(2023, 12, 29), None, [], date(2026, 12, 4),
        (date(2023, 9, 1), date(2024, 8, 31), date(2023, 12, 29), "order", ""),
    ),
    (
        date(2023, 8, 30), None, [], date(2026, 12, 4),
        (date(2023, 8, 30), date(2024, 8, 31), date(2023, 8, 30), "order", ""),
    ),
    (
        date(2023, 2, 27), (date(2022, 9, 1), date(2023, 8, 31)), [], date(2026, 12, 4),
        (date(2022, 9, 1), date(2023, 8, 31), date(2023, 2, 27), "document", ""),
    ),
    (
        date(2019, 11, 5), (date(2020, 1, 1), date(2020, 12, 31)), [], date(2026, 12, 4),
        (date(2020, 1, 1), date(2020, 12, 31), date(2020, 1, 1), "document", ""),
    ),
    (
        None, None, ["сентябрь 2022г.", "еженедельно", "май", "до 01.04.2023", "декабрь 2022 г."],
        date(2026, 12, 4),
        (date(2022, 9, 1), date(2023, 8, 31), date(2022, 9, 1), "deadlines", "2022/23"),
    ),
    (
        # one deadline looks back at last year's results: most name 2023/24
        None, None, ["по итогам 2022-2023 учебного года", "октябрь 2023", "март 2024 г."],
        date(2026, 12, 4),
        (date(2023, 9, 1), date(2024, 8, 31), date(2023, 9, 1), "deadlines", "2023/24"),
    ),
    (
        None, None, ["сентябрь", "в течение года"], date(2026, 12, 4),
        (date(2026, 9, 1), date(2027, 8, 31), date(2026, 9, 1), "today", "текущему (2026/27)"),
    ),
    (
        None, None, [], date(2026, 3, 4),
        (date(2025, 9, 1), date(2026, 8, 31), date(2025, 9, 1), "today", "текущему (2025/26)"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("order_date", "period", "texts", "today", "expected"), PLAN_PERIODS)
def test_the_plan_period_comes_from_the_document_the_order_the_deadlines_then_today(
    order_date, period, texts, today, expected
):
    from roadmaps.deadlines import plan_period

    start, end = period or (None, None)
    plan = plan_period(
        period_start=start,
        period_end=end,
        order_date=order_date,
        deadline_texts=texts,
        today=today,
    )
    assert (plan.start, plan.end, plan.plan_start, plan.source) == expected[:4]
    if expected[4]:
        assert expected[4] in plan.warning
    else:
        assert plan.warning == ""
