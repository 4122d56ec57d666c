"""A chart drawn again from the same input is the SVG drawn before (infra.output.charts.
memo), and any change of a label, a value, an option or the language draws it afresh:
a dashboard never shows a chart of other figures."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from infra.output import charts
from infra.output.charts import memo

ITEMS = [("Школа №1", 0.5), ("Школа №2", None), ("Школа №3", 0.25)]


@pytest.fixture(autouse=True)
def _forget():
    memo._charts.clear()
    yield
    memo._charts.clear()


def _fresh(draw, *args, **kwargs):
    """The chart drawn by the function itself, past the memo."""
    return draw.__wrapped__(*args, **kwargs)


def test_the_same_figures_give_the_chart_drawn_before():
    first = charts.horizontal_bars(list(ITEMS), title="Выполнение")
    again = charts.horizontal_bars(list(ITEMS), title="Выполнение")
    assert again is first
    assert first == _fresh(charts.horizontal_bars, list(ITEMS), title="Выполнение")


@pytest.mark.parametrize(
    "changed",
    [
        {"items": [("Школа №1", 0.5), ("Школа №2", None), ("Школа №3", 0.26)]},  # a value
        {"items": [("Школа №1", 0.5), ("Школа №2", 0.0), ("Школа №3", 0.25)]},  # none to 0
        {"items": [("Школа №1", 0.5), ("Школа №20", None), ("Школа №3", 0.25)]},  # a label
        {"items": ITEMS[:2]},  # a row fewer
        {"title": "Выполнение по школам"},
        {"target": 0.8},
        {"percent": False},
    ],
)
def test_any_change_of_the_input_draws_the_chart_afresh(changed):
    options = {"items": list(ITEMS), "title": "Выполнение"} | changed
    items = options.pop("items")
    charts.horizontal_bars(list(ITEMS), title="Выполнение")
    drawn = charts.horizontal_bars(items, **options)
    assert drawn == _fresh(charts.horizontal_bars, items, **options)
    assert drawn != charts.horizontal_bars(list(ITEMS), title="Выполнение")


def test_the_language_is_part_of_the_key(monkeypatch):
    from infra.output.charts import bars

    # The product speaks Russian only: a catalogue that tells the languages apart.
    monkeypatch.setattr(bars, "_", lambda text: f"{translation.get_language()}: {text}")
    with translation.override("ru"):
        russian = charts.horizontal_bars(list(ITEMS), title="Выполнение", target=0.8)
    with translation.override("en"):
        other = charts.horizontal_bars(list(ITEMS), title="Выполнение", target=0.8)
        assert other == _fresh(charts.horizontal_bars, list(ITEMS), title="Выполнение", target=0.8)
    assert "ru: цель" in russian and "en: цель" in other
    with translation.override("ru"):
        assert charts.horizontal_bars(list(ITEMS), title="Выполнение", target=0.8) is russian


def test_a_lazy_title_is_keyed_by_its_text():
    with translation.override("ru"):
        one = charts.horizontal_bars(list(ITEMS), title=gettext_lazy("Выполнение"))
        assert charts.horizontal_bars(list(ITEMS), title="Выполнение") is one


def test_grouped_bars_are_kept_by_their_series():
    series = {"2024": [1, 2], "2025": [3, 4]}
    first = charts.grouped_bars(["А", "Б"], series, title="Маркеры", percent=False)
    assert charts.grouped_bars(["А", "Б"], series, title="Маркеры", percent=False) is first
    other = {"2024": [1, 2], "2025": [3, 5]}
    drawn = charts.grouped_bars(["А", "Б"], other, title="Маркеры", percent=False)
    assert drawn == _fresh(charts.grouped_bars, ["А", "Б"], other, title="Маркеры", percent=False)
    assert drawn != first


def test_the_process_keeps_a_bounded_number_of_charts(monkeypatch):
    monkeypatch.setattr(memo, "MAX_CHARTS", 3)
    for n in range(5):
        charts.horizontal_bars([("Школа", n / 10)], title="Выполнение")
    assert len(memo._charts) == 3


def _bars(items, *, title):
    return f"bars {items} {title}"


def _columns(items, *, title):
    return f"columns {items} {title}"


def test_two_charts_of_the_same_input_are_kept_apart():
    bars, columns = memo.remembered(_bars), memo.remembered(_columns)
    assert bars(ITEMS, title="Т").startswith("bars")
    assert columns(ITEMS, title="Т").startswith("columns")


def test_an_input_written_as_an_address_is_not_kept():
    class Figures:
        pass

    drawn = []
    draw = memo.remembered(lambda figures: drawn.append(figures) or "<svg/>")
    draw(Figures())
    draw(Figures())
    assert len(drawn) == 2 and not memo._charts
