"""Hostile files through every upload path: results import, roadmap import,
evidence, schools import. Each is refused with a Russian message and nothing
is written. The files are built here, byte by byte where a library would not
write them (a zip whose header lies, a sheet with one cell at XFD1048576)."""

import io
import re
import struct
import zipfile
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.results.models import ImportBatch, Result
from infra.files import FileRejected, read_table
from infra.problems import ImportFailed
from roadmaps.models import Evidence, ProgressReport, Roadmap
from schools.models import School

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CSV = "Логин ФИС ОКО;Код;Класс;1 (1б);2 (2б)\nedu770001;1;4а;1;2\n".encode()


def _xlsx(cells: dict) -> bytes:
    book = openpyxl.Workbook()
    for ref, value in cells.items():
        book.active[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("План мероприятий")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rewrite(data: bytes, part: str, change) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, change(body) if info.filename == part else body)
    return out.getvalue()


def _padded(body: bytes, size: int = 40 * 2**20) -> bytes:
    """The part with `size` bytes of blanks inside its root: 40 MB that pack into ~40 KB."""
    closing = body.rindex(b"</")
    return body[:closing] + b" " * size + body[closing:]


def _lie_about_size(data: bytes, part: str, declared: int = 2000) -> bytes:
    """Patch the sizes the zip declares for `part` (local header and central
    directory) so the archive looks small: only inflating it shows the truth."""
    data = bytearray(data)
    name = part.encode()
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        for found in re.finditer(re.escape(signature), data):
            start = found.start()
            if data[start + name_at : start + name_at + len(name)] == name:
                struct.pack_into("<I", data, start + offset, declared)
    return bytes(data)


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


SHEET = "xl/worksheets/sheet1.xml"
BOOK = _xlsx({"A1": "Логин ФИС ОКО", "B1": "Код", "A2": "edu770001", "B2": 1})

HOSTILE_XLSX = {
    "zip bomb": (_rewrite(BOOK, SHEET, _padded), "слишком велик"),
    "zip bomb lying about its size": (
        _lie_about_size(_rewrite(BOOK, SHEET, _padded), SHEET),
        "слишком велик",
    ),
    "one cell at XFD1048576": (_xlsx({"A1": "Код", "XFD1048576": 1}), "лист занимает"),
    "a cell placed far below its row": (
        _rewrite(BOOK, SHEET, lambda body: body.replace(b'<c r="B2"', b'<c r="CV999999"')),
        "лист занимает",
    ),
    "a row past Excel's last": (
        _rewrite(BOOK, SHEET, lambda body: body.replace(b'<c r="B2"', b'<c r="B2000000"')),
        "лист занимает",
    ),
    "a million columns declared": (
        _rewrite(
            BOOK,
            SHEET,
            lambda body: re.sub(
                rb'<dimension ref="[^"]*"',
                b'<dimension ref="A1:%s2"' % _column_letters(1_000_000).encode(),
                body,
            ),
        ),
        "лист занимает",
    ),
}


def test_the_hostile_books_are_what_they_claim():
    bomb = HOSTILE_XLSX["zip bomb"][0]
    assert len(bomb) < 200_000
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 40 * 2**20
    liar = HOSTILE_XLSX["zip bomb lying about its size"][0]
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(liar)).infolist()) < 20_000
    assert _column_letters(16_384) == "XFD"


@pytest.mark.parametrize("case", sorted(HOSTILE_XLSX))
def test_the_table_reader_refuses_hostile_books(case):
    data, phrase = HOSTILE_XLSX[case]
    with pytest.raises(FileRejected, match=phrase):
        read_table(io.BytesIO(data), filename="итоги.xlsx")


