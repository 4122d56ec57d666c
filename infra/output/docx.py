"""A small writer for Word documents as Russian offices print them (python-docx)."""

from __future__ import annotations

from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
FONT = "Times New Roman"


class DocxWriter:
    """A4 portrait pages with ГОСТ margins, Times New Roman 12 pt; landscape sections on demand."""

    def __init__(self):
        self.document = WordDocument()
        style = self.document.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(12)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
        style.paragraph_format.space_after = Pt(0)
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin, section.right_margin = Mm(25), Mm(10)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)

    def paragraph(
        self, text: str, *, bold=False, align="left", size=None, space_before=0, indent=False
    ):
        paragraph = self.document.add_paragraph()
        paragraph.alignment = ALIGN[align]
        paragraph.paragraph_format.space_before = Pt(space_before)
        if indent:
            paragraph.paragraph_format.first_line_indent = Mm(12.5)
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        return paragraph

    def two_sides(self, left: str, right: str, *, space_before=0):
        """A line with text at the left and at the right margin (date and number, signature)."""
        section = self.document.sections[-1]
        width = section.page_width - section.left_margin - section.right_margin
        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(space_before)
        paragraph.paragraph_format.tab_stops.add_tab_stop(width, alignment=2)  # right
        paragraph.add_run(left)
        paragraph.add_run("\t" + right)
        return paragraph

    def landscape_section(self):
        section = self.document.add_section()
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.left_margin, section.right_margin = Mm(20), Mm(15)
        section.top_margin, section.bottom_margin = Mm(20), Mm(15)
        return section

    def portrait_section(self):
        """Back to A4 portrait after a landscape section."""
        section = self.document.add_section()
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin, section.right_margin = Mm(25), Mm(10)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        return section

    def table(self, header: list[str], rows: list, *, widths: list[float]):
        """A bordered table; a row given as a string is a section heading across all columns.

        The header row repeats on every page and rows are not split across pages.
        """
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        section = self.document.sections[-1]
        usable = section.page_width - section.left_margin - section.right_margin
        for index, cell in enumerate(table.rows[0].cells):
            cell.text = ""
            run = cell.paragraphs[0].add_run(header[index])
            run.bold = True
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _repeat_header(table.rows[0])
        for row in rows:
            cells = table.add_row().cells
            _keep_together(table.rows[-1])
            if isinstance(row, str):
                merged = cells[0].merge(cells[-1])
                merged.text = ""
                merged.paragraphs[0].add_run(row).bold = True
                continue
            for index, value in enumerate(row):
                cells[index].text = str(value)
        for row in table.rows:
            for index, cell in enumerate(row.cells):
                cell.width = int(usable * widths[index] / 100)
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(10.5)
        return table

    def save(self, stream):
        self.document.save(stream)


def _repeat_header(row):
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _keep_together(row):
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    properties.append(element)
