"""A PDF with a text layer read into the importer's blocks, as a Word file is.

pdfplumber finds the ruled tables of each page and the words with their places;
from the places this module tells a line that wrapped from a line that ended (a
wrapped one was full: its next word did not fit), groups free text into paragraphs,
drops page numbers and running headers, and joins a table that a page break cut in
two: the pieces keep one table number, the header row repeated on the new page is
dropped by the table parser, and the row the break split is marked `page_break` so
the parser joins it to the measure it continues.

Refused, with a Russian sentence: a PDF that needs a password to open, one of more
than MAX_PAGES pages, and a scan without text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from infra.problems import ImportFailed, Problem
from roadmaps.deadlines.lexicon import _MONTH_WORD

from .source import Block, Paragraph, Row, clean_cell

SIDE_GAP = 2.5  # font sizes: words further apart stand on the two sides of a page
MAX_PAGES = 100  # a roadmap of 150 measures takes about 10 pages; reading one takes ~0.5 s
RULED = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
# Fewer characters than this on every page: pictures of pages, not text.
MIN_TEXT_CHARS = 20

# What a line break inside a cell or paragraph never joins: a list item starts anew.
_LIST_ITEM = re.compile(r"^(?:[-–—•·▪●*]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[а-яa-z]\)\s)")
# Page furniture: «2», «- 2 -», «стр. 2», «Страница 2 из 9».
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:стр(?:аница)?\.?\s*)?\d{1,4}(?:\s*(?:из|/)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.IGNORECASE,
)


def _reject(filename: str, message: str) -> ImportFailed:
    return ImportFailed([Problem(file=filename, message=message)])


def _check_pdf(data: bytes, filename: str) -> None:
    """Refuse a PDF that needs a password or has too many pages, before reading its text."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise _reject(
                filename,
                _(
                    "Файл «%s» защищён паролем: снимите защиту (сохраните документ без пароля) "
                    "и загрузите его снова."
                )
                % filename,
            ) from exc
        raise _reject(
            filename, _("Файл «%s» повреждён или не является документом PDF.") % filename
        ) from exc
    try:
        pages = len(document)
    finally:
        document.close()
    if pages > MAX_PAGES:
        raise _reject(
            filename,
            _(
                "В файле «%(name)s» %(pages)d страниц — больше %(limit)d; дорожная карта "
                "столько не занимает. Загрузите приказ с дорожной картой отдельным файлом."
            )
            % {"name": filename, "pages": pages, "limit": MAX_PAGES},
        )
    if pages == 0:
        raise _reject(filename, _("В файле «%s» нет ни одной страницы.") % filename)


# --- lines -------------------------------------------------------------------------


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    first_word: float  # width of its first word
    words: list[dict] = field(default_factory=list, repr=False)

    @property
    def width(self) -> float:
        return self.x1 - self.x0


