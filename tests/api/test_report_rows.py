"""/api/v1/progress-reports/ writes its list from plain values
(roadmaps.api_rows.progress_report_rows): the bytes are the serializer's, for every role
and scope, with evidence files, a returned and re-sent report, an accepted one, a
decimal value, Russian text, and a report on a regional assignment (no municipality)."""

import json
from datetime import date
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from roadmaps.api import ProgressReportDetailSerializer, ProgressReportWriteViewSet
from roadmaps.api_rows import REPORT_COLUMNS, progress_report_rows
from roadmaps.models import ProgressReport
from roadmaps.services.base import SYSTEM
from roadmaps.services.report import progress_report_accept, progress_report_submit
from tests.api.helpers import client_for
from tests.day_world import make_busy
from tests.security.test_report_scope import regional_report


@pytest.fixture
def reports(world):
    make_busy(world)  # a returned report sent again with a file, as a week leaves them
    measure = world.extra["roadmap_measure_a"]
    accepted = progress_report_submit(
        assignment=measure.assignments.get(school=world.school_a2),
        period_start=date(2025, 9, 1),
        period_end=date(2025, 12, 31),
        status=ProgressReport.Status.IN_PROGRESS,
        comment="Значение «в процентах» & <примечание>\nвторая строка",
        actual_value=Decimal("12.5"),
        by=SYSTEM,
    )
    progress_report_accept(report=accepted, by=world.bob)
    regional_report(world.region, "77")


def _page_json(user, *, query="") -> tuple[bytes, bytes]:
    """The list as progress_report_rows writes it and as the serializer writes it."""
    request = Request(APIRequestFactory().get(f"/api/v1/progress-reports/{query}"))
    request.user = user
    view = ProgressReportWriteViewSet(request=request, format_kwarg=None, action="list", kwargs={})
    queryset = view.filter_queryset(view.get_queryset())
    plain = list(queryset.select_related(None).prefetch_related(None).values_list(*REPORT_COLUMNS))
    serialized = ProgressReportDetailSerializer(
        queryset, many=True, context={"request": request}
    ).data
    renderer = JSONRenderer()
    return renderer.render(progress_report_rows(plain, user=user)), renderer.render(serialized)


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dan", "victor", "mia", "gina"])
def test_the_rows_are_the_serializers_bytes(world, reports, who):
    plain, serialized = _page_json(getattr(world, who))
    assert plain == serialized
    if who in ("alice", "bob"):
        rows = json.loads(plain)
        assert any(row["evidence"] for row in rows)
        assert any(row["previous"] for row in rows)
        assert any(row["actual_value"] == "12.50" for row in rows)
        assert any(row["reviewed_at"] for row in rows)
    if who == "bob":
        assert any(row["permissions"]["accept"] for row in json.loads(plain))
    if who == "carol":
        assert any(row["permissions"]["report"] for row in json.loads(plain))


def test_the_api_answers_the_serializers_page_with_filters(world, reports):
    client = client_for(world.bob)
    for query in ("", "?review_state=submitted", "?is_current=false"):
        response = client.get(f"/api/v1/progress-reports/{query}")
        assert response.status_code == 200
        plain, serialized = _page_json(world.bob, query=query)
        assert response.json()["results"] == json.loads(serialized), query
        assert response.json()["count"] == len(json.loads(serialized)), query
    assert client.get("/api/v1/progress-reports/?is_current=false").json()["count"] >= 1
