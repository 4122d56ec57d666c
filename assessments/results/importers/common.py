"""What the result importers share: the typed records they produce, task headers,
procedure names, and reading one score cell. Pure: no ORM.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from infra.problems import Problem
from infra.text import match_columns, word_choice

# `1 (1б)`, `5.1 (1б)`, `11.3 k1 (2б)`, `Задание 3 (2 балла)`
TASK_HEADER_RE = re.compile(
    r"^\s*(?:задание\s*|№\s*)?(\d+(?:\.\d+)*(?:\s*[kк]\s*\d+)?)\s*"
    r"\(\s*(\d+)\s*(?:б|балл\w*)?\.?\s*\)\s*$",
    re.IGNORECASE,
)
NOT_ATTEMPTED = frozenset({"x", "х"})  # Latin and Cyrillic, compared lowercased
ABSENT_WORDS = ("отсутствовал", "отсутствовала", "не явился", "не явилась", "неявка", "н/я")


@dataclass(frozen=True)
class TaskSpec:
    number: str
    max_score: int
    part: str = ""


@dataclass(frozen=True)
class ProcedureKey:
    """A procedure as a file or the options name it; None where unknown."""

    instrument: str | None = None
    subject: str | None = None
    grade: int | None = None
    year: int | None = None
    season: str | None = None

    def merged(self, other: ProcedureKey | None) -> ProcedureKey:
        """This key with the gaps filled from `other`."""
        if other is None:
            return self
        return ProcedureKey(
            **{
                name: getattr(self, name)
                if getattr(self, name) is not None
                else getattr(other, name)
                for name in ("instrument", "subject", "grade", "year", "season")
            }
        )

    @property
    def complete(self) -> bool:
        return None not in (self.instrument, self.subject, self.grade, self.year)


@dataclass(slots=True)
class PupilRow:
    sheet: str
    row: int
    participant_code: str
    scores: list
    primary_score: int
    school_code: str = ""
    class_name: str = ""
    variant: str = ""
    file_primary: int | None = None
    file_mark: int | None = None
    journal_mark: int | None = None
    sex: str = ""
    municipality_code: str = ""
    last_name: str = ""
    first_name: str = ""
    patronymic: str = ""
    document: str = ""
    exam_point: str = ""
    room: str = ""
    answers: str = ""


class PupilTable(Sequence):
    """Pupil rows held by column, as the column reader (`importers.columnar`) finds
    them: `columns[field]` is one list per PupilRow field (all but `sheet`, one
    sheet's rows). A PupilRow is built only when a row is asked for."""

    FIELDS = (
        "row",
        "participant_code",
        "scores",
        "primary_score",
        "school_code",
        "class_name",
        "variant",
        "file_primary",
        "file_mark",
        "journal_mark",
        "sex",
        "municipality_code",
    )

    def __init__(self, sheet: str, columns: dict[str, list]):
        self.sheet = sheet
        self.columns = columns
        self._length = len(columns["row"])

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        columns = self.columns
        return PupilRow(self.sheet, *(columns[name][index] for name in self.FIELDS))


@dataclass(slots=True)
class AggregateRow:
    sheet: str
    row: int
    school_code: str
    participants: int
    mark_counts: dict
    histogram: list


@dataclass
class ParsedFile:
    """Everything read from one file, before it meets the database."""

    file: str
    format: str = ""
    tasks: list[TaskSpec] = field(default_factory=list)
    rows: list[PupilRow] | PupilTable = field(default_factory=list)
    aggregates: list[AggregateRow] = field(default_factory=list)
    procedure: ProcedureKey | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    absent: int = 0
    skipped: int = 0
    school_column: str = ""
    code_column: str = ""
    sheet: str = ""
    # How the headers were understood: {"header", "meaning", "rule"} per column of the
    # first table read, the headers no rule understood, and meaning → header as written.
    columns: list[dict] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    column_index: dict[str, str] = field(default_factory=dict)
    headers_seen: set[str] = field(default_factory=set)
    # Rows whose own total differs from the sum of their tasks; rows per column with a
    # score the header's maximum does not allow; rows whose code repeats.
    total_mismatches: int = 0
    over_maximum: dict[str, int] = field(default_factory=dict)
    repeated_codes: int = 0
    rows_refused: int = 0  # pupil rows left out for a problem of their own


def task_from_header(value) -> TaskSpec | None:
    """`5.1 (1б)` → TaskSpec("5.1", 1); None when the header is not a task."""
    if value is None or isinstance(value, int | float):
        return None
    match = TASK_HEADER_RE.match(str(value))
    if not match:
        return None
    number = re.sub(r"\s+", " ", match.group(1)).replace("к", "k").replace("К", "k")
    return TaskSpec(number=number, max_score=int(match.group(2)))


INSTRUMENT_WORDS = [
    ("vpr_control", ("впр с контролем", "впр контроль", "контроль объективности", "впр ко")),
    ("vpr", ("впр", "всероссийская проверочная", "всероссийские проверочные")),
    ("oge", ("огэ", "основной государственный")),
    ("ege", ("егэ", "единый государственный")),
    ("gve", ("гвэ", "государственный выпускной")),
    ("niko", ("нико", "национальное исследование", "национальные исследования")),
    ("rdr", ("рдр", "региональная диагностическая", "региональные диагностические")),
    ("school", ("школьная", "внутришкольная", "входная", "административная")),
]

SUBJECT_WORDS = [
    ("math_profile", ("математика профил", "математика (профил", "профильная математика")),
    ("math_base", ("математика базов", "математика (базов", "базовая математика")),
    ("russian", ("русский",)),
    ("math", ("математика",)),
    ("world", ("окружающий",)),
    ("social", ("обществознание",)),
    ("history", ("история",)),
    ("biology", ("биология",)),
    ("geography", ("география",)),
    ("physics", ("физика",)),
    ("chemistry", ("химия",)),
    ("informatics", ("информатика",)),
    ("literature", ("литература",)),
    ("english", ("английский", "иностранный язык (английский", "иностранный (английский")),
    ("german", ("немецкий", "иностранный язык (немецкий", "иностранный (немецкий")),
    ("french", ("французский", "иностранный язык (французский", "иностранный (французский")),
    ("spanish", ("испанский",)),
    ("chinese", ("китайский",)),
    ("reading", ("читательская",)),
]

SEASON_WORDS = [
    ("autumn", ("осень", "осенний", "осенняя")),
    ("spring", ("весна", "весенний", "весенняя")),
    ("early", ("досрочный",)),
    ("additional", ("дополнительный", "резервный")),
    ("main", ("основной",)),
]


def instrument_from_text(text) -> str | None:
    return word_choice(INSTRUMENT_WORDS, text)


def subject_from_text(text) -> str | None:
    return word_choice(SUBJECT_WORDS, text)


def season_from_text(text) -> str | None:
    return word_choice(SEASON_WORDS, text)


def as_int(value) -> int | None:
    """An integer from a cell (3, 3.0, "3", " 3 "), or None."""
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None
    return None


def as_text(value) -> str:
    """A cell as text; whole numbers without the `.0` Excel gives them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_absent(value) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith(ABSENT_WORDS)


def header_columns(header: list, spec: dict, skip: set[int]) -> dict[str, int]:
    """The pupil-form columns by their headers, leaving out the task columns in `skip`."""
    return match_columns(header, spec, skip=skip)


def score_problem(value, max_score) -> str:
    return _("«%(value)s» — не балл: ожидается число от 0 до %(max)d или «x» (не приступал).") % {
        "value": value,
        "max": max_score,
    }