def _lines(words: list[dict]) -> list[_Line]:
    """Words grouped into lines (same baseline), top to bottom, words left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"], 1), w["x0"])):
        if lines:
            last = lines[-1]
            tolerance = max(2.0, 0.35 * word["size"])
            if abs(word["top"] - last[0]["top"]) <= tolerance:
                last.append(word)
                continue
        lines.append([word])
    return [_line_of(group) for group in lines]


def _line_of(words: list[dict]) -> _Line:
    group = sorted(words, key=lambda w: w["x0"])
    return _Line(
        text=" ".join(w["text"] for w in group),
        x0=group[0]["x0"],
        x1=group[-1]["x1"],
        top=min(w["top"] for w in group),
        bottom=max(w["bottom"] for w in group),
        size=max(w["size"] for w in group),
        first_word=group[0]["x1"] - group[0]["x0"],
        words=group,
    )


def _gaps(line: _Line) -> list[tuple[float, float]]:
    return [(a["x1"], b["x0"]) for a, b in zip(line.words, line.words[1:], strict=False)]


def _side_gap(line: _Line) -> tuple[float, float] | None:
    """The widest gap inside a line when it is wider than SIDE_GAP font sizes and far
    wider than the line's other gaps (a justified line stretched by a line break has
    all its gaps wide): where the left part ends and the right part starts."""
    gaps = _gaps(line)
    widest = max(gaps, key=lambda g: g[1] - g[0], default=None)
    if widest is None or widest[1] - widest[0] <= SIDE_GAP * line.size:
        return None
    others = sorted(b - a for a, b in gaps if (a, b) != widest)
    if others and widest[1] - widest[0] < 3 * others[len(others) // 2]:
        return None
    return widest


def _sides(lines: list[_Line]) -> list[_Line]:
    """Blocks set side by side (СОГЛАСОВАНО at the left and УТВЕРЖДАЮ at the right, a
    date at the left and a number at the right) read as a person does: the left
    block's lines, then the right block's. A run of such lines shares one gutter;
    a line with words on one side only joins it when it lies within that side."""
    found: list[_Line] = []
    i = 0
    while i < len(lines):
        gap = _side_gap(lines[i])
        if gap is None:
            found.append(lines[i])
            i += 1
            continue
        low, high = gap
        left_edge = min(w["x0"] for w in lines[i].words)
        right_edge = max(w["x1"] for w in lines[i].words)
        run = [lines[i]]
        j = i + 1
        while j < len(lines) and lines[j].top - run[-1].bottom <= 1.0 * lines[j].size:
            line = lines[j]
            other = _side_gap(line)
            if other is not None and other[0] < high and other[1] > low:
                low, high = max(low, other[0]), min(high, other[1])
            else:
                one_side = line.x1 <= low + line.size or line.x0 >= high - line.size
                inside = left_edge - line.size <= line.x0 and line.x1 <= right_edge + line.size
                if other is not None or not (one_side and inside):
                    break
            run.append(line)
            j += 1
        middle = (low + high) / 2
        for left_side in (True, False):
            for line in run:
                words = [w for w in line.words if (w["x1"] <= middle) == left_side]
                if words:
                    found.append(_line_of(words))
        i = j
    return found


def _wrapped(
    line: _Line, following: _Line, left: float, right: float, *, sides: bool = True
) -> bool:
    """Whether `line` ended only because `following`'s first word did not fit before
    `right`. A line that starts at the margin or a first-line indent is measured from
    where it starts, a centred one by its width. A list item after it starts anew; a
    line with a wide gap inside (a date at the left and a number at the right) is full
    by its layout, not by its words: it never wraps (`sides`: in free text; a cell's
    justified line of two words spreads them as wide)."""
    if _LIST_ITEM.match(following.text) or (sides and _side_gap(line) is not None):
        return False
    if _COMPOUND_BREAK.search(line.text):
        return True  # «онлайн-» / «видеонаблюдения»: a word broken at its own hyphen
    space, slack = 0.3 * line.size, 0.5 * line.size
    # Measured as if set with plain spaces: justification stretches a wrapped line and
    # a line ended by a break alike, only the words' own widths tell them apart.
    natural = sum(w["x1"] - w["x0"] for w in line.words) + space * (len(line.words) - 1)
    needed = natural + space + following.first_word
    if line.x0 - left <= 4 * line.size:
        return line.x0 + needed > right - slack
    return needed > right - left - slack


# A line that ends on a hyphen or dash right after a letter or digit broke a word there.
_COMPOUND_BREAK = re.compile(r"[0-9A-Za-zА-Яа-яЁё][-‐‑–\u00ad]$")
# The hyphens a typesetter adds where it breaks a word by its hyphenation rules.
_HYPHENATION = ("\u2010", "\u00ad")
# Words deadlines are read by: when a cell broke one, joining its pieces must give it.
_DEADLINE_WORD = re.compile(
    r"(?:" + _MONTH_WORD + r"|еже[а-я]+|необходимост[а-я]*|потребност[а-я]*|постоянн[а-я]*"
    r"|регулярн[а-я]*|систематическ[а-я]*|четверт[а-я]*|полугоди[а-я]*|квартал[а-я]*"
    r"|учебного|течение|окончани[а-я]*|графику|проведения|итогам)"
)
# Short words a line may start with; anything else this short after a line of one
# word that fills its cell is the rest of that word («необходимос» + «ти»).
_SHORT_WORDS = frozenset(
    [
        "а",
        "и",
        "в",
        "во",
        "с",
        "со",
        "к",
        "ко",
        "о",
        "об",
        "у",
        "на",
        "по",
        "до",
        "от",
        "из",
        "за",
        "не",
        "ни",
        "но",
        "да",
        "же",
        "ли",
        "бы",
        "для",
        "при",
        "без",
        "или",
        "что",
        "как",
        "год",
        "раз",
        "все",
        "его",
        "её",
        "их",
        "под",
        "над",
        "про",
    ]
)


def _broken_word(line: _Line, following: _Line, left: float, right: float) -> bool:
    """A word too long for its cell, broken where the cell ends: the line is that one
    word filling the whole width, and the next line starts with a short lower-case
    piece that is no word of its own, or is the whole of that line (a lone «о» or «и»
    ends no phrase)."""
    piece = re.match(r"[а-яё]+", following.text)
    if piece is None or not line.text[-1:].isalpha():
        return False
    rest = piece.group(0)
    letter = following.first_word / max(1, len(following.text.split(" ", 1)[0]))
    if line.x1 + letter <= right:
        return False  # another letter would have fitted: the word ended there
    last = line.words[-1]["text"].lstrip(",;(«")
    if _DEADLINE_WORD.fullmatch((last + rest).lower()):
        return True  # «необходи» + «мости», «ежекварталь» + «но», «октябрь ,дека» + «брь»
    if len(line.words) != 1:
        return False
    if rest in _SHORT_WORDS and following.text.strip() != rest:
        return False
    return len(rest) <= 3


def _join(lines: list[_Line], left: float, right: float, *, sides: bool = True) -> list[str]:
    """The lines as written: wrapped ones joined into one, ended ones kept apart."""
    joined: list[str] = []
    for index, line in enumerate(lines):
        previous = lines[index - 1] if index else None
        if previous is not None and _broken_word(previous, line, left, right):
            joined[-1] += line.text  # «необходимос» + «ти»: a word longer than the cell
        elif previous is not None and _wrapped(previous, line, left, right, sides=sides):
            head = joined[-1]
            if head.endswith(_HYPHENATION) and line.text[:1].islower():
                # «про‐» + «ведения»: a word hyphenated by the typesetter (WeasyPrint
                # and word processors set U+2010 or a soft hyphen), not written so.
                joined[-1] = head[:-1] + line.text
            elif _COMPOUND_BREAK.search(head):
                joined[-1] = head + line.text  # «учебно-» + «методический», «4–» + «8»
            else:
                joined[-1] = f"{head} {line.text}"
        else:
            joined.append(line.text)
    return joined


# --- one page ------------------------------------------------------------------------


@dataclass
class _Piece:
    """A table's part on one page: its rows' cells and where it lies."""

    rows: list[Row]
    top: float
    bottom: float
    left: float
    right: float
    edges: tuple[float, ...]  # the left edges of its columns, to recognise its continuation


def _inside(word: dict, bbox) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _cell_text(words: list[dict], bbox) -> str:
    lines = _lines([w for w in words if _inside(w, bbox)])
    if not lines:
        return ""
    padding = max(0.0, min(line.x0 for line in lines) - bbox[0])
    return clean_cell("\n".join(_join(lines, bbox[0] + padding, bbox[2] - padding, sides=False)))


def _table_piece(table, words: list[dict]) -> _Piece:
    rows = table.rows
    width = max(len(r.cells) for r in rows)
    lefts: list[float | None] = [None] * width
    for row in rows:
        for j, cell in enumerate(row.cells):
            if cell is not None and lefts[j] is None:
                lefts[j] = cell[0]
    texts: list[list[str | None]] = []
    built: list[Row] = []
    for row in rows:
        cells: list[str] = []
        raw: list[str | None] = []
        vmerged: set[int] = set()
        spans = 0
        for j, cell in enumerate(row.cells):
            if cell is not None:
                text = _cell_text(words, cell)
                spans += 1
                cells.append(text)
                raw.append(text)
                continue
            raw.append(None)
            left = lefts[j]
            covered_from_left = any(
                c is not None and left is not None and c[2] > left + 1 for c in row.cells[:j]
            )
            if covered_from_left or not texts:
                cells.append("")
                continue
            above = next((t[j] for t in reversed(texts) if t[j] is not None), "")
            cells.append(above)  # a cell merged down over this row, as Word reports it
            vmerged.add(j)
        texts.append(raw)
        merged = spans == 1 and width > 1 and not vmerged
        built.append(Row(cells, 0, merged=merged, vmerged=vmerged))
    edges = tuple(x for x in lefts if x is not None)
    x0, top, x1, bottom = table.bbox
    return _Piece(built, top, bottom, x0, x1, edges)


@dataclass
class _Page:
    number: int
    width: float
    height: float
    items: list[tuple[float, object]]  # (top, _Line or _Piece), top to bottom


def _words(page) -> list[dict]:
    return page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)


def _read_page(page, words: list[dict]) -> _Page:
    """A page's free lines and the pieces of its ruled tables, top to bottom."""
    tables = [t for t in page.find_tables(RULED) if t.rows]
    pieces = [_table_piece(t, words) for t in tables]
    free = [w for w in words if not any(_inside(w, t.bbox) for t in tables)]
    lines = _lines(free)
    taken: set[int] = set()
    for piece in pieces:
        tail = _open_row_below(piece, lines)
        if tail:
            piece.rows.append(_row_of(piece, tail))
            piece.bottom = tail[-1].bottom
            taken.update(id(w) for line in tail for w in line.words)
    return _page(page, [w for w in free if id(w) not in taken], pieces)


