"""Any table as a formatted XLSX workbook.

    data = table_to_xlsx([SheetSpec("Отметки", [Column("Школа"), Column("Доля «5»", "percent")], rows)])

Each sheet: a bold filled header row that stays in place (frozen pane) and is
repeated on every printed page, an autofilter, column widths fitted to the
content, landscape and fit-to-width printing for wide tables. Numbers are
stored as numbers with a number format per column kind ("percent" values are
fractions 0…1 shown as "12,5%"), dates as dates. Text that Excel would take
for a formula (starting with = + - @, a tab or a carriage return) is stored as
text with the quote prefix, so it is shown and never run.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

KINDS = ("text", "int", "number", "percent", "date", "datetime")
NUMBER_FORMATS = {
    "text": "@",
    "int": "#,##0",
    "number": "#,##0.00",
    "percent": "0.0%",
    "date": "DD.MM.YYYY",
    "datetime": "DD.MM.YYYY HH:MM",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
HEADER_FONT = Font(bold=True)
THIN = Side(style="thin", color="A0A0A0")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MIN_WIDTH, MAX_WIDTH = 6, 60
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"
    width: float | None = None  # None = fitted to the content

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}; expected one of {KINDS}")


@dataclass
class SheetSpec:
    """One sheet: a title, typed columns and the rows.

    `row_kinds`, when given, sets the kind of every cell of a row except the
    first column (tables with indicators as rows and levels as columns).
    `notes` are written under the table. `freeze_columns` keeps that many
    columns in place besides the header.
    """

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence]
    row_kinds: Sequence[str] | None = None
    notes: Sequence[str] = field(default_factory=list)
    freeze_columns: int = 0

    @classmethod
    def from_table(cls, table, *, freeze_columns: int = 1) -> SheetSpec:
        """From any object with title, columns (label, kind), rows, and
        optionally row_kinds and notes (e.g. assessments.analytics.export.Table)."""
        return cls(
            title=str(table.title),
            columns=[Column(str(c.label), c.kind) for c in table.columns],
            rows=table.rows,
            row_kinds=getattr(table, "row_kinds", None),
            notes=[str(n) for n in getattr(table, "notes", None) or []],
            freeze_columns=freeze_columns,
        )


def table_to_xlsx(sheets: Sequence[SheetSpec]) -> bytes:
    """The workbook of the given sheets, as the bytes of an .xlsx file."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used_titles: set[str] = set()
    if not sheets:
        sheets = [SheetSpec("Лист1", [], [])]
    for spec in sheets:
        _write_sheet(workbook.create_sheet(_sheet_title(spec.title, used_titles)), spec)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tables_to_xlsx(tables) -> bytes:
    """Shortcut for a list of analytics export tables."""
    return table_to_xlsx([SheetSpec.from_table(t) for t in tables])


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"\s+", " ", SHEET_NAME_FORBIDDEN.sub(" ", str(title))).strip(" '") or "Лист"
    base = base[:31].rstrip()
    candidate, number = base, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
        number += 1
    used.add(candidate.lower())
    return candidate


def _write_sheet(ws, spec: SheetSpec):
    widths = [len(str(c.label)) for c in spec.columns]
    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=index)
        _set_text(cell, str(column.label))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        # A wrapped header needs room for its longest word only.
        widths[index - 1] = max((len(w) for w in str(column.label).split()), default=0)

    for r, row in enumerate(spec.rows, start=2):
        row_kind = spec.row_kinds[r - 2] if spec.row_kinds and r - 2 < len(spec.row_kinds) else None
        for c, value in enumerate(row, start=1):
            if c > len(spec.columns):
                break
            kind = spec.columns[c - 1].kind
            if row_kind and c > 1:
                kind = row_kind
            cell = ws.cell(row=r, column=c)
            shown = _write_value(cell, value, kind)
            widths[c - 1] = max(widths[c - 1], len(shown))

    for index, column in enumerate(spec.columns, start=1):
        width = column.width or min(MAX_WIDTH, max(MIN_WIDTH, widths[index - 1] + 2))
        ws.column_dimensions[get_column_letter(index)].width = width
        if width >= MAX_WIDTH:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    if spec.columns:
        ws.freeze_panes = ws.cell(row=2, column=1 + spec.freeze_columns)
        last = get_column_letter(len(spec.columns))
        ws.auto_filter.ref = f"A1:{last}{max(1, len(spec.rows) + 1)}"
        ws.print_title_rows = "1:1"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if len(spec.columns) > 6:
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0

    note_row = len(spec.rows) + 3
    for offset, note in enumerate(spec.notes):
        cell = ws.cell(row=note_row + offset, column=1)
        _set_text(cell, str(note))
        cell.font = Font(italic=True)


def _write_value(cell, value, kind: str) -> str:
    """Write one value with its type and format; return its text for widths."""
    if isinstance(value, enum.Enum):
        value = getattr(value, "label", value.value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        value = value.item()
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        _set_text(cell, "да" if value else "нет")
        return "нет"
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value, timezone.get_current_timezone())
        cell.value = value
        cell.number_format = NUMBER_FORMATS["datetime" if kind != "date" else "date"]
        return "00.00.0000 00:00"
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = NUMBER_FORMATS["date"]
        return "00.00.0000"
    if isinstance(value, int | float | decimal.Decimal):
        cell.value = value
        if kind in ("int", "number", "percent"):
            cell.number_format = NUMBER_FORMATS[kind]
        elif isinstance(value, float | decimal.Decimal):
            cell.number_format = NUMBER_FORMATS["number"]
        if kind == "percent":
            return f"{float(value) * 100:.1f}%"
        if kind == "int" or isinstance(value, int):
            return f"{value:,}"
        return f"{float(value):,.2f}"
    text = str(value)
    _set_text(cell, text)
    return max(text.split("\n"), key=len)


def _set_text(cell, text: str):
    """Store text as text, never as a formula."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.value = text
    cell.data_type = "s"
    cell.number_format = NUMBER_FORMATS["text"]
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
