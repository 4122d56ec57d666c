"""Codes whose leading zeros live only in a cell's number format.

A code typed as 00101 into a column formatted «00000» (or a column of numbers
formatted so afterwards, to show the zeros) is kept by Excel as the number 101
and shown as «00101». python-calamine gives the number without its format, so
such cells are found here in the book's own XML: `padded_styles` reads the
styles part (small) for cell styles whose number format pads with zeros, and
only when one exists does `CellFinder` look through the worksheets' XML for the
cells styled with it, for `shown` to write them as Excel shows them.

Supported, as Excel writes a format made for codes: one section made of a run
of two or more «0», with an optional literal prefix in front («"ОО "000000»,
«\\R\\U00000», Excel's unquoted literal characters such as «-» or a space) and
an optional locale tag («[$-419]000000»). Not supported, the cells keep their
number: a suffix («00" б."» is a unit on a quantity, not a code), «#», digit
groups («00000-0000»), several sections. Excel's built-in formats have no such
format. Only whole numbers are shown padded: a fraction keeps its number (Excel
shows 1.5 in «00» as «02», a reading this does not repeat).
"""

from __future__ import annotations

import html
import re
from array import array

# Characters Excel shows as themselves in a format without quotes.
_BARE_LITERALS = frozenset("$-+/():!^&'~{}<>= ")
_LOCALE_TAG = re.compile(r"\[\$-[0-9A-Fa-f]+\]")

