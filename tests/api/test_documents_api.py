"""Documents over the API: list in scope, request a build, poll, download."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Document
from tests.api.helpers import client_for


def test_the_list_shows_only_documents_in_scope(world):
    titles = [d["title"] for d in client_for(world.dan).get("/api/v1/documents/").json()["results"]]
    assert titles == ["Отчёт Бетаград"]


def test_a_document_out_of_scope_is_a_404(world):
    document = world.extra["document_a"]
    client = client_for(world.dan)
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    response = client.get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Объект не найден."


def test_an_order_is_built_once_for_the_same_inputs_and_downloads_as_pdf(
    world, django_capture_on_commit_callbacks
):
    client = client_for(world.bob)
    roadmap = world.extra["roadmap_roadmap_a"]
    payload = {"kind": "order", "format": "pdf", "params": {"roadmap": roadmap.pk}}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/documents/", payload, format="json")
    assert first.status_code == 202, first.content
    assert first.json()["status"] == "queued"
    again = client.post("/api/v1/documents/", payload, format="json")
    assert again.json()["id"] == first.json()["id"]
    polled = client.get(f"/api/v1/documents/{first.json()['id']}/").json()
    assert polled["status"] == "done" and polled["download_url"].endswith("/download/")
    download = client.get(polled["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_an_order_of_another_municipalitys_roadmap_is_a_404(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    response = client_for(world.dan).post(
        "/api/v1/documents/", {"kind": "order", "params": {"roadmap": roadmap.pk}}, format="json"
    )
    assert response.status_code == 404
    assert not Document.objects.filter(kind="order").exists()


def test_parameters_that_make_no_sense_are_a_400_in_russian(world):
    response = client_for(world.bob).post(
        "/api/v1/documents/", {"kind": "order", "format": "xlsx", "params": {}}, format="json"
    )
    assert response.status_code == 400
    assert "не поддерживается" in response.json()["error"]["fields"]["params"][0]


def test_an_unbuilt_document_is_a_409_on_download(world):
    document = world.extra["document_a"]
    Document.objects.filter(pk=document.pk).update(status=Document.Status.RUNNING)
    response = client_for(world.bob).get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code == 409
    assert "не готов" in response.json()["error"]["message"]


def test_a_read_only_token_cannot_order(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    response = client_for(world.bob, read_only=True).post(
        "/api/v1/documents/", {"kind": "order", "params": {"roadmap": roadmap.pk}}, format="json"
    )
    assert response.status_code == 403


def test_the_document_list_runs_the_same_number_of_queries_for_more_rows(world):
    client = client_for(world.alice)
    source = world.extra["document_a"]

    def add(n):
        for i in range(n):
            Document.objects.create(
                kind=source.kind,
                format=source.format,
                inputs_key=f"{len(str(i))}{i}".ljust(64, "x"),
                title=f"Отчёт {i}",
                region=source.region,
                municipality=source.municipality,
                requested_by=world.bob,
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/documents/").status_code == 200
        return len(queries)

    count()
    add(5)
    before = count()
    add(10)
    assert count() == before


def test_the_download_url_comes_from_site_url_not_from_the_request_host(
    world, settings, django_capture_on_commit_callbacks
):
    """A forged Host header must not end up in a link the product hands out."""
    settings.ALLOWED_HOSTS = ["*"]  # as the development profile has it
    settings.SITE_URL = "https://roadmaps.example.ru"
    client = client_for(world.bob)
    roadmap = world.extra["roadmap_roadmap_a"]
    payload = {"kind": "order", "format": "pdf", "params": {"roadmap": roadmap.pk}}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/documents/", payload, format="json")
    polled = client.get(
        f"/api/v1/documents/{created.json()['id']}/", HTTP_HOST="evil.example.com"
    ).json()
    assert polled["download_url"] == (
        f"https://roadmaps.example.ru/api/v1/documents/{polled['id']}/download/"
    )
