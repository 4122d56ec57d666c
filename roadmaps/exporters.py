"""A roadmap written back to the files officials use: XLSX and DOCX.

    roadmap_to_xlsx(parsed) -> bytes
    roadmap_to_docx(parsed) -> bytes

Both take a `ParsedRoadmap` (the import service and the models can build one),
lay out the title, the preamble, the table of measures with section rows merged
across it, and the closing text, so that importing the file again gives the
same sections and measures. Pure: no queries, no requests (it borrows one text helper
from the models module).
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from roadmaps.importers.parsed import ParsedMeasure, ParsedRoadmap
from roadmaps.models import extra_text

FONT = "Times New Roman"
# Characters that make Excel (or LibreOffice) read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold (control characters pasted from old documents).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _columns(parsed: ParsedRoadmap) -> list[tuple[str, str]]:
    """(measure attribute, header) for the columns worth printing, in the usual order."""
    measures = list(parsed.iter_measures())
    headers = parsed.columns
    columns = [
        ("number", headers.get("number", _("№ п/п"))),
        ("text", headers.get("measure", _("Мероприятие"))),
    ]
    optional = [
        ("participants", "participants", _("Участники")),
        ("deadline_text", "deadline", _("Сроки исполнения")),
        ("responsible_text", "responsible", _("Ответственные")),
        ("result", "result", _("Ожидаемый результат")),
        ("document", "document", _("Формат документа")),
    ]
    always = {"deadline_text", "responsible_text"}
    for attr, name, default in optional:
        if attr in always or name in headers or any(getattr(m, attr) for m in measures):
            columns.append((attr, headers.get(name, default)))
    extra: list[str] = []
    for measure in measures:
        extra.extend(h for h in measure.extra if h not in extra)
    columns.extend((f"extra:{h}", h) for h in extra)
    return columns


def _value(measure: ParsedMeasure, attr: str) -> str:
    if attr.startswith("extra:"):
        value = measure.extra.get(attr[len("extra:") :], "")
    else:
        value = getattr(measure, attr)
    # Measure data stored as JSON may hold numbers, lists or None: a cell takes text.
    return "" if value is None else value if isinstance(value, str) else extra_text(value)


def _rows(parsed: ParsedRoadmap):
    """('section', heading text) and ('measure', measure) in document order."""
    for section in parsed.iter_sections():
        if section.number or section.title:
            title = section.title or ""
            yield "section", f"{section.number}. {title}".strip() if section.number else title
        for measure in section.measures:
            yield "measure", measure


def _approval_line(parsed: ParsedRoadmap) -> str:
    order = parsed.order
    if not (order.number or order.date):
        return ""
    parts = [_("Приложение к приказу")]
    if order.date:
        parts.append(_("от %s") % order.date.strftime("%d.%m.%Y"))
    if order.number:
        parts.append(f"№ {order.number}")
    return " ".join(parts)


def _approval_blocks(parsed: ParsedRoadmap) -> list[str]:
    """«Утверждено / Согласовано» blocks, one text per block, lines as written."""
    blocks = []
    for approval in parsed.approvals:
        lines = [approval.label, approval.position, approval.name, approval.date_text]
        blocks.append("\n".join(line for line in lines if line))
    return blocks


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


# --- Excel ---------------------------------------------------------------------


def _safe_cell(cell, text: str) -> None:
    """Write text that Excel shows as text, never evaluates as a formula."""
    text = _NOT_XML.sub("", text)
    cell.value = text
    if text.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def roadmap_to_xlsx(parsed: ParsedRoadmap) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    columns = _columns(parsed)
    width = len(columns)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Дорожная карта")
    wrap = Alignment(wrap_text=True, vertical="top")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    row = 0

    widths = {"number": 8, "text": 60, "deadline_text": 20, "responsible_text": 28}
    total_width = sum(widths.get(attr, 30) for attr, _header in columns)

    def text_row(text: str, *, bold: bool = False) -> None:
        nonlocal row
        row += 1
        cell = sheet.cell(row, 1)
        _safe_cell(cell, text)
        cell.font = Font(name=FONT, bold=bold, size=12)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        # Excel does not grow merged rows to their text: give them the lines they need.
        lines = sum(1 + len(line) // max(1, int(total_width * 0.9)) for line in text.split("\n"))
        sheet.row_dimensions[row].height = 16 * lines

    for block in _approval_blocks(parsed):
        text_row(block)
    line = "" if parsed.approvals else _approval_line(parsed)
    if line:
        text_row(line)
    if parsed.title:
        text_row(parsed.title, bold=True)
    for paragraph in _paragraphs(parsed.preamble):
        text_row(paragraph)
    row += 1  # a blank row before the table
    row += 1
    header_row = row
    for index, (_attr, header) in enumerate(columns, 1):
        cell = sheet.cell(row, index)
        _safe_cell(cell, header)
        cell.font = Font(name=FONT, bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = border
    for kind, item in _rows(parsed):
        row += 1
        if kind == "section":
            cell = sheet.cell(row, 1)
            _safe_cell(cell, item)
            cell.font = Font(name=FONT, bold=True)
            cell.alignment = wrap
            for index in range(1, width + 1):
                sheet.cell(row, index).border = border
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            continue
        for index, (attr, _header) in enumerate(columns, 1):
            cell = sheet.cell(row, index)
            _safe_cell(cell, _value(item, attr))
            cell.font = Font(name=FONT)
            cell.alignment = wrap
            cell.border = border
    if parsed.closing:
        row += 1
        for paragraph in _paragraphs(parsed.closing):
            text_row(paragraph)
    for index, (attr, _header) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(attr, 30)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Word ----------------------------------------------------------------------


def _tc_xml(value: str, width: int, *, span: int = 1, bold: bool = False) -> str:
    """A table cell: its lines are its paragraphs, as people type them in Word."""
    span_xml = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    run_pr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    paragraphs = []
    for line in (value or "").split("\n"):
        line = escape(_NOT_XML.sub("", line))
        run = f'<w:r>{run_pr}<w:t xml:space="preserve">{line}</w:t></w:r>' if line else ""
        paragraphs.append(f"<w:p>{run}</w:p>")
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_xml}</w:tcPr>'
        f"{''.join(paragraphs)}</w:tc>"
    )


def roadmap_to_docx(parsed: ParsedRoadmap) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Mm, Pt

    columns = _columns(parsed)
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(20))
    section.top_margin = section.bottom_margin = Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    # East Asian font slot too, or Word falls back to its theme font for Cyrillic.
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)

    def text(paragraph, value: str, *, bold: bool = False) -> None:
        lines = _NOT_XML.sub("", value).split("\n")
        for index, line in enumerate(lines):
            run = paragraph.add_run(line)
            if bold:
                run.bold = True
            if index < len(lines) - 1:
                run.add_break()

    for block in _approval_blocks(parsed):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        text(paragraph, block)
    line = "" if parsed.approvals else _approval_line(parsed)
    if line:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        text(paragraph, line)
    if parsed.title:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        text(paragraph, parsed.title, bold=True)
    for value in _paragraphs(parsed.preamble):
        text(document.add_paragraph(), value)

    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    # Column widths go on the grid before rows are added: each new cell takes its
    # column's width, which is much cheaper than setting every cell afterwards.
    wanted = {"number": 15, "text": 95, "deadline_text": 35, "responsible_text": 45}
    sizes = [wanted.get(attr, 40) for attr, _title in columns]
    usable = 297 - 40
    sizes = [size * usable / sum(sizes) for size in sizes]
    for column, size in zip(table.columns, sizes, strict=True):
        column.width = Mm(size)
    for cell, size in zip(table.rows[0].cells, sizes, strict=True):
        cell.width = Mm(size)
    header = table.rows[0]
    # Repeat the header row on every page.
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, (_attr, title) in zip(header.cells, columns, strict=True):
        cell.text = ""
        text(cell.paragraphs[0], title, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER

    # Body rows are written as XML: python-docx builds a row element by element at
    # about 10 ms a row, a parsed string costs a tenth of that.
    twips = [round(size / 25.4 * 1440) for size in sizes]
    for kind, item in _rows(parsed):
        if kind == "section":
            # One cell spanning the table, as Word writes a merged row.
            cells = [_tc_xml(item, sum(twips), span=len(columns), bold=True)]
        else:
            cells = [
                _tc_xml(_value(item, attr), width)
                for (attr, _title), width in zip(columns, twips, strict=True)
            ]
        table._tbl.append(parse_xml(f"<w:tr {nsdecls('w')}>{''.join(cells)}</w:tr>"))

    for value in _paragraphs(parsed.closing):
        text(document.add_paragraph(), value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
