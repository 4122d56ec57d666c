"""/api/v1/roadmaps/ writes its list from plain values (roadmaps.api_rows.roadmap_rows):
the bytes are the serializer's, for every role and scope, with sections, nulls, Russian
text, dates and the label of every kind of owner, period and order."""

from datetime import date

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from roadmaps.api import RoadmapSerializer, RoadmapViewSet
from roadmaps.api_rows import ROADMAP_COLUMNS, roadmap_rows
from roadmaps.models import Roadmap
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
    # Every way the label names a period and an order.
    for owner, title, fields in (
        (
            world.muni_b,
            "Календарный год",
            {"period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31)},
        ),
        (
            world.muni_b,
            "Три года",
            {"period_start": date(2025, 1, 1), "period_end": date(2027, 12, 31)},
        ),
        (world.muni_b, "Учебный год с пробелами", {"academic_year": "2026/ 27"}),
        (world.school_b1, "Только начало", {"period_start": date(2026, 3, 1)}),
        (world.muni_b, "Без приказа", {"period_end": date(2026, 5, 31)}),
    ):
        roadmap = roadmap_create(owner=owner, title=title, by=SYSTEM, **fields)
        if title == "Без приказа":
            Roadmap.objects.filter(pk=roadmap.pk).update(status=Roadmap.Status.APPROVED)


def _page_json(user, *, query="") -> tuple[bytes, bytes]:
    request = Request(APIRequestFactory().get(f"/api/v1/roadmaps/{query}"))
    request.user = user
    view = RoadmapViewSet(request=request, format_kwarg=None, action="list", kwargs={})
    queryset = view.filter_queryset(view.get_queryset())
    plain = list(queryset.select_related(None).prefetch_related(None).values_list(*ROADMAP_COLUMNS))
    serialized = RoadmapSerializer(queryset, many=True, context={"request": request}).data
    renderer = JSONRenderer()
    return renderer.render(roadmap_rows(plain)), renderer.render(serialized)


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dan", "victor", "mia", "gina"])
def test_the_rows_are_the_serializers_bytes(world, roadmaps, who):
    plain, serialized = _page_json(getattr(world, who))
    assert plain == serialized
    if who == "dan":
        for label in ("ДК 2026, проект", "ДК 2025–2027", "ДК 2026/27,", "ДК 2026, без приказа"):
            assert label.encode() in plain, label
    if who == "alice":
        assert b'"school_roadmaps_due":"2026-02-01"' in plain
        assert "приказ от 30.12.2025".encode() in plain
        assert '"title":"Подраздел"'.encode() in plain


def test_the_api_answers_the_serializers_page(world, roadmaps):
    import json

    body = client_for(world.alice).get("/api/v1/roadmaps/?status=draft").json()
    plain, serialized = _page_json(world.alice, query="?status=draft")
    assert body["results"] == json.loads(serialized)
    assert body["count"] == len(body["results"]) >= 1