def _columns(piece: _Piece) -> list[tuple[float, float]]:
    edges = [*piece.edges, piece.right]
    return list(zip(edges, edges[1:], strict=False))


def _fits_columns(piece: _Piece, line: _Line) -> bool:
    """Whether every word of the line lies inside the piece and crosses no column edge."""
    return all(
        piece.left - 2 <= w["x0"]
        and w["x1"] <= piece.right + 2
        and not any(w["x0"] < x - 1 and w["x1"] > x + 1 for x in piece.edges[1:])
        for w in line.words
    )


def _open_row_below(piece: _Piece, lines: list[_Line]) -> list[_Line]:
    """Lines right under a table that stay within its columns: the start of a row that a
    page break cut before its bottom rule was drawn."""
    found: list[_Line] = []
    for line in lines:
        if line.top < piece.bottom - 1:
            continue
        edge = found[-1].bottom if found else piece.bottom
        if line.top - edge > (0.6 if found else 1.0) * line.size or not _fits_columns(piece, line):
            break
        found.append(line)
    return found


def _row_of(piece: _Piece, lines: list[_Line]) -> Row:
    """A table row from lines that lie inside the piece's columns."""
    words = [w for line in lines for w in line.words]
    top = min(line.top for line in lines) - 1
    bottom = max(line.bottom for line in lines) + 1
    return Row([_cell_text(words, (x0, top, x1, bottom)) for x0, x1 in _columns(piece)], 0)


