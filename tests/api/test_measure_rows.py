"""/api/v1/measures/ writes its list from plain values (roadmaps.api.measure_rows): the
bytes are the serializer's, for every role and scope, with nulls, Russian text,
dates, responsible bodies and schools, and measures copied into a school's roadmap."""

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from roadmaps.api import MEASURE_COLUMNS, MeasureDetailSerializer, MeasureEditViewSet, measure_rows
from roadmaps.services.base import SYSTEM
from roadmaps.services.cascade import school_roadmap_start_from
from roadmaps.services.measure import measure_create
from roadmaps.services.roadmap import roadmap_create
from tests.api.helpers import client_for


@pytest.fixture
def measures(world):
    draft = roadmap_create(
        owner=world.muni_a,
        title="Проект «ВПР» <2026>",
        by=SYSTEM,
        academic_year="2025/2026",
    )
    measure_create(
        roadmap=draft,
        number="",
        text="Без раздела: «кавычки», <теги> & амперсанд\nи перевод строки",
        deadline_text="до 1 марта 2026 г., до 15 апреля 2026 г.",
        responsible_text=f"{world.body_a.name}, {world.school_a2.short_name}, "
        f"{world.school_a1.short_name}",
        by=SYSTEM,
    )
    measure_create(
        roadmap=draft, text="Срок словами", deadline_text="по мере необходимости", by=SYSTEM
    )
    school_roadmap_start_from(
        municipal=world.extra["roadmap_roadmap_a"], school=world.school_a1, by=world.carol
    )


def _page_json(user, *, query="") -> tuple[bytes, bytes]:
    """The list as measure_rows writes it and as the serializer writes it."""
    request = Request(APIRequestFactory().get(f"/api/v1/measures/{query}"))
    request.user = user
    view = MeasureEditViewSet(request=request, format_kwarg=None, action="list", kwargs={})
    queryset = view.filter_queryset(view.get_queryset())
    plain = list(queryset.select_related(None).prefetch_related(None).values_list(*MEASURE_COLUMNS))
    serialized = MeasureDetailSerializer(queryset, many=True, context={"request": request}).data
    renderer = JSONRenderer()
    return renderer.render(measure_rows(plain, user=user)), renderer.render(serialized)


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dan", "victor", "mia", "gina"])
def test_the_rows_are_the_serializers_bytes(world, measures, who):
    user = getattr(world, who)
    plain, serialized = _page_json(user)
    assert plain == serialized
    if who in ("alice", "bob", "carol"):
        assert "Без раздела".encode() in plain or who == "carol"
        assert b'"source_measure":null' in plain


def test_the_api_answers_the_serializers_page_with_filters(world, measures):
    from roadmaps.models import Measure

    roadmap = world.extra["roadmap_roadmap_a"]
    client = client_for(world.bob)
    response = client.get(f"/api/v1/measures/?roadmap={roadmap.pk}")
    assert response.status_code == 200
    body = response.json()
    plain, serialized = _page_json(world.bob, query=f"?roadmap={roadmap.pk}")
    assert body["results"] == __import__("json").loads(serialized)
    assert body["count"] == Measure.objects.filter(roadmap=roadmap).count()
    everything = client.get("/api/v1/measures/").json()
    assert [m["permissions"]["edit"] for m in everything["results"]]
    dated = next(m for m in everything["results"] if m["text"].startswith("Без раздела"))
    assert dated["section"] is None
    assert dated["deadline"]["dates"] == ["2026-03-01", "2026-04-15"]
    assert dated["responsible"]["bodies"] == [world.body_a.pk]
    assert sorted(dated["responsible"]["schools"]) == sorted(
        [world.school_a1.pk, world.school_a2.pk]
    )


def test_a_deputy_may_edit_the_measures_of_the_schools_roadmap_only(world, measures):
    rows = client_for(world.carol).get("/api/v1/measures/").json()["results"]
    copied = [m for m in rows if m["source_measure"] is not None]
    assert copied and all(m["permissions"]["edit"] for m in copied)
    assert not any(m["permissions"]["edit"] for m in rows if m["source_measure"] is None)
