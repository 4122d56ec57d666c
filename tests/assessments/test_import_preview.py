"""The browser's check of a results file shows how every column was understood, and
a person corrects a column there with a select: the file runs again as a new batch."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.results.models import ImportBatch, Instrument, Procedure, Result, Scale, Subject
from tests.assessments.test_import_plausibility import RANGES, pupils, write


@pytest.fixture
def procedure(world):
    Scale.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        year=2024,
        grade=6,
        subject=Subject.MATH,
        kind=Scale.Kind.MARK,
        max_score=10,
        ranges=RANGES,
    )
    return Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=6, year=2024
    )


@pytest.fixture
def checked(client, world, procedure, tmp_path, django_capture_on_commit_callbacks):
    """A dry run of a file whose only mark column, «Отметка», holds the journal's marks."""
    rows = pupils()
    path = write(tmp_path, rows, journal_header=None, mark=lambda r: r["journal"])
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assessments:import-list"),
            {
                "file": SimpleUploadedFile("svod.csv", path.read_bytes()),
                "procedure": procedure.pk,
                "dry_run": "on",
            },
        )
    return ImportBatch.objects.get(file_name="svod.csv"), rows


def test_the_check_shows_each_column_its_meaning_and_rule_and_the_refusal(client, checked):
    batch, _rows = checked
    assert batch.status == ImportBatch.Status.FAILED
    page = client.get(reverse("assessments:import-detail", kwargs={"importbatch_pk": batch.pk}))
    html = page.content.decode()
    assert "Как прочитаны столбцы" in html
    assert "«отметка» / «оценка» без слова учебного периода" in html
    assert '<option value="file_mark" selected>' in html
    assert "Столбец «Отметка» взят за отметку за работу" in html


def test_a_column_corrected_in_the_select_runs_the_file_again_and_it_lands(
    client, world, checked, django_capture_on_commit_callbacks
):
    batch, rows = checked
    headers = [c["header"] for c in batch.counts["columns"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments:import-columns", kwargs={"importbatch_pk": batch.pk}),
            {f"column-{headers.index('Отметка')}": "journal_mark", "dry_run": "0"},
        )
    again = ImportBatch.objects.exclude(pk=batch.pk).get(file_name="svod.csv")
    assert response.url == reverse("assessments:import-detail", kwargs={"importbatch_pk": again.pk})
    assert again.status == ImportBatch.Status.DONE, again.problems
    assert again.options["columns"] == {"Отметка": "journal_mark"}
    stored = dict(
        Result.objects.filter(import_batch=again).values_list("participant_code", "journal_mark")
    )
    assert stored == {r["code"]: r["journal"] for r in rows}
    html = client.get(response.url).content.decode()
    assert '<option value="journal_mark" selected>' in html and "указано вручную" in html


def test_someone_of_another_region_cannot_rerun_the_batch(client, world, checked):
    batch, _rows = checked
    client.force_login(world.gina)
    response = client.post(
        reverse("assessments:import-columns", kwargs={"importbatch_pk": batch.pk}),
        {"column-0": "participant", "dry_run": "1"},
    )
    assert response.status_code == 404
    assert ImportBatch.objects.filter(file_name="svod.csv").count() == 1


def test_an_unknown_meaning_is_refused_and_nothing_runs(client, checked):
    batch, _rows = checked
    response = client.post(
        reverse("assessments:import-columns", kwargs={"importbatch_pk": batch.pk}),
        {"column-0": "something", "dry_run": "1"},
        follow=True,
    )
    assert "неизвестно" in response.content.decode()
    assert ImportBatch.objects.filter(file_name="svod.csv").count() == 1


def test_over_the_api_a_check_shows_the_columns_and_a_column_override_lands_the_file(
    world, procedure, tmp_path, django_capture_on_commit_callbacks
):
    from tests.api.helpers import client_for

    rows = pupils()
    path = write(tmp_path, rows, journal_header=None, mark=lambda r: r["journal"])
    client = client_for(world.alice)

    def send(**data):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/import-batches/",
                {"file": SimpleUploadedFile("svod.csv", path.read_bytes()), **data},
                format="multipart",
            )
        assert response.status_code == 202, response.content
        return client.get(f"/api/v1/import-batches/{response.json()['id']}/").json()

    refused = send(procedure=procedure.pk)
    assert refused["status"] == "failed" and refused["problems"][0]["column"] == "Отметка"
    assert {"header": "Отметка", "meaning": "file_mark", "rule": "mark:mark-word"} in refused[
        "counts"
    ]["columns"]
    checked = send(procedure=procedure.pk, column=["Отметка=journal_mark"])
    assert checked["status"] == "done" and checked["problems"] == []
    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(f"/api/v1/import-batches/{checked['id']}/commit/")
    batch = ImportBatch.objects.get(pk=committed.json()["id"])
    assert batch.status == ImportBatch.Status.DONE and batch.options["columns"] == {
        "Отметка": "journal_mark"
    }
    assert Result.objects.filter(import_batch=batch, journal_mark__isnull=False).count() == len(
        rows
    )


def test_over_the_api_an_unknown_meaning_is_a_400_in_russian(world, procedure, tmp_path):
    from tests.api.helpers import client_for

    path = write(tmp_path, pupils())
    response = client_for(world.alice).post(
        "/api/v1/import-batches/",
        {"file": SimpleUploadedFile("svod.csv", path.read_bytes()), "column": ["Отметка=оценка"]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "неизвестно" in str(response.json()["error"]["fields"]["column"])
    assert not ImportBatch.objects.filter(file_name="svod.csv").exists()
