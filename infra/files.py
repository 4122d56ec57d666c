"""Reading the tables people send: XLSX or CSV, recognised by content, not by name.

Every importer of the product reads through here, so size limits, type checks
and encodings are handled once. Cells come back as str, int, float, date or None.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import struct
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from infra import xlsx_pieces
from infra.xlsx_formats import PaddedBook, apply_to_columns, apply_to_rows
from infra.xlsx_pieces import columns_of, read_in_pieces

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / .doc
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
MAX_ZIP_RATIO = 200
# Excel's own sheet limits, and the used range (rows × columns) the readers may hold.
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
MAX_SHEET_CELLS = 50_000_000


# Text a spreadsheet would take for a formula (or for the start of one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_safe(value):
    """A value for a CSV or XLSX cell that Excel shows and never runs: text starting
    with = + - @, a tab or a carriage return gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class FileRejected(ValueError):
    """The file cannot be read at all; the message is for the user, in Russian."""


@dataclass
class Sheet:
    name: str
    rows: list[list] = field(default_factory=list)

    def head(self, limit: int = 30) -> list[list]:
        """The first rows, where headers are looked for."""
        return self.rows[:limit]

    def replace_row(self, index: int, row: list) -> None:
        """Put `row` in place of row `index` (a header the importer completed)."""
        self.rows[index] = row


