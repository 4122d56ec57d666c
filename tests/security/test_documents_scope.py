"""Findings 1 of issue #16: a document is filed in the requester's scope, never wider,
and a request the user may not make creates nothing."""

import re

import pytest

from reports.models import Document
from reports.services import document_request
from tests.api.helpers import client_for


def _execution(roadmap):
    return {"kind": "execution", "format": "pdf", "params": {"roadmap": roadmap.pk}}


def test_a_deputy_asking_for_the_municipal_execution_report_over_the_api_creates_nothing(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    before = Document.objects.count()
    client = client_for(world.carol)
    for _ in range(2):
        response = client.post("/api/v1/documents/", _execution(roadmap), format="json")
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "Объект не найден."
    assert Document.objects.count() == before


def test_a_deputy_asking_for_it_through_the_web_form_creates_nothing(client, world):
    roadmap = world.extra["roadmap_roadmap_a"]
    before = Document.objects.count()
    client.force_login(world.carol)
    response = client.post(
        "/documents/new/", {"kind": "execution", "format": "pdf", "roadmap": roadmap.pk}
    )
    assert response.status_code in (302, 404)
    assert Document.objects.count() == before
    # The forms she is shown (their HTML, as the page writes it, possibly from the
    # cache) do not offer the municipal roadmap to her at all.
    forms = dict(client.get("/documents/").context["forms"])
    offered = {}
    for builder, html in forms.items():
        select = re.search(r'<select name="roadmap"[^>]*>(.*?)</select>', html, re.S)
        if select:
            offered[builder.kind] = {int(v) for v in re.findall(r'value="(\d+)"', select[1])}
    assert set(offered) == {"order", "execution"}
    assert not any(roadmap.pk in pks for pks in offered.values())


def test_the_municipalitys_viewer_never_sees_a_document_a_deputy_tried_to_order(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    client_for(world.carol).post("/api/v1/documents/", _execution(roadmap), format="json")
    titles = [
        d["title"] for d in client_for(world.victor).get("/api/v1/documents/").json()["results"]
    ]
    assert not any("Отчёт о ходе реализации" in t for t in titles)


def test_the_service_refuses_a_placement_wider_than_the_requesters_scope(world):
    from django.http import Http404

    with pytest.raises(Http404):
        document_request(
            kind="execution",
            fmt="pdf",
            params={"roadmap": world.extra["roadmap_roadmap_a"].pk},
            user=world.carol,
        )
    assert not Document.objects.filter(kind="execution", requested_by=world.carol).exists()


def test_the_same_inputs_in_the_same_scope_give_the_same_document_whoever_asks(world):
    """Bob (municipality A) and Alice (the region) both reach A: one document, built once."""
    roadmap = world.extra["roadmap_roadmap_a"]
    params = {"roadmap": roadmap.pk, "as_of": "2026-01-15"}
    first = document_request(kind="execution", fmt="pdf", params=params, user=world.bob)
    second = document_request(kind="execution", fmt="pdf", params=params, user=world.alice)
    assert second.pk == first.pk
    assert (first.region, first.municipality, first.school) == (
        world.region,
        world.muni_a,
        None,
    )
    assert Document.objects.filter(inputs_key=first.inputs_key).count() == 1
