"""Import of the roadmap documents officials have: DOCX, XLSX, PDF with a text layer, or
text pasted from a PDF.

    parse_roadmap_document(data, filename) -> ParsedRoadmap

The format is found from the content, never from the name. Pure: nothing is
saved; the import service turns the result into models after a preview.
Callers read uploads through `infra.files.read_bytes`, which enforces the
size limit; archives are checked here for zip bombs and macros.
"""

from __future__ import annotations

import codecs

from django.utils.translation import gettext as _

from infra.files import FileRejected, decode_text, sniff_kind
from infra.problems import ImportFailed, Problem

from .header import read_header
from .parsed import ParsedMeasure, ParsedOrder, ParsedRoadmap, ParsedSection
from .pdf import blocks_from_pdf
from .source import (
    Block,
    Paragraph,
    Row,
    blocks_from_csv,
    blocks_from_docx,
    blocks_from_text,
    blocks_from_xlsx,
    tabbed_paragraphs_as_rows,
)
from .table import TableParser, is_header

__all__ = [
    "ParsedMeasure",
    "ParsedOrder",
    "ParsedRoadmap",
    "ParsedSection",
    "parse_roadmap_document",
    "parse_roadmap_text",
]


def parse_roadmap_document(data: bytes, filename: str) -> ParsedRoadmap:
    """Parse a roadmap document; raise ImportFailed with a Russian message if it has no
    table of measures or is not a DOCX, XLSX, PDF or text file."""
    if _is_pdf(data):
        return _best_pdf_reading(blocks_from_pdf(data, filename), filename)
    kind = sniff_kind(data)
    other = _other_format(data, kind)
    if other:
        raise _failed(
            filename,
            _("Файл «%(name)s» — %(format)s; сохраните его как .docx, .xlsx или .pdf.")
            % {"name": filename, "format": other},
        )
    if kind == "docx":
        blocks = blocks_from_docx(data, filename)
        # A Word table first; else text pasted into Word with tabs between cells.
        return _parse_blocks([blocks, tabbed_paragraphs_as_rows(blocks)], filename, "docx")
    if kind == "xlsx":
        return _parse_blocks(blocks_from_xlsx(data, filename), filename, "xlsx")
    if kind == "text":
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # Notepad's «Юникод»: re-encode so the rest reads one encoding.
            data = data.decode("utf-16", errors="replace").encode("utf-8")
        if b"\x00" in data[:4096]:
            raise _failed(
                filename, _("Файл «%s» не является документом DOCX, XLSX или текстом.") % filename
            )
        try:
            text = decode_text(data)
        except FileRejected as exc:
            raise _failed(filename, str(exc)) from exc
        sheets = [blocks_from_text(text)]
        if "\t" not in text:
            sheets.append(blocks_from_csv(text))  # a table saved as CSV
        return _parse_blocks(sheets, filename, "text")
    if kind == "ole":
        raise _failed(
            filename,
            _(
                "Файл «%s» в старом формате Word или Excel 97–2003 (.doc, .xls): "
                "сохраните его как .docx или .xlsx."
            )
            % filename,
        )
    raise _failed(
        filename, _("Файл «%s» повреждён или не является документом DOCX или XLSX.") % filename
    )


def parse_roadmap_text(text: str, filename: str = "text") -> ParsedRoadmap:
    """Parse text pasted from a PDF (tab-separated table cells)."""
    return _parse_blocks([blocks_from_text(text)], filename, "text")


def _best_pdf_reading(readings: list[list[Block]], filename: str) -> ParsedRoadmap:
    """The reading of a PDF that finds the most measures with a deadline (the first of
    equals); the first reading's refusal when none finds a table."""
    parsed: list[ParsedRoadmap] = []
    refusal = None
    for blocks in readings:
        try:
            parsed.append(_parse_blocks([blocks], filename, "pdf"))
        except ImportFailed as failed:
            refusal = refusal or failed
    if not parsed:
        raise refusal

    def found(roadmap: ParsedRoadmap) -> tuple[int, int]:
        measures = list(roadmap.iter_measures())
        return sum(1 for m in measures if m.deadline_text), len(measures)

    return max(parsed, key=found)


def _is_pdf(data: bytes) -> bool:
    """A PDF by its header, which may follow up to 1 KB of other bytes."""
    return b"%PDF-" in data[:1024]


