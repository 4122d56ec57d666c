"""A large sheet read in pieces on threads (infra/xlsx_pieces.py) gives the cells
one reading of the whole sheet gives, or is read whole where a cut could change
them; a broken piece is refused as a broken book is, and a piece whose range is
too large to hold is refused before it is parsed."""

import io
import os
import tempfile
import zipfile
from datetime import datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from infra import xlsx_pieces
from infra.files import ColumnSheet, FileRejected, check_zip, read_sheet_in_pieces, read_table
from infra.xlsx_pieces import columns_of

PART = "xl/worksheets/sheet1.xml"


def _book(rows, *, sheets=1) -> bytes:
    """A book written by openpyxl (shared strings, a <dimension>, styles) with `rows`."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for i in range(1, sheets):
        book.create_sheet(f"Лист{i + 1}")["A1"] = "ещё"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite(data: bytes, change) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, change(body) if info.filename == PART else body)
    return out.getvalue()


def _whole(data: bytes) -> list:
    """The columns of one calamine reading of the first sheet."""
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return columns_of(sheet.to_python(skip_empty_area=False))


def _pieces(data: bytes):
    """[(name, columns)] of the pieces' reading, or None."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheets = read_sheet_in_pieces(archive, PART, bytearray(archive.read(PART)), filename="x.xlsx")
    return None if sheets is None else [(s.name, s.columns) for s in sheets]


@pytest.fixture(params=["two pieces", "many pieces"])
def pieces(request, monkeypatch):
    """A test that takes it reads with two pieces, then with as many as the rows allow."""
    if request.param == "many pieces":
        monkeypatch.setattr(xlsx_pieces, "PIECE_MIN_BYTES", 1)
        monkeypatch.setattr(xlsx_pieces, "PIECES_PER_THREAD", 7)
    else:
        monkeypatch.setattr(xlsx_pieces, "PIECE_MIN_BYTES", 2**40)
    return request.param


def _rows(n: int, width: int = 6) -> list[list]:
    """Pupil-like rows of every kind of cell: text with spaces, whole and fractional
    numbers, booleans, dates, blanks and rows left empty."""
    rows = [[f"Столбец {j}" for j in range(width)]]
    for i in range(n):
        row = [f" edu{i % 7:04d} ", i % 3, 0.5 * i, i % 5 == 0, datetime(2026, 1, 1 + i % 28)]
        row += ["x" if i % 11 == 0 else i % 4] * (width - len(row))
        rows.append(row if i % 13 else [None] * width)
    return rows


def test_the_pieces_hold_the_cells_of_one_reading(pieces):
    data = _book(_rows(400))
    read = _pieces(data)
    assert read is not None
    [(name, columns)] = read
    assert name == "Sheet" and columns == _whole(data)
    assert len(columns[0]) == 401 and columns[0][1] is None and columns[0][2] == "edu0001"
    assert columns[2][3] == 1 and type(columns[2][3]) is int and columns[2][4] == 1.5


@pytest.mark.parametrize(
    "shape",
    [
        "a gap of empty rows at the cut",
        "the first column empty below the cut",
        "a wider row below the cut",
        "a wider row above the cut",
        "nothing below the cut but empty rows",
    ],
)
def test_pieces_of_every_shape_hold_the_cells_of_one_reading(shape, pieces):
    rows = _rows(300)
    if shape == "a gap of empty rows at the cut":
        rows[120:200] = [[None] * 6] * 80
    elif shape == "the first column empty below the cut":
        for row in rows[100:]:
            row[0] = None
    elif shape == "a wider row below the cut":
        rows[-3] = rows[-3] + [None, None, "дальше"]
    elif shape == "a wider row above the cut":
        rows[2] = rows[2] + [None, "дальше"]
    elif shape == "nothing below the cut but empty rows":
        rows[40:] = [["", None, "  "]] * 260
    data = _book(rows)
    read = _pieces(data)
    assert read is not None
    assert read[0][1] == _whole(data)


def test_rows_out_of_order_across_a_cut_are_read_whole(monkeypatch, pieces):
    def swap(body: bytes) -> bytes:
        # The last row with cells moved to the top of the sheet's data.
        end = body.index(b"</sheetData>")
        last = body.rindex(b"<row ", 0, body.rindex(b"<c "))
        first = body.index(b"<row ")
        return body[:first] + body[last:end] + body[first:last] + body[end:]

    data = _rewrite(_book(_rows(300)), swap)
    assert _pieces(data) is None
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    assert read_table(io.BytesIO(data), filename="x.xlsx", columnar=True)[0].columns == _whole(data)


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body.replace(b' r="', b' x="'),
        lambda body: body.replace(b"</row>", b'</row><!-- <row r="9"> -->', 1),
    ],
    ids=["rows without their numbers", "a comment among the rows"],
)
def test_a_sheet_a_cut_could_change_is_read_whole(change, pieces):
    data = _rewrite(_book(_rows(300)), change)
    assert _pieces(data) is None


