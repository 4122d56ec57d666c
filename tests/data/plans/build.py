"""Lay the plans of `plans.py` out as the files officials have, and write them here.

    .venv/bin/python tests/data/plans/build.py

For each plan: a Word file as an office types it (header paragraphs on a portrait
page, the appendix table on landscape pages, its header row repeated on every page,
rows allowed to break across pages), the PDF LibreOffice prints from it, the PDF of
the same table typed without borders (and, for the school, in a style that rules
only some rows), and for the school plan an Excel book without its approval block. Also a scan of the order: its
pages as pictures in a PDF without a text layer. Needs LibreOffice (`soffice`) and
poppler (`pdftoppm`); the files are committed, so the tests need neither.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from plans import ORDER, PLANS, SCHOOL, Plan  # noqa: E402


def _docx(plan: Plan, *, table_style: str = "Table Grid") -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    style.paragraph_format.space_after = Pt(4)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(25), Mm(10)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)

    def write(kind: str, text: str) -> None:
        paragraph = document.add_paragraph()
        if kind == "two":  # left text, right text at a right tab stop (date and number)
            width = section.page_width - section.left_margin - section.right_margin
            paragraph.paragraph_format.tab_stops.add_tab_stop(width, alignment=2)
            paragraph.add_run(text)
            return
        run = paragraph.add_run(text)
        if kind == "bold":
            run.bold = True
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif kind == "indent":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Mm(12.5)

    for kind, text in plan.header:
        write(kind, text)
    section = document.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin, section.right_margin = Mm(20), Mm(15)
    section.top_margin, section.bottom_margin = Mm(20), Mm(15)
    for kind, text in plan.appendix:
        write(kind, text)

    widths = [12, 95, 35, 55, 65]  # mm
    table = document.add_table(rows=1, cols=len(plan.columns))
    table.style = table_style
    for index, text in enumerate(plan.columns):
        cell = table.rows[0].cells[index]
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for title, measures in plan.sections:
        cells = table.add_row().cells
        merged = cells[0].merge(cells[-1])
        merged.text = ""
        merged.paragraphs[0].add_run(title).bold = True
        for m in measures:
            cells = table.add_row().cells
            for index, text in enumerate((m.number, m.text, m.deadline, m.responsible, m.result)):
                cells[index].text = text
    table.autofit = False
    for index, column in enumerate(table._tbl.tblGrid.gridCol_lst):  # what LibreOffice reads
        column.w = Mm(widths[index])
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = Mm(widths[index])
    for text in plan.closing:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx_without_approval(plan: Plan) -> bytes:
    """The plan's table in Excel as a deputy keeps it: the title, the table, no approval."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "План"
    title = next(text for kind, text in plan.appendix if kind == "bold")
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(plan.columns))
    sheet.append([])
    sheet.append(plan.columns)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for heading, measures in plan.sections:
        sheet.append([heading])
        row = sheet.max_row
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(plan.columns))
        for m in measures:
            sheet.append([m.number, m.text, m.deadline, m.responsible, m.result])
            for cell in sheet[sheet.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (6, 60, 18, 30, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pdf_from_docx(docx_path: Path, name: str | None = None) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(docx_path)],
            check=True,
            capture_output=True,
            env={"HOME": tmp, "PATH": "/usr/bin:/bin"},
        )
        target = HERE / (name or docx_path.with_suffix(".pdf").name)
        shutil.copy(Path(tmp) / docx_path.with_suffix(".pdf").name, target)
    return target


def _scan(pdf_path: Path, target: Path) -> None:
    """The first two pages as 100 dpi grey pictures in a PDF: what a scanner gives."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdftoppm", "-r", "100", "-gray", "-png", "-l", "2", str(pdf_path), f"{tmp}/page"],
            check=True,
        )
        pages = [Image.open(p).convert("L") for p in sorted(Path(tmp).glob("page*.png"))]
        pages[0].save(target, save_all=True, append_images=pages[1:], resolution=100)


def main() -> None:
    for plan in PLANS:
        path = HERE / f"{plan.name}.docx"
        path.write_bytes(_docx(plan))
        print("wrote", _pdf_from_docx(path).name, "and", path.name)
    variants = [  # the same tables without borders, and with rules on every other row
        (ORDER, "Normal Table", "borderless"),
        (SCHOOL, "Normal Table", "borderless"),
        (SCHOOL, "Light List", "banded"),
    ]
    for plan, style, label in variants:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{plan.name}.docx"
            path.write_bytes(_docx(plan, table_style=style))
            print("wrote", _pdf_from_docx(path, f"{plan.name}-{label}.pdf").name)
    path = HERE / f"{SCHOOL.name}-no-approval.xlsx"
    path.write_bytes(_xlsx_without_approval(SCHOOL))
    print("wrote", path.name)
    _scan(HERE / f"{ORDER.name}.pdf", HERE / "order-scan.pdf")
    print("wrote order-scan.pdf")


if __name__ == "__main__":
    main()
