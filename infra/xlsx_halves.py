"""A large worksheet read on two cores.

python-calamine parses a sheet in one call, and that call is most of an XLSX
import's time. It releases the GIL while it parses, so two threads parse on two
cores: the sheet's XML (already inflated once by `files.check_zip`) is cut at a
`<row>` near its middle into two workbooks, each holding one half of the rows and
every other part as it was; the halves' cells keep their own row and column
numbers, and their columns are joined into the columns one reading gives.

The cut is made only where it cannot change what is read: one worksheet in the
book, a `<sheetData>` without a namespace prefix, no comment or CDATA section
inside it, a cut row that carries its own number (rows after it without one are
numbered from it, as in the whole sheet), and every row of the second half below
every row of the first. Otherwise `read_in_halves` returns None and the sheet is
read in one call.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import zipfile

# Below this a sheet is read in one call: the cut saves little and costs copies.
SPLIT_MIN_BYTES = 8 * 2**20


def worth_cutting(size: int) -> bool:
    """Whether a worksheet of `size` bytes of XML is read in halves: a large one, on a
    machine that gives this process a second core (on one core the halves only add
    their copies, about half a second of CPU per 100 MB of XML)."""
    return size >= SPLIT_MIN_BYTES and len(os.sched_getaffinity(0)) > 1


_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"
_ROW_NUMBER = re.compile(rb'\sr="\d+"')


def split_point(xml: bytes | bytearray) -> tuple[int, int, int] | None:
    """(end of `<sheetData>`, start of the cut row, start of `</sheetData>`), or None
    when the sheet cannot be cut safely."""
    start = xml.find(_OPEN)
    close = xml.rfind(_CLOSE)
    if start < 0 or close < start:
        return None
    start += len(_OPEN)
    if xml.find(b"<!", start, close) >= 0:  # a comment or a CDATA section
        return None
    cut = xml.find(b"<row ", (start + close) // 2, close)
    if cut < 0:
        return None
    tag_end = xml.find(b">", cut, close)
    if tag_end < 0 or not _ROW_NUMBER.search(xml, cut, tag_end):
        return None
    return start, cut, close


def read_in_halves(archive: zipfile.ZipFile, part: str, xml: bytearray) -> list | None:
    """[(name, columns)] of the book's one sheet, `part` (its inflated XML `xml`, which
    the caller holds no more) parsed as two halves in two threads; None when it
    cannot be cut safely.

    Each thread builds its half's book and has calamine load and parse it (both
    release the GIL for most of their time); the first thread then turns its cells
    into columns while the second may still be parsing. The books are temporary
    files (in TMPDIR), and the XML is let go as soon as both are written, before
    the cells are made."""
    from python_calamine import CalamineWorkbook

    bounds = split_point(xml)
    if bounds is None:
        return None
    start, cut, close = bounds
    others = [(i.filename, archive.read(i)) for i in archive.infolist() if i.filename != part]
    held, loading, lock = {"xml": xml}, [2], threading.Lock()
    del xml

    def parse(first: bool):
        view = memoryview(held["xml"])
        pieces = (view[:cut], view[close:]) if first else (view[:start], view[cut:])
        # A file calamine reads as it parses: a book in memory would be copied whole
        # into calamine and held there through the parse.
        try:
            file = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (entered below)
        except OSError:  # nowhere to write the halves: the sheet is read whole
            return None
        with file:
            try:
                _book(others, part, pieces, file)
                file.flush()
            except OSError:  # no room for the halves: the sheet is read whole
                return None
            finally:
                del view, pieces
            with lock:
                loading[0] -= 1
                if not loading[0]:
                    held.clear()
            book = CalamineWorkbook.from_path(file.name)
            return book.get_sheet_by_index(0) if len(book.sheet_names) == 1 else None

    below = {}

    def parse_second():
        try:
            below["sheet"] = parse(first=False)
        except BaseException as exc:  # re-raised in the caller's thread
            below["error"] = exc

    worker = threading.Thread(target=parse_second, name="xlsx-second-half")
    worker.start()
    try:
        top = parse(first=True)
        top_columns = columns_of(top.to_python(skip_empty_area=False)) if top else None
    finally:
        worker.join()
    if "error" in below:
        raise below["error"]
    bottom = below["sheet"]
    if top is None or bottom is None:
        return None
    if bottom.start is None:
        return [(top.name, top_columns)]
    top_end = top.end[0] if top.start is not None else -1
    (row0, column0), (_, column1) = bottom.start, bottom.end
    if row0 <= top_end:
        return None  # rows out of order across the cut: read the sheet whole
    bottom_columns = columns_of(bottom.to_python(skip_empty_area=True))
    top_height = len(top_columns[0]) if top_columns else 0
    bottom_height = len(bottom_columns[0])
    gap = [None] * (row0 - top_end - 1)
    width = max(len(top_columns), column1 + 1)
    columns = []
    for j in range(width):
        upper = top_columns[j] if j < len(top_columns) else [None] * top_height
        lower = bottom_columns[j - column0] if column0 <= j <= column1 else [None] * bottom_height
        columns.append(upper + gap + lower)
    return [(top.name, columns)]


def _book(others: list, part: str, pieces, file) -> None:
    """The book written to `file`, stored (not compressed: calamine reads it without
    inflating, and compressing would cost more than it saves)."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as out:
        for name, body in others:
            out.writestr(name, body)
        with out.open(part, "w", force_zip64=True) as sheet:
            for piece in pieces:
                sheet.write(piece)


def columns_of(rows: list[list]) -> list[list]:
    """The rows' columns (short rows padded with None), cells cleaned as
    `files._clean_row` does: text stripped, blank text None, whole floats int.

    Cell by cell in one comprehension: cleaning each distinct value once and mapping
    the column through them measured slower (calamine's strings are new objects,
    each hashed once)."""
    width = max(map(len, rows), default=0)
    cleaned = [
        [
            (value.strip() or None)
            if type(value) is str
            else (int(value) if type(value) is float and value.is_integer() else value)
            for value in row
        ]
        for row in rows
    ]
    for row in cleaned:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    return [list(column) for column in zip(*cleaned, strict=True)]