def _other_format(data: bytes, kind: str) -> str:
    """The name of a document format people also send, which we do not read."""
    if data.lstrip().startswith(b"{\\rtf"):
        return _("документ RTF")
    if kind == "zip" and b"mimetypeapplication/vnd.oasis.opendocument" in data[:200]:
        return _("документ OpenDocument (.odt, .ods)")
    return ""


def _failed(filename: str, message: str) -> ImportFailed:
    return ImportFailed([Problem(file=filename, message=message)])


def _parse_blocks(sheets: list[list[Block]], filename: str, kind: str) -> ParsedRoadmap:
    for blocks in sheets:
        header_at = next(
            (i for i, b in enumerate(blocks) if isinstance(b, Row) and is_header(b.cells)), None
        )
        if header_at is not None:
            return _build(blocks, header_at, kind)
    raise _failed(
        filename,
        _(
            "В файле «%s» не найдена таблица мероприятий: нужна строка заголовков со столбцом "
            "«Мероприятие» (или «Наименование мероприятия», «Содержание работы») и хотя бы "
            "одним из столбцов «№», «Сроки», «Ответственный», «Результат»."
        )
        % filename,
    )


def _as_paragraphs(blocks: list[Block]) -> list[Paragraph]:
    """Free text and the cells of rows above the table as paragraphs. Rows side by side
    (СОГЛАСОВАНО | УТВЕРЖДАЮ typed into two columns of a sheet, line by line) read
    column by column, as the two cells of a Word table do."""
    paragraphs: list[Paragraph] = []
    run: list[Row] = []

    def flush() -> None:
        width = max((len(row.cells) for row in run), default=0)
        for column in range(width):
            for row in run:
                if column < len(row.cells) and row.cells[column]:
                    paragraphs.append(Paragraph(row.cells[column].split("\n"), row.place))
        run.clear()

    for block in blocks:
        if isinstance(block, Row):
            filled = [i for i, cell in enumerate(block.cells) if cell]
            if len(filled) >= 2 or (run and filled and filled[0] > 0):
                run.append(block)
                continue
        flush()
        if isinstance(block, Paragraph):
            paragraphs.append(block)
            continue
        for cell in block.cells:
            if cell:
                paragraphs.append(Paragraph(cell.split("\n"), block.place))
    flush()
    return paragraphs


def _last_table_row(blocks: list[Block], header_at: int) -> int:
    """Index of the table's last row. A later Word table continues it when it repeats
    the header or has as many columns; another table (a list of approvals, say) ends it."""
    header = blocks[header_at]
    width = len(header.cells)
    last = header_at
    seen: dict[int, bool] = {header.table: True}
    for index in range(header_at + 1, len(blocks)):
        block = blocks[index]
        if not isinstance(block, Row):
            continue
        if block.table not in seen:
            seen[block.table] = is_header(block.cells) or len(block.cells) == width
        if not seen[block.table]:
            break
        last = index
    return last


def _build(blocks: list[Block], header_at: int, kind: str) -> ParsedRoadmap:
    roadmap = ParsedRoadmap(source_format=kind)
    last_row = _last_table_row(blocks, header_at)
    following = blocks[last_row + 1] if last_row + 1 < len(blocks) else None
    if (
        kind == "text"
        and isinstance(following, Paragraph)
        and following.place == blocks[last_row].place + 1
        and following.lines[0][:1].islower()
    ):
        last_row += 1  # the last row's last cell wrapped onto a line of its own
    read_header(_as_paragraphs(blocks[:header_at]), roadmap)
    table = TableParser(blocks[header_at].cells)
    for block in blocks[header_at + 1 : last_row + 1]:
        if isinstance(block, Row):
            table.add(block)
        else:
            for offset, line in enumerate(block.lines):
                table.add(Row(cells=[line], place=block.place + offset, loose=True))
    result = table.finish()
    roadmap.sections = result.sections
    roadmap.columns = result.columns
    closing = result.closing + ["\n".join(p.lines) for p in _as_paragraphs(blocks[last_row + 1 :])]
    roadmap.closing = "\n\n".join(closing)
    plan = roadmap.plan()
    roadmap.period_start, roadmap.period_end = plan.start, plan.end
    if plan.warning:
        roadmap.warnings.append(plan.warning)
    roadmap.warnings.extend(result.warnings)
    return roadmap