def _page(page, free: list[dict], pieces: list[_Piece]) -> _Page:
    items: list[tuple[float, object]] = [(line.top, line) for line in _lines(free)]
    items += [(piece.top, piece) for piece in pieces]
    items.sort(key=lambda item: item[0])
    return _Page(page.page_number, page.width, page.height, items)


# --- the document --------------------------------------------------------------------


def _furniture(pages: list[_Page]) -> set[int]:
    """ids of lines that are page numbers or running heads and feet (the same text at the
    same height on two or more pages), in the top or bottom eighth of a page."""
    found: set[int] = set()
    margins: dict[tuple[str, int], list[_Line]] = {}
    for page in pages:
        for _top, item in page.items:
            if not isinstance(item, _Line):
                continue
            if item.top > page.height * 0.12 and item.bottom < page.height * 0.88:
                continue
            if _PAGE_NUMBER.match(item.text.strip()):
                found.add(id(item))
            else:
                margins.setdefault((item.text.strip(), round(item.top / 4)), []).append(item)
    for lines in margins.values():
        if len(lines) >= 2:
            found.update(id(line) for line in lines)
    return found


def _paragraphs(lines: list[_Line], left: float, right: float) -> list[list[_Line]]:
    """Free lines grouped into paragraphs: a line that wrapped continues into the next
    unless a gap or a first-line indent shows a new paragraph."""
    groups: list[list[_Line]] = []
    for line in lines:
        if groups:
            previous = groups[-1][-1]
            gap = line.top - previous.bottom
            shift = line.x0 - left
            centred = abs(shift - (right - line.x1)) < line.size
            indented = (
                1.5 * line.size < shift <= 4 * line.size
                and not centred
                and previous.x0 <= left + 0.5 * line.size
            )
            if gap <= 0.6 * line.size and not indented and _wrapped(previous, line, left, right):
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def blocks_from_pdf(data: bytes, filename: str) -> list[list[Block]]:
    """Readings of a PDF with a text layer: paragraphs and table rows in reading order.
    The first reads its ruled tables; a second, when no ruled table names its columns
    or one holds rows that look like several cells run together (a table whose rules
    only some rows have), reads the table from the words' places. The importer keeps
    the reading that finds more measures with deadlines."""
    import pdfplumber

    _check_pdf(data, filename)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            characters = sum(len(page.chars) for page in pdf.pages)
            if characters < MIN_TEXT_CHARS * len(pdf.pages):
                raise _reject(
                    filename,
                    _(
                        "В файле «%s» нет текста — похоже, это отсканированные страницы "
                        "(картинки). Загрузите документ, из которого сделан PDF (DOCX или "
                        "XLSX), или PDF с текстовым слоем."
                    )
                    % filename,
                )
            words = [_words(page) for page in pdf.pages]
            pages = [_read_page(page, w) for page, w in zip(pdf.pages, words, strict=True)]
            readings = [pages]
            if not _has_header(pages) or _runs_together(pages):
                from .pdf_unruled import unruled_pages

                unruled = unruled_pages(pdf.pages, words)
                if unruled:
                    readings.append(unruled)
    except ImportFailed:
        raise
    except Exception as exc:  # pdfminer raises many types for a broken file  # noqa: BLE001
        raise _reject(
            filename, _("Файл «%s» не удалось прочитать как документ PDF.") % filename
        ) from exc
    return [_blocks(reading) for reading in readings]


