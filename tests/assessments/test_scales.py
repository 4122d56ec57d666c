"""Scales: the examples of DOMAIN.md are the tests of mark_for."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.results.models import Instrument, Scale, Subject
from assessments.results.scales import ScaleSpec, check_ranges, mark_for, parse_range


def federal(instrument, year, grade, subject):
    return Scale.objects.get(
        region=None, instrument=instrument, year=year, grade=grade, subject=subject
    )


@pytest.mark.parametrize(
    "instrument, grade, subject, cases",
    [
        # ВПР Russian, grade 4, 2026: max 24; 0–9, 10–15, 16–20, 21–24
        (
            Instrument.VPR,
            4,
            Subject.RUSSIAN,
            [(0, 2), (9, 2), (10, 3), (15, 3), (16, 4), (20, 4), (21, 5), (24, 5)],
        ),
        # ВПР maths, grade 8: max 25; 0–7, 8–14, 15–20, 21–25
        (
            Instrument.VPR,
            8,
            Subject.MATH,
            [(7, 2), (8, 3), (14, 3), (15, 4), (20, 4), (21, 5), (25, 5)],
        ),
        # ВПР Russian, grade 8: max 51; 0–25, 26–31, 32–44, 45–51
        (
            Instrument.VPR,
            8,
            Subject.RUSSIAN,
            [(25, 2), (26, 3), (31, 3), (32, 4), (44, 4), (45, 5), (51, 5)],
        ),
    ],
)
@pytest.mark.django_db
def test_the_seeded_scales_give_the_marks_of_the_domain_notes(instrument, grade, subject, cases):
    scale = federal(instrument, 2026, grade, subject)
    assert [mark_for(scale, primary) for primary, _mark in cases] == [mark for _p, mark in cases]


@pytest.mark.django_db
def test_oge_maths_needs_two_points_of_geometry_for_a_pass():
    scale = federal(Instrument.OGE, 2026, 9, Subject.MATH)
    assert scale.max_score == 31
    no_geometry = {str(n): 1 for n in range(1, 15)}
    assert mark_for(scale, 14, no_geometry) == 2
    one_point = dict(no_geometry, **{"16": 1})
    assert mark_for(scale, 15, one_point) == 2
    two_points = dict(no_geometry, **{"16": 1, "24": 1})
    assert [mark_for(scale, p, two_points) for p in (7, 8, 14, 15, 21, 22, 31)] == [
        2,
        3,
        3,
        4,
        4,
        5,
        5,
    ]


def test_a_score_outside_every_range_has_no_mark():
    spec = ScaleSpec(ranges=[[0, 9, 2], [10, 24, 3]])
    assert mark_for(spec, 25) is None
    assert mark_for(spec, None) is None
    assert mark_for(None, 5) is None


@pytest.mark.parametrize(
    "text, bounds",
    [
        ("0–9", (0, 9)),
        ("10-15", (10, 15)),
        ("21..24", (21, 24)),
        (" 7 ", (7, 7)),
        (5, (5, 5)),
        ("9–3", None),
        ("abc", None),
        ("0 - 5", (0, 5)),
        ("0—5", (0, 5)),
        ("от 0 до 5", (0, 5)),
        ("От 6 до 11 баллов", (6, 11)),
        ("с 12 по 15", (12, 15)),
        ("16-20 б.", (16, 20)),
        ("от 5", None),
    ],
)
def test_primary_score_ranges_are_read_as_people_write_them(text, bounds):
    assert parse_range(text) == bounds


def test_gaps_overlaps_and_a_wrong_end_are_reported():
    assert check_ranges([[0, 9, 2], [10, 24, 3]], 24) == []
    assert check_ranges([[0, 9, 2], [11, 24, 3]], 24) == [
        "Баллы 10–10 не попадают ни в один диапазон."
    ]
    assert check_ranges([[0, 9, 2], [9, 24, 3]], 24) == ["Диапазоны 0–9 и 9–… пересекаются."]
    assert check_ranges([[1, 24, 3]], 25) == [
        "Шкала начинается с 1, а не с 0.",
        "Шкала заканчивается на 24, а максимальный балл — 25.",
    ]


SCALES_CSV = (
    "Процедура;Год;Класс;Предмет;Отметка;Первичный балл\n"
    "ВПР;2025;5;Математика;2;0–6\n"
    "ВПР;2025;5;Математика;3;7–11\n"
    "ВПР;2025;5;Математика;4;12–15\n"
    "ВПР;2025;5;Математика;5;16–20\n"
)


def test_import_scales_command_creates_and_then_leaves_alone(world, tmp_path, capsys):
    path = tmp_path / "scales.csv"
    path.write_text(SCALES_CSV, encoding="utf-8")
    call_command("import_scales", str(path), "--region", "77", "--json")
    assert json.loads(capsys.readouterr().out)["created"] == 1
    scale = Scale.objects.get(region=world.region, year=2025, grade=5, subject=Subject.MATH)
    assert (
        scale.ranges == [[0, 6, 2], [7, 11, 3], [12, 15, 4], [16, 20, 5]] and scale.max_score == 20
    )
    call_command("import_scales", str(path), "--region", "77", "--json")
    assert json.loads(capsys.readouterr().out)["updated"] == 1
    assert Scale.objects.filter(year=2025, grade=5).count() == 1


def test_import_scales_refuses_a_gap_and_writes_nothing(world, tmp_path, capsys):
    path = tmp_path / "scales.csv"
    path.write_text(SCALES_CSV.replace("7–11", "8–11"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_scales", str(path), "--json")
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert "Баллы 7–7 не попадают ни в один диапазон." in problems[0]["message"]
    assert not Scale.objects.filter(year=2025, grade=5).exists()


def test_ege_scales_map_to_test_scores(world, tmp_path):
    path = tmp_path / "ege.csv"
    path.write_text(
        "Процедура;Год;Класс;Предмет;Тестовый балл;Первичный балл\nЕГЭ;2026;11;Русский язык;0;0\n"
        "ЕГЭ;2026;11;Русский язык;24;1\nЕГЭ;2026;11;Русский язык;50;2\n",
        encoding="utf-8",
    )
    call_command("import_scales", str(path))
    scale = Scale.objects.get(instrument=Instrument.EGE, year=2026)
    assert scale.kind == Scale.Kind.TEST_SCORE and mark_for(scale, 1) == 24


@pytest.mark.parametrize(
    ("header", "rows"),
    [
        (
            "Процедура;Год;Класс;Предмет;Отметка;Балл от;Балл до",
            ["2;0;6", "3;7;11", "4;12;15", "5;16;20"],
        ),
        (
            "Процедура;Год;Параллель;Предмет;Отметка;мин;макс",
            ["2;0;6", "3;7;11", "4;12;15", "5;16;20"],
        ),
        (
            "Процедура;Год;Класс;Предмет;Отметка;Минимальный первичный балл;"
            "Максимальный первичный балл",
            ["5;16;20", "4;12;15", "3;7;11", "2;0;6"],
        ),
        (
            "Процедура;Год;Класс;Предмет;Отметка;Первичный балл",
            ["2;от 0 до 6", "3;от 7 до 11", "4;от 12 до 15", "5;от 16 до 20"],
        ),
        (
            "Процедура;Год;Класс;Предмет;Отметка;Первичный балл",
            ["2;0-6", "3;7 - 11", "4;12—15", "5;16–20"],
        ),
    ],
    ids=["балл от / до", "мин / макс", "минимальный / максимальный", "от … до …", "дефисы"],
)
def test_scales_are_read_in_both_common_layouts(world, tmp_path, header, rows):
    path = tmp_path / "scales.csv"
    lines = [header] + [f"ВПР;2025;5;Математика;{row}" for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_scales", str(path), "--region", "77")
    scale = Scale.objects.get(region=world.region, year=2025, grade=5, subject=Subject.MATH)
    assert scale.ranges == [[0, 6, 2], [7, 11, 3], [12, 15, 4], [16, 20, 5]]
    assert scale.max_score == 20


def test_a_two_column_scale_with_a_bound_missing_or_reversed_is_refused_whole(
    world, tmp_path, capsys
):
    path = tmp_path / "scales.csv"
    path.write_text(
        "Процедура;Год;Класс;Предмет;Отметка;Балл от;Балл до\n"
        "ВПР;2025;5;Математика;2;0;6\n"
        "ВПР;2025;5;Математика;3;;11\n"
        "ВПР;2025;5;Математика;4;15;12\n"
        "ВПР;2025;5;Математика;5;16;20\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("import_scales", str(path), "--region", "77", "--json")
    problems = json.loads(capsys.readouterr().out)["problems"]
    places = [(p["row"], p["column"]) for p in problems]
    assert places[:2] == [(3, "Балл от"), (4, "Балл до")]
    assert not Scale.objects.filter(year=2025, grade=5, subject=Subject.MATH).exists()


def test_grades_and_marks_are_read_as_the_published_tables_write_them(world, tmp_path):
    # ФИОКО's tables quote the marks («2») and spell out the grade («4 класс»).
    path = tmp_path / "scales.csv"
    rows = ["«2»;0–6", '"3";7–11', "«4» ;12–15", "5;16–20"]
    grades = ["5 класс", "5 кл.", "5 кл", "5"]
    lines = ["Процедура;Год;Класс;Предмет;Отметка;Первичный балл"] + [
        f"ВПР;2025;{grade};Математика;{row}" for grade, row in zip(grades, rows, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_scales", str(path), "--region", "77")
    scale = Scale.objects.get(region=world.region, year=2025, grade=5, subject=Subject.MATH)
    assert scale.ranges == [[0, 6, 2], [7, 11, 3], [12, 15, 4], [16, 20, 5]]
