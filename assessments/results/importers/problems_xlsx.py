"""The problems of an import as a workbook the user opens in Excel: the file as it
was sent, each bad cell filled red with a comment holding the message, and a
sheet «Проблемы» listing every problem with its place."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string

from infra.files import check_zip, read_table

RED = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """Text that Excel must not take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _neutralise_formulas(book) -> None:
    """The sent file comes back as text: a formula in it (=HYPERLINK, =cmd|…) is shown,
    never run, by whoever opens the problems workbook."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.value = _safe(cell.value)
                    cell.data_type = "s"


def _column_index(sheet, name: str, row: int | None) -> int | None:
    """1-based index of the column headed `name` (or named by its Excel letters)."""
    if not name:
        return None
    last = min(sheet.max_row, (row or 30) - 1, 30)
    for cells in sheet.iter_rows(min_row=1, max_row=max(last, 1)):
        for cell in cells:
            if cell.value is not None and str(cell.value).strip() == name:
                return cell.column
    if name.isalpha() and name.isupper() and len(name) <= 3:
        return column_index_from_string(name)
    return None


def problems_workbook(*, source: bytes | None, file_name: str, problems: list[dict]) -> bytes:
    """The XLSX bytes: the sent file with bad cells marked, plus the list of problems."""
    book = None
    if source and source.startswith(b"PK"):
        try:
            check_zip(source, file_name)  # the file may have been refused as a zip bomb
            book = load_workbook(io.BytesIO(source))
        except Exception:  # a file we could not open is shown as the list alone
            book = None
        if book is not None:
            _neutralise_formulas(book)
    if book is None:
        book = Workbook()
        book.remove(book.active)
        if source:
            try:
                sheets = read_table(io.BytesIO(source), filename=file_name)
            except Exception:
                sheets = []
            for table in sheets:
                sheet = book.create_sheet(table.name[:31] or "Лист")
                for row in table.rows:
                    sheet.append([_safe(v) for v in row])
    by_title = {s.title: s for s in book.worksheets}
    for problem in problems:
        sheet = by_title.get(problem.get("sheet") or "")
        if sheet is None and len(book.worksheets) == 1:
            sheet = book.worksheets[0]
        row = problem.get("row")
        if sheet is None or not row:
            continue
        column = _column_index(sheet, problem.get("column") or "", row)
        cells = [sheet.cell(row=row, column=column)] if column else list(sheet[row])
        for cell in cells:
            cell.fill = RED
        target = cells[0] if cells else sheet.cell(row=row, column=1)
        text = problem.get("message", "")
        if target.comment is not None:
            text = f"{target.comment.text}\n{text}"
        target.comment = Comment(text, "Проверка загрузки")
    listing = book.create_sheet("Проблемы", 0)
    listing.append(["Файл", "Лист", "Строка", "Столбец", "Проблема"])
    for cell in listing[1]:
        cell.font = Font(bold=True)
    for problem in problems:
        listing.append(
            [
                _safe(problem.get("file", file_name)),
                _safe(problem.get("sheet", "")),
                problem.get("row"),
                _safe(problem.get("column", "")),
                _safe(problem.get("message", "")),
            ]
        )
    listing.column_dimensions["E"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