def _runs_together(pages: list[_Page]) -> bool:
    """Whether a ruled table holds a row of one cell across the table that reads like a
    numbered measure with its other cells run in (a long text after a number), which
    a section heading is not."""
    return any(
        row.merged
        and re.match(r"^\d{1,3}(?:\.\d{1,3})*\.?\s\S", row.cells[0])
        and len(row.cells[0]) > 120
        for page in pages
        for _t, item in page.items
        if isinstance(item, _Piece)
        for row in item.rows
    )


def _has_header(pages: list[_Page]) -> bool:
    """Whether a ruled table on some page has a row naming the columns of measures."""
    from .table import is_header

    return any(
        is_header(row.cells)
        for page in pages
        for _t, item in page.items
        if isinstance(item, _Piece)
        for row in item.rows
    )


def _extents(pages: list[_Page]) -> dict[int, tuple[float, float]]:
    """The text area (left, right) of pages of each width: where the free lines of any
    such page start and end at the furthest (a justified line spans it), so a page of
    short lines still knows how wide a full line is; tables' edges when no text."""
    lines: dict[int, tuple[float, float]] = {}
    tables: dict[int, tuple[float, float]] = {}
    for page in pages:
        key = round(page.width)
        for _t, item in page.items:
            found = lines if isinstance(item, _Line) else tables
            x0, x1 = (item.x0, item.x1) if isinstance(item, _Line) else (item.left, item.right)
            low, high = found.get(key, (x0, x1))
            found[key] = (min(low, x0), max(high, x1))
    return {**tables, **lines}


