"""Per-school totals where pupil rows are not available: the number of participants
with the count or share of each mark, or a primary-score histogram (columns
0, 1, …, max). Pure: sheets in, a ParsedFile out.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from assessments.results.importers.common import (
    AggregateRow,
    ParsedFile,
    ProcedureKey,
    as_int,
    as_text,
    header_columns,
    instrument_from_text,
    subject_from_text,
)
from infra.problems import Problem, cell_name
from infra.text import is_totals_row

AGGREGATE_COLUMNS = {
    "school_code": ("код оо", "код школы", "логин фис око", "логин", "код"),
    "participants": (
        "количество участников",
        "число участников",
        "кол во участников",
        "колво участников",
        "участников",
        "участники",
        "писали",
    ),
    "instrument": ("процедура",),
    "subject": ("предмет",),
    "grade": ("класс", "параллель"),
    "year": ("год",),
}
MARK_RE = re.compile(
    r"^\s*(?:(?:доля|процент|%|кол-?во|количество|число)\s*)?(?:отметок\s*|отметка\s*|оценка\s*)?"
    r"[\"«„]?([2-5])[\"»“]?\s*(%|\(%\))?\s*$",
    re.IGNORECASE,
)


def mark_columns(header) -> dict[int, tuple[str, bool]]:
    """Column index → (mark, is a share in percent)."""
    found = {}
    for index, value in enumerate(header):
        if isinstance(value, int):
            continue
        text = str(value or "")
        match = MARK_RE.match(text)
        if match:
            share = "%" in text or "доля" in text.lower() or "процент" in text.lower()
            found[index] = (match.group(1), share)
    return found


def histogram_columns(header) -> dict[int, int] | None:
    """Column index → primary score, when the header has columns 0, 1, 2, … (at least to 6)."""
    numbers = {}
    for index, value in enumerate(header):
        number = (
            value
            if isinstance(value, int)
            else (int(value) if str(value or "").strip().isdigit() else None)
        )
        if number is not None:
            numbers[number] = index
    if 0 in numbers and 6 in numbers and all(n in numbers for n in range(max(numbers) + 1)):
        return {index: number for number, index in numbers.items()}
    return None


def looks_like_aggregate(header) -> bool:
    columns = header_columns(header, AGGREGATE_COLUMNS, set())
    if "school_code" not in columns:
        return False
    return histogram_columns(header) is not None or len(mark_columns(header)) == 4


def parse_aggregate(sheets, file: str) -> ParsedFile:
    parsed = ParsedFile(file=file, format="aggregate")
    for sheet in sheets:
        for header_index, header in enumerate(sheet.rows[:30]):
            if looks_like_aggregate(header):
                _parse(sheet, header_index, parsed)
                return parsed
    parsed.problems.append(
        Problem(file=file, message=_("Не найдена строка заголовков сводной таблицы по школам."))
    )
    return parsed


def _parse(sheet, header_index, parsed: ParsedFile):
    file = parsed.file
    header = sheet.rows[header_index]
    histogram = histogram_columns(header)
    marks = {} if histogram else mark_columns(header)
    skip = set(histogram or {}) | set(marks)
    columns = header_columns(header, AGGREGATE_COLUMNS, skip)
    parsed.school_column = cell_name(header, columns["school_code"])
    parsed.sheet = sheet.name
    width = len(header)
    keys: dict[str, set] = {}
    seen: dict[str, int] = {}
    for offset, row in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
        if not any(v is not None for v in row):
            continue
        row = row + [None] * (width - len(row))
        if label := is_totals_row(row, columns["school_code"]):
            parsed.warnings.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
                    row=offset,
                    message=_("Строка итогов «%s» — не школа: пропущена.") % label,
                )
            )
            continue

        def problem(index, message, offset=offset):
            parsed.problems.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
                    row=offset,
                    column=cell_name(header, index) if index is not None else "",
                    message=message,
                )
            )

        code = as_text(row[columns["school_code"]])
        if not code:
            problem(columns["school_code"], _("Не указан код ОО."))
            continue
        if code in seen:
            problem(
                columns["school_code"],
                _("Школа %(code)s уже была в строке %(row)d.") % {"code": code, "row": seen[code]},
            )
            continue
        seen[code] = offset
        participants = None
        if "participants" in columns:
            participants = as_int(row[columns["participants"]])
            if participants is None or participants < 0:
                problem(columns["participants"], _("Число участников не указано или не число."))
                continue
        counts, bins = {}, []
        if histogram:
            bins = [0] * (max(histogram.values()) + 1)
            for index, score in histogram.items():
                value = row[index]
                number = 0 if value is None else as_int(value)
                if number is None or number < 0:
                    problem(index, _("«%s» — не число участников.") % value)
                    continue
                bins[score] = number
            if participants is None:
                participants = sum(bins)
            elif sum(bins) != participants:
                problem(
                    columns["participants"],
                    _("Участников %(n)d, а в распределении по баллам %(sum)d.")
                    % {"n": participants, "sum": sum(bins)},
                )
                continue
        else:
            shares = any(share for _mark, share in marks.values())
            if shares and participants is None:
                problem(None, _("Для долей отметок нужен столбец с числом участников."))
                continue
            for index, (mark, share) in marks.items():
                value = row[index]
                if value is None:
                    counts[mark] = 0
                    continue
                number = value if isinstance(value, int | float) else None
                if number is None:
                    try:
                        number = float(str(value).replace(",", ".").replace("%", "").strip())
                    except ValueError:
                        problem(index, _("«%s» — не число.") % value)
                        continue
                counts[mark] = round(number * participants / 100) if share else int(number)
            if participants is None:
                participants = sum(counts.values())
            elif abs(sum(counts.values()) - participants) > (2 if shares else 0):
                problem(
                    columns["participants"],
                    _("Участников %(n)d, а отметок в сумме %(sum)d.")
                    % {"n": participants, "sum": sum(counts.values())},
                )
                continue
        for name in ("instrument", "subject", "grade", "year"):
            if name in columns and row[columns[name]] is not None:
                keys.setdefault(name, set()).add(as_text(row[columns[name]]))
        parsed.aggregates.append(
            AggregateRow(
                sheet=sheet.name,
                row=offset,
                school_code=code,
                participants=participants,
                mark_counts=counts,
                histogram=bins,
            )
        )
    readers = {
        "instrument": instrument_from_text,
        "subject": subject_from_text,
        "grade": as_int,
        "year": lambda v: as_int(str(v)[:4]),
    }
    found = {}
    for name, values in keys.items():
        decoded = {readers[name](v) for v in values}
        if len(decoded) == 1 and None not in decoded:
            found[name] = decoded.pop()
        else:
            parsed.problems.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
                    column=cell_name(header, columns[name]),
                    message=_("Не удалось определить процедуру по значениям: %s.")
                    % ", ".join(sorted(values)),
                )
            )
    if found:
        parsed.procedure = ProcedureKey(**found)
