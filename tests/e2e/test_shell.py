"""Each role logs in through the browser and finds what it may use."""

import pytest

from tests import factories as f
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("username", "heading", "sees", "does_not_see"),
    [
        ("bob", "Специалист органа управления образованием", "Альфа-школа №1", "Бета-школа №1"),
        ("carol", "Заместитель директора", "Альфа-школа №1", "Альфа-школа №2"),
        ("alice", "Региональный аналитик", "Бета-школа №1", "Гамма-школа"),
    ],
)
def test_each_role_logs_in_and_sees_only_its_schools(
    page, live_server, world, screenshot, username, heading, sees, does_not_see
):
    login(page, live_server, username, f.PASSWORD)
    assert page.get_by_role("heading", name=heading).is_visible()
    screenshot(f"home-{username}")
    page.get_by_role("link", name="Школы", exact=True).click()
    page.wait_for_load_state()
    body = page.locator("main").inner_text()
    assert sees in body and does_not_see not in body


def test_a_wrong_password_is_answered_in_russian(page, live_server, world):
    login(page, live_server, "bob", "not-the-password")
    assert page.get_by_role("alert").inner_text() == "Неверное имя пользователя или пароль."


def test_the_interface_works_from_the_keyboard(page, live_server, world):
    login(page, live_server, "bob", f.PASSWORD)
    page.locator("body").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Перейти к содержанию"
