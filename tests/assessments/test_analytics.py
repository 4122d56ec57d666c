"""The standard analytic tables on small groups computed by hand."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.analytics import (
    Band,
    GroupSize,
    PupilResult,
    ResultArrays,
    Scale,
    TaskInfo,
    YearInput,
    band_of,
    deficits,
    dynamics,
    group_tables,
    side_by_side,
    split_by,
    suppress,
)
from assessments.analytics.export import (
    deficits_tables,
    dynamics_table,
    side_by_side_tables,
    table_as_dict,
)

# ВПР Russian, grade 4, 2026 (DOMAIN.md).
RUSSIAN_4 = {2: (0, 9), 3: (10, 15), 4: (16, 20), 5: (21, 24)}

# A small test: max 6 points.
SMALL_SCALE = {2: (0, 1), 3: (2, 3), 4: (4, 4), 5: (5, 6)}
TASKS = [
    TaskInfo("1", 1, "Б", "Писать под диктовку тексты"),
    TaskInfo("2", 2, "Б", "Распознавать части речи"),
    TaskInfo("3.1", 1, "Б", "Распознавать части речи"),
    TaskInfo("4", 2, "П", "Составлять план текста"),
]


def pupil(scores=(0, 0, 0, 0), *, mark=None, journal=None, cls="4а", code="", school=1):
    primary = sum(s or 0 for s in scores)
    return PupilResult(school, cls, tuple(scores), primary, mark, journal, "м", code)


def pupils_with_marks(marks, journals=None, **kwargs):
    journals = journals or [None] * len(marks)
    return [
        pupil(mark=m, journal=j, code=f"{i + 1:03}", **kwargs)
        for i, (m, j) in enumerate(zip(marks, journals, strict=True))
    ]


# --- mark statistics -------------------------------------------------------------


def test_mark_statistics_of_ten_pupils():
    # Marks 2, 3,3,3, 4,4,4,4, 5,5 → shares 10 %, 30 %, 40 %, 20 %;
    # успеваемость 90 %, качество 60 %, mean mark 37 / 10 = 3,7.
    group = pupils_with_marks([2, 3, 3, 3, 4, 4, 4, 4, 5, 5])
    stats = group_tables("Школа", group, TASKS, SMALL_SCALE).marks

    assert stats.n == 10
    assert stats.counts == {2: 1, 3: 3, 4: 4, 5: 2}
    assert stats.shares == pytest.approx({2: 0.1, 3: 0.3, 4: 0.4, 5: 0.2})
    assert stats.success_rate == pytest.approx(0.9)
    assert stats.quality == pytest.approx(0.6)
    assert stats.mean_mark == pytest.approx(3.7)
    assert stats.size == GroupSize.TOO_SMALL


def test_marks_missing_in_the_file_come_from_the_scale():
    # Primary 9 → "2", 10 → "3", 16 → "4", 21 and 24 → "5" on the Russian-4 scale.
    group = [PupilResult(1, "4а", (p,), p, None, None, "ж", str(p)) for p in (9, 10, 16, 21, 24)]
    tasks = [TaskInfo("1", 24, "Б", "Всё")]
    stats = group_tables("Школа", group, tasks, RUSSIAN_4).marks
    assert stats.counts == {2: 1, 3: 1, 4: 1, 5: 2}
    # Mean primary (9 + 10 + 16 + 21 + 24) / 5 = 16.
    assert stats.mean_primary == 16


@pytest.mark.parametrize(
    ("n", "size"),
    [
        (0, GroupSize.TOO_SMALL),
        (19, GroupSize.TOO_SMALL),
        (20, GroupSize.ROUGH),
        (49, GroupSize.ROUGH),
        (50, GroupSize.INFORMATIVE),
    ],
)
def test_every_table_says_how_far_it_can_be_read(n, size):
    tables = group_tables("Класс", pupils_with_marks([3] * n), TASKS, SMALL_SCALE)
    assert tables.size == size
    assert tables.marks.size == size
    assert tables.tasks.size == size
    assert tables.distribution.size == size
    assert tables.planned.size == size


def test_an_empty_group_gives_blank_shares_not_an_error():
    tables = group_tables("Класс", [], TASKS, SMALL_SCALE)
    assert tables.marks.n == 0
    assert tables.marks.shares == {2: None, 3: None, 4: None, 5: None}
    assert tables.tasks.rows[0].success is None


# --- journal agreement -------------------------------------------------------------


def test_journal_agreement_shares_and_the_list_of_big_differences():
    # test mark vs journal:
    #   001: 2 vs 4 → понизили by 2 (listed)   006: 4 vs 5 → понизили
    #   002: 3 vs 3 → подтвердили              007: 4 vs 3 → повысили
    #   003: 3 vs 4 → понизили                 008: 4 vs 2 → повысили by 2 (listed)
    #   004: 3 vs 3 → подтвердили              009: 5 vs 5 → подтвердили
    #   005: 4 vs 4 → подтвердили              010: 5 vs — → not counted
    # n = 9: понизили 3/9, подтвердили 4/9, повысили 2/9.
    group = pupils_with_marks([2, 3, 3, 3, 4, 4, 4, 4, 5, 5], [4, 3, 4, 3, 4, 5, 3, 2, 5, None])
    agreement = group_tables("Школа", group, TASKS, SMALL_SCALE).agreement

    assert (agreement.n, agreement.lowered, agreement.confirmed, agreement.raised) == (9, 3, 4, 2)
    assert agreement.lowered_share == pytest.approx(3 / 9)
    assert agreement.confirmed_share == pytest.approx(4 / 9)
    assert agreement.raised_share == pytest.approx(2 / 9)
    assert [(p.code, p.mark, p.journal_mark, p.difference) for p in agreement.big_differences] == [
        ("001", 2, 4, -2),
        ("008", 4, 2, 2),
    ]
    assert agreement.big_difference_count == 2


def test_a_difference_of_one_mark_is_not_listed_but_three_is():
    group = pupils_with_marks([3, 5, 2], [4, 2, 5])
    agreement = group_tables("Школа", group, TASKS, SMALL_SCALE).agreement
    assert [p.difference for p in agreement.big_differences] == [3, -3]


# --- distribution ------------------------------------------------------------------


def test_score_distribution_counts_every_score_with_the_boundaries():
    # Primaries 0, 2, 2, 5, 6 on a 6-point test.
    group = [
        pupil(s) for s in [(0, 0, 0, 0), (1, 1, 0, 0), (0, 2, 0, 0), (1, 2, 1, 1), (1, 2, 1, 2)]
    ]
    dist = group_tables("Школа", group, TASKS, SMALL_SCALE).distribution
    assert dist.max_score == 6
    assert dist.counts == [1, 0, 2, 0, 0, 1, 1]
    assert dist.shares[2] == pytest.approx(0.4)
    assert dist.boundaries == SMALL_SCALE


def test_a_primary_score_above_the_maximum_is_refused_in_russian():
    with pytest.raises(ValueError, match="вне диапазона 0–6"):
        group_tables("Школа", [PupilResult(1, "4а", (1, 2, 1, 2), 7, 5, None)], TASKS, SMALL_SCALE)


# --- task success --------------------------------------------------------------------

# Four pupils; None = not attempted.
FOUR = [
    pupil((1, 2, 1, 2), cls="4а", code="A1"),
    pupil((0, 1, None, 0), cls="4а", code="A2"),
    pupil((None, None, None, None), cls="4б", code="B1"),
    pupil((1, 0, 1, 1), cls="4б", code="B2"),
]


def test_task_success_counts_not_attempted_as_zero_and_reports_it_apart():
    # task 1 (max 1): 1+0+0+1 = 2 of 4 → 50 %; not attempted 1 of 4
    # task 2 (max 2): 2+1+0+0 = 3 of 8 → 37,5 %; not attempted 1 of 4
    # task 3.1 (max 1): 1+0+0+1 = 2 of 4 → 50 %; not attempted 2 of 4
    # task 4 (max 2): 2+0+0+1 = 3 of 8 → 37,5 %; not attempted 1 of 4
    rows = group_tables("Школа", FOUR, TASKS, SMALL_SCALE).tasks.rows
    assert [(r.number, r.success, r.not_attempted) for r in rows] == [
        ("1", 0.5, 0.25),
        ("2", 0.375, 0.25),
        ("3.1", 0.5, 0.5),
        ("4", 0.375, 0.25),
    ]


def test_task_success_by_mark_group_marks_small_groups_without_hiding_them():
    # Nine "5" pupils with full marks, twelve "2" pupils with nothing on task 1
    # but 1 of 2 on task 2.
    fives = [pupil((1, 2, 1, 2), mark=5) for _ in range(9)]
    twos = [pupil((0, 1, 0, 0), mark=2) for _ in range(12)]
    by_mark = group_tables("Школа", fives + twos, TASKS, SMALL_SCALE).by_mark
    groups = {g.mark: g for g in by_mark.groups}
    assert groups[5].n == 9 and groups[5].too_small
    assert groups[5].success == [1.0, 1.0, 1.0, 1.0]
    assert groups[2].n == 12 and not groups[2].too_small
    assert groups[2].success == [0.0, 0.5, 0.0, 0.0]
    assert groups[3].n == 0 and groups[3].success == [None] * 4


# --- planned results and bands --------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "maximum", "basic", "band"),
    [
        (60, 100, True, Band.MASTERED),  # basic: ≥ 60 % mastered
        (59, 100, True, Band.GREY),
        (57, 100, True, Band.GREY),  # 57 % is the bottom of the grey zone
        (569, 1000, True, Band.NOT_MASTERED),  # under 57 %
        (3, 5, True, Band.MASTERED),  # exactly 60 %
        (30, 100, False, Band.MASTERED),  # advanced/high: ≥ 30 %
        (29, 100, False, Band.GREY),
        (285, 1000, False, Band.GREY),  # 28,5 % is still grey
        (284, 1000, False, Band.NOT_MASTERED),
        (0, 10, False, Band.NOT_MASTERED),
    ],
)
def test_mastery_bands_at_the_boundaries(points, maximum, basic, band):
    assert band_of(points, maximum, basic) == band


def test_grey_zone_of_a_group_of_hundred_on_a_basic_task():
    tasks = [TaskInfo("1", 1, "Б", "Умение")]
    for right, band in [
        (60, Band.MASTERED),
        (58, Band.GREY),
        (57, Band.GREY),
        (56, Band.NOT_MASTERED),
    ]:
        group = [pupil((1,) if i < right else (0,)) for i in range(100)]
        row = group_tables("Школа", group, tasks, None).planned.rows[0]
        assert row.band == band, right
        assert row.success == pytest.approx(right / 100)


def test_planned_results_group_tasks_of_one_item_and_keep_levels_apart():
    # "Распознавать части речи" = tasks 2 and 3.1: (3 + 2) / (4 × 3) = 5/12 ≈ 41,7 % → not mastered.
    # "Писать под диктовку" task 1: 50 % < 57 % → not mastered.
    # "Составлять план" (advanced) task 4: 37,5 % ≥ 30 % → mastered.
    planned = group_tables("Школа", FOUR, TASKS, SMALL_SCALE).planned
    rows = {r.planned_result: r for r in planned.rows}
    assert rows["Распознавать части речи"].task_numbers == ("2", "3.1")
    assert rows["Распознавать части речи"].success == pytest.approx(5 / 12)
    assert rows["Распознавать части речи"].band == Band.NOT_MASTERED
    assert rows["Писать под диктовку тексты"].band == Band.NOT_MASTERED
    assert rows["Составлять план текста"].band == Band.MASTERED
    assert [r.planned_result for r in planned.not_mastered] == [
        "Писать под диктовку тексты",
        "Распознавать части речи",
    ]


# --- deficits and ИОМ ----------------------------------------------------------------------


def test_deficits_per_class():
    # 4а: A1 (1,2,1,2) and A2 (0,1,–,0).
    #   task 1: 1/2 = 50 % → not mastered; task 3.1: 1/2 = 50 % → not mastered, but
    #   item "части речи" (tasks 2 and 3.1): (2+1+1+0)/6 = 66,7 % → mastered
    #   task 4 (П): 2/4 = 50 % → mastered
    # 4б: B1 nothing, B2 (1,0,1,1).
    #   "части речи": (0+1)/6 = 16,7 % → not mastered; task 4: 1/4 = 25 % → not mastered (< 28,5 %)
    result = deficits(FOUR, TASKS, SMALL_SCALE)
    by_class = {c.class_name: c for c in result.classes}
    assert [r.planned_result for r in by_class["4а"].not_mastered] == ["Писать под диктовку тексты"]
    assert by_class["4а"].tasks_not_mastered == ["1", "3.1"]
    assert [r.planned_result for r in by_class["4б"].not_mastered] == [
        "Писать под диктовку тексты",
        "Распознавать части речи",
        "Составлять план текста",
    ]
    assert by_class["4б"].tasks_not_mastered == ["1", "2", "3.1", "4"]
    assert by_class["4б"].size == GroupSize.TOO_SMALL


def test_individual_route_orders_basic_deficits_first_weakest_first():
    # Pupil A2: (0, 1, –, 0)
    #   "Писать" (Б): 0/1 → not mastered, 0 %
    #   "части речи" (Б): 1/3 → not mastered, 33 %; task 3.1 left blank
    #   "план" (П): 0/2 → not mastered, 0 % — advanced goes after the basic ones
    result = deficits(FOUR, TASKS, SMALL_SCALE)
    route = {p.code: p for p in result.pupils}["A2"]
    assert [(s.order, s.planned_result, s.task_numbers) for s in route.steps] == [
        (1, "Писать под диктовку тексты", ("1",)),
        (2, "Распознавать части речи", ("2", "3.1")),
        (3, "Составлять план текста", ("4",)),
    ]
    assert route.steps[1].not_attempted == ("3.1",)
    # The class 4а did not master "Писать" as a whole: a topic for the class.
    assert route.steps[0].whole_class
    assert not route.steps[1].whole_class


def test_a_pupil_with_full_marks_has_an_empty_route_and_grey_items_come_last():
    tasks = [TaskInfo("1", 100, "Б", "Грамотность"), TaskInfo("2", 1, "Б", "Орфография")]
    grey = PupilResult(1, "4а", (58, 0), 58, None, None, "ж", "G")
    full = PupilResult(1, "4а", (100, 1), 101, None, None, "м", "F")
    routes = {p.code: p for p in deficits([grey, full], tasks).pupils}
    assert routes["F"].steps == []
    # 58 % is grey: after the not-mastered item even though its share is higher.
    assert [(s.planned_result, s.band) for s in routes["G"].steps] == [
        ("Орфография", Band.NOT_MASTERED),
        ("Грамотность", Band.GREY),
    ]


# --- side by side and suppression -------------------------------------------------------


def _levels():
    school = pupils_with_marks([2, 3, 4, 5, 5], [4, 3, 4, 5, 5], school=1)
    municipality = school + pupils_with_marks([3] * 25, [3] * 25, school=2)
    region = municipality + pupils_with_marks([4] * 70, [2] * 70, school=3)
    return {"Школа": school, "Муниципалитет": municipality, "Регион": region}


def test_side_by_side_keeps_the_order_and_lists_pupils_for_the_first_level_only():
    tables = side_by_side(_levels(), TASKS, SMALL_SCALE)
    assert tables.names == ["Школа", "Муниципалитет", "Регион"]
    assert [tables[name].n for name in tables.names] == [5, 30, 100]
    assert [tables[name].size for name in tables.names] == [
        GroupSize.TOO_SMALL,
        GroupSize.ROUGH,
        GroupSize.INFORMATIVE,
    ]
    assert [p.code for p in tables["Школа"].agreement.big_differences] == ["001"]
    assert tables["Регион"].agreement.big_differences == []
    assert tables["Регион"].agreement.big_difference_count == 71
    # Region: 1 + 25 + 70 marks 2,3,4 → "4" share 71/100.
    assert tables["Регион"].marks.shares[4] == pytest.approx(0.71)


def test_suppression_blanks_cells_of_too_few_pupils_and_keeps_the_rest():
    tables = side_by_side(_levels(), TASKS, SMALL_SCALE)
    public = suppress(tables, minimum=10)

    school = public["Школа"]
    assert school.marks.suppressed and school.marks.shares is None and school.marks.n is None
    assert school.agreement.big_differences == []
    assert school.tasks.rows is None and school.distribution.counts is None
    assert school.planned.rows is None
    # Large levels keep their figures; their mark groups under 10 pupils are blanked.
    region = public["Регион"]
    assert region.marks.shares[4] == pytest.approx(0.71)
    groups = {g.mark: g for g in region.by_mark.groups}
    assert groups[4].success is not None
    assert groups[2].suppressed and groups[2].success is None  # one pupil got "2"
    # The original is untouched.
    assert tables["Школа"].marks.shares[2] == pytest.approx(0.2)


def test_suppression_removes_pupil_lists_even_from_big_groups():
    group = pupils_with_marks([2] * 30, [4] * 30)
    tables = group_tables("Школа", group, TASKS, SMALL_SCALE)
    assert len(tables.agreement.big_differences) == 30
    public = suppress(tables, minimum=5)
    assert public.agreement.big_differences == []
    assert public.agreement.lowered == 30
    assert suppress(deficits(group, TASKS, SMALL_SCALE), minimum=5).pupils == []


def test_the_suppression_minimum_is_configurable():
    tables = group_tables("Школа", pupils_with_marks([3] * 12), TASKS, SMALL_SCALE)
    assert suppress(tables, minimum=10).marks.shares[3] == 1.0
    assert suppress(tables, minimum=15).marks.shares is None


def test_no_table_carries_a_teacher():
    tables = side_by_side(_levels(), TASKS, SMALL_SCALE)
    text = json.dumps(table_as_dict(tables), ensure_ascii=False).lower()
    assert "teacher" not in text and "учител" not in text


# --- dynamics -----------------------------------------------------------------------------


def _year(twos, total=100, tasks=TASKS):
    return YearInput(
        group=pupils_with_marks([2] * twos + [4] * (total - twos)), tasks=tasks, scale=SMALL_SCALE
    )


def test_a_rise_of_ten_points_in_twos_is_a_negative_trend_and_nine_is_not():
    # 2024: 10 % twos; 2025: 20 % (+10 points → negative); 2026: 29 % (+9 points).
    result = dynamics({2024: _year(10), 2025: _year(20), 2026: _year(29)})
    rows = result.rows
    assert [r.year for r in rows] == [2024, 2025, 2026]
    assert rows[0].two_change is None and not rows[0].negative_trend
    assert rows[1].two_change == pytest.approx(0.10) and rows[1].negative_trend
    assert rows[2].two_change == pytest.approx(0.09) and not rows[2].negative_trend
    assert result.negative_years == [2025]


def test_the_trend_compares_shares_not_counts():
    # 5 of 50 (10 %) → 40 of 200 (20 %): +10 points.
    result = dynamics({2024: _year(5, 50), 2025: _year(40, 200)})
    assert result.rows[1].negative_trend


def test_years_with_other_skills_are_noted_as_not_comparable():
    changed = [*TASKS[:3], TaskInfo("4", 2, "П", "Озаглавливать текст")]
    renumbered = [
        TaskInfo(f"{i + 10}", t.max_score, t.level, t.planned_result) for i, t in enumerate(TASKS)
    ]
    rows = dynamics(
        {2024: _year(10), 2025: _year(10, tasks=renumbered), 2026: _year(10, tasks=changed)}
    ).rows
    assert rows[1].comparable is True and rows[1].note == ""
    assert rows[2].comparable is False
    assert "приблизительное" in rows[2].note


def test_dynamics_takes_aggregated_years_too():
    old = group_tables("Школа", pupils_with_marks([2] * 5 + [3] * 45), TASKS, SMALL_SCALE).marks
    rows = dynamics({2023: YearInput(statistics=old), 2024: _year(20, 50)}).rows
    # 10 % → 40 %.
    assert rows[1].negative_trend
    assert rows[1].comparable is None


# --- arrays ---------------------------------------------------------------------------------


def test_records_and_arrays_give_the_same_tables():
    records = FOUR + pupils_with_marks([3, 4])
    arrays = ResultArrays.from_records(records, len(TASKS), SMALL_SCALE)
    assert np.isnan(arrays.scores[2]).all()
    assert group_tables("a", records, TASKS, SMALL_SCALE) == group_tables(
        "a", arrays, TASKS, SMALL_SCALE
    )


def test_a_record_with_the_wrong_number_of_scores_is_refused_with_its_code():
    with pytest.raises(ValueError, match="«X7».*баллов за задания 2, а заданий 4"):
        ResultArrays.from_records([pupil((1, 1), code="X7")], 4)


def test_a_scale_with_a_gap_is_refused():
    with pytest.raises(ValueError, match="не продолжают"):
        Scale({2: (0, 9), 3: (11, 15)})


def test_scale_maps_boundaries_exactly():
    scale = Scale(RUSSIAN_4)
    assert [scale.mark_of(p) for p in (0, 9, 10, 15, 16, 20, 21, 24)] == [2, 2, 3, 3, 4, 4, 5, 5]
    assert scale.max_score == 24


# --- export ---------------------------------------------------------------------------------


def test_export_gives_one_table_per_analytic_table_with_a_column_per_level():
    tables = side_by_side(_levels(), TASKS, SMALL_SCALE)
    exported = {t.title: t for t in side_by_side_tables(tables)}
    marks = exported["Статистика отметок"]
    assert [c.label for c in marks.columns] == ["Показатель", "Школа", "Муниципалитет", "Регион"]
    index = next(i for i, r in enumerate(marks.rows) if r[0] == "Доля «2»")
    # School: one "2" of 5 → 20 %; municipality 1 of 30; region 1 of 100.
    assert marks.rows[index][1:] == pytest.approx([0.2, 1 / 30, 0.01])
    assert marks.row_kinds[index] == "percent"
    assert marks.row_kinds[0] == "int"


def test_json_of_the_tables_has_plain_values():
    data = table_as_dict(side_by_side(_levels(), TASKS, SMALL_SCALE))
    text = json.dumps(data, ensure_ascii=False)
    assert '"Школа"' in text
    assert data["levels"]["Школа"]["size"] == "too_small"
    assert data["levels"]["Регион"]["marks"]["counts"]["4"] == 71
    assert Fraction(data["levels"]["Регион"]["marks"]["shares"]["4"]).limit_denominator(
        100
    ) == Fraction(71, 100)


# --- helpers for the integrator -----------------------------------------------------------


def test_split_by_class_gives_classes_in_natural_order():
    group = [pupil(cls=c, code=c) for c in ("10а", "4б", "4а", "10а")]
    classes = split_by(group, "class_name", len(TASKS), SMALL_SCALE)
    assert list(classes) == ["4а", "4б", "10а"]
    assert len(classes["10а"]) == 2


def test_a_pupil_route_lists_the_tasks_the_pupil_did_not_master():
    # A2 (0, 1, –, 0): task 1 0/1, task 2 1/2 = 50 % < 57 %, task 3.1 blank, task 4 0/2.
    route = {p.code: p for p in deficits(FOUR, TASKS, SMALL_SCALE).pupils}["A2"]
    assert route.tasks_not_mastered == ("1", "2", "3.1", "4")
    # B2 (1, 0, 1, 1): only task 2 (0/2) and task 4 (1/2 = 50 % ≥ 30 % → mastered).
    route = {p.code: p for p in deficits(FOUR, TASKS, SMALL_SCALE).pupils}["B2"]
    assert route.tasks_not_mastered == ("2",)


def test_deficits_and_dynamics_export_as_tables():
    classes, routes = deficits_tables(deficits(FOUR, TASKS, SMALL_SCALE))
    assert [row[0] for row in classes.rows] == ["4а", "4б"]
    a2 = [row for row in routes.rows if row[1] == "A2"]
    assert [row[2] for row in a2] == [1, 2, 3]
    assert a2[0][3] == "Писать под диктовку тексты" and a2[0][8] == "да"
    table = dynamics_table(dynamics({2024: _year(10), 2025: _year(20)}))
    assert [row[0] for row in table.rows] == ["2024", "2025"]
    assert table.rows[1][8] == pytest.approx(0.10)  # change of the share of "2"
    assert table.rows[1][9].startswith("да")


# --- properties ----------------------------------------------------------------------------

scores_strategy = st.tuples(
    st.one_of(st.none(), st.integers(0, 1)),
    st.one_of(st.none(), st.integers(0, 2)),
    st.one_of(st.none(), st.integers(0, 1)),
    st.one_of(st.none(), st.integers(0, 2)),
)
pupil_strategy = st.builds(
    lambda scores, journal, cls: pupil(scores, journal=journal, cls=cls),
    scores_strategy,
    st.one_of(st.none(), st.integers(2, 5)),
    st.sampled_from(["4а", "4б"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(pupil_strategy, max_size=40), st.integers(1, 30))
def test_shares_add_up_and_suppression_never_leaves_a_small_cell(group, minimum):
    tables = group_tables("Школа", group, TASKS, SMALL_SCALE)
    if tables.n:
        assert sum(tables.marks.shares.values()) == pytest.approx(1.0)
        assert sum(tables.marks.counts.values()) == tables.n
        assert sum(tables.distribution.counts) == tables.n
    a = tables.agreement
    assert a.lowered + a.confirmed + a.raised == a.n
    for row in tables.tasks.rows:
        if tables.n:
            assert 0.0 <= row.success <= 1.0 and 0.0 <= row.not_attempted <= 1.0

    public = suppress(tables, minimum=minimum)
    if tables.n < minimum:
        assert public.marks.shares is None and public.tasks.rows is None
        assert public.distribution.counts is None and public.agreement.big_differences == []
    else:
        assert public.marks.shares == tables.marks.shares
    for group_success in public.by_mark.groups:
        if group_success.success is not None:
            assert group_success.n >= minimum
    if minimum > 1:
        assert public.agreement.big_differences == []


def test_the_default_suppression_minimum_comes_from_the_settings(settings):
    tables = group_tables("Школа", pupils_with_marks([3] * 12), TASKS, SMALL_SCALE)
    assert suppress(tables).marks.shares is not None  # default 10
    settings.ANALYTICS_MIN_GROUP = 15
    assert suppress(tables).marks.shares is None


def test_dynamics_keeps_each_years_task_and_planned_results():
    # 2024: FOUR (task 1: 2 of 4 → 50 %); 2025: everyone full marks → 100 %.
    full = [pupil((1, 2, 1, 2)) for _ in range(4)]
    rows = dynamics(
        {
            2024: YearInput(group=FOUR, tasks=TASKS, scale=SMALL_SCALE),
            2025: YearInput(group=full, tasks=TASKS, scale=SMALL_SCALE),
        }
    ).rows
    assert [r.tasks.rows[0].success for r in rows] == [0.5, 1.0]
    assert [r.planned.rows[0].band for r in rows] == [Band.NOT_MASTERED, Band.MASTERED]


@pytest.mark.parametrize(
    ("boundaries", "checks"),
    [
        # The real scales of DOMAIN.md: (primary score, mark) at every edge.
        (RUSSIAN_4, [(9, 2), (10, 3), (15, 3), (16, 4), (20, 4), (21, 5), (24, 5)]),
        (
            {2: (0, 7), 3: (8, 14), 4: (15, 20), 5: (21, 25)},
            [(7, 2), (8, 3), (14, 3), (15, 4), (21, 5)],
        ),
        (
            {2: (0, 25), 3: (26, 31), 4: (32, 44), 5: (45, 51)},
            [(25, 2), (26, 3), (31, 3), (32, 4), (45, 5)],
        ),
        (
            {2: (0, 7), 3: (8, 14), 4: (15, 21), 5: (22, 31)},
            [(7, 2), (8, 3), (21, 4), (22, 5), (31, 5)],
        ),
    ],
)
def test_real_scales_give_the_mark_at_every_edge(boundaries, checks):
    scale = Scale(boundaries)
    for primary, mark in checks:
        assert scale.mark_of(primary) == mark, primary
    arrays = ResultArrays.from_records(
        [PupilResult(1, "8а", (p,), p, None, None) for p, _m in checks], 1, scale
    )
    assert arrays.mark.tolist() == [m for _p, m in checks]
