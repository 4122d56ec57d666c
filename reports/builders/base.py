"""The shape the table documents share (the analytic report, the objectivity
monitoring): a document is a title, a few sentences and tables, and each table
is the same on paper (HTML → PDF), in Word and in Excel.

`ReportTable` is one such table; a document's own way of printing a figure is
its subclass' `text`/`numeric`. `TableDocumentBuilder` writes the DOCX and the
XLSX around the builder's `write_docx` and `xlsx_sheets`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from infra.output.docx import DocxWriter
from reports.builders import Builder


@dataclass
class ReportTable:
    """One table of a document, the same in HTML, DOCX and XLSX.

    `columns` are (label, kind); `row_kinds`, when given, set the kind of every
    cell of a row but the first (indicators as rows, levels as columns).
    `group_column`, when set, is printed as heading rows on paper and in Word
    and kept as a column in Excel.
    """

    key: str
    title: str
    sheet: str
    columns: list[tuple[str, str]]
    rows: list[list]
    widths: list[float] | None = None
    row_kinds: list[str] | None = None
    group_column: int | None = None
    notes: list[str] = field(default_factory=list)
    empty: str = ""
    landscape: bool = False
    charts: list[str] = field(default_factory=list)

    # --- what a document prints its own way --------------------------------------------

    def text(self, value, kind: str) -> str:
        """A cell as printed on paper and in Word."""
        if value is None:
            return "—" if kind != "text" else ""
        return str(value)

    def numeric(self, value, kind: str) -> bool:
        """Whether a cell is set to the right, as a figure."""
        return kind != "text"

    def xlsx_kind(self, kind: str) -> str:
        """The column kind of `infra.output.xlsx` a kind of this table is written as."""
        return kind

    def docx_widths(self) -> list[float]:
        return self.shown_widths

    # --- the shared layout ---------------------------------------------------------------

    def kind_of(self, r: int, c: int) -> str:
        if self.row_kinds and c > 0 and r < len(self.row_kinds):
            return self.row_kinds[r]
        return self.columns[c][1] if c < len(self.columns) else "text"

    @property
    def header(self) -> list[dict]:
        return [
            {"label": label, "num": kind != "text"}
            for c, (label, kind) in enumerate(self.columns)
            if c != self.group_column
        ]

    @property
    def shown_widths(self) -> list[float]:
        """The widths of the shown columns (the group column left out), in percent."""
        widths = [w for c, w in enumerate(self.widths or []) if c != self.group_column]
        total = sum(widths) or 1
        return [round(100 * w / total, 2) for w in widths]

    @property
    def cells(self) -> list[dict]:
        """Rows formatted for the page and Word; where the value of `group_column`
        changes, a heading row ({"heading": value}) instead of that column."""
        shown, current = [], object()
        for r, row in enumerate(self.rows):
            if self.group_column is not None and row[self.group_column] != current:
                current = row[self.group_column]
                shown.append({"heading": current, "cells": []})
            cells = []
            for c, value in enumerate(row):
                if c == self.group_column:
                    continue
                kind = self.kind_of(r, c)
                cells.append({"text": self.text(value, kind), "num": self.numeric(value, kind)})
            shown.append({"heading": None, "cells": cells})
        return shown

    def docx(self, doc: DocxWriter, *, heading=True):
        if heading:
            doc.paragraph(self.title, bold=True, align="center", space_before=12)
        if not self.rows:
            doc.paragraph(self.empty, indent=True)
            return
        doc.table(
            [h["label"] for h in self.header],
            [row["heading"] or [c["text"] for c in row["cells"]] for row in self.cells],
            widths=self.docx_widths(),
        )
        for note in self.notes:
            doc.paragraph(note, size=10)

    def sheet_spec(self, *, freeze_columns=1):
        from infra.output.xlsx import Column, SheetSpec

        return SheetSpec(
            title=self.sheet,
            columns=[Column(label, self.xlsx_kind(kind)) for label, kind in self.columns],
            rows=self.rows,
            row_kinds=self.row_kinds,
            notes=[self.title, *self.notes],
            freeze_columns=freeze_columns,
        )


class TableDocumentBuilder(Builder):
    """A builder of a document made of `ReportTable`s: it writes the Word body
    (`write_docx`) and lists the Excel sheets (`xlsx_sheets`); this class makes
    the files."""

    def write_docx(self, doc: DocxWriter, context: dict) -> None:
        raise NotImplementedError

    def xlsx_sheets(self, context: dict) -> list:
        raise NotImplementedError

    def to_docx(self, context: dict) -> bytes:
        doc = DocxWriter()
        self.write_docx(doc, context)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()

    def to_xlsx(self, context: dict) -> bytes:
        from infra.output.xlsx import table_to_xlsx

        return table_to_xlsx(self.xlsx_sheets(context))


def docx_title(doc: DocxWriter, title: str, subtitle: str) -> None:
    """The two centred lines a document opens with: its name in capitals and what it is on."""
    doc.paragraph(title, bold=True, align="center", size=14)
    doc.paragraph(subtitle, bold=True, align="center")


def about_sheet(title: str, rows: list[list], *, width: float):
    """The first sheet of a workbook: what the document is, as (item, value) rows."""
    from infra.output.xlsx import Column, SheetSpec

    return SheetSpec(
        title=title, columns=[Column(_("Сведение")), Column(_("Значение"), width=width)], rows=rows
    )
