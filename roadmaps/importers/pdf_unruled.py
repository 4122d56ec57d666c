"""A PDF table of measures laid out without ruling lines (a Word table without borders).

The row that names the columns («№ | Мероприятие | Срок | Ответственный …») is found
among the lines of pdfplumber's words; the columns are split at the gutters, the
x-ranges no word of the table body crosses between two header cells; a table row
starts at a line with something in the number column, at a heading (a line whose
words cross a gutter: a cell merged across the row) and after a heading, or after
a gap. The table runs on over the following pages until a wider gap ends it. The
cells then read like those of a ruled table (`pdf._cell_text`).
"""

from __future__ import annotations

from .pdf import _cell_text, _Line, _lines, _Page, _page, _Piece
from .source import Row
from .table import is_header, match_header

# Words further apart than this many font sizes are in different cells of a line.
CELL_GAP = 0.6
# A gap between lines wider than this many font sizes ends the table.
TABLE_END_GAP = 2.5


def _clusters(line: _Line) -> list[list[dict]]:
    """The words of a line grouped into cells by the gaps between them."""
    groups: list[list[dict]] = []
    for word in line.words:
        if groups and word["x0"] - groups[-1][-1]["x1"] <= CELL_GAP * word["size"]:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def _text(group: list[dict]) -> str:
    return " ".join(w["text"] for w in group)


def _find_header(lines_by_page: list[list[_Line]]):
    """(page index, line index, header cells as [x0, x1, text]) of the first line whose
    cells name the columns of a table of measures; None when there is none."""
    for p, lines in enumerate(lines_by_page):
        for i, line in enumerate(lines):
            groups = _clusters(line)
            if len(groups) >= 2 and is_header([_text(g) for g in groups]):
                cells = [[g[0]["x0"], g[-1]["x1"], _text(g)] for g in groups]
                return p, i, cells
    return None


def _header_rest(lines: list[_Line], start: int, cells) -> int:
    """Index after the header's last line: lines that wrap its cells' words (a «п/п»
    under «№», «результат» under «Ожидаемый»)."""
    end = start + 1
    fonts = {w.get("fontname") for w in lines[start].words}  # a header is set apart, bold
    while end < len(lines) and end <= start + 3:
        line, previous = lines[end], lines[end - 1]
        if line.top - previous.bottom > 0.6 * line.size or line.text[:1].isdigit():
            break
        if any(w.get("fontname") not in fonts for w in line.words):
            break
        owners = [_header_cell(w, cells, 3 * line.size) for w in line.words]
        if any(o is None for o in owners):
            break
        for word, cell in zip(line.words, owners, strict=True):
            cell[2] = f"{cell[2]} {word['text']}"
        end += 1
    return end


def _header_cell(word: dict, cells, reach: float):
    """The header cell a wrapped header word sits under (centred or not), or None."""
    centre = (word["x0"] + word["x1"]) / 2
    near = [c for c in cells if c[0] - reach <= centre <= c[1] + reach]
    return min(near, key=lambda c: abs((c[0] + c[1]) / 2 - centre), default=None)


