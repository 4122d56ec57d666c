"""Uploading results in the browser: the batch page, its problems as XLSX, scoping."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.results.models import ImportBatch, Instrument, Procedure, Result, Subject

FORM = "tests/data/vpr-result-form-example.xlsx"


@pytest.fixture
def procedure(world):
    return Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )


def upload(client, user, name, content, **data):
    client.force_login(user)
    return client.post(
        reverse("assessments:import-list"),
        {"file": SimpleUploadedFile(name, content), **data},
    )


def test_a_deputy_uploads_the_form_and_sees_the_batch_done(
    client, world, procedure, django_capture_on_commit_callbacks
):
    with open(FORM, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = upload(client, world.carol, "форма.xlsx", handle.read(), procedure=procedure.pk)
    batch = ImportBatch.objects.get(file_name="форма.xlsx")
    assert response.status_code == 302
    assert response.url == reverse("assessments:import-detail", kwargs={"importbatch_pk": batch.pk})
    assert batch.status == ImportBatch.Status.DONE and batch.progress == 100
    assert batch.school == world.school_a1 and batch.counts["rows"] == 18
    assert Result.objects.filter(procedure=procedure, school=world.school_a1).count() == 18
    page = client.get(response.url).content.decode()
    assert "Участников: 18" in page
    progress = client.get(
        reverse("assessments:import-progress", kwargs={"importbatch_pk": batch.pk})
    )
    assert progress.json()["status"] == "done"


def test_a_bad_file_fails_with_its_problems_and_an_xlsx_with_the_cells_marked(
    client, world, django_capture_on_commit_callbacks
):
    content = ("Логин ФИС ОКО;Код;1 (1б);2 (2б)\nedu770001;1;1;3\nedu770101;2;1;1\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, world.bob, "svod.csv", content)
    batch = ImportBatch.objects.get(file_name="svod.csv")
    assert batch.status == ImportBatch.Status.FAILED
    places = [(p["row"], p["column"]) for p in batch.problems]
    assert places == [(2, "2 (2б)"), (3, "Логин ФИС ОКО")]
    assert not Result.objects.filter(participant_code__in=["1", "2"]).exists()
    page = client.get(reverse("assessments:import-detail", kwargs={"importbatch_pk": batch.pk}))
    assert "не найдена среди школ" in page.content.decode()
    response = client.get(
        reverse("assessments:import-problems", kwargs={"importbatch_pk": batch.pk})
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[0] == "Проблемы"
    data = book.worksheets[1]
    assert data["D2"].fill.start_color.rgb.endswith("FFC7CE")
    assert "от 0 до 2" in data["D2"].comment.text
    assert "edu770101" in data["A3"].comment.text


def test_a_viewer_cannot_upload(client, world):
    response = upload(client, world.victor, "svod.csv", b"x")
    assert response.status_code == 403
    assert not ImportBatch.objects.filter(file_name="svod.csv").exists()


def test_the_results_page_of_a_school_shows_x_apart_from_zero(client, world):
    procedure = world.extra["assessments"]["procedure"]
    client.force_login(world.bob)
    url = reverse(
        "assessments:school-results",
        kwargs={"procedure_pk": procedure.pk, "school_pk": world.school_a1.pk},
    )
    page = client.get(url).content.decode()
    assert "<td>x</td>" in page and "a-40001" in page
    client.force_login(world.dan)
    assert client.get(url).status_code == 404


def test_municipal_users_see_the_procedures_of_their_region_but_only_their_schools(client, world):
    procedure = world.extra["assessments"]["procedure"]
    client.force_login(world.dan)
    assert "Математика" in client.get(reverse("assessments:procedure-list")).content.decode()
    page = client.get(
        reverse("assessments:procedure-detail", kwargs={"procedure_pk": procedure.pk})
    ).content.decode()
    assert "Бета-школа" in page and "Альфа-школа" not in page
    client.force_login(world.gina)
    assert (
        client.get(
            reverse("assessments:procedure-detail", kwargs={"procedure_pk": procedure.pk})
        ).status_code
        == 404
    )


def test_running_a_finished_batch_again_changes_nothing(
    client, world, procedure, django_capture_on_commit_callbacks
):
    from assessments.results.tasks import import_batch_task

    with open(FORM, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        upload(client, world.carol, "форма.xlsx", handle.read(), procedure=procedure.pk)
    batch = ImportBatch.objects.get(file_name="форма.xlsx")
    ids = set(Result.objects.filter(procedure=procedure).values_list("pk", flat=True))
    assert import_batch_task.delay(batch.pk).get() == ImportBatch.Status.DONE
    assert set(Result.objects.filter(procedure=procedure).values_list("pk", flat=True)) == ids


def test_a_form_uploaded_again_says_so_and_names_its_format(
    client, world, procedure, django_capture_on_commit_callbacks
):
    """The second upload of the same file writes nothing; its page says why and
    still names what kind of file it was, as the first upload's page does."""
    with open(FORM, "rb") as handle:
        content = handle.read()
    for name in ("форма.xlsx", "форма-снова.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, world.carol, name, content, procedure=procedure.pk)
    first, again = (
        ImportBatch.objects.get(file_name=name) for name in ("форма.xlsx", "форма-снова.xlsx")
    )
    assert again.status == ImportBatch.Status.DONE and again.counts["unchanged"]
    assert again.format == first.format != ""
    page = client.get(response.url).content.decode()
    assert "Этот файл уже был загружен" in page
    assert f"Формат: {first.get_format_display()}" in page
    assert "не определён" not in page
