"""The page header kept per set of what it shows ({% topbar %}, schools/templatetags/
topbar.py): the same HTML as the header template rendered directly, and a change to
anything it shows is on the next page."""

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.template import engines
from django.test import RequestFactory

from schools.context_processors import navigation
from schools.models import Role
from schools.notifications import mark_read, notify
from schools.templatetags.topbar import TEMPLATE
from tests import factories as f

HEADER = re.compile(r'<header class="topbar">(.*?)</header>', re.S)


def header(client, path="/"):
    return HEADER.search(client.get(path).content.decode()).group(1)


TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)"')


def both(request):
    """(the kept header, the header template rendered directly) for one request, the
    CSRF token (masked anew at each use) checked to be the request's and then blanked."""
    django = engines["django"]
    kept = django.from_string("{% load topbar %}{% topbar %}").render({}, request)
    direct = django.get_template(TEMPLATE).render({}, request)
    secret = request.META.get("CSRF_COOKIE")
    for html in (kept, direct):
        for token in TOKEN.findall(html):
            assert _unmask_cipher_token(token[1]) == secret
    return TOKEN.sub(r"\1-", kept), TOKEN.sub(r"\1-", direct)


@pytest.mark.parametrize("path", ["/", "/schools/", "/roadmaps/", "/account/notifications/"])
def test_the_kept_header_is_the_template_rendered_directly(world, path):
    staff = f.user("staffer", role=Role.MUNICIPAL_OFFICIAL, node=world.muni_a, is_staff=True)
    notify([world.bob], kind="submitted", key="topbar", title="Отчёт", mail=False)
    people = [world.alice, world.bob, world.carol, world.mia, world.victor, staff, None]
    for person in people:
        for _ in range(2):  # rendered, then kept; each request has its own CSRF token
            request = RequestFactory().get(path)
            if person is not None:
                request.user = person
            else:
                from django.contrib.auth.models import AnonymousUser

                request.user = AnonymousUser()
            kept, direct = both(request)
            assert kept == direct
            if person is not None:
                assert 'name="csrfmiddlewaretoken"' in kept
                assert str(navigation(request)["navigation"][0]["label"]) in kept


def test_each_page_gets_its_own_csrf_token_in_the_kept_header(client, world):
    client.force_login(world.bob)
    first, second = header(client), header(client)
    tokens = [
        re.search(r'csrfmiddlewaretoken" value="([^"]+)"', h).group(1) for h in (first, second)
    ]
    assert tokens[0] != tokens[1]  # masked anew each time
    assert first.replace(tokens[0], "") == second.replace(tokens[1], "")
    # The logout form of a kept header still logs out.
    response = client.post("/logout/", {"csrfmiddlewaretoken": tokens[1]})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_the_header_shows_each_change_at_once(client, world):
    client.force_login(world.bob)
    mark_read(user=world.bob)
    assert 'data-unread="0"' in header(client)
    assert 'aria-current="page">Школы' in header(client, "/schools/")

    notify([world.bob], kind="submitted", key="topbar-1", title="Первое", mail=False)
    assert 'data-unread="1"' in header(client)
    mark_read(user=world.bob)
    assert 'data-unread="0"' in header(client)

    world.bob.first_name, world.bob.last_name = "Борис", "Новиков"
    world.bob.save()
    assert "Борис Новиков" in header(client)

    assert "Администрирование" not in header(client)
    world.bob.is_staff = True
    world.bob.save()
    assert "Администрирование" in header(client)

    # A role more: the menu grows on the next page (the analyst's «Муниципалитеты» is
    # Bob's already; the deputy's «Мои мероприятия» is Carol's, not the methodist's).
    client.force_login(world.mia)
    assert "Мои мероприятия" not in header(client)
    f.membership(world.mia, role=Role.SCHOOL_DEPUTY, node=world.school_a1)
    assert "Мои мероприятия" in header(client)


def test_a_logged_out_page_has_the_brand_only(client, world):
    html = header(client, "/login/")
    assert "Дорожные карты" in html and "topbar-menu" not in html
    assert "csrfmiddlewaretoken" not in html
