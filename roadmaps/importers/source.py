"""Reading a roadmap document into one neutral stream of blocks.

Text pasted from a PDF, a Word document and an Excel book all become a list of
`Paragraph` (lines of free text) and `Row` (cells of a table row) in document
order, so the rest of the importer does not care where they came from.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _

from infra.files import FileRejected, check_zip
from infra.problems import ImportFailed, Problem

# HTML tags a PDF-to-text tool leaves in cells; "<ВПР>" or "<5%" are text, not tags.
_TAG = re.compile(
    r"</?(?:p|br|b|i|u|strong|em|span|div|font|sup|sub|li|ul|ol|td|tr)\b[^<>]*/?>",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")


@dataclass
class Paragraph:
    lines: list[str]
    place: int  # 1-based line (text) or block number, for messages
    raw: str = ""  # a Word paragraph's text with its tabs, for text pasted into Word


@dataclass
class Row:
    cells: list[str]
    place: int  # 1-based line of a text file, row of a sheet, or row of a Word table
    merged: bool = False  # one cell spans the whole row (how Word and Excel show headings)
    fragments: list[list[str]] = field(default_factory=list)  # per cell: <p> fragments, if any
    vmerged: set[int] = field(default_factory=set)  # columns continuing a cell merged from above
    loose: bool = False  # a line of a PDF paste without cells, inside the table
    table: int = 0  # which Word table (or PDF table, pieces joined) the row belongs to; 0 elsewhere
    page_break: bool = False  # a PDF row that continues the row above, cut by a page break


Block = Paragraph | Row


def clean_line(text: str) -> str:
    """One line of text without bold markers and with single spaces."""
    text = text.replace("**", "")
    return _SPACES.sub(" ", text).strip()


def clean_cell(text) -> str:
    """A cell's text: lines cleaned, empty lines dropped, joined by newlines."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    if isinstance(text, datetime):
        text = text.date()
    if isinstance(text, date):
        text = text.strftime("%d.%m.%Y")  # a date typed into Excel, shown as people write it
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _TAG.sub("\n", text)
    lines = [clean_line(line) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _cell_fragments(raw: str) -> list[str]:
    """The `<p>…</p>` fragments of a cell pasted from a PDF, cleaned; [] when none."""
    if "<p>" not in raw.lower():
        return []
    parts = re.findall(r"<p>(.*?)</p>", raw, flags=re.IGNORECASE | re.DOTALL)
    return [clean_cell(p) for p in parts if clean_cell(p)]


# --- text pasted from a PDF -------------------------------------------------


def blocks_from_text(text: str) -> list[Block]:
    """Tab-separated lines are table rows; other lines group into paragraphs at blank lines."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    start = 0
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if "\t" in raw:
            if paragraph:
                blocks.append(Paragraph(paragraph, start))
                paragraph = []
            raw_cells = raw.split("\t")
            blocks.append(
                Row(
                    cells=[clean_cell(c) for c in raw_cells],
                    place=number,
                    fragments=[_cell_fragments(c) for c in raw_cells],
                )
            )
            continue
        line = clean_line(_TAG.sub(" ", raw))
        if line:
            if not paragraph:
                start = number
            paragraph.append(line)
        elif paragraph:
            blocks.append(Paragraph(paragraph, start))
            paragraph = []
    if paragraph:
        blocks.append(Paragraph(paragraph, start))
    return blocks


def blocks_from_csv(text: str) -> list[Block]:
    """A table saved as CSV (`;` or `,`): records of two or more fields are rows."""
    import csv

    sample = text[:20000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,").delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    blocks: list[Block] = []
    for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        cells = [clean_cell(c) for c in record]
        filled = [c for c in cells if c]
        if len(filled) == 1 and cells[0]:
            blocks.append(Paragraph(cells[0].split("\n"), number))
        elif filled:
            blocks.append(Row(cells=cells, place=number))
    return blocks


# --- Word -------------------------------------------------------------------


def _reject(filename: str, message: str) -> ImportFailed:
    return ImportFailed([Problem(file=filename, message=message)])


def check_archive(data: bytes, filename: str, *, macro_part: str) -> None:
    """Refuse zip bombs and documents with macros before reading them."""
    try:
        archive = check_zip(data, filename)
    except FileRejected as exc:
        raise _reject(filename, str(exc)) from exc
    if any(n.lower().endswith(macro_part) for n in archive.namelist()):
        raise _reject(
            filename, _("Файл «%s» содержит макросы; загрузите документ без макросов.") % filename
        )


def _paragraph_text(paragraph) -> str:
    """What a Word paragraph shows, including text python-docx skips: tracked
    insertions, content controls, smart tags and fields."""
    from docx.oxml.ns import qn

    run, t = qn("w:r"), qn("w:t")
    fallback = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
    breaks = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n"}
    parts = []
    for element in paragraph.iter(t, *breaks):
        if element.getparent().tag != run:
            continue  # tab stops of the paragraph's properties, not characters
        # A text box is stored twice (for new and old Word); read it once.
        if any(a.tag == fallback for a in element.iterancestors()):
            continue
        if element.tag == t:
            parts.append(element.text or "")
        elif element.tag == qn("w:br") and element.get(qn("w:type")) not in (None, "textWrapping"):
            continue  # a page or column break
        else:
            parts.append(breaks[element.tag])
    return "".join(parts)


def blocks_from_docx(data: bytes, filename: str) -> list[Block]:
    """Paragraphs and table rows of the document body in order (merged cells resolved)."""
    import docx
    from docx.oxml.ns import qn

    check_archive(data, filename, macro_part="vbaproject.bin")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for broken files
        raise _reject(
            filename, _("Файл «%s» не удалось прочитать как документ Word.") % filename
        ) from exc
    blocks: list[Block] = []
    table_row = 0
    table_number = 0

    def body_elements(parent):
        # Content controls (w:sdt) of templates wrap paragraphs and tables.
        for child in parent.iterchildren():
            if child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from body_elements(content)
            else:
                yield child

    for index, element in enumerate(body_elements(document.element.body), 1):
        if element.tag == qn("w:p"):
            text = _paragraph_text(element)
            lines = [clean_line(line) for line in text.split("\n")]
            lines = [line for line in lines if line]
            if lines:
                blocks.append(Paragraph(lines, index, raw=text))
        elif element.tag == qn("w:tbl"):
            table_number += 1
            above: dict[int, str] = {}  # grid column -> text, for vertically merged cells
            for tr in element.tr_lst:
                table_row += 1
                cells: list[str] = []
                spans: list[int] = []
                vmerged: set[int] = set()
                fragments: list[list[str]] = []
                for tc in tr.tc_lst:
                    span = tc.grid_span
                    column = len(cells)
                    parts: list[str] = []
                    if tc.vMerge == "continue":
                        text = above.get(column, "")
                        vmerged.add(column)
                    else:
                        raw = "\n".join(_paragraph_text(p) for p in tc.iter(qn("w:p")))
                        text, parts = clean_cell(raw), _cell_fragments(raw)
                    fragments.append(parts)
                    fragments.extend([] for _ in range(span - 1))
                    above[column] = text
                    cells.append(text)
                    cells.extend([""] * (span - 1))
                    spans.append(span)
                merged = len(spans) == 1 and spans[0] > 1
                blocks.append(
                    Row(
                        cells,
                        table_row,
                        merged=merged,
                        vmerged=vmerged,
                        fragments=fragments,
                        table=table_number,
                    )
                )
    return blocks


def tabbed_paragraphs_as_rows(blocks: list[Block]) -> list[Block]:
    """Text pasted into Word with its tabs: paragraphs holding tabs become table rows,
    as the same text would in a text file."""
    found: list[Block] = []
    for block in blocks:
        if isinstance(block, Paragraph) and "\t" in block.raw:
            for line in block.raw.split("\n"):
                raw_cells = line.split("\t")
                found.append(
                    Row(
                        [clean_cell(c) for c in raw_cells],
                        block.place,
                        fragments=[_cell_fragments(c) for c in raw_cells],
                    )
                )
        else:
            found.append(block)
    return found


# --- Excel ------------------------------------------------------------------


_DECIMALS = re.compile(r"0\.(0+)")


def _shown(cell) -> str:
    """A cell's text as Excel shows it: "2.10" stays "2.10" when formatted with two decimals."""
    value = cell.value
    if isinstance(value, float) and not value.is_integer():
        found = _DECIMALS.search(cell.number_format or "")
        if found:
            return f"{value:.{len(found.group(1))}f}"
    return clean_cell(value)


def blocks_from_xlsx(data: bytes, filename: str) -> list[list[Block]]:
    """One block list per sheet; every row is a Row (merged ranges resolved)."""
    import openpyxl

    check_archive(data, filename, macro_part="vbaproject.bin")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises several types for broken books
        raise _reject(
            filename, _("Файл «%s» не удалось прочитать как книгу Excel.") % filename
        ) from exc
    sheets = []
    for sheet in workbook.worksheets:
        wide: dict[int, int] = {}  # row -> number of columns its merged range covers
        below: dict[tuple[int, int], object] = {}  # (row, column) under a merged cell -> value
        for merged in sheet.merged_cells.ranges:
            if merged.min_row == merged.max_row:
                wide[merged.min_row] = max(
                    wide.get(merged.min_row, 0), merged.max_col - merged.min_col + 1
                )
            else:
                value = sheet.cell(merged.min_row, merged.min_col).value
                for row in range(merged.min_row + 1, merged.max_row + 1):
                    below[(row, merged.min_col - 1)] = value
        blocks: list[Block] = []
        for number, row_cells in enumerate(sheet.iter_rows(), 1):
            values = [cell.value for cell in row_cells]
            cells = [_shown(cell) for cell in row_cells]
            fragments = [_cell_fragments(v) if isinstance(v, str) else [] for v in values]
            vmerged = set()
            for (row, column), value in below.items():
                if row == number:
                    cells.extend([""] * (column + 1 - len(cells)))
                    cells[column] = clean_cell(value)
                    vmerged.add(column)
            while cells and not cells[-1]:
                cells.pop()
            filled = [c for c in cells if c]
            merged = wide.get(number, 0) > 1 and len(filled) == 1
            blocks.append(Row(cells, number, merged=merged, vmerged=vmerged, fragments=fragments))
        sheets.append(blocks)
    return sheets