def test_a_large_honest_book_is_still_read():
    cells = {f"{col}{row}": row for row in range(1, 2001) for col in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    cells["AD1"] = "последний столбец"
    sheets = read_table(io.BytesIO(_xlsx(cells)), filename="большой.xlsx")
    assert len(sheets[0].rows) == 2000 and sheets[0].rows[0][-1] == "последний столбец"


# --- results import, in the browser ------------------------------------------------


def _upload_results(client, user, name, content):
    client.force_login(user)
    return client.post(
        reverse("assessments:import-list"), {"file": SimpleUploadedFile(name, content)}
    )


@pytest.mark.parametrize("case", sorted(HOSTILE_XLSX))
def test_results_import_refuses_hostile_books_and_writes_no_rows(
    client, world, case, django_capture_on_commit_callbacks
):
    data, phrase = HOSTILE_XLSX[case]
    before = Result.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _upload_results(client, world.bob, "итоги.xlsx", data)
    batch = ImportBatch.objects.get(file_name="итоги.xlsx")
    assert batch.status == ImportBatch.Status.FAILED
    assert phrase in batch.problems[0]["message"]
    assert Result.objects.count() == before


def test_results_import_goes_by_content_not_by_a_lying_extension(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload_results(client, world.bob, "картинка.xlsx", PNG)
    batch = ImportBatch.objects.get(file_name="картинка.xlsx")
    assert batch.status == ImportBatch.Status.FAILED
    assert re.search("[а-я]", batch.problems[0]["message"])
    assert not Result.objects.filter(import_batch=batch).exists()


def _raw_multipart(name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body with the file name exactly as a hostile client sends it
    (Django's test client would strip the path itself)."""
    boundary = "----hostile"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "name, kept",
    [
        ("../../../../tmp/evil.csv", "evil.csv"),
        ("..\\..\\evil.csv", "evil.csv"),
        ("evil\x07\x1b[31m.csv", "evil[31m.csv"),
    ],
)
def test_upload_names_with_paths_or_control_characters_land_inside_media(
    client, world, settings, name, kept, django_capture_on_commit_callbacks
):
    client.force_login(world.carol)
    body, content_type = _raw_multipart(name, CSV)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic(
            "POST", reverse("assessments:import-list"), body, content_type=content_type
        )
    assert response.status_code in (200, 302)
    batch = ImportBatch.objects.order_by("-pk").first()
    assert batch.file_name == kept  # the path and the control characters are dropped
    stored = (settings.MEDIA_ROOT / batch.file.name).resolve()
    assert stored.is_relative_to(settings.MEDIA_ROOT.resolve()) and stored.is_file()
    assert not any(ch in batch.file.name for ch in ("..", "\\", "\x07", "\x1b"))


# --- roadmap import, in the browser --------------------------------------------------

HOSTILE_DOCX = {
    "zip bomb": (_rewrite(_docx(), "word/document.xml", _padded), "слишком велик"),
    "zip bomb lying about its size": (
        _lie_about_size(_rewrite(_docx(), "word/document.xml", _padded), "word/document.xml"),
        "слишком велик",
    ),
}


def _pdf(setup) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    setup(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _locked(writer):
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")


def _many_pages(writer):
    for _ in range(1000):
        writer.add_blank_page(595, 842)


PLANS = Path(__file__).resolve().parent / "data" / "plans"
HOSTILE_PDF = {
    "not a pdf behind its header": (b"%PDF-1.7\n" + PNG * 20, "не является документом PDF"),
    "locked with a password": (_pdf(_locked), "защищён паролем"),
    "of a thousand pages": (_pdf(_many_pages), "1000 страниц"),
    "scan without text": ((PLANS / "order-scan.pdf").read_bytes(), "нет текста"),
}
ROADMAP_CASES = {
    **{f"docx {k}": v for k, v in HOSTILE_DOCX.items()},
    **{f"xlsx {k}": v for k, v in HOSTILE_XLSX.items()},
    **{f"pdf {k}": v for k, v in HOSTILE_PDF.items()},
    "png named docx": (PNG, "не является"),
}


@pytest.mark.parametrize("case", sorted(ROADMAP_CASES))
def test_roadmap_import_refuses_hostile_documents(client, world, settings, case):
    data, phrase = ROADMAP_CASES[case]
    client.force_login(world.bob)
    before = Roadmap.objects.count()
    response = client.post(
        reverse("roadmaps:roadmap-import"),
        {"owner": f"m:{world.muni_a.pk}", "file": SimpleUploadedFile("карта.docx", data)},
    )
    assert response.status_code == 200
    assert phrase in response.content.decode()
    assert Roadmap.objects.count() == before
    assert "roadmap_import" not in client.session
    assert not list(settings.MEDIA_ROOT.rglob("*.bin"))


# --- evidence --------------------------------------------------------------------------

EVIDENCE_CASES = {
    **{f"docx {k}": v for k, v in HOSTILE_DOCX.items()},
    **{f"xlsx {k}": v for k, v in HOSTILE_XLSX.items() if "bomb" in k},
    "text named pdf": (b"just text, not a PDF", "не принят"),
}


@pytest.mark.parametrize("case", sorted(EVIDENCE_CASES))
def test_evidence_refuses_hostile_files_and_saves_no_report(world, case):
    from roadmaps.services.report import progress_report_submit

    data, phrase = EVIDENCE_CASES[case]
    assignment = world.extra["roadmap_measure_a"].assignments.get(school=world.school_a1)
    reports, files = ProgressReport.objects.count(), Evidence.objects.count()
    with pytest.raises(ValidationError, match=phrase):
        progress_report_submit(
            assignment=assignment,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            status=ProgressReport.Status.DONE,
            files=[("справка.pdf", data)],
            by=world.carol,
        )
    assert (ProgressReport.objects.count(), Evidence.objects.count()) == (reports, files)


# --- schools import ------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(HOSTILE_XLSX))
def test_schools_import_refuses_hostile_books(world, case):
    from schools.services import schools_import

    data, phrase = HOSTILE_XLSX[case]
    before = School.objects.count()
    with pytest.raises(ImportFailed) as failed:
        schools_import(source=io.BytesIO(data), filename="школы.xlsx", region=world.region)
    assert phrase in failed.value.problems[0].message
    assert School.objects.count() == before
