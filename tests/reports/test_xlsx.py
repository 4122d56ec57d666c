"""Formatted XLSX of any table, read back with openpyxl."""

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook

from assessments.analytics import PupilResult, TaskInfo, side_by_side
from assessments.analytics.export import side_by_side_tables
from infra.output.xlsx import Column, SheetSpec, table_to_xlsx, tables_to_xlsx


def load(data: bytes):
    return load_workbook(io.BytesIO(data))


def school_sheet(rows):
    return SheetSpec(
        "Школы",
        [
            Column("Школа"),
            Column("Участников", "int"),
            Column("Доля «5»", "percent"),
            Column("Средний балл", "number"),
            Column("Дата проведения", "date"),
        ],
        rows,
    )


def test_numbers_shares_and_dates_keep_their_types_and_formats():
    ws = load(
        table_to_xlsx([school_sheet([["МБОУ «СОШ № 1»", 124, 0.125, 15.25, dt.date(2026, 4, 15)]])])
    )["Школы"]
    name, count, share, mean, day = (ws.cell(row=2, column=c) for c in range(1, 6))
    assert name.value == "МБОУ «СОШ № 1»" and name.data_type == "s"
    assert count.value == 124 and count.data_type == "n"
    assert share.value == 0.125 and share.number_format == "0.0%"
    assert mean.value == 15.25 and mean.number_format == "#,##0.00"
    assert isinstance(day.value, dt.datetime) and day.value.date() == dt.date(2026, 4, 15)
    assert day.number_format == "DD.MM.YYYY"


def test_header_is_bold_filled_and_frozen():
    ws = load(table_to_xlsx([school_sheet([["Школа", 1, 0.5, 1.0, None]])]))["Школы"]
    header = ws["A1"]
    assert header.value == "Школа"
    assert header.font.b
    assert header.fill.fill_type == "solid"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E2"


def test_columns_are_as_wide_as_their_content():
    long = "МБОУ «Средняя общеобразовательная школа № 5»"
    ws = load(
        table_to_xlsx([school_sheet([["Лицей", 1, 0.5, 1.0, None], [long, 2, 0.1, 2.0, None]])])
    )["Школы"]
    assert ws.column_dimensions["A"].width == len(long) + 2
    # A narrow column still fits its header's longest word.
    assert ws.column_dimensions["B"].width >= len("Участников")


def test_very_long_text_gets_a_capped_width_and_wraps():
    text = "Повышение квалификации " * 10
    ws = load(table_to_xlsx([SheetSpec("t", [Column("Мера")], [[text]])]))["t"]
    assert ws.column_dimensions["A"].width == 60
    assert ws["A2"].alignment.wrap_text


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("http://evil","x")',
        "+7 (900) 000-00-00",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_text_that_looks_like_a_formula_is_stored_as_quoted_text(dangerous):
    data = table_to_xlsx([school_sheet([[dangerous, 1, 0.5, 1.0, None]])])
    ws = load(data)["Школы"]
    cell = ws["A2"]
    assert cell.value == dangerous
    assert cell.data_type == "s"
    assert cell.quotePrefix
    # Nothing in the file is a formula.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_ordinary_text_has_no_quote_prefix_and_negative_numbers_stay_numbers():
    ws = load(
        table_to_xlsx([SheetSpec("t", [Column("a"), Column("b", "number")], [["Школа", -2.5]])])
    )["t"]
    assert not ws["A2"].quotePrefix
    assert ws["B2"].value == -2.5 and ws["B2"].data_type == "n"


def test_blank_cells_stay_blank_and_illegal_characters_are_dropped():
    ws = load(table_to_xlsx([school_sheet([["Школа\x07 1", None, None, "", None]])]))["Школы"]
    assert ws["A2"].value == "Школа 1"
    assert ws["B2"].value is None and ws["C2"].value is None and ws["D2"].value is None


def test_sheet_titles_are_made_valid_and_unique():
    spec = SheetSpec("Выполнение заданий: школа / район [2026]", [Column("a")], [["x"]])
    wb = load(table_to_xlsx([spec, spec]))
    assert wb.sheetnames == [
        "Выполнение заданий школа район",  # 31 characters at most
        "Выполнение заданий школа ра (2)",
    ]


def test_aware_datetimes_are_written_in_local_time():
    moment = dt.datetime(2026, 4, 15, 6, 30, tzinfo=dt.UTC)
    ws = load(table_to_xlsx([SheetSpec("t", [Column("Когда", "datetime")], [[moment]])]))["t"]
    assert isinstance(ws["A2"].value, dt.datetime)
    assert ws["A2"].number_format == "DD.MM.YYYY HH:MM"


def test_analytic_tables_export_with_percent_rows():
    tasks = [TaskInfo("1", 1, "Б", "Умение")]
    school = [
        PupilResult(1, "4а", (1,), 1, m, m, "м", str(i)) for i, m in enumerate([2, 3, 4, 5, 5])
    ]
    data = tables_to_xlsx(
        side_by_side_tables(side_by_side({"Школа": school}, tasks, {2: (0, 0), 3: (1, 1)}))
    )
    wb = load(data)
    assert "Статистика отметок" in wb.sheetnames
    ws = wb["Статистика отметок"]
    rows = {
        ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(2, ws.max_row + 1)
    }
    assert rows["Участников"].value == 5 and rows["Участников"].number_format == "#,##0"
    assert rows["Доля «5»"].value == pytest.approx(0.4)
    assert rows["Доля «5»"].number_format == "0.0%"
    assert ws.freeze_panes == "B2"


def test_wide_tables_print_landscape_on_a4_with_the_header_on_every_page():
    columns = [Column(f"Колонка {i}", "int") for i in range(8)]
    ws = load(table_to_xlsx([SheetSpec("t", columns, [list(range(8))])]))["t"]
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # "9" is A4
    assert ws.print_title_rows == "$1:$1"


def test_notes_go_under_the_table():
    spec = SheetSpec(
        "t", [Column("a", "int")], [[1], [2]], notes=["Группы меньше 10 участников не оцениваются."]
    )
    ws = load(table_to_xlsx([spec]))["t"]
    assert ws["A5"].value == "Группы меньше 10 участников не оцениваются."
    assert ws["A5"].font.i
