"""Every main page is usable on a phone (390 × 844): the page never scrolls
sideways (wide tables scroll inside their own box), the menu folds behind a
button, and what a finger taps is at least 44 px tall."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories as f
from tests.browser import ARTIFACTS
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
TOUCH = 44
# The outermost elements that reach past the screen's right edge, to name in a failure.
STICKING_OUT = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter(e => !(e.parentElement.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().width)}px`)"""


def pages_of(world):
    """What each role opens in a day, by address."""
    roadmap = world.extra["roadmap_roadmap_a"]
    measure = world.extra["roadmap_measure_a"]
    report = world.extra["roadmap_report_a"]
    procedure = world.extra["assessments"]["procedure"]
    analytics = [
        reverse("analytics:procedure-list"),
        reverse("analytics:procedure-detail", kwargs={"procedure_pk": procedure.pk}),
    ]
    common = [
        reverse("home"),
        reverse("roadmaps:roadmap-list"),
        reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk}),
        reverse("reports:document-list"),
        reverse("roadmaps:search") + "?q=анализ",
    ]
    return {
        "bob": common
        + analytics
        + [
            reverse("roadmaps:measure-edit", kwargs={"measure_pk": measure.pk}),
            reverse("roadmaps:report-queue"),
            reverse("roadmaps:report-detail", kwargs={"progress_report_pk": report.pk}),
            reverse("schools:school-list"),
        ],
        "carol": common
        + analytics
        + [
            reverse("roadmaps:assignment-list"),
            reverse("roadmaps:report-create", kwargs={"assignment_pk": report.assignment_id}),
            reverse("assessments:import-list"),
        ],
        "alice": common + analytics + [reverse("schools:municipality-list")],
        "mia": common + analytics,
        "victor": common,
    }


def test_main_pages_fit_a_phone_for_each_role(browser, live_server, world):
    context = browser.new_context(viewport=PHONE, locale="ru-RU", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for username, addresses in pages_of(world).items():
            context.clear_cookies()
            login(page, live_server, username, f.PASSWORD)
            _check_the_folding_menu(page)
            page.screenshot(path=str(ARTIFACTS / f"phone-home-{username}.png"), full_page=True)
            for address in addresses:
                response = page.goto(f"{live_server.url}{address}")
                assert response.status < 400, f"{username} {address}: {response.status}"
                widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                assert widths[0] <= widths[1] == PHONE["width"], (
                    f"{username} {address} scrolls sideways: {widths[0]} > {widths[1]}, "
                    f"sticking out: {page.evaluate(STICKING_OUT)}"
                )
    finally:
        context.close()


def _check_the_folding_menu(page):
    toggle = page.get_by_role("button", name="Меню")
    expect(toggle).to_be_visible()
    nav = page.get_by_role("navigation", name="Основная навигация")
    first_item = nav.get_by_role("link", name="Главная")
    expect(first_item).to_be_hidden()
    assert toggle.bounding_box()["height"] >= TOUCH
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(first_item).to_be_visible()
    for link in nav.get_by_role("link").all():
        assert link.bounding_box()["height"] >= TOUCH, link.inner_text()
    search = page.get_by_role("searchbox", name="Поиск по дорожным картам")
    assert search.bounding_box()["height"] >= TOUCH
    toggle.click()
    expect(first_item).to_be_hidden()
