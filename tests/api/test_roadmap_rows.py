"""/api/v1/roadmaps/ writes its list in Python (roadmaps.api.roadmap_rows): the bytes
are the serializer's, for every role and scope, with sections, nulls, Russian text and
dates."""

from datetime import date

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from roadmaps.api import RoadmapSerializer, RoadmapViewSet, roadmap_rows
from roadmaps.services.base import SYSTEM
from roadmaps.services.cascade import school_roadmap_start_from
from roadmaps.services.roadmap import roadmap_create, roadmap_update
from roadmaps.services.section import section_create
from tests.api.helpers import client_for


@pytest.fixture
def roadmaps(world):
    draft = roadmap_create(
        owner=world.region, title="Региональная «карта» <2026> & план", by=SYSTEM
    )
    roadmap_update(
        roadmap=draft,
        by=SYSTEM,
        school_roadmaps_due=date(2026, 2, 1),
        requires_school_roadmaps=True,
        order_date=date(2025, 12, 30),
    )
    top = section_create(roadmap=draft, number="1.", title="Раздел", by=SYSTEM)
    section_create(roadmap=draft, number="1.1.", title="Подраздел", parent=top, by=SYSTEM)
    school_roadmap_start_from(
        municipal=world.extra["roadmap_roadmap_a"], school=world.school_a1, by=world.carol
    )


def _page_json(user, *, query="") -> tuple[bytes, bytes]:
    request = Request(APIRequestFactory().get(f"/api/v1/roadmaps/{query}"))
    request.user = user
    view = RoadmapViewSet(request=request, format_kwarg=None, action="list", kwargs={})
    roadmaps = list(view.filter_queryset(view.get_queryset()))
    serialized = RoadmapSerializer(roadmaps, many=True, context={"request": request}).data
    renderer = JSONRenderer()
    return renderer.render(roadmap_rows(roadmaps)), renderer.render(serialized)


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dan", "victor", "mia", "gina"])
def test_the_rows_are_the_serializers_bytes(world, roadmaps, who):
    plain, serialized = _page_json(getattr(world, who))
    assert plain == serialized
    if who == "alice":
        assert b'"school_roadmaps_due":"2026-02-01"' in plain
        assert '"title":"Подраздел"'.encode() in plain


def test_the_api_answers_the_serializers_page(world, roadmaps):
    import json

    body = client_for(world.alice).get("/api/v1/roadmaps/?status=draft").json()
    plain, serialized = _page_json(world.alice, query="?status=draft")
    assert body["results"] == json.loads(serialized)
    assert body["count"] == len(body["results"]) >= 1
