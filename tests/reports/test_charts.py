"""Server-made SVG charts: valid XML, accessible, labelled in Russian, safe."""

import xml.etree.ElementTree as ET

import pytest

from assessments.analytics import PupilResult, TaskInfo, YearInput, dynamics, side_by_side, suppress
from assessments.analytics import charts as analytic_charts
from infra.output import charts

SVG = "{http://www.w3.org/2000/svg}"
RUSSIAN_4 = {2: (0, 9), 3: (10, 15), 4: (16, 20), 5: (21, 24)}
NBSP = "\u00a0"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def all_charts():
    return {
        "histogram": charts.score_histogram([0, 1, 2, 3] * 6 + [1], RUSSIAN_4),
        "grouped": charts.grouped_bars(
            ["«2»", "«3»"], {"Школа": [0.125, 0.5], "Регион": [0.1, None]}, title="Отметки"
        ),
        "profile": charts.task_profile(
            [("1", "Б"), ("2", "П"), ("3", "В")],
            {"Школа": [0.5, 0.25, None], "Регион": [0.6, 0.3, 0.1]},
        ),
        "agreement": analytic_charts.journal_agreement_chart(
            {"Школа": (0.1, 0.8, 0.1), "Регион": (None, None, None)}
        ),
        "line": charts.line_chart(["2024", "2025"], {"Доля «2»": [0.1, 0.2]}, title="Динамика"),
        "hbars": charts.horizontal_bars(
            [("Раздел 1", 0.8), ("Раздел 2", None)], title="Исполнение", target=0.9
        ),
    }


@pytest.mark.parametrize("name", list(all_charts()))
def test_every_chart_is_accessible_svg_with_a_fixed_viewbox(name):
    root = parse(all_charts()[name])
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root.get("viewBox").startswith("0 0 640 ")
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-label") == title.text
    # No script, no external reference.
    markup = all_charts()[name]
    assert "<script" not in markup and "http://" not in markup.replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_histogram_draws_and_labels_every_mark_boundary():
    counts = [0] * 25
    counts[10] = 7
    counts[16] = 3
    root = parse(charts.score_histogram(counts, RUSSIAN_4, title="Распределение"))
    labels = texts(root)
    for expected in ("«3» от 10 б.", "«4» от 16 б.", "«5» от 21 б."):
        assert expected in labels
    # One bar per score 0…24, and the legend gives each mark's range.
    assert "«2»: 0–9" in labels and "«5»: 21–24" in labels
    desc = root.find(f"{SVG}desc").text
    assert "Отметка «3»: от 10 до 15 баллов, 7 чел." in desc
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray") == "5 3"]
    assert len(dashed) == 3


def test_grouped_bars_write_shares_with_a_decimal_comma_and_a_dash_for_suppressed():
    root = parse(
        charts.grouped_bars(
            ["«2»", "«3»"], {"Школа": [0.125, 0.5], "Регион": [0.1, None]}, title="Отметки"
        )
    )
    labels = texts(root)
    assert f"12,5{NBSP}%" in labels
    assert f"50{NBSP}%" in labels
    assert "—" in labels
    assert "Школа" in labels and "Регион" in labels


def test_series_differ_by_pattern_not_only_by_colour():
    root = parse(
        charts.grouped_bars(
            ["a"], {"Школа": [0.5], "Муниципалитет": [0.4], "Регион": [0.3]}, title="t"
        )
    )
    patterns = root.findall(f".//{SVG}defs/{SVG}pattern")
    assert len(patterns) == 2  # the first series is solid, the others hatched
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect") if "url(#" in (r.get("fill") or "")}
    assert len(fills) == 2


def test_task_profile_marks_advanced_tasks_and_the_thresholds():
    root = parse(
        charts.task_profile(
            [("1", "Б"), ("2", "П"), ("3", "В")],
            {"Школа": [0.5, 0.25, None], "Регион": [0.6, 0.3, 0.1]},
        )
    )
    labels = texts(root)
    assert labels.count("П") == 1 and labels.count("В") == 1 and labels.count("Б") == 1
    assert any("60" in t and "30" in t and "порог" in t for t in labels)
    shaded = [
        r for r in root.iter(f"{SVG}rect") if "повышенного или высокого" in "".join(r.itertext())
    ]
    assert len(shaded) == 2


def test_stacked_agreement_bars_show_no_data_for_a_suppressed_level():
    root = parse(
        analytic_charts.journal_agreement_chart(
            {"Школа": (0.1, 0.8, 0.1), "Регион": (None, None, None)}
        )
    )
    labels = texts(root)
    assert {"Понизили", "Подтвердили", "Повысили"} <= set(labels)
    assert "нет данных" in labels
    assert f"80{NBSP}%" in labels


def test_line_chart_leaves_a_gap_for_a_missing_year():
    root = parse(
        charts.line_chart(
            ["2023", "2024", "2025", "2026"], {"Доля «2»": [0.1, None, 0.2, 0.3]}, title="t"
        )
    )
    paths = [p for p in root.iter(f"{SVG}path") if p.get("fill") == "none"]
    # 2023 stands alone; one segment 2025–2026.
    assert len(paths) == 1
    assert paths[0].get("d").count("L") == 1


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.125, f"12,5{NBSP}%"),
        (0.5, f"50{NBSP}%"),
        (1 / 3, f"33,3{NBSP}%"),
        (0.0, f"0{NBSP}%"),
        (None, "—"),
    ],
)
def test_percent_format_is_russian(share, text):
    assert charts.fmt_percent(share) == text


