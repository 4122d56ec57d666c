"""Finding 7c of issue #16: a roadmap in draft is the authors' own until approved.

Schools (and municipalities below a regional draft) do not see a draft roadmap,
its sections, measures, indicators or revisions — on pages, in the API and in
documents. A region that wants schools to read drafts sets
ROADMAP_DRAFTS_SHARED_DOWN=true."""

import pytest
from django.urls import reverse

from roadmaps.models import Measure, Roadmap
from roadmaps.services.measure import measure_create
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from roadmaps.services.section import section_create
from tests.api.helpers import client_for


@pytest.fixture
def draft(world):
    roadmap = roadmap_create(
        owner=world.muni_a, title="Проект дорожной карты Альфаграда на 2027 год", by=world.bob
    )
    section = section_create(roadmap=roadmap, number="1.", title="Раздел", by=world.bob)
    measure_create(
        roadmap=roadmap,
        section=section,
        number="1.1.",
        text="Черновое мероприятие проекта",
        deadline_text="В течение года",
        responsible_text="ОО",
        by=world.bob,
    )
    return roadmap


def test_a_deputy_does_not_see_the_municipal_draft_anywhere(client, world, draft):
    assert not Roadmap.objects.visible_to(world.carol).filter(pk=draft.pk).exists()
    assert not Measure.objects.visible_to(world.carol).filter(roadmap=draft).exists()
    client.force_login(world.carol)
    assert client.get(reverse("roadmaps:roadmap-detail", args=[draft.pk])).status_code == 404
    assert (
        "Проект дорожной карты" not in client.get(reverse("roadmaps:roadmap-list")).content.decode()
    )
    api = client_for(world.carol)
    assert api.get(f"/api/v1/roadmaps/{draft.pk}/").status_code == 404
    assert "Черновое мероприятие" not in api.get("/api/v1/measures/").content.decode()
    # The approved municipal roadmap she follows stays in view.
    approved = world.extra["roadmap_roadmap_a"]
    assert client.get(reverse("roadmaps:roadmap-detail", args=[approved.pk])).status_code == 200


def test_its_authors_and_the_region_see_the_draft(client, world, draft):
    for user in (world.bob, world.victor, world.alice):
        assert Roadmap.objects.visible_to(user).filter(pk=draft.pk).exists(), user.username


def test_once_approved_the_school_sees_it(world, draft):
    roadmap_approve(roadmap=draft, by=world.bob, order_number="7")
    assert Roadmap.objects.visible_to(world.carol).filter(pk=draft.pk).exists()


def test_a_region_may_share_drafts_with_schools_by_a_setting(settings, world, draft):
    settings.ROADMAP_DRAFTS_SHARED_DOWN = True
    assert Roadmap.objects.visible_to(world.carol).filter(pk=draft.pk).exists()
    assert Measure.objects.visible_to(world.carol).filter(roadmap=draft).exists()