def _same_columns(a: _Piece, b: _Piece) -> bool:
    return len(a.edges) == len(b.edges) and all(
        abs(x - y) <= 2 for x, y in zip(a.edges, b.edges, strict=True)
    )


def _blocks(pages: list[_Page]) -> list[Block]:
    from .table import is_header

    skip = _furniture(pages)
    extents = _extents(pages)
    blocks: list[Block] = []
    place = 0  # paragraphs and table rows are numbered apart, as in a Word file
    row_number = 0
    table_number = 0
    last_piece: _Piece | None = None  # the last thing on the previous page, if a table
    for page in pages:
        items = [item for _t, item in page.items if id(item) not in skip]
        left, right = extents.get(round(page.width), (0.0, page.width))
        head = _open_row_above(items, last_piece)
        if head:  # the rest of a row cut by the page break, above the table's first rule
            piece = items[len(head)]
            piece.rows.insert(0, _row_of(piece, head))
            items = items[len(head) :]
        pending: list[_Line] = []
        for position, item in enumerate(items):
            if isinstance(item, _Line):
                pending.append(item)
                continue
            place = _flush(pending, left, right, blocks, place)
            continues = position == 0 and last_piece is not None and _same_columns(item, last_piece)
            if not continues:
                table_number += 1
            cut = continues  # the first row of the piece may be a row the page break cut
            for row in item.rows:
                row_number += 1
                row.place, row.table = row_number, table_number
                if cut and any(row.cells) and not is_header(row.cells) and not _numbering(row):
                    row.page_break = True
                    cut = False
                blocks.append(row)
        place = _flush(pending, left, right, blocks, place)
        last_piece = items[-1] if items and isinstance(items[-1], _Piece) else None
    return blocks


def _open_row_above(items: list, last_piece: _Piece | None) -> list[_Line]:
    """The lines a page opens with when they are the rest of the previous page's last
    row: a table with its columns follows them at once and they stay within them."""
    if last_piece is None:
        return []
    lines: list[_Line] = []
    for item in items:
        if not isinstance(item, _Line):
            break
        lines.append(item)
    if not lines or len(lines) == len(items):
        return []
    piece = items[len(lines)]
    if not _same_columns(piece, last_piece) or piece.top - lines[-1].bottom > lines[-1].size:
        return []
    if not all(_fits_columns(piece, line) for line in lines):
        return []
    return lines


def _flush(pending: list[_Line], left: float, right: float, blocks: list, place: int) -> int:
    """Append the paragraphs of the pending free lines to `blocks`; the last place used."""
    for group in _paragraphs(_sides(pending), left, right):
        place += 1
        blocks.append(Paragraph(_join(group, left, right), place))
    pending.clear()
    return place


def _numbering(row: Row) -> bool:
    """The row that numbers the columns: 1 | 2 | 3 | 4."""
    filled = [c for c in row.cells if c]
    return len(filled) >= 3 and filled == [str(i) for i in range(1, len(filled) + 1)]
