"""The document forms of /documents/ are kept in the cache under a digest of every row
and option they show (infra.formcache): the page is the one Django writes, and each
change made through the services or the admin shows at the next look."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from roadmaps.services.measure import measure_create
from roadmaps.services.roadmap import roadmap_approve, roadmap_create, roadmap_update
from tests import factories as f


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def _forms_html(client, user) -> str:
    """The cards of the document forms, without the per-request CSRF token."""
    client.force_login(user)
    response = client.get("/documents/")
    assert response.status_code == 200
    page = response.content.decode()
    cards = page[page.index('<section class="cards">') : page.index("</section>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", cards)


def _options(html: str, name: str) -> list[str]:
    """The labels of the options of every <select name=…> of the page, in order."""
    found = []
    for select in re.findall(rf'<select name="{name}".*?</select>', html, re.S):
        found += re.findall(r"<option [^>]*>([^<]*)</option>", select)
    return found


def _card(html: str, kind: str) -> str:
    """The card of the form of documents of `kind`."""
    return next(card for card in html.split("<article") if f'name="kind" value="{kind}"' in card)


def _fresh_forms_html(user) -> list[str]:
    from reports.builders import REGISTRY
    from reports.services import _load_builders

    _load_builders()
    return [
        str(b.params_form(user=user).as_p()) for b in REGISTRY.values() if hasattr(b, "params_form")
    ]


@pytest.mark.parametrize("who", ["bob", "mia", "alice", "dan"])
def test_the_cached_forms_are_the_ones_django_writes(client, world, who):
    f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="Карта <1> & план",
        measures=[("1.", "Семинар", "до 1 мая 2026 г.")],
    )
    user = getattr(world, who)
    first = _forms_html(client, user)
    second = _forms_html(client, user)  # read from the cache
    assert second == first
    for html in _fresh_forms_html(user):
        assert html in second


def test_each_user_sees_the_options_of_their_own_scope(client, world):
    mine = f.approved_roadmap(
        municipality=world.muni_a, by=world.bob, measures=[("1.", "Семинар", "май 2026")]
    )
    bob = _card(_forms_html(client, world.bob), "order")
    dan = _card(_forms_html(client, world.dan), "order")
    assert f'<option value="{mine.pk}">' in bob
    assert f'<option value="{mine.pk}">' not in dan
    assert "Бета-школа №1" not in _forms_html(client, world.mia)
    assert f'<option value="{mine.pk}">' in _card(_forms_html(client, world.bob), "order")


def test_a_roadmap_created_and_approved_shows_at_once(client, world):
    _forms_html(client, world.bob)
    draft = roadmap_create(
        owner=world.muni_a, title="Новая карта", by=world.bob, academic_year="2031/2032"
    )
    html = _forms_html(client, world.bob)
    order = _card(html, "order")
    assert any("ДК 2031/32, проект" in label for label in _options(order, "roadmap"))
    execution = _card(html, "execution")
    assert f'<option value="{draft.pk}">' not in execution  # a draft has no execution report
    measure_create(roadmap=draft, text="Семинар", by=world.bob, deadline_text="май 2032")
    roadmap_approve(roadmap=draft, by=world.bob, order_number="77-од")
    html = _forms_html(client, world.bob)
    execution = _card(html, "execution")
    assert any("приказ № 77-од" in label for label in _options(execution, "roadmap"))


def test_a_roadmap_header_changed_shows_at_once(client, world):
    roadmap = roadmap_create(
        owner=world.muni_a, title="Карта", by=world.bob, academic_year="2031/2032"
    )
    assert any("ДК 2031/32" in x for x in _options(_forms_html(client, world.bob), "roadmap"))
    roadmap_update(roadmap=roadmap, by=world.bob, academic_year="2032/2033")
    labels = _options(_forms_html(client, world.bob), "roadmap")
    assert any("ДК 2032/33" in x for x in labels)
    assert not any("ДК 2031/32" in x for x in labels)


def test_a_school_renamed_in_the_admin_shows_at_once(client, world):
    from tests.security.test_admin_history import form_data

    assert "Альфа-школа №2" in _options(_forms_html(client, world.mia), "school")
    root = f.user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:schools_school_change", args=[world.school_a2.pk])
    data = form_data(client.get(url))
    data["short_name"] = "Школа на Лесной"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    labels = _options(_forms_html(client, world.mia), "school")
    assert "Школа на Лесной" in labels
    assert "Альфа-школа №2" not in labels


def test_a_municipality_school_roadmap_shows_its_school_renamed(client, world):
    school_roadmap = roadmap_create(owner=world.school_a1, title="Карта школы", by=world.bob)
    before = _card(_forms_html(client, world.bob), "order")
    assert f'<option value="{school_roadmap.pk}">' in before
    world.school_a1.short_name = "Лицей на Речной"
    world.school_a1.save()
    labels = _options(_forms_html(client, world.bob), "roadmap")
    assert any(label.startswith("Лицей на Речной:") for label in labels)


def test_a_label_changed_by_a_queryset_update_shows_at_once(client, world):
    from roadmaps.models import Roadmap

    roadmap = f.approved_roadmap(
        municipality=world.muni_a, by=world.bob, measures=[("1.", "Семинар", "май 2026")]
    )
    before = _options(_card(_forms_html(client, world.bob), "order"), "roadmap")
    Roadmap.objects.filter(pk=roadmap.pk).update(order_number="77-од", academic_year="2031/2032")
    after = _options(_card(_forms_html(client, world.bob), "order"), "roadmap")
    assert after != before
    assert any("2031/32" in label and "№ 77-од" in label for label in after)


@pytest.mark.parametrize("kind", ["order", "execution"])
def test_the_roadmap_choices_are_labelled_from_one_query(world, django_assert_num_queries, kind):
    from reports.builders import REGISTRY
    from reports.services import _load_builders
    from roadmaps.models import Roadmap

    municipal = f.approved_roadmap(
        municipality=world.muni_a, by=world.bob, measures=[("1.", "Семинар", "май 2026")]
    )
    own = roadmap_create(owner=world.school_a1, title="Школьная", by=world.carol)
    Roadmap.objects.filter(pk=own.pk).update(status=Roadmap.Status.APPROVED)  # listed by both
    _load_builders()
    form = REGISTRY[kind].params_form(user=world.bob)
    with django_assert_num_queries(1):
        labels = [label for _value, label in form.fields["roadmap"].choices]
    assert {
        Roadmap.objects.get(pk=municipal.pk).label,
        Roadmap.objects.get(pk=own.pk).label,
    } <= set(labels)
