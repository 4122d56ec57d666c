"""A large worksheet read in pieces on every core.

python-calamine parses a sheet in one call, and that call is most of an XLSX
import's time. It releases the GIL while it parses, so threads parse on several
cores: the sheet's XML (inflated once by `files.check_zip`) is cut at `<row>`s into
a few pieces, each written as a book holding those rows and every other part as it
was; the pieces' cells keep their own row and column numbers, and their columns are
joined into the columns one reading gives.

There are more pieces than threads (`PIECES_PER_THREAD` a thread), so the work
that needs the GIL overlaps the parsing: the calling thread measures each piece
(its used range, as `files.check_zip` measures a sheet, refused before calamine
allocates it) before it hands the piece to a parsing thread, and cleans the cells
of the pieces already read while later pieces parse.

The cut is made only where it cannot change what is read: one worksheet in the
book, a `<sheetData>` without a namespace prefix, no comment or CDATA section
inside it, cut rows that carry their own numbers (rows after one without a number
are numbered from it, as in the whole sheet), and every row of a piece below every
row of the piece before. Otherwise `read_in_pieces` returns None and the sheet is
read in one call.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

# Below this a sheet is read in one call: the cut saves little and costs copies.
SPLIT_MIN_BYTES = 8 * 2**20
# Pieces for each thread: while the calling thread measures and cleans pieces
# (under the GIL) the threads parse others.
PIECES_PER_THREAD = 3
# A piece's least size: smaller ones add their copies and their books' other parts.
PIECE_MIN_BYTES = 2 * 2**20


def threads() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0))


def worth_cutting(size: int) -> bool:
    """Whether a worksheet of `size` bytes of XML is read in pieces: a large one, on a
    machine that gives this process a second core (on one core the pieces only add
    their copies, about half a second of CPU per 100 MB of XML)."""
    return size >= SPLIT_MIN_BYTES and threads() > 1


_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"
_ROW_NUMBER = re.compile(rb'\sr="\d+"')


def cut_points(xml: bytes | bytearray, pieces: int) -> tuple[int, list[int], int] | None:
    """(end of `<sheetData>`, the starts of the rows the pieces after the first begin
    with, start of `</sheetData>`), or None when the sheet cannot be cut safely."""
    start = xml.find(_OPEN)
    close = xml.rfind(_CLOSE)
    if start < 0 or close < start:
        return None
    start += len(_OPEN)
    if xml.find(b"<!", start, close) >= 0:  # a comment or a CDATA section
        return None
    cuts = []
    for k in range(1, pieces):
        after = max(start + (close - start) * k // pieces, cuts[-1] + 1 if cuts else start)
        cut = xml.find(b"<row ", after, close)
        if cut < 0:
            break
        tag_end = xml.find(b">", cut, close)
        if tag_end < 0 or not _ROW_NUMBER.search(xml, cut, tag_end):
            return None
        cuts.append(cut)
    if not cuts:
        return None
    return start, cuts, close


def read_in_pieces(
    archive: zipfile.ZipFile, part: str, xml: bytearray, measure, judge
) -> list | None:
    """[(name, columns)] of the book's one sheet, `part` (its inflated XML `xml`, which
    the caller holds no more), parsed in pieces on threads; None when it cannot be
    cut safely, and the sheet is then read whole by the caller.

    The sheet is measured as `files.check_zip` measures one, before calamine parses
    any of it: this thread calls `measure(view)` with each piece's XML (the first
    with the sheet's head and its `<dimension>`, the last with the sheet's tail) and
    hands the piece to a parsing thread only then; `measure` raises to refuse the
    sheet. So the next pieces are measured while the first parse. Once every piece is
    measured, `judge(view)` is called with the whole XML, to refuse the sheet by what
    the pieces measured together. Uncut, the sheet is measured whole (`measure` of
    the whole XML) before this returns None.

    A parsing thread writes its piece's book as a temporary file (in TMPDIR:
    calamine reads a file as it parses, a book in memory would be copied whole into
    it), parses it and makes its cells Python values; this thread cleans them into
    columns, piece by piece, while later pieces parse. The XML is let go as soon as
    every book is written."""
    from python_calamine import CalamineWorkbook

    workers = min(threads(), 4)
    pieces = max(2, min(workers * PIECES_PER_THREAD, len(xml) // PIECE_MIN_BYTES))
    bounds = cut_points(xml, pieces)
    if bounds is None:
        measure(memoryview(xml))
        return None
    start, cuts, close = bounds
    others = [(i.filename, archive.read(i)) for i in archive.infolist() if i.filename != part]
    edges = [start, *cuts, close]
    spans = [0, *cuts, len(xml)]  # what each piece's measure reads: every byte once
    held, writing, lock = {"xml": xml}, [len(edges) - 1], threading.Lock()
    del xml

    def parse(k: int):
        view = memoryview(held["xml"])
        try:
            book = _written(
                others, part, (view[:start], view[edges[k] : edges[k + 1]], view[close:])
            )
        finally:
            del view
            with lock:
                writing[0] -= 1
                if not writing[0]:
                    held.clear()
        if book is None:
            return None
        with book:
            workbook = CalamineWorkbook.from_path(book.name)
            if len(workbook.sheet_names) != 1:
                return None
            sheet = workbook.get_sheet_by_index(0)
            if sheet.start is None:
                return sheet.name, None, None, []
            return sheet.name, sheet.start, sheet.end, sheet.to_python(skip_empty_area=True)

    read = []
    with ThreadPoolExecutor(workers, thread_name_prefix="xlsx-piece") as pool:
        futures = []
        try:
            view = memoryview(held["xml"])
            try:
                for k in range(len(edges) - 1):
                    measure(view[spans[k] : spans[k + 1]])
                    futures.append(pool.submit(parse, k))
                judge(view)
            finally:
                del view
            for future in futures:
                piece = future.result()
                if piece is not None:
                    piece = (*piece[:3], columns_of(piece[3]))
                read.append(piece)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    if any(piece is None for piece in read):
        return None
    return _joined(read)


def _written(others: list, part: str, pieces):
    """A temporary file holding the book of `pieces` (the sheet's XML in parts),
    stored (not compressed: calamine reads it without inflating, and compressing
    would cost more than it saves); None when there is nowhere to write it."""
    try:
        file = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the caller's)
    except OSError:
        return None
    try:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as out:
            for name, body in others:
                out.writestr(name, body)
            with out.open(part, "w", force_zip64=True) as sheet:
                for piece in pieces:
                    sheet.write(piece)
        file.flush()
    except OSError:  # no room for the piece
        file.close()
        return None
    return file


def _joined(read: list) -> list | None:
    """[(name, columns)] of the pieces' (name, start, end, columns): the columns one
    reading of the whole sheet gives (from row and column 0, as calamine's
    `to_python(skip_empty_area=False)`); None when a piece's rows are not all below
    the rows of the pieces before it."""
    name = read[0][0]
    present = [(first, last, columns) for _name, first, last, columns in read if first]
    if not present:
        return [(name, [])]
    for (_first, above, _columns), (below, _last, _) in zip(present, present[1:], strict=False):
        if below[0] <= above[0]:
            return None  # rows out of order across a cut: read the sheet whole
    width = max(last[1] for _first, last, _columns in present) + 1
    joined = [[] for _j in range(width)]
    row = 0
    for (row0, column0), (row1, column1), columns in present:
        height = row1 - row0 + 1
        gap = row0 - row
        for j, column in enumerate(joined):
            if gap:
                column.extend([None] * gap)
            if column0 <= j <= column1:
                column.extend(columns[j - column0])
            else:
                column.extend([None] * height)
        row = row1 + 1
    return [(name, joined)]


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