def _gutters(cells, body: list[_Line]) -> list[float]:
    """Where each column ends: an x between two header cells that (almost) no line of the
    body crosses (a heading merged across the row may), the one nearest the middle
    between them; the middle itself when none is free."""
    crossing = max(1, len(body) // 8)
    bounds = []
    for left, right in zip(cells, cells[1:], strict=False):
        low, high = int(left[0]), int(right[1]) + 1
        middle = (left[1] + right[0]) / 2
        covered = [0] * (high - low)
        for line in body:
            seen = set()
            for w in line.words:
                for x in range(max(low, int(w["x0"])), min(high, int(w["x1"]) + 1)):
                    seen.add(x)
            for x in seen:
                covered[x - low] += 1
        free: list[tuple[float, float]] = []
        run = None
        for offset, count in enumerate(covered + [crossing + 1]):
            if count < crossing and run is None:
                run = low + offset
            elif count >= crossing and run is not None:
                if low + offset - run >= 2:
                    free.append((run, low + offset - 1))
                run = None
        if not free:
            bounds.append(middle)
            continue
        a, b = min(free, key=lambda gap, m=middle: _distance(gap, m))
        bounds.append(middle if a <= middle <= b else (a + b) / 2)
    return bounds


def _distance(gap: tuple[float, float], x: float) -> float:
    a, b = gap
    return 0.0 if a <= x <= b else min(abs(a - x), abs(b - x))


def _column(x: float, bounds: list[float]) -> int:
    return sum(1 for bound in bounds if x > bound)


def _crosses(line: _Line, bounds: list[float]) -> bool:
    return any(w["x0"] < x - 1 and w["x1"] > x + 1 for w in line.words for x in bounds)


def _piece(band_lines: list[list[_Line]], left: float, right: float, bounds: list[float], width):
    rows: list[Row] = []
    edges = [left, *bounds, right]
    for lines in band_lines:
        words = [w for line in lines for w in line.words]
        top = min(line.top for line in lines) - 1
        bottom = max(line.bottom for line in lines) + 1
        if any(_crosses(line, bounds) for line in lines):
            text = _cell_text(words, (left, top, right, bottom))
            rows.append(Row([text] + [""] * (width - 1), 0, merged=True))
            continue
        cells = [_cell_text(words, (edges[j], top, edges[j + 1], bottom)) for j in range(width)]
        rows.append(Row(cells, 0))
    top = min(line.top for lines in band_lines for line in lines)
    bottom = max(line.bottom for lines in band_lines for line in lines)
    return _Piece(rows, top, bottom, left, right, tuple(edges[:-1]))


def unruled_pages(pdf_pages, words_by_page: list[list[dict]]) -> list[_Page] | None:
    """The pages with their table of measures read from the words' places; None when no
    line names the columns of one."""
    lines_by_page = [_lines(words) for words in words_by_page]
    found = _find_header(lines_by_page)
    if found is None:
        return None
    first_page, header_at, cells = found
    body_start = _header_rest(lines_by_page[first_page], header_at, cells)
    width = len(cells)
    number = match_header([c[2] for c in cells]).get("number")

    # The table's lines on each page: from the header (or the page's top) to a wide gap.
    spans: dict[int, tuple[int, int]] = {}
    for p in range(first_page, len(lines_by_page)):
        lines = lines_by_page[p]
        start = header_at if p == first_page else 0
        end = start
        while end < len(lines):
            if (
                end > start
                and lines[end].top - lines[end - 1].bottom > TABLE_END_GAP * lines[end].size
            ):
                break
            end += 1
        spans[p] = (start, end)
        if end < len(lines):
            break  # the table ended on this page
    body = [
        line
        for p, (start, end) in spans.items()
        for line in lines_by_page[p][start:end]
        if not (p == first_page and line in lines_by_page[p][header_at:body_start])
    ]
    bounds = _gutters(cells, body)
    left = min(min(c[0] for c in cells), min((line.x0 for line in body), default=cells[0][0])) - 1
    right = max(max(c[1] for c in cells), max((line.x1 for line in body), default=cells[-1][1])) + 1

    pages = []
    for p, (page, words) in enumerate(zip(pdf_pages, words_by_page, strict=True)):
        if p not in spans:
            pages.append(_page(page, words, []))
            continue
        lines = lines_by_page[p]
        start, end = spans[p]
        bands: list[list[_Line]] = []
        repeated = (
            start < end
            and len(_clusters(lines[start])) >= 2
            and is_header([_text(g) for g in _clusters(lines[start])])
        )
        if repeated:  # the header row, on the first page and repeated on the others
            header_end = _header_rest(lines, start, [list(c) for c in cells])
            bands.append(lines[start:header_end])
            start = header_end
        previous_heading = repeated  # nothing continues the header row
        for line in lines[start:end]:
            heading = _crosses(line, bounds)
            opens = number is not None and any(
                _column((w["x0"] + w["x1"]) / 2, bounds) == number for w in line.words
            )
            gap = bool(bands) and line.top - bands[-1][-1].bottom > 0.8 * line.size
            if not bands or heading or previous_heading or opens or gap:
                bands.append([line])
            else:
                bands[-1].append(line)
            previous_heading = heading
        table_lines = {id(line) for band in bands for line in band}
        free = [w for line in lines if id(line) not in table_lines for w in line.words]
        pages.append(
            _page(page, free, [_piece(bands, left, right, bounds, width)] if bands else [])
        )
    return pages