class ColumnSheet(Sheet):
    """A sheet read column by column (`read_table(..., columnar=True)`): `columns`
    holds every column top to bottom (a list or a tuple), cells cleaned as in rows (text stripped, blank
    text None, whole floats int); `rows` is built from them on first use, exactly
    the rows `read_table` gives."""

    def __init__(self, name: str, columns: list):
        self.name = name
        self.columns = columns
        self._rows = None

    @property
    def rows(self) -> list[list]:
        if self._rows is None:
            self._rows = [_trimmed(list(row)) for row in zip(*self.columns, strict=True)]
        return self._rows

    @property
    def height(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def replace_row(self, index: int, row: list) -> None:
        columns = list(self.columns)
        for number, value in enumerate(row):
            if columns[number][index] != value:
                column = list(columns[number])
                column[index] = value
                columns[number] = column
        self.columns, self._rows = columns, None

    def head(self, limit: int = 30) -> list[list]:
        if self._rows is not None:
            return self._rows[:limit]
        head = (c[:limit] for c in self.columns)
        return [_trimmed(list(row)) for row in zip(*head, strict=True)]


def _trimmed(row: list) -> list:
    while row and row[-1] is None:
        row.pop()
    return row


def check_zip(
    data: bytes, filename: str, *, keep: dict | None = None, padded: PaddedBook | None = None
) -> zipfile.ZipFile:
    """Open an Office file's zip, refusing broken archives, zip bombs and sheets too big
    to hold in memory.

    Every part is inflated here, as a stream, and its real size compared with the
    one the archive declares: a bomb whose header lies about its size is caught
    before python-calamine or openpyxl inflate it. Sheets are measured as they
    stream by (their used range, not the cells written), because the readers
    allocate that range whole: one cell at XFD1048576 is seventeen billion cells.

    With `keep`, the XML of a book's only worksheet, when it is large enough to be
    read in pieces (`xlsx_pieces`), is kept there by part name as it streams by, and
    left to be measured by the caller (`_read_xlsx`, piece by piece on threads).

    With `padded`, the styles part is inflated first and, when it declares a
    zero-padded number format (`xlsx_formats`), the worksheets' cells shown with
    it are found as they stream by (a sheet kept for `keep` is left to the caller).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise FileRejected(_("Файл «%s» повреждён: это не книга Excel.") % filename) from exc
    total = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
        raise FileRejected(_("Файл «%s» отклонён: после распаковки он слишком велик.") % filename)
    worksheets = [info for info in infos if _WORKSHEET.match(info.filename)]
    if padded is not None:
        infos = padded.first(infos)
    for info in infos:
        sheet = _SheetExtent() if info in worksheets else None
        held = finder = part = None
        if keep is not None and worksheets == [info] and xlsx_pieces.worth_cutting(info.file_size):
            held, size, sheet = bytearray(info.file_size), 0, None
        elif padded is not None:
            if sheet is not None:
                finder = padded.finder(info.filename)
            elif padded.keeps(info.filename):
                part = []
        for chunk in _inflate(data, info, filename):
            if sheet is not None:
                sheet.scan(chunk)
                if finder is not None:
                    finder.feed(chunk)
            if held is not None:
                held[size : size + len(chunk)] = chunk
                size += len(chunk)
            if part is not None:
                part.append(chunk)
        if sheet is not None:
            sheet.check(filename, lambda info=info: _inflate(data, info, filename))
            if finder is not None:
                finder.finish()
        if held is not None:
            keep[info.filename] = held
        if part is not None:
            padded.kept(info.filename, b"".join(part))
    return archive


def _broken(filename: str) -> FileRejected:
    return FileRejected(_("Файл «%s» повреждён: архив внутри файла не читается.") % filename)


def _inflate(data: bytes, info: zipfile.ZipInfo, filename: str):
    """The bytes of one part in chunks, refusing it when it inflates past its declared size."""
    if info.flag_bits & 0x1:
        raise FileRejected(_("Файл «%s» защищён паролем; загрузите его без пароля.") % filename)
    start = info.header_offset
    if data[start : start + 4] != b"PK\x03\x04":
        raise _broken(filename)
    name_length, extra_length = struct.unpack("<HH", data[start + 26 : start + 30])
    begin = start + 30 + name_length + extra_length
    body = memoryview(data)[begin : begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        if len(body) != info.file_size:
            raise _broken(filename)
        yield from _slices(body)
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _broken(filename)
    inflater = zlib.decompressobj(-15)
    pending, size = bytes(body), 0
    while not inflater.eof:
        chunk = inflater.decompress(pending, _CHUNK)
        pending = inflater.unconsumed_tail
        if not chunk and not pending:
            break
        size += len(chunk)
        if size > info.file_size:
            raise FileRejected(
                _("Файл «%s» отклонён: после распаковки он слишком велик.") % filename
            )
        yield chunk
    if not inflater.eof or size != info.file_size:
        raise _broken(filename)


_CHUNK = 4 * 1024 * 1024
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
_ROW_REF = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_LONG_COLUMN = re.compile(rb'r="([A-Z]{2,})\d')
_CELL_REF = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_CELL_REF_AT = re.compile(rb'r="([A-Z]+)(\d+)')
# Rows past Excel's 1,048,576: eight digits or more, or seven above 1,099,999.
_SEVEN_DIGIT_BOUND = 1_099_999
_BEYOND_EXCEL = re.compile(rb'r="[A-Z]*(?:\d{8}|[2-9]\d{6}|1[1-9]\d{5})')


def _slices(view: memoryview):
    for offset in range(0, len(view), _CHUNK):
        yield bytes(view[offset : offset + _CHUNK])


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


class _SheetExtent:
    """The used range of a worksheet's XML, measured chunk by chunk.

    Columns are exact. Rows are the rows' own numbers, bounded for cells by the
    most digits a cell's row has; when that bound could pass the limit (a large
    wide sheet, or a cell placed far below) one slower pass counts exactly. No
    per-cell Python work in the common case.
    """

    def __init__(self):
        self.tail = b""
        self.declared = None
        self.rows = 0
        self.columns = 0
        self.digits = 0  # the most digits of a row number in a cell reference
        self.beyond_excel = False  # a row number above _SEVEN_DIGIT_BOUND

    def scan(self, chunk: bytes) -> None:
        text = self.tail + chunk
        if self.declared is None:
            found = _DIMENSION.search(text[:4096])
            self.declared = found.groups() if found else ()
        for number in _ROW_REF.findall(text):
            self.rows = max(self.rows, int(number))
        for letters in set(_LONG_COLUMN.findall(text)):
            self.columns = max(self.columns, _column_number(letters))
        # One search finds the next cell that widens the sheet (a single letter past
        # the widest column seen) or names a row with more digits than any so far.
        position = 0
        while found := self._widening().search(text, position):
            letters, number = _CELL_REF_AT.match(text, found.start()).groups()
            if len(letters) == 1:
                self.columns = max(self.columns, _column_number(letters))
            self.digits = max(self.digits, len(number))
            position = found.end()
        if self.digits >= 7 and not self.beyond_excel:
            self.beyond_excel = _BEYOND_EXCEL.search(text) is not None
        self.tail = text[-64:]

    def _widening(self) -> re.Pattern:
        more_digits = rb"[A-Z]+\d{%d}" % (self.digits + 1)
        if self.columns >= 26:
            return re.compile(rb'r="' + more_digits)
        return re.compile(rb'r="(?:[%c-Z]\d|%s)' % (65 + self.columns, more_digits))

    @classmethod
    def measured(cls, filename: str, view: memoryview) -> _SheetExtent:
        """The extent of a sheet's XML (or of a span of it: `xlsx_pieces`), checked."""
        extent = cls()
        for chunk in _slices(view):
            extent.scan(chunk)
        extent.check(filename, lambda: _slices(view))
        return extent

    @classmethod
    def merged(cls, extents: list[_SheetExtent]) -> _SheetExtent:
        """The extent of a sheet measured in spans (`extents`, in any order)."""
        whole = cls()
        whole.declared = next((e.declared for e in extents if e.declared), ())
        whole.rows = max((e.rows for e in extents), default=0)
        whole.columns = max((e.columns for e in extents), default=0)
        whole.digits = max((e.digits for e in extents), default=0)
        whole.beyond_excel = any(e.beyond_excel for e in extents)
        return whole

    def check(self, filename: str, chunks) -> None:
        """Refuse the sheet when its used range is over the limits; `chunks()` gives
        its XML again, for the exact count when the measure cannot tell."""
        if self.declared:
            _, _, last_column, last_row = self.declared
            if last_column and last_row:
                self._refuse_if_over(filename, int(last_row), _column_number(last_column))
        rows = self.rows
        bound = 10 ** max(self.digits, len(str(rows))) - 1
        if bound > MAX_SHEET_ROWS and not self.beyond_excel:
            bound = _SEVEN_DIGIT_BOUND
        if self.beyond_excel or bound * max(self.columns, 1) > MAX_SHEET_CELLS:
            # A cell may sit below the last <row> (as far as its digits allow) and the
            # range could then pass the limit: count exactly (one slower pass).
            tail = b""
            for chunk in chunks():
                for letters, number in _CELL_REF.findall(tail + chunk):
                    rows = max(rows, int(number))
                    self.columns = max(self.columns, _column_number(letters))
                tail = chunk[-64:]
        self._refuse_if_over(filename, rows, max(self.columns, 1))

    @staticmethod
    def _refuse_if_over(filename: str, rows: int, columns: int) -> None:
        if columns > MAX_SHEET_COLUMNS or rows > MAX_SHEET_ROWS or rows * columns > MAX_SHEET_CELLS:
            raise FileRejected(
                _(
                    "Файл «%(name)s» отклонён: лист занимает %(rows)s строк и %(columns)s столбцов, "
                    "больше, чем можно прочитать (не больше %(cells)s млн ячеек)."
                )
                % {
                    "name": filename,
                    "rows": f"{rows:,}".replace(",", " "),
                    "columns": f"{columns:,}".replace(",", " "),
                    "cells": MAX_SHEET_CELLS // 10**6,
                }
            )


