"""The approver's forms of a roadmap's page (approve, revise, send to schools) are kept
in the cache as HTML under everything each is made of (infra.formcache): the page is
the one Django writes, and the order's fields and the schools' due date changed through
the services or the admin show at the next look."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from roadmaps import forms
from roadmaps.services.cascade import roadmap_cascade
from roadmaps.services.roadmap import roadmap_create, roadmap_update
from tests import factories as f


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def _form(client, roadmap, action: str) -> str:
    """The inside of the page's form posting to `action`, without its CSRF token."""
    page = client.get(reverse("roadmaps:roadmap-detail", args=[roadmap.pk])).content.decode()
    url = reverse(f"roadmaps:roadmap-{action}", args=[roadmap.pk])
    start = page.index(f'action="{url}"')
    form = page[start : page.index("</form>", start)]
    form = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">', "", form)
    return form[form.index(">") + 1 : form.index("<button")]


def test_the_approve_form_is_django_s_and_shows_the_order_changed_at_once(client, world):
    roadmap = roadmap_create(owner=world.muni_a, title="План", by=world.bob)
    roadmap_update(roadmap=roadmap, by=world.bob, order_place="г. Альфаград <центр>")
    client.force_login(world.bob)
    written = _form(client, roadmap, "approve")
    assert "г. Альфаград &lt;центр&gt;" in written
    roadmap.refresh_from_db()
    initial = {
        "order_number": roadmap.order_number,
        "order_date": roadmap.order_date,
        "order_place": roadmap.order_place,
        "order_signatory": roadmap.order_signatory,
        "order_signatory_position": roadmap.order_signatory_position,
        "order_body": roadmap.order_body,
        "order_items": "",
    }
    assert written.strip().startswith(str(forms.ApproveForm(initial=initial).as_p()).strip())
    assert _form(client, roadmap, "approve") == written  # from the cache
    roadmap_update(roadmap=roadmap, by=world.bob, order_place="пос. Лесной")
    changed = _form(client, roadmap, "approve")
    assert "пос. Лесной" in changed and "центр" not in changed


def test_the_schools_due_date_changed_by_the_service_and_the_admin_shows_at_once(client, world):
    from tests.security.test_admin_history import form_data

    roadmap = f.approved_roadmap(
        municipality=world.muni_a, by=world.bob, measures=[("1.", "Семинар", "до 1 мая 2026 г.")]
    )
    client.force_login(world.bob)
    assert 'name="due"' in _form(client, roadmap, "cascade")
    assert 'value="2026-04-01"' not in _form(client, roadmap, "cascade")
    roadmap_cascade(roadmap=roadmap, due=date(2026, 4, 1), by=world.bob)
    assert 'value="2026-04-01"' in _form(client, roadmap, "cascade")
    root = f.user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:roadmaps_roadmap_change", args=[roadmap.pk])
    data = form_data(client.get(url))
    data["school_roadmaps_due"] = "2026-04-15"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.force_login(world.bob)
    due = _form(client, roadmap, "cascade")
    assert 'value="2026-04-15"' in due and "2026-04-01" not in due
    assert "Основание корректировки" in _form(client, roadmap, "revise")
