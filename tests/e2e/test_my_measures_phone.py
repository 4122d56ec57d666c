"""«Мои мероприятия» on a phone: one card per assignment, with the executor, the
last report and «Отчитаться» on screen, not in a table scrolled sideways."""

import pytest
from django.urls import reverse

from tests import factories as f
from tests.browser import ARTIFACTS
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def _inside(page, locator, width):
    box = locator.bounding_box()
    assert box is not None, "not shown"
    return box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


@pytest.mark.parametrize("width", [390, 1366])
def test_my_measures_show_executor_last_report_and_the_button_on_screen(
    browser, live_server, world, width
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="ru-RU", has_touch=width < 600
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, live_server, "carol", f.PASSWORD)
        page.goto(f"{live_server.url}{reverse('roadmaps:assignment-list')}")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"my-measures-carol-{width}.png"), full_page=True)
        scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1]
        row = page.locator("main table tbody tr").filter(has_text="Анализ результатов ВПР (Альфа)")
        executor = row.locator("td").filter(has_text="Альфа-школа №1").first
        report = row.get_by_role("link", name="выполнено")
        button = row.get_by_role("link", name="Отчитаться")
        for what, locator in (("executor", executor), ("report", report), ("button", button)):
            assert _inside(page, locator, width), f"{what} is off screen at {width} px"
        header_shown = page.locator("main table thead").bounding_box()["height"] > 1
        # A card on a phone (the column names go beside the values), a table on a desk.
        assert header_shown == (width >= 600)
        if width < 600:
            assert button.bounding_box()["height"] >= 44
    finally:
        context.close()
