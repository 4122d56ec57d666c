"""What every importer shares: problems with their place in the file (sheet, row,
column), raised all at once. Recognising columns by their headers is `infra.text`."""

from __future__ import annotations

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


def cell_name(header: list, index: int) -> str:
    value = header[index] if index < len(header) else None
    return str(value) if value not in (None, "") else column_letter(index)
