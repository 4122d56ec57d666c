"""Rows pasted from Word or Excel into the table editor, read into measure fields.

Both put tab-separated text on the clipboard: one line per row, a tab between
cells; Excel quotes a cell holding a line break or a quote («"a""b"» is a"b).
Pure: no ORM, no request.
"""

from __future__ import annotations

import re

# The editor's columns, in the order a roadmap table has them.
COLUMNS = ("number", "text", "deadline_text", "responsible_text", "result", "document_text")
MAX_ROWS = 500
MAX_CELL = 5000

_NUMBER = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3}){0,3}\.?|[IVXLC]{1,6}\.?)\s*$")
_HEADER_WORDS = ("мероприяти", "срок", "ответствен", "исполнител", "результат", "№")


def split_cells(text: str) -> list[list[str]]:
    """Tab-separated text → rows of cells, honouring Excel's quoted cells."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    at_cell_start = True
    while i < n:
        ch = text[i]
        if at_cell_start and ch == '"':
            # A quoted cell: up to the closing quote; "" inside is one quote.
            j = i + 1
            value = []
            closed = False
            while j < n:
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        value.append('"')
                        j += 2
                        continue
                    closed = True
                    j += 1
                    break
                value.append(text[j])
                j += 1
            if closed and (j >= n or text[j] in "\t\n"):
                cell = value
                i = j
                at_cell_start = False
                continue
            # Not a well-formed quoted cell: read the quote as a character.
        at_cell_start = False
        if ch == "\t":
            row.append("".join(cell))
            cell, at_cell_start = [], True
        elif ch == "\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell, at_cell_start = [], [], True
        else:
            cell.append(ch)
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows


def _is_header(cells: list[str]) -> bool:
    lowered = [c.strip().lower() for c in cells if c.strip()]
    hits = sum(1 for c in lowered if len(c) < 40 and any(w in c for w in _HEADER_WORDS))
    return len(lowered) >= 2 and hits >= 2


def measures_from_clipboard(text: str) -> list[dict]:
    """Each non-empty row as a dict of COLUMNS. A first cell that reads as a number
    («1.», «2.3», «IV») is the measure's number, otherwise the row starts with the
    measure's text. A header row («№ | Мероприятие | Срок …») and empty rows are
    skipped; a row of one cell is a measure's text. Cells beyond the columns are
    joined to the last one. Raises ValueError with a Russian message when the text
    holds no rows or too many."""
    rows = [[c.strip() for c in r] for r in split_cells(text or "")]
    rows = [r for r in rows if any(r)]
    if rows and _is_header(rows[0]):
        rows = rows[1:]
    if not rows:
        raise ValueError("Во вставленном тексте нет строк таблицы.")
    if len(rows) > MAX_ROWS:
        raise ValueError(
            f"Вставлено строк: {len(rows)}; за один раз можно вставить не больше {MAX_ROWS}."
        )
    out = []
    for cells in rows:
        if len(cells) > 1 and _NUMBER.match(cells[0]):
            columns = COLUMNS
        elif len(cells) > 1 and not cells[0] and len(cells) > 2:
            cells = cells[1:]  # an empty number column
            columns = COLUMNS[1:]
        else:
            columns = COLUMNS[1:]
        if len(cells) > len(columns):
            cells = [
                *cells[: len(columns) - 1],
                "; ".join(c for c in cells[len(columns) - 1 :] if c),
            ]
        values = dict.fromkeys(COLUMNS, "")
        for name, value in zip(columns, cells, strict=False):
            values[name] = " ".join(value.split()) if name != "text" else value.strip()
            values[name] = values[name][:MAX_CELL]
        out.append(values)
    return out
