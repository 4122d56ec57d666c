"""Numbers whose leading zeros live only in the cell's number format (infra/xlsx_formats.py)
are read as Excel shows them, on the whole-book path and on the pieces path; a book
without such a format is read as before, without looking at its sheets again."""

import io
import zipfile

import openpyxl
import pytest

from infra import files, xlsx_pieces
from infra.xlsx_formats import PaddedBook, padded_format, padded_styles


@pytest.mark.parametrize(
    "code, expected",
    [
        ("00000", ("", 5)),
        ("000000", ("", 6)),
        ('"ОО "000000', ("ОО ", 6)),
        ("\\R\\U00000", ("RU", 5)),
        ("[$-419]000000", ("", 6)),
        ("-00", ("-", 2)),
        ("0", None),  # no zero to add
        ("General", None),
        ("@", None),
        ("0.00", None),
        ("#,##0", None),
        ('00" б."', None),  # a unit after a quantity, not a code
        ("00000-0000", None),
        ("000000;-000000", None),
        ("#00000", None),
        ('"ОО 000000', None),  # an unclosed quote
    ],
)
def test_which_formats_pad_with_zeros(code, expected):
    assert padded_format(code) == expected


def _book(cells, *, title="Лист1", more=None) -> bytes:
    """A book written by openpyxl: `cells` {(row, column): (value, format or None)}."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for (row, column), (value, number_format) in cells.items():
        cell = sheet.cell(row, column, value)
        if number_format:
            cell.number_format = number_format
    if more:
        other = book.create_sheet(more[0])
        for (row, column), (value, number_format) in more[1].items():
            other.cell(row, column, value).number_format = number_format or "General"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CELLS = {
    (1, 1): ("Код", None),
    (1, 2): ("Балл", None),
    (2, 1): (101, "00000"),
    (2, 2): (5, "00"),
    (3, 1): ("40102", "00000"),  # text keeps its text
    (3, 2): (1.5, "00"),  # a fraction keeps its number
    (4, 1): (40103, None),
    (4, 2): (12, "00"),
    (5, 1): (7, '"ОО "000000'),
    (5, 2): (True, "00"),
}


@pytest.mark.parametrize("columnar", [False, True])
def test_padded_numbers_are_read_as_excel_shows_them(columnar):
    [sheet] = files.read_table(io.BytesIO(_book(CELLS)), filename="x.xlsx", columnar=columnar)
    assert sheet.rows == [
        ["Код", "Балл"],
        ["00101", "05"],
        ["40102", 1.5],
        [40103, "12"],
        ["ОО 000007", True],
    ]


def test_each_sheet_gets_its_own_cells():
    data = _book(CELLS, title="Протокол & <итоги>", more=("Школы", {(3, 2): (50102, "000000")}))
    first, second = files.read_table(io.BytesIO(data), filename="x.xlsx")
    assert first.rows[1] == ["00101", "05"] and first.rows[3] == [40103, "12"]
    assert second.rows == [[], [], [None, "050102"]]


def test_a_book_without_a_padded_format_is_not_searched(monkeypatch):
    searched = []
    real = PaddedBook.finder

    def finder(self, part):
        found = real(self, part)
        searched.append((part, found))
        return found

    monkeypatch.setattr(PaddedBook, "finder", finder)
    data = _book({(1, 1): ("Код", None), (2, 1): (101, "0"), (3, 1): (0.5, "0.00")})
    [sheet] = files.read_table(io.BytesIO(data), filename="x.xlsx")
    assert sheet.rows == [["Код"], [101], [0.5]]
    assert searched == [("xl/worksheets/sheet1.xml", None)]


def test_the_styles_part_names_the_cell_styles_by_their_index():
    styles = (
        b'<x:styleSheet xmlns:x="s"><x:numFmts count="2">'
        b'<x:numFmt numFmtId="170" formatCode="&quot;&#1054;&#1054; &quot;000000"/>'
        b"<x:numFmt formatCode='00000' numFmtId='164'/></x:numFmts>"
        b'<x:cellStyleXfs count="1"><x:xf numFmtId="164"/></x:cellStyleXfs>'
        b'<x:cellXfs count="4"><x:xf numFmtId="0"/><x:xf numFmtId="164" applyNumberFormat="1">'
        b'<x:alignment horizontal="left"/></x:xf><x:xf numFmtId="49"/><x:xf numFmtId="170"/>'
        b"</x:cellXfs></x:styleSheet>"
    )
    assert padded_styles(styles) == {1: ("", 5), 3: ("ОО ", 6)}
    assert padded_styles(b'<styleSheet><cellXfs count="1"><xf numFmtId="1"/></cellXfs>') == {}


@pytest.fixture
def in_pieces(monkeypatch):
    """A small book read in pieces (as a large one on two cores); the sheets read so."""
    monkeypatch.setattr(xlsx_pieces, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(xlsx_pieces, "PIECE_MIN_BYTES", 1)
    monkeypatch.setattr(xlsx_pieces, "threads", lambda: 2)
    read = []
    real = files.read_sheet_in_pieces

    def spy(*args, **kwargs):
        sheets = real(*args, **kwargs)
        read.append(sheets)
        return sheets

    monkeypatch.setattr(files, "read_sheet_in_pieces", spy)
    return read


def test_padded_codes_read_in_pieces_are_shown_as_in_one_reading(in_pieces):
    cells = {(1, 1): ("Код", None), (1, 2): ("Балл", None)}
    for row in range(2, 400):
        cells[(row, 1)] = (row, "00000") if row % 3 else (f"T{row}", None)
        cells[(row, 2)] = (row % 3, "00" if row % 2 else None)
    data = _book(cells)
    [sheet] = files.read_table(io.BytesIO(data), filename="x.xlsx", columnar=True)
    assert in_pieces and in_pieces[0] is not None  # read in pieces
    assert sheet.columns[0][1:5] == ["00002", "T3", "00004", "00005"]
    assert sheet.columns[1][1:5] == [2, "00", 1, "02"]
    assert sheet.columns[0][-2:] == ["00398", "T399"]
    assert sheet.rows == files.read_table(io.BytesIO(data), filename="x.xlsx")[0].rows


def test_a_book_with_many_padded_styles_is_read_as_shown():
    """Past a few padded styles the search takes any style and looks it up."""
    cells = {(row, 1): (row, '"К"' + "0" * row) for row in range(2, 42)}
    cells[(1, 1)] = (7, "0.0")
    [sheet] = files.read_table(io.BytesIO(_book(cells)), filename="x.xlsx", columnar=True)
    column = sheet.columns[0]
    assert column[0] == 7 and column[1] == "К02" and column[40] == "К" + "0" * 39 + "41"
    assert len(padded_styles(_styles_of(_book(cells)))) == 40


def _styles_of(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml")


def test_a_sheet_too_large_to_hold_is_refused_with_a_padded_format_too():
    data = _book({(1, 1): (101, "00000"), (1_048_576, 16_384): (1, "00000")})
    with pytest.raises(files.FileRejected, match="лист занимает"):
        files.read_table(io.BytesIO(data), filename="x.xlsx")
