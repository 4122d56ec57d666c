"""The order approving a roadmap, as PDF and DOCX, built in the background."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document as WordDocument

from reports.models import Document
from reports.services import document_request
from roadmaps.models import Measure, Roadmap, Section
from tests.conftest import require_service


@pytest.fixture
def roadmap(world):
    roadmap = Roadmap.objects.create(
        region=world.region,
        municipality=world.muni_a,
        title="План мероприятий (Дорожная карта) по обеспечению объективности",
        status=Roadmap.Status.APPROVED,
        order_number="1081",
        order_date=date(2023, 12, 29),
        order_place="г. Альфаград",
        order_title="Об утверждении плана мероприятий (Дорожная карта) по обеспечению объективности",
        order_body="Управление образования администрации Альфаграда",
        order_preamble="В соответствии с Федеральным законом от 29.12.2012 № 273-ФЗ «Об образовании в Российской Федерации»",
        order_items=[
            "Утвердить план мероприятий (Приложение №1).",
            "Руководителям общеобразовательных организаций разработать и утвердить свои планы до 01.02.2024.",
        ],
        order_signatory="О.И. Матасова",
        order_signatory_position="Начальник Управления образования",
    )
    first = Section.objects.create(
        roadmap=roadmap, number="1.", title="Организационные мероприятия", position=1
    )
    second = Section.objects.create(
        roadmap=roadmap, number="2.", title="Организационно-методические мероприятия", position=2
    )
    inner = Section.objects.create(
        roadmap=roadmap, parent=second, number="2.1.", title="Работа с ШНОР", position=1
    )
    for position, (section, number, text) in enumerate(
        [
            (first, "1.1.", "Утверждение Дорожной карты"),
            (first, "1.2.", "Корректировка Дорожной карты"),
            (second, "2.1.", "Анализ результатов независимых оценочных процедур"),
            (inner, "2.1.1.", "Персональный контроль за деятельностью педагогов"),
        ]
    ):
        Measure.objects.create(
            roadmap=roadmap,
            section=section,
            number=number,
            text=text,
            position=position,
            deadline_text="В течение года",
            responsible_text="Управление образования",
            result="Соблюдение регламентов",
        )
    return roadmap


def build(kind, fmt, params, user, capture):
    with capture(execute=True):
        document = document_request(kind=kind, fmt=fmt, params=params, user=user)
    document.refresh_from_db()
    return document


def pdf_text(path) -> str:
    require_service(
        "pdftotext", shutil.which("pdftotext") is not None, "apt-get install poppler-utils"
    )
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_order_is_built_as_a_pdf_with_the_roadmap_as_its_appendix(
    world, roadmap, django_capture_on_commit_callbacks
):
    document = build(
        "order", "pdf", {"roadmap": roadmap.pk}, world.bob, django_capture_on_commit_callbacks
    )
    assert document.status == Document.Status.DONE, document.error
    assert document.pages >= 2 and document.file.read(5) == b"%PDF-"
    text = pdf_text(document.file.path)
    for expected in (
        "ПРИКАЗ",
        "№ 1081",
        "«29» декабря 2023 г.",
        "ПРИКАЗЫВАЮ:",
        "О.И. Матасова",
        "Приложение № 1",
        "к приказу от 29.12.2023 № 1081",
        "2.1.1.",
        "Работа с ШНОР",
        "Персональный контроль",
    ):
        assert expected in text, expected
    assert document.built_from == {
        "roadmap": roadmap.pk,
        "version": roadmap.version,
        "status": "approved",
        "measures": 4,
    }


def test_the_same_inputs_give_the_same_document_without_building_again(
    world, roadmap, django_capture_on_commit_callbacks
):
    first = build(
        "order", "pdf", {"roadmap": roadmap.pk}, world.bob, django_capture_on_commit_callbacks
    )
    again = build(
        "order", "pdf", {"roadmap": roadmap.pk}, world.bob, django_capture_on_commit_callbacks
    )
    assert again.pk == first.pk and Document.objects.filter(kind="order").count() == 1
    Roadmap.objects.filter(pk=roadmap.pk).update(version=2)
    changed = build(
        "order", "pdf", {"roadmap": roadmap.pk}, world.bob, django_capture_on_commit_callbacks
    )
    assert changed.pk != first.pk


def test_the_order_as_docx_keeps_sections_as_merged_rows_and_repeats_the_header(
    world, roadmap, django_capture_on_commit_callbacks
):
    document = build(
        "order", "docx", {"roadmap": roadmap.pk}, world.bob, django_capture_on_commit_callbacks
    )
    assert document.status == Document.Status.DONE, document.error
    word = WordDocument(io.BytesIO(document.file.read()))
    paragraphs = [p.text for p in word.paragraphs]
    assert "ПРИКАЗ" in paragraphs and "ПРИКАЗЫВАЮ:" in paragraphs
    assert any(p.startswith("2. Руководителям") for p in paragraphs)
    table = word.tables[0]
    assert [c.text for c in table.rows[0].cells][:2] == ["№ п/п", "Мероприятие"]
    assert (
        table.rows[0]._tr.trPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader"
        )
        is not None
    )
    section_row = table.rows[1]
    assert len({id(c._tc) for c in section_row.cells}) == 1  # merged across the table
    assert section_row.cells[0].text == "1. Организационные мероприятия"
    assert word.sections[-1].page_width > word.sections[-1].page_height  # the appendix is landscape


def test_an_official_of_another_municipality_cannot_order_it(world, roadmap):
    from django.http import Http404

    with pytest.raises(Http404):
        document_request(kind="order", fmt="pdf", params={"roadmap": roadmap.pk}, user=world.dan)
    assert not Document.objects.filter(kind="order").exists()


def test_a_viewer_may_not_order_documents(world, roadmap):
    from reports.builders import DocumentParamsError

    with pytest.raises(DocumentParamsError, match="не позволяет"):
        document_request(kind="order", fmt="pdf", params={"roadmap": roadmap.pk}, user=world.victor)


def test_the_browser_preview_is_the_same_template(client, world, roadmap):
    client.force_login(world.bob)
    html = client.get(
        "/documents/preview/", {"kind": "order", "roadmap": roadmap.pk}
    ).content.decode()
    assert "ПРИКАЗЫВАЮ:" in html and "Персональный контроль" in html


def test_a_document_is_requested_followed_and_downloaded_in_the_browser(
    client, world, roadmap, django_capture_on_commit_callbacks
):
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/documents/new/", {"kind": "order", "format": "docx", "roadmap": roadmap.pk}
        )
    document = Document.objects.get(kind="order")
    assert response.url == f"/documents/{document.pk}/"
    assert client.get(f"/documents/{document.pk}/status/").json()["status"] == "done"
    download = client.get(f"/documents/{document.pk}/download/")
    assert download["Content-Type"].endswith("wordprocessingml.document")
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_the_command_builds_the_order_for_scripts(world, roadmap, tmp_path):
    from django.core.management import CommandError, call_command

    out = tmp_path / "prikaz.docx"
    call_command(
        "build_document",
        "order",
        "--param",
        f"roadmap={roadmap.pk}",
        "--format",
        "docx",
        "--out",
        str(out),
        "--user",
        "bob",
    )
    assert out.read_bytes()[:2] == b"PK"
    with pytest.raises(CommandError, match="недоступен"):
        call_command(
            "build_document",
            "order",
            "--param",
            f"roadmap={roadmap.pk}",
            "--out",
            str(out),
            "--user",
            "dan",
        )
    with pytest.raises(CommandError, match="имя=значение"):
        call_command(
            "build_document", "order", "--param", "roadmap", "--out", str(out), "--user", "bob"
        )
