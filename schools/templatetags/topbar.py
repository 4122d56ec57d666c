"""{% topbar %}: the page header of base.html, rendered once per set of what it shows.

Every page carries the same header: the menu, the user's name, the bell with its
count, the search form, the logout form. Rendering it (a dozen translations, links
reversed, two includes) was most of a small page's template time. It is kept, per
process, under a key made of everything it shows: the language, the URL
configuration and script prefix, the menu items (address, label, active), whether
the user is logged in and staff, their name and login, and the unread count. Any
change to one of them is another key, so a kept header is never stale. The CSRF
token, another on every page, is put in afterwards by Django's own tag.

The header template reads nothing else from the context; tests/schools/test_topbar.py
renders it directly with the full context and compares.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()

TEMPLATE = "schools/includes/_topbar.html"
# Stands for the CSRF token in a kept header; never a real token.
_TOKEN = "topbar" + secrets.token_hex(16)
_FIELD = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_TOKEN}">'
_MISSING = object()


class _Person:
    """What the header reads of the user, and nothing more."""

    def __init__(self, is_authenticated, is_staff, full_name, username):
        self.is_authenticated = is_authenticated
        self.is_staff = is_staff
        self.full_name = full_name
        self.username = username

    def get_full_name(self):
        return self.full_name


def _person_key(user) -> tuple:
    if user is None or not user.is_authenticated:
        return (False, False, "", "")
    return (True, bool(user.is_staff), user.get_full_name(), user.get_username())


@lru_cache(maxsize=2048)
def _header(key: tuple) -> str:
    """The header for `key` (see `topbar`), with the placeholder token in its form."""
    _language, _urlconf, _prefix, person, navigation, unread = key
    context = {
        "user": _Person(*person),
        "navigation": [{"url": u, "label": label, "active": a} for u, label, a in navigation],
        "csrf_token": _TOKEN,
    }
    if unread is not _MISSING:
        context["unread_notifications"] = unread
    return get_template(TEMPLATE).render(context)


def header_key(context) -> tuple:
    """Everything the header shows, as a hashable key."""
    unread = context.get("unread_notifications", _MISSING)
    return (
        translation.get_language(),
        (get_urlconf(), settings.ROOT_URLCONF),
        get_script_prefix(),
        _person_key(context.get("user")),
        tuple(
            (str(item["url"]), str(item["label"]), bool(item["active"]))
            for item in context.get("navigation") or ()
        ),
        unread if unread is _MISSING or isinstance(unread, int) else str(unread),
    )


@register.simple_tag(takes_context=True)
def topbar(context):
    """The page header: the kept one for what this page shows, with this page's token."""
    html = _header(header_key(context))
    # The real tag on the real context: the same field (or none) as a direct render.
    return mark_safe(html.replace(_FIELD, CsrfTokenNode().render(context)))  # noqa: S308 - a rendered template and Django's token field