def test_text_is_escaped_everywhere():
    evil = 'МБОУ «СОШ» <script>alert("x")</script> & Ко'
    svg = charts.horizontal_bars([(evil, 0.5)], title=evil, desc=evil)
    root = parse(svg)  # would fail on a raw "<" or "&"
    assert "<script" not in svg
    assert root.find(f"{SVG}title").text == evil
    assert root.get("aria-label") == evil


def test_long_labels_are_shortened_with_the_full_text_kept_for_a_tooltip():
    long = "Повышение квалификации педагогов по вопросам объективного оценивания результатов"
    root = parse(charts.horizontal_bars([(long, 0.5)], title="t"))
    label = next(t for t in root.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None)
    assert label.find(f"{SVG}title").text == long
    assert "".join(label.itertext()).endswith("…")


def test_two_charts_on_one_page_do_not_share_pattern_ids():
    a = parse(charts.grouped_bars(["a"], {"x": [0.1], "y": [0.2]}, title="Первый"))
    b = parse(charts.grouped_bars(["a"], {"x": [0.3], "y": [0.4]}, title="Второй"))
    ids_a = {p.get("id") for p in a.iter(f"{SVG}pattern")}
    ids_b = {p.get("id") for p in b.iter(f"{SVG}pattern")}
    assert ids_a and not ids_a & ids_b


# --- adapters over the analytic tables -----------------------------------------------


def _tables():
    tasks = [TaskInfo("1", 12, "Б", "Умение 1"), TaskInfo("2", 12, "П", "Умение 2")]
    school = [PupilResult(1, "4а", (s, 0), s, None, 3, "м", f"{s}") for s in range(0, 24, 2)]
    region = school + [PupilResult(2, "4б", (12, 9), 21, None, 5, "ж", "r") for _ in range(40)]
    return side_by_side({"Школа": school, "Регион": region}, tasks, RUSSIAN_4), tasks


def test_adapters_draw_the_analytic_tables():
    tables, _tasks = _tables()
    for svg in (
        analytic_charts.mark_shares_chart(tables),
        analytic_charts.histogram_chart(tables["Школа"]),
        analytic_charts.task_profile_chart(tables),
        analytic_charts.agreement_chart(tables),
    ):
        root = parse(svg)
        assert root.find(f"{SVG}title").text
    hist = parse(analytic_charts.histogram_chart(tables["Школа"]))
    assert "«3» от 10 б." in texts(hist)


def test_adapters_accept_suppressed_tables():
    tables, _tasks = _tables()
    public = suppress(tables, minimum=20)  # the school (12 pupils) is blanked
    labels = texts(parse(analytic_charts.mark_shares_chart(public)))
    assert "—" in labels
    parse(analytic_charts.histogram_chart(public["Школа"]))
    parse(analytic_charts.task_profile_chart(public))
    assert "нет данных" in texts(parse(analytic_charts.agreement_chart(public)))


def test_dynamics_chart_draws_each_year():
    tasks = [TaskInfo("1", 24, "Б", "Всё")]
    years = {
        year: YearInput(
            group=[PupilResult(1, "4а", (p,), p, None, None) for p in primaries],
            tasks=tasks,
            scale=RUSSIAN_4,
        )
        for year, primaries in {2024: [5, 12, 18, 22], 2025: [5, 5, 12, 18]}.items()
    }
    labels = texts(parse(analytic_charts.dynamics_chart(dynamics(years))))
    assert "2024" in labels and "2025" in labels
    assert f"25{NBSP}%" in labels and f"50{NBSP}%" in labels  # share of "2": 1/4 → 2/4


def test_histogram_marks_differ_by_pattern_so_they_read_in_grey_print():
    counts = [1] * 25
    root = parse(charts.score_histogram(counts, RUSSIAN_4))
    fills_by_score = {}
    for rect in root.iter(f"{SVG}rect"):
        tip = "".join(rect.itertext())
        if tip.endswith("чел."):
            score = int(tip.split(" ")[0])
            fills_by_score[score] = rect.get("fill")
    assert len(fills_by_score) == 25
    fills = {fills_by_score[s] for s in (0, 10, 16, 21)}
    assert len(fills) == 4  # one colour-and-hatch per mark
    assert sum(1 for f in fills if f.startswith("url(#")) == 3


def test_dynamics_chart_writes_the_negative_trend_under_its_year():
    tasks = [TaskInfo("1", 24, "Б", "Всё")]
    # Share of "2": 1/10 → 3/10 (+20 points).
    years = {
        year: YearInput(
            group=[PupilResult(1, "4а", (p,), p, None, None) for p in primaries],
            tasks=tasks,
            scale=RUSSIAN_4,
        )
        for year, primaries in {2024: [5] + [12] * 9, 2025: [5] * 3 + [12] * 7}.items()
    }
    root = parse(analytic_charts.dynamics_chart(dynamics(years)))
    assert "«2» +20 п. п." in texts(root)
    assert "2025: «2» +20 п. п." in root.find(f"{SVG}desc").text
