"""Finding 5 of issue #16: expensive actions asked twice are done once.

A check run asked again for the same scope, year and data while one is running or
done returns that run and says so; a dry-run import batch commits once, and a
second commit returns the batch the first one made, saying so."""

from django.urls import reverse

from assessments.objectivity.models import CheckRun
from assessments.objectivity.services.runs import check_run_request
from assessments.results.models import ImportBatch, Result
from tests.api.helpers import client_for
from tests.api.test_assessments_api import FORM, upload


def _ask(client, world):
    return client.post(
        "/api/v1/check-runs/", {"year": 2026, "municipality": world.muni_a.pk}, format="json"
    )


def test_a_second_identical_check_run_returns_the_done_one_and_says_so(
    world, django_capture_on_commit_callbacks
):
    client = client_for(world.bob)
    with django_capture_on_commit_callbacks(execute=False):
        first = _ask(client, world)
    assert first.status_code == 202, first.content
    run = CheckRun.objects.get(pk=first.json()["id"])
    CheckRun.objects.filter(pk=run.pk).update(status=CheckRun.Status.DONE)
    before = CheckRun.objects.count()
    with django_capture_on_commit_callbacks(execute=False):
        again = _ask(client, world)
    assert again.status_code == 200
    assert again.json()["id"] == run.pk
    assert "уже" in again.json()["notice"]
    assert CheckRun.objects.count() == before


def test_new_data_makes_a_new_run(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = check_run_request(user=world.bob, year=2026, municipality=world.muni_a)
    CheckRun.objects.filter(pk=run.pk).update(status=CheckRun.Status.DONE)
    result = world.extra["assessments"]["a"]["result"]
    Result.objects.create(
        procedure=result.procedure,
        year=result.year,
        region=result.region,
        municipality=result.municipality,
        school=result.school,
        import_batch=result.import_batch,
        class_name="4б",
        participant_code="a-40002",
        scores=[0, 1],
        primary_score=1,
        mark=3,
    )
    with django_capture_on_commit_callbacks(execute=False):
        fresh = check_run_request(user=world.bob, year=2026, municipality=world.muni_a)
    assert fresh.pk != run.pk and not fresh.repeated


def test_a_failed_run_is_asked_again_for_real(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = check_run_request(user=world.bob, year=2026, municipality=world.muni_a)
    CheckRun.objects.filter(pk=run.pk).update(status=CheckRun.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=False):
        again = check_run_request(user=world.bob, year=2026, municipality=world.muni_a)
    assert again.pk != run.pk


def test_the_page_says_the_same_check_is_already_done(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        run = check_run_request(user=world.bob, year=2026, municipality=world.muni_a)
    CheckRun.objects.filter(pk=run.pk).update(status=CheckRun.Status.DONE)
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("objectivity:run-list"),
            {"year": 2026, "scope": f"m{world.muni_a.pk}"},
            follow=True,
        )
    assert response.redirect_chain[-1][0].endswith(f"/{run.pk}/")
    assert "уже" in response.content.decode()


def test_a_dry_run_batch_commits_once(world, procedure, django_capture_on_commit_callbacks):
    client = client_for(world.carol)
    with open(FORM, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        checked = upload(client, "форма.xlsx", handle.read(), procedure=procedure.pk).json()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/api/v1/import-batches/{checked['id']}/commit/")
    assert first.status_code == 202
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            again = client.post(f"/api/v1/import-batches/{checked['id']}/commit/")
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert "уже загружена" in again.json()["notice"]
    assert ImportBatch.objects.filter(dry_run=False, procedure=procedure).count() == 1
    assert Result.objects.filter(procedure=procedure).count() == 18
