"""Build the DOCX and XLSX files officials would have, from a seed roadmap.

The seeds are text pasted from PDFs. These helpers lay the same content out as
Word and Excel do: the header paragraphs, then a real table with the header
row, section rows as cells merged across the table, and (in Word) one measure
split over two rows as a page break does. Tests then check that every format
parses to the same sections and measures.
"""

from __future__ import annotations

import io
from pathlib import Path

from roadmaps.importers import parse_roadmap_text
from roadmaps.importers.parsed import ParsedMeasure, ParsedRoadmap
from roadmaps.importers.table import match_header

ATTRS = {
    "number": "number",
    "measure": "text",
    "participants": "participants",
    "deadline": "deadline_text",
    "responsible": "responsible_text",
    "result": "result",
    "document": "document",
}


class Seed:
    """A seed file split into what goes above the table, the table, and below it."""

    def __init__(self, path: Path):
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        tab_lines = [i for i, line in enumerate(lines) if "\t" in line]
        self.before = [line.replace("**", "").strip() for line in lines[: tab_lines[0]]]
        self.before = [line for line in self.before if line]
        self.header = [cell.strip() for cell in lines[tab_lines[0]].split("\t")]
        self.after = [line.strip() for line in lines[tab_lines[-1] + 1 :] if line.strip()]
        self.parsed: ParsedRoadmap = parse_roadmap_text(text, path.name)
        self.mapping = match_header(self.header)

    def measure_cells(self, measure: ParsedMeasure) -> list[str]:
        cells = [""] * len(self.header)
        for name, index in self.mapping.items():
            cells[index] = getattr(measure, ATTRS[name])
        return cells

    def table(self) -> list[tuple[str, object]]:
        """('section', "2. Title") and ('measure', ParsedMeasure) in document order."""
        rows: list[tuple[str, object]] = []
        for section in self.parsed.iter_sections():
            if section.title or section.number:
                heading = f"{section.number}. {section.title}" if section.number else section.title
                rows.append(("section", heading))
            rows.extend(("measure", m) for m in section.measures)
        return rows

    def split_measure(self) -> ParsedMeasure:
        """The measure Word breaks over two pages: the one with the longest text."""
        measures = [m for kind, m in self.table() if kind == "measure"]
        return max(measures, key=lambda m: len(m.text))


def split_at_lower_word(text: str) -> tuple[str, str]:
    """Split about the middle, before a word in lower case, as a line wrap does."""
    words = text.split(" ")
    middle = len(words) // 2
    for offset in range(len(words)):
        for index in (middle + offset, middle - offset):
            if 0 < index < len(words) and words[index][:1].islower():
                return " ".join(words[:index]), " ".join(words[index:])
    return text, ""


def seed_docx(path: Path) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    seed = Seed(path)
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    for line in seed.before:
        document.add_paragraph(line)
    width = len(seed.header)
    table = document.add_table(rows=1, cols=width)
    table.style = "Table Grid"
    for index, text in enumerate(seed.header):
        table.rows[0].cells[index].text = text
    split = seed.split_measure()
    for kind, item in seed.table():
        if kind == "section":
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1])
            merged.text = item
            merged.paragraphs[0].runs[0].bold = True
            continue
        values = seed.measure_cells(item)
        if item is split:
            first, second = list(values), [""] * width
            for name in ("measure", "result"):
                if name in seed.mapping:
                    index = seed.mapping[name]
                    first[index], second[index] = split_at_lower_word(values[index])
            rows = [first, second]
        else:
            rows = [values]
        for values in rows:
            cells = table.add_row().cells
            for index, text in enumerate(values):
                # A cell's lines are paragraphs in Word.
                lines = text.split("\n")
                cells[index].text = lines[0]
                for line in lines[1:]:
                    cells[index].add_paragraph(line)
    for line in seed.after:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def seed_xlsx(path: Path) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    seed = Seed(path)
    width = len(seed.header)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Дорожная карта"
    for line in seed.before:
        sheet.append([line])
    sheet.append([])
    sheet.append(seed.header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for kind, item in seed.table():
        if kind == "section":
            sheet.append([item])
            row = sheet.max_row
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            sheet.cell(row, 1).font = Font(bold=True)
            continue
        sheet.append(seed.measure_cells(item))
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append([])
    for line in seed.after:
        sheet.append([line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pasted_docx(path: Path) -> bytes:
    """The seed's text pasted into Word as it is: one paragraph per line, tabs kept."""
    import docx

    document = docx.Document()
    for line in path.read_text(encoding="utf-8").split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pasted_xlsx(path: Path) -> bytes:
    """The seed's text pasted into Excel: one row per line, a cell per tab."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in path.read_text(encoding="utf-8").split("\n"):
        sheet.append(line.split("\t") if line.strip() else [])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