def sniff_kind(data: bytes) -> str:
    """'xlsx', 'docx', 'ole' or 'text', by the bytes."""
    if data.startswith(XLSX_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            return "docx"
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    return "text"


def decode_text(data: bytes) -> str:
    """Text in UTF-8 (with or without BOM) or Windows-1251, as Russian offices write it."""
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected(
        _("Не удалось определить кодировку текста (ожидается UTF-8 или Windows-1251).")
    )


def read_bytes(source, *, filename: str | None = None) -> tuple[bytes, str]:
    """The content of a path or an uploaded file, refusing files over the limit."""
    limit = settings.UPLOAD_MAX_BYTES
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        if not path.is_file():
            raise FileRejected(_("Файл «%s» не найден.") % path)
        if path.stat().st_size > limit:
            raise FileRejected(
                _("Файл «%(name)s» больше %(mb)d МБ.") % {"name": filename, "mb": limit // 2**20}
            )
        return path.read_bytes(), filename
    filename = filename or getattr(source, "name", "file")
    size = getattr(source, "size", None)
    if size is not None and size > limit:
        raise FileRejected(
            _("Файл «%(name)s» больше %(mb)d МБ.") % {"name": filename, "mb": limit // 2**20}
        )
    data = source.read(limit + 1)
    if len(data) > limit:
        raise FileRejected(
            _("Файл «%(name)s» больше %(mb)d МБ.") % {"name": filename, "mb": limit // 2**20}
        )
    return data, filename


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside: a large table's millions of cells hold
    no cycles, and the collector's passes over them cost as much as reading them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_table(source, *, filename: str | None = None, columnar: bool = False) -> list[Sheet]:
    """All sheets of an XLSX file, or the one table of a CSV file.

    With `columnar`, sheets are ColumnSheets (the same cells, held by column): large
    tables are read without a Python object per row, a CSV by pyarrow's reader."""
    with gc_paused():
        return _read_table(source, filename=filename, columnar=columnar)


def _read_table(source, *, filename, columnar) -> list[Sheet]:
    data, filename = read_bytes(source, filename=filename)
    kind = sniff_kind(data)
    if kind == "xlsx":
        return _read_xlsx(data, filename, columnar=columnar)
    if kind == "text":
        text = decode_text(data)
        if columnar and (columns := _csv_columns(data, text)) is not None:
            return [ColumnSheet(filename, columns)]
        return [Sheet(name=filename, rows=_read_csv(text))]
    if kind == "ole":
        raise FileRejected(
            _("Файл «%s» в старом формате Excel 97–2003 (.xls): сохраните его как .xlsx.")
            % filename
        )
    if kind == "zip":
        raise FileRejected(_("Файл «%s» повреждён или не является книгой Excel.") % filename)
    raise FileRejected(_("Файл «%s» не является таблицей XLSX или CSV.") % filename)


def _read_xlsx(data: bytes, filename: str, *, columnar: bool = False) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    kept = {} if columnar else None
    padded = PaddedBook()
    archive = check_zip(data, filename, keep=kept, padded=padded)
    if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
        raise FileRejected(
            _("Файл «%s» содержит макросы; загрузите книгу без макросов.") % filename
        )
    try:
        if kept:
            pieces = read_sheet_in_pieces(
                archive, *kept.popitem(), filename=filename, padded=padded
            )
            if pieces is not None:
                _show_padded(pieces, padded)
                return pieces
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if columnar:
                sheets.append(ColumnSheet(name, columns_of(rows)))
            else:
                sheets.append(Sheet(name=name, rows=[_clean_row(r) for r in rows]))
        _show_padded(sheets, padded)
        return sheets
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own error types for broken books
        raise FileRejected(_("Файл «%s» не удалось прочитать как книгу Excel.") % filename) from exc


def _show_padded(sheets: list[Sheet], padded: PaddedBook) -> None:
    """Cells whose number format pads with zeros written as Excel shows them."""
    found = padded.cells_of([sheet.name for sheet in sheets])
    for sheet in sheets:
        cells = found.get(sheet.name)
        if not cells:
            continue
        if isinstance(sheet, ColumnSheet):
            columns = list(sheet.columns)
            apply_to_columns(columns, cells, padded.styles)
            sheet.columns, sheet._rows = columns, None
        else:
            apply_to_rows(sheet.rows, cells, padded.styles)


def read_sheet_in_pieces(
    archive: zipfile.ZipFile,
    part: str,
    xml: bytearray,
    *,
    filename: str,
    padded: PaddedBook | None = None,
) -> list[ColumnSheet] | None:
    """The book's only sheet (`part`, its XML `xml`) read in pieces on threads
    (`xlsx_pieces`), measured as `check_zip` measures a sheet; None when it cannot
    be cut, and it is then measured whole, to be read in one call. With `padded`
    (`check_zip`'s), its padded cells are found as the pieces are measured."""
    extents = []
    finder = padded.finder(part) if padded is not None else None

    def measure(view):
        extents.append(_SheetExtent.measured(filename, view))
        if finder is not None:
            finder.feed(view)

    def judge(view):
        _SheetExtent.merged(extents).check(filename, lambda: _slices(view))

    pieces = read_in_pieces(archive, part, xml, measure, judge)
    if finder is not None:
        finder.finish()
    return None if pieces is None else [ColumnSheet(name, columns) for name, columns in pieces]


def _csv_delimiter(text: str) -> str:
    sample = text[:20000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        return ";" if sample.count(";") >= sample.count(",") else ","
    if delimiter == ",":
        # The sniffer prefers «,» when both are regular, but Excel in Russian puts «;»
        # between cells because «,» is its decimal comma («58,3» once in every line).
        lines = [line for line in sample.splitlines() if line.strip()][:200]
        if sum(";" in line for line in lines) >= sum("," in line for line in lines):
            return ";"
    return delimiter


def _csv_columns(data: bytes, text: str) -> list[list] | None:
    """The CSV's columns read by pyarrow, cleaned like rows; None when the table is not
    rectangular (a title line, rows of other widths, blank lines) or pyarrow cannot
    read it: the row reader, which takes any shape, reads it then."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    delimiter = _csv_delimiter(text)
    first = text.split("\n", 1)[0]
    try:
        width = len(next(csv.reader([first], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return None
    raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not data.startswith(b"\xef\xbb\xbf"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raw = text.encode("utf-8")  # decode_text read it as Windows-1251
    try:
        table = arrow_csv.read_csv(
            pa.py_buffer(raw),
            read_options=arrow_csv.ReadOptions(
                autogenerate_column_names=True, block_size=16 * 1024 * 1024
            ),
            parse_options=arrow_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    if table.num_columns != width:
        return None
    import numpy as np

    columns = []
    for column in table.columns:
        # Each distinct value is made a Python string and cleaned once (a column of
        # scores holds a dozen): the column is the distinct values taken by index,
        # every cell of one value the same object.
        encoded = column.combine_chunks().dictionary_encode()
        distinct = np.array(
            [v.strip() or None for v in encoded.dictionary.to_pylist()] or [None], dtype=object
        )
        columns.append(distinct[encoded.indices.to_numpy()].tolist())
    return columns


def _read_csv(text: str) -> list[list]:
    delimiter = _csv_delimiter(text)
    try:
        return [
            _clean_row(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise FileRejected(_("Текст не удалось прочитать как таблицу CSV: %s.") % exc) from exc


def _clean_row(row) -> list:
    """Strip text, turn blank text into None and whole floats into ints, drop trailing blanks.

    Every importer reads every cell through here, so it is written for speed.
    """
    cleaned = [
        (value.strip() or None)
        if type(value) is str
        else (int(value) if type(value) is float and value.is_integer() else value)
        for value in row
    ]
    while cleaned and cleaned[-1] is None:
        cleaned.pop()
    return cleaned


def _clean_text_row(row: list[str]) -> list:
    """_clean_row for CSV, where every cell is text: the hot loop of large imports."""
    cleaned = [value.strip() or None for value in row]
    while cleaned and cleaned[-1] is None:
        cleaned.pop()
    return cleaned


def column_letter(index: int) -> str:
    """0 → 'A', 27 → 'AB': how Excel names the column, for messages."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
