"""The measure form in Chromium (issue #15): checkboxes beside their labels and a
school picker searched by typing, with no Ctrl-click."""

import pytest

from roadmaps.models import Measure
from tests import factories as f
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_checkboxes_sit_beside_their_labels(page, live_server, world, screenshot):
    measure = world.extra["roadmap_measure_a"]
    login(page, live_server, "bob", f.PASSWORD)
    page.goto(f"{live_server.url}/roadmaps/measures/{measure.pk}/edit/")
    screenshot("measure-form")
    for label in ("Все школы", "Нужен подтверждающий документ", "Альфа-орган управления"):
        box = page.get_by_label(label).first.bounding_box()
        text = page.locator("label", has_text=label).first.bounding_box()
        # On the same line, and the label's text starts right after the box.
        assert abs((box["y"] + box["height"] / 2) - (text["y"] + text["height"] / 2)) < 12, label
        assert box["width"] < 40, label
        assert abs(box["x"] - text["x"]) < 60, label


def test_an_official_finds_a_school_by_typing_and_ticks_it(page, live_server, world, screenshot):
    measure = world.extra["roadmap_measure_a"]
    login(page, live_server, "bob", f.PASSWORD)
    page.goto(f"{live_server.url}/roadmaps/measures/{measure.pk}/edit/")
    search = page.get_by_role("searchbox", name="Найти школу")
    search.fill("школа №2")
    assert page.get_by_label("Альфа-школа №2").is_visible()
    assert not page.get_by_label("Альфа-школа №1").is_visible()
    search.press("Enter")  # the only school left is ticked, the form is not sent
    assert page.get_by_label("Альфа-школа №2").is_checked()
    assert "Отмечено школ: 1" in page.locator("[data-picker-count]").inner_text()
    search.fill("")
    screenshot("measure-form-picker")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state()
    picked = set(
        Measure.objects.get(pk=measure.pk).responsible_schools.values_list("pk", flat=True)
    )
    assert picked == {world.school_a2.pk}
