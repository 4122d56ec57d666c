"""Everything a person reads is Russian: every role walks every page reachable
from the menu and from the pages it links to; no page answers 500 and none shows
an identifier, a dict dump, an ISO timestamp or None/True/False. Error pages are
Russian and keep the site's menu."""

import re
from collections import Counter, deque
from urllib.parse import urlsplit

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, resolve, reverse
from django.views.defaults import server_error

from tests import factories as f
from tests.day_world import make_busy
from tests.visible_text import english_tokens, read_page

SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/i18n/", "/logout/", "/login/")
DOWNLOADS = (".xlsx", ".docx", ".pdf", ".zip", ".csv", ".json")
PAGES_PER_ROUTE = 3
PAGES_PER_USER = 220


@pytest.fixture
def busy_world(world, django_capture_on_commit_callbacks):
    return make_busy(world, django_capture_on_commit_callbacks)


def _route(path: str) -> str:
    try:
        return resolve(path).route
    except Resolver404:
        return path


def walk(client, start="/"):
    """GET every page reachable from `start` through the site's links (a few of
    each route); returns {path: (status, visible text)}."""
    seen, pages, per_route = {start}, {}, Counter()
    queue = deque([start])
    while queue and len(pages) < PAGES_PER_USER:
        url = queue.popleft()
        try:
            response = client.get(url)
        except Exception as exc:  # name the page in the failure
            raise AssertionError(f"{url} failed: {exc!r}") from exc
        if response.status_code in (301, 302):
            continue
        text, links = "", []
        if response.get("Content-Type", "").startswith("text/html"):
            text, links = read_page(response.content.decode())
        pages[url] = (response.status_code, text)
        for href in links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if (
                target in seen
                or parts.path.startswith(SKIP_PREFIXES)
                or parts.path.endswith(DOWNLOADS)
                or "/download" in parts.path
            ):
                continue
            seen.add(target)
            route = _route(parts.path)
            if per_route[route] >= PAGES_PER_ROUTE:
                continue
            per_route[route] += 1
            queue.append(target)
    return pages


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "victor", "mia", "admin"])
def test_every_page_a_role_reaches_is_russian_and_none_fails(client, busy_world, who):
    if who == "admin":  # the demo's superuser: every region, and the admin's menu item
        user = f.user("admin", is_staff=True, is_superuser=True)
    else:
        user = getattr(busy_world, who)
    client.force_login(user)
    pages = walk(client)
    assert len(pages) > 10
    failures = [f"{url}: {status}" for url, (status, _text) in pages.items() if status >= 500]
    assert not failures
    english = [
        f"{url}: {token}"
        for url, (_status, text) in pages.items()
        for token in english_tokens(text)
    ]
    assert not english, "\n".join(english)


def test_the_walk_reaches_the_history_the_documents_and_the_flag_measures(client, busy_world):
    client.force_login(busy_world.bob)
    pages = walk(client)
    roadmap = busy_world.extra["roadmap_roadmap_a"]
    history = pages[reverse("roadmaps:roadmap-history", kwargs={"roadmap_pk": roadmap.pk})][1]
    # Field names from the models, values through their choices.
    assert "вид срока" in history and "регулярно" in history
    assert "состояние проверки" in history or "проверка" in history
    assert "возвращён" in history and "на проверке" in history
    assert "deadline_kind" not in history and "review_state" not in history
    assert "procedure:" not in history and "процедура:" in history
    detail = pages[reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk})][1]
    assert "Мера по школам с признаками необъективных результатов" in detail
    assert "flag_measure" not in detail
    documents = [text for url, (_s, text) in pages.items() if url.startswith("/documents/")]
    inputs = " ".join(documents)
    assert f"Дорожная карта: {roadmap.title}" in inputs and "данные на 04.12.2026" in inputs


def test_a_methodist_opening_a_pupils_deficits_page_gets_a_russian_403_with_the_menu(client, world):
    procedure = world.extra["assessments"]["procedure"]
    client.force_login(world.mia)
    response = client.get(
        reverse(
            "analytics:procedure-deficits",
            kwargs={"procedure_pk": procedure.pk, "school_pk": world.school_a1.pk},
        )
    )
    assert response.status_code == 403
    text, links = read_page(response.content.decode())
    assert "Доступ запрещён" in text and "Forbidden" not in text
    assert "видны только сотрудникам самой школы" in text  # the reason the view gave
    assert reverse("roadmaps:roadmap-list") in links  # the site's menu


def test_a_missing_page_is_a_russian_404_with_the_menu(client, world):
    client.force_login(world.bob)
    response = client.get(reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": 999999}))
    assert response.status_code == 404
    text, links = read_page(response.content.decode())
    assert "Страница не найдена" in text and "Not Found" not in text
    assert reverse("roadmaps:roadmap-list") in links


def test_the_500_page_is_russian_and_needs_no_database():
    # No database fixture: a query would raise here.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    text, links = read_page(response.content.decode())
    assert "Ошибка на сервере" in text and "Server Error" not in text
    assert reverse("roadmaps:roadmap-list") in links


def test_the_import_preview_names_deadline_kinds_and_dates_in_russian(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from roadmaps.deadlines import KINDS
    from tests.roadmaps.test_views import SEEDS

    client.force_login(world.bob)
    seed = (SEEDS / "krasnoturansk-2020-order-26.txt").read_bytes()
    response = client.post(
        reverse("roadmaps:roadmap-import"),
        {"owner": f"m:{world.muni_a.pk}", "file": SimpleUploadedFile("приказ 26.txt", seed)},
    )
    text, _links = read_page(response.content.decode())
    lines = set(text.split("\n"))
    assert not lines & set(KINDS), lines & set(KINDS)
    assert "в течение периода" in lines or "месяц" in lines
    assert not english_tokens(text)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # dates as 04.12.2026
