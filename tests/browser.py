"""Headless Chromium (Debian's package) driven by Playwright, shared by every
test that uses a browser (loaded from tests/conftest.py as a plugin).

On a laptop without Chromium these tests skip; with CI=true they fail instead.
Screenshots go to test-artifacts/ (kept by CI as artifacts).
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs its own event loop in the test's thread; Django must
# still allow the test's ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    available = Path(CHROMIUM).exists() or shutil.which("chromium") is not None
    _require("Chromium", available, f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("Playwright", False, "the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _require(name, available, why):
    from tests.conftest import require_service

    require_service(name, available, why)