_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_NUM_FMT = re.compile(_PREFIX + rb"numFmt\s[^>]*>")
_CELL_XFS = re.compile(
    _PREFIX + rb"cellXfs\b[^>]*?(?:/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?cellXfs>)", re.S
)
_XF = re.compile(_PREFIX + rb"xf\b[^>]*>")
_ID = re.compile(rb"""\snumFmtId\s*=\s*["'](\d+)["']""")
_CODE = re.compile(rb"""\sformatCode\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SPACES = b" \t\r\n"
# Padded styles searched for by name; more are searched for as any style.
_MAX_ALTERNATIVES = 32
_CELL_REF = re.compile(_PREFIX + rb'c\s(?:[^>]*?\s)?r\s*=\s*"([A-Z]{1,3})(\d{1,7})"')


def padded_format(code: str) -> tuple[str, int] | None:
    """(prefix, width) of a format code that shows a whole number padded with
    zeros, as «00000» or «"ОО "000000»; None for any other format."""
    if tag := _LOCALE_TAG.match(code):
        code = code[tag.end() :]
    prefix, i = [], 0
    while i < len(code):
        char = code[i]
        if char == '"':
            end = code.find('"', i + 1)
            if end < 0:
                return None
            prefix.append(code[i + 1 : end])
            i = end + 1
        elif char == "\\" and i + 1 < len(code):
            prefix.append(code[i + 1])
            i += 2
        elif char in _BARE_LITERALS:
            prefix.append(char)
            i += 1
        else:
            break
    zeros = code[i:]
    if len(zeros) < 2 or zeros.strip("0"):
        return None
    return "".join(prefix), len(zeros)


def padded_styles(styles: bytes) -> dict[int, tuple[str, int]]:
    """{cell style index (a cell's `s`): (prefix, width)} of the styles part's
    cell styles whose number format pads with zeros; {} for the usual book."""
    formats = {}
    for tag in _NUM_FMT.findall(styles):
        number, code = _ID.search(tag), _CODE.search(tag)
        if number is None or code is None:
            continue
        text = html.unescape((code[1] or code[2] or b"").decode("utf-8", "replace"))
        if (padded := padded_format(text)) is not None:
            formats[int(number[1])] = padded
    if not formats:
        return {}
    section = _CELL_XFS.search(styles)
    if section is None or not section[1]:
        return {}
    styles_found = {}
    for index, tag in enumerate(_XF.findall(section[1])):
        if index > 0xFFFF:
            break  # past Excel's 64,000 cell styles
        number = _ID.search(tag)
        if number is not None and int(number[1]) in formats:
            styles_found[index] = formats[int(number[1])]
    return styles_found


class CellFinder:
    """The cells of one worksheet styled with a padded format, found in its XML fed
    in order (`feed`): `cells` holds (row, column, style) from 0 (rows and
    columns as calamine's `to_python(skip_empty_area=False)` places them), eight
    bytes a cell (a hostile sheet may have millions, found before it is refused).

    Searches the XML for the styles' `s="…"` (a literal search, fast) and reads
    the cell reference of each cell found. A cell without a reference (`r`),
    which the writers people use always give, keeps its number."""

    def __init__(self, styles: dict[int, tuple[str, int]]):
        self._styles = styles
        if len(styles) <= _MAX_ALTERNATIVES:
            alternatives = b"|".join(str(s).encode() for s in sorted(styles))
            self._hit = re.compile(rb's="(' + alternatives + rb')"')
        else:  # every style is tried in turn: past a few, any style, then looked up
            self._hit = re.compile(rb's="(\d{1,5})"')
        self._tail = b""
        self.cells = Cells()

    def feed(self, chunk) -> None:
        """The next bytes of the XML; `chunk` may end inside a tag. The chunk is
        searched where it lies; only the tag cut at its start is joined."""
        chunk = bytes(chunk) if not isinstance(chunk, bytes) else chunk
        first, last = chunk.find(b"<"), chunk.rfind(b"<")
        if first < 0:
            self._tail = (self._tail + chunk)[-4096:]
            return
        if self._tail:
            joined = self._tail + chunk[:first]
            self._find(joined, 0, len(joined))
        self._find(chunk, first, last)
        self._tail = chunk[last:]

    def finish(self) -> None:
        if self._tail:
            self._find(self._tail, 0, len(self._tail))
            self._tail = b""

    def _find(self, text: bytes, start: int, end: int) -> None:
        rfind, reference, styles = text.rfind, _CELL_REF.match, self._styles
        rows, keys = self.cells.rows.append, self.cells.keys.append
        letters_seen: dict[bytes, int] = {}
        for hit in self._hit.finditer(text, start, end):
            position = hit.start()
            if text[position - 1] not in _SPACES:
                continue  # «s» ends another attribute's name
            tag = rfind(b"<", 0, position)
            found = reference(text, tag, position) or reference(
                text, tag, text.find(b">", position)
            )
            if found is None:
                continue  # a row's or a column's style, or a cell without a reference
            letters = found[1]
            column = letters_seen.get(letters)
            if column is None:
                column = letters_seen[letters] = _column_index(letters)
            style = int(hit[1])
            if style in styles:
                rows(int(found[2]) - 1)
                keys(column << 16 | style)


class Cells:
    """(row, column, style) of found cells, held as two arrays of 32-bit numbers
    (Excel's columns and cell styles each fit in 16 bits)."""

    def __init__(self):
        self.rows = array("i")
        self.keys = array("i")  # column << 16 | style

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        for row, key in zip(self.rows, self.keys, strict=True):
            yield row, key >> 16, key & 0xFFFF


def _column_index(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1


def shown(value, prefix: str, width: int):
    """A whole number as Excel shows it in the padded format; anything else as it is."""
    if type(value) is not int:
        return value
    if value < 0:
        return "-" + prefix + str(-value).zfill(width)
    return prefix + str(value).zfill(width)


def apply_to_columns(columns: list, cells, styles) -> None:
    """Write the found `cells` as shown, in a sheet held by column (lists)."""
    for row, column, style in cells:
        if column < len(columns) and row < len(columns[column]):
            if type(columns[column]) is not list:
                columns[column] = list(columns[column])
            values = columns[column]
            values[row] = shown(values[row], *styles[style])


def apply_to_rows(rows: list, cells, styles) -> None:
    """Write the found `cells` as shown, in a sheet held by row (lists)."""
    for row, column, style in cells:
        if row < len(rows) and column < len(rows[row]):
            rows[row][column] = shown(rows[row][column], *styles[style])


_STYLES = "xl/styles.xml"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_SHEET = re.compile(_PREFIX + rb"sheet\s[^>]*>")
_NAME = re.compile(rb"""\sname\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_RID = re.compile(rb"""\s[\w.-]*:id\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_RELATIONSHIP = re.compile(_PREFIX + rb"Relationship\s[^>]*>")
_REL_ID = re.compile(rb"""\sId\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TARGET = re.compile(rb"""\sTarget\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class PaddedBook:
    """What `files.check_zip` gathers of a book's padded cells as its parts stream by.

    `first(infos)` puts the styles part first, so that `finder(part)` knows the
    padded styles when the worksheets stream by; the parts named by `keeps(name)`
    (the styles, the workbook and its relations: small) are handed to `kept`."""

    def __init__(self):
        self.styles: dict[int, tuple[str, int]] = {}
        self.finders: dict[str, CellFinder] = {}
        self._parts: dict[str, bytes] = {}

    @staticmethod
    def first(infos: list) -> list:
        return sorted(infos, key=lambda info: info.filename.lower() != _STYLES)

    @staticmethod
    def keeps(name: str) -> bool:
        return name.lower() in (_STYLES, _WORKBOOK, _WORKBOOK_RELS)

    def kept(self, name: str, body: bytes) -> None:
        self._parts[name.lower()] = body
        if name.lower() == _STYLES:
            self.styles = padded_styles(body)

    def finder(self, part: str) -> CellFinder | None:
        """The finder of the worksheet `part`'s padded cells; None when the book has
        no padded style (the usual book: nothing more is done)."""
        if not self.styles:
            return None
        finder = self.finders[part] = CellFinder(self.styles)
        return finder

    def sheet_parts(self) -> dict[str, str]:
        """{sheet name: its worksheet part}, from the workbook and its relations."""
        targets = {}
        for tag in _RELATIONSHIP.findall(self._parts.get(_WORKBOOK_RELS, b"")):
            rid, target = _REL_ID.search(tag), _TARGET.search(tag)
            if rid and target:
                path = html.unescape((target[1] or target[2] or b"").decode("utf-8", "replace"))
                path = path[1:] if path.startswith("/") else "xl/" + path
                targets[(rid[1] or rid[2] or b"").decode("utf-8", "replace")] = path
        parts = {}
        for tag in _SHEET.findall(self._parts.get(_WORKBOOK, b"")):
            name, rid = _NAME.search(tag), _RID.search(tag)
            if name and rid:
                key = (rid[1] or rid[2] or b"").decode("utf-8", "replace")
                if key in targets:
                    text = html.unescape((name[1] or name[2] or b"").decode("utf-8", "replace"))
                    parts[text] = targets[key]
        return parts

    def cells_of(self, names: list[str]) -> dict[str, list]:
        """{sheet name: its padded cells} of the sheets `names` that have any."""
        found = {part.lower(): f.cells for part, f in self.finders.items() if f.cells}
        if not found:
            return {}
        if len(found) == 1 and len(names) == 1 and len(self.finders) == 1:
            return {names[0]: next(iter(found.values()))}
        parts = {name: part.lower() for name, part in self.sheet_parts().items()}
        return {name: found[parts[name]] for name in names if parts.get(name) in found}
