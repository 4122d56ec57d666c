"""What every importer shares: problems with their place in the file, and
recognising columns by the headers people actually write."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from infra.files import column_letter


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file; `message` is Russian, for the user."""

    file: str
    message: str
    sheet: str = ""
    row: int | None = None  # 1-based, as Excel shows it
    column: str = ""  # the header as written, or the Excel letter

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self):
        place = [self.file]
        if self.sheet and self.sheet != self.file:
            place.append(f"лист «{self.sheet}»")
        if self.row is not None:
            place.append(f"строка {self.row}")
        if self.column:
            place.append(f"столбец «{self.column}»")
        return f"{', '.join(place)}: {self.message}"


class ImportFailed(Exception):
    """Raised with every problem found; nothing has been written."""

    def __init__(self, problems: list[Problem], details: dict | None = None):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems
        # What the importer understood before it stopped (a results file's columns).
        self.details = details or {}


def normalise_header(value) -> str:
    text = str(value or "").lower().replace("ё", "е")
    text = re.sub(r"[\s\u00a0]+", " ", text)
    return re.sub(r"[^\w ()/]", "", text).strip()


def match_columns(
    header: list, spec: dict[str, tuple[str, ...]], *, skip=(), found: dict[str, int] | None = None
) -> dict[str, int]:
    """Map field names to column indexes by the header row.

    `spec` gives, for each field, the header wordings that name it (already
    normalised). An exact match wins over a prefix match; a column serves one
    field only. Columns in `skip` are never matched (task columns, say), and
    `found` is a mapping already decided, which the result extends.
    """
    normalised = ["" if i in skip else normalise_header(h) for i, h in enumerate(header)]
    found = dict(found or {})
    taken: set[int] = set(found.values())
    for exact in (True, False):
        for name, wordings in spec.items():
            if name in found:
                continue
            for index, text in enumerate(normalised):
                if index in taken or not text:
                    continue
                if any(text == w if exact else text.startswith(w) for w in wordings):
                    found[name] = index
                    taken.add(index)
                    break
    return found


def find_header_row(
    rows: list[list], spec: dict[str, tuple[str, ...]], required: set[str], limit: int = 30
):
    """The index of the first row that names all `required` fields, and its mapping."""
    for index, row in enumerate(rows[:limit]):
        mapping = match_columns(row, spec)
        if required <= mapping.keys():
            return index, mapping
    return None, {}


def cell_name(header: list, index: int) -> str:
    value = header[index] if index < len(header) else None
    return str(value) if value not in (None, "") else column_letter(index)