def test_a_broken_last_piece_is_refused_as_a_broken_book(monkeypatch, pieces):
    def truncate(body: bytes) -> bytes:
        cut = body.rindex(b"<row ")
        return body[: cut + 20] + body[body.index(b"</sheetData>") :]

    data = _rewrite(_book(_rows(300)), truncate)
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    with pytest.raises(FileRejected, match="не удалось прочитать как книгу Excel"):
        read_table(io.BytesIO(data), filename="итоги.xlsx", columnar=True)


TWO_CORES = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="the pieces are read only with a second core"
)


@TWO_CORES
def test_only_a_large_only_sheet_is_kept_to_be_cut(monkeypatch):
    small, two = _book(_rows(50)), _book(_rows(50), sheets=2)
    kept = {}
    check_zip(small, "x.xlsx", keep=kept)
    assert kept == {}
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    check_zip(small, "x.xlsx", keep=kept)
    assert bytes(kept[PART]) == zipfile.ZipFile(io.BytesIO(small)).read(PART)
    kept.clear()
    check_zip(two, "x.xlsx", keep=kept)
    assert kept == {}


def test_a_table_read_in_pieces_holds_the_rows_the_row_reader_gives(monkeypatch, pieces):
    data = _book(_rows(300))
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    [columnar] = read_table(io.BytesIO(data), filename="x.xlsx", columnar=True)
    [plain] = read_table(io.BytesIO(data), filename="x.xlsx")
    assert isinstance(columnar, ColumnSheet) and columnar.name == "Sheet"
    assert columnar.rows == plain.rows


@TWO_CORES
def test_on_one_core_the_sheet_is_read_whole(monkeypatch):
    data = _book(_rows(50))
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        kept = {}
        check_zip(data, "x.xlsx", keep=kept)
        [sheet] = read_table(io.BytesIO(data), filename="x.xlsx", columnar=True)
    finally:
        os.sched_setaffinity(0, cores)
    assert kept == {}
    assert sheet.columns == _whole(data)


def test_with_nowhere_to_write_the_pieces_the_sheet_is_read_whole(monkeypatch, tmp_path, pieces):
    data = _book(_rows(300))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    assert _pieces(data) is None
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    [sheet] = read_table(io.BytesIO(data), filename="x.xlsx", columnar=True)
    assert sheet.columns == _whole(data)


def _with_cell(data: bytes, row: int, cell: bytes) -> bytes:
    """`data` with `cell` (a <c> element) added at the end of sheet row `row`."""

    def add(body: bytes) -> bytes:
        at = body.index(b"</row>", body.index(b'<row r="%d"' % row))
        return body[:at] + cell + body[at:]

    return _rewrite(data, add)


@pytest.mark.parametrize("row", [3, 150, 301], ids=["first piece", "middle", "last piece"])
def test_a_piece_with_a_cell_far_away_is_refused_before_it_is_read(monkeypatch, pieces, row):
    # Parsed, that one cell would make calamine allocate 17 billion cells.
    data = _with_cell(_book(_rows(300)), row, b'<c r="XFD1048576"><v>1</v></c>')
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    with pytest.raises(FileRejected, match="лист занимает 1 048 576 строк и 16 384 столбцов"):
        read_table(io.BytesIO(data), filename="итоги.xlsx", columnar=True)


def test_pieces_within_the_limit_each_are_judged_together(monkeypatch, pieces):
    """A wide row near the top and many rows below: each piece holds a small range,
    the sheet as a whole is over the limit and is refused as a sheet read whole is."""
    data = _with_cell(_book(_rows(300)), 2, b'<c r="AD2"><v>1</v></c>')
    monkeypatch.setattr("infra.files.MAX_SHEET_CELLS", 5000)
    with pytest.raises(FileRejected, match="лист занимает 301 строк и 30 столбцов"):
        read_table(io.BytesIO(data), filename="итоги.xlsx", columnar=True)  # whole
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    with pytest.raises(FileRejected, match="лист занимает 301 строк и 30 столбцов"):
        read_table(io.BytesIO(data), filename="итоги.xlsx", columnar=True)
    monkeypatch.setattr("infra.files.MAX_SHEET_CELLS", 301 * 30)
    [sheet] = read_table(io.BytesIO(data), filename="итоги.xlsx", columnar=True)
    assert len(sheet.columns) == 30 and sheet.columns[29][1] == 1


def _stored(data: bytes) -> bytes:
    """The same book with every part stored, not deflated."""
    source, stored = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    return stored.getvalue()


def test_a_book_stored_without_compression_is_measured_as_a_deflated_one():
    """Zip parts may be stored as they are: the sheet's range is measured all the same."""
    data = _book(_rows(40))
    [plain] = read_table(io.BytesIO(data), filename="x.xlsx")
    [same] = read_table(io.BytesIO(_stored(data)), filename="x.xlsx")
    assert same.rows == plain.rows and len(same.rows) > 30
    far = _stored(_with_cell(data, 3, b'<c r="XFD1048576"><v>1</v></c>'))
    with pytest.raises(FileRejected, match="лист занимает 1 048 576 строк и 16 384 столбцов"):
        read_table(io.BytesIO(far), filename="итоги.xlsx")
