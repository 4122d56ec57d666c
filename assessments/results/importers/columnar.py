"""The fast path of pupil tables: each column checked whole, not row by row.

`parse_pupil_columns` reads the same sheets as `pupils.parse_pupil_sheets` and
gives the same ParsedFile, its rows a PupilTable (lists by field, a PupilRow only
when one is asked for). Every distinct cell value of a column is read once (a
score column holds a dozen), the sums and comparisons are numpy's.

It takes the files that need no message about a row: every score a number within
its task's maximum or «x», every pupil with a code (and a school in a consolidated
file), sex and marks as the row path reads them, no code twice, absent pupils
marked in the variant column, a second sheet repeating the pupils of the first.
Anything else (a row to refuse or to skip, a header problem, sheets that disagree)
returns None, and the row path reads the file and names every row. Pure: no ORM.
"""

from __future__ import annotations

import datetime
from operator import itemgetter

from django.utils.translation import gettext as _

from assessments.results.importers.common import (
    NOT_ATTEMPTED,
    ParsedFile,
    PupilTable,
    as_int,
    as_text,
    is_absent,
)
from assessments.results.importers.pupils import (
    JOURNAL_MARKS,
    MISSING,
    NOT_ATTEMPTED_CASES,
    SEX_WORDS,
    _mark_cell,
    _procedure_from_columns,
    class_list,
    find_pupil_header,
    sheet_absent,
    sheet_columns,
    tasks_signature,
    warn_numbered_classes,
)
from infra.problems import Problem, cell_name
from infra.text import is_totals_label


class _RowPath(Exception):
    """The file needs the row-by-row reader (a message about a row, an odd layout)."""


def parse_pupil_columns(sheets, file: str, kind: str, overrides=None) -> ParsedFile | None:
    """The ParsedFile of a pupil table read by column, or None when only the row
    reader (`parse_pupil_sheets`) can say what is wrong with it."""
    overrides = overrides or {}
    found = []
    for sheet in sheets:
        if not hasattr(sheet, "columns"):
            return None
        header_index, task_columns = find_pupil_header(sheet.head())
        if header_index is not None:
            found.append((sheet, header_index, task_columns))
    if not found:
        return None
    parsed = ParsedFile(file=file, format=kind)
    classes = class_list(sheets)
    first, header_index, task_columns = found[0]
    parsed.tasks = [t for _i, t in task_columns]
    parsed.sheet = first.name
    try:
        table = _read_sheet(first, header_index, task_columns, parsed, classes, overrides)
        keys = list(zip(table["school_code"], table["participant_code"], strict=True))
        if len(set(keys)) != len(keys):
            return None  # a repeated code: the row reader names both rows
        for sheet, index, tasks in found[1:]:
            if tasks_signature([t for _i, t in tasks]) != tasks_signature(parsed.tasks):
                return None
            _repeated_sheet(sheet, index, tasks, parsed, classes, overrides, table, keys)
    except _RowPath:
        return None
    parsed.rows = PupilTable(first.name, table)
    if set(overrides) - parsed.headers_seen:
        return None
    warn_numbered_classes(parsed, file, kind, classes, table["class_name"][:50])
    return parsed


def _repeated_sheet(sheet, index, tasks, parsed, classes, overrides, table, keys) -> None:
    """A second protocol sheet: counted once when it repeats the first sheet's pupils
    with the same scores (the form's second layout); anything else is the row path's."""
    scores_by_key = dict(zip(keys, table["scores"], strict=True))
    other = _read_sheet(sheet, index, tasks, parsed, classes, overrides)
    pairs = zip(other["school_code"], other["participant_code"], other["scores"], strict=True)
    if not all(scores_by_key.get((school, code), MISSING) == s for school, code, s in pairs):
        raise _RowPath
    if other["row"]:
        parsed.warnings.append(
            Problem(
                file=parsed.file,
                sheet=sheet.name,
                message=_("Лист повторяет участников листа «%s» с теми же баллами; учтён один раз.")
                % parsed.sheet,
            )
        )
        parsed.absent -= sheet_absent(sheet, index)


def _read_sheet(sheet, header_index, task_columns, parsed, classes, overrides) -> dict:
    """The PupilTable columns of one sheet; what the row path records of the sheet
    (columns understood, absent pupils, totals that differ) is recorded alike."""
    header = sheet.head(header_index + 1)[header_index]
    reading, columns = sheet_columns(header, parsed, overrides)
    if reading.problems or "participant" not in columns:
        raise _RowPath
    if "school_code" in columns:
        parsed.school_column = cell_name(header, columns["school_code"])
    parsed.code_column = cell_name(header, columns["participant"])

    start = header_index + 1
    width = max(len(header), len(sheet.columns))
    height = sheet.height - start
    data = [c[start:] for c in sheet.columns] + [[None] * height] * (width - len(sheet.columns))
    offsets = range(start + 1, start + 1 + height)

    # Rows without a code: empty rows are left out (as the row reader does), the
    # absent are counted below, any other is a row to name.
    code_column = data[columns["participant"]]
    if None in code_column:
        empty = [
            i for i, v in enumerate(code_column) if v is None and all(c[i] is None for c in data)
        ]
        if empty:
            keep = sorted(set(range(height)) - set(empty))
            data, offsets = _take(data, keep), _take([offsets], keep)[0]
    offsets = list(offsets)
    absent = set()
    for index in reading.variants:
        words = {v for v in set(data[index]) if is_absent(v)}
        if words:
            absent.update(k for k, v in enumerate(data[index]) if v in words)
    if absent:
        parsed.absent += len(absent)
        keep = [i for i in range(len(offsets)) if i not in absent]
        data, offsets = _take(data, keep), _take([offsets], keep)[0]
    if not offsets:
        return {name: [] for name in PupilTable.FIELDS}

    for index in {0, columns["participant"]}:
        # A totals row («Итого», «Всего») is left out, with a warning, by the row reader.
        if any(is_totals_label(v) for v in set(data[index])):
            raise _RowPath
    scores, totals = _scores(data, task_columns)
    col = columns.get
    table = {
        "row": offsets,
        "participant_code": _texts(data[columns["participant"]]),
        "scores": scores,
        "primary_score": totals,
        "school_code": _texts(data[col("school_code")])
        if "school_code" in columns
        else [""] * len(offsets),
        "class_name": _mapped(data, col("class_name"), lambda v: _class_name(v, classes), ""),
        "variant": _variants(data, reading.variants),
        "file_primary": _mapped(data, col("total"), _total, None),
        "file_mark": _mapped(data, col("file_mark"), lambda v: _mark(v, 0, 100), None),
        "journal_mark": _mapped(data, col("journal_mark"), _journal, None),
        "sex": _mapped(data, col("sex"), _sex, ""),
        "municipality_code": _mapped(data, col("municipality_code"), as_text, ""),
    }
    if "total" in columns:
        _total_warnings(table, parsed, sheet.name, cell_name(header, columns["total"]))
    key_values = {
        name: {as_text(v) for v in set(data[columns[name]]) if v is not None}
        for name in ("instrument", "subject", "grade", "year", "season")
        if name in columns
    }
    if key_values:
        parsed.procedure = _procedure_from_columns(
            {k: v for k, v in key_values.items() if v}, header, columns, sheet.name, parsed
        )
    return table


def _take(columns: list[list], keep: list[int]) -> list[list]:
    if not keep:
        return [[] for _c in columns]
    if len(keep) == 1:
        return [[c[keep[0]]] for c in columns]
    pick = itemgetter(*keep)
    return [list(pick(c)) for c in columns]


def _scores(data, task_columns):
    """Scores per row (tuples, None for «x») and the row's sum, each task column read
    by its distinct values; a cell that is not a score sends the file to the row path."""
    import numpy as np

    by_column = []
    totals = np.zeros(len(data[0]), dtype=np.int32)
    for index, task in task_columns:
        known = {
            **{i: i for i in range(task.max_score + 1)},
            **{str(i): i for i in range(task.max_score + 1)},
            **dict.fromkeys(NOT_ATTEMPTED_CASES),
        }
        column = data[index]
        for value in set(column) - known.keys():
            if isinstance(value, str) and value.lower() in NOT_ATTEMPTED:
                known[value] = None
                continue
            score = as_int(value) if value is not None else None
            if score is None or not 0 <= score <= task.max_score:
                # A missing or wrong score: the row path skips the row or names the cell.
                raise _RowPath
            known[value] = score
        values = list(map(known.__getitem__, column))
        by_column.append(values)
        points = {k: v or 0 for k, v in known.items()}
        totals += np.fromiter(map(points.__getitem__, column), dtype=np.int32, count=len(column))
    return list(zip(*by_column, strict=True)), totals.tolist()


def _mapped(data, index, read, default) -> list:
    """A column read through `read`, once per distinct value; None stays `default`."""
    if index is None:
        return [default] * len(data[0])
    column = data[index]
    values = {v: read(v) if v is not None else default for v in set(column)}
    return list(map(values.__getitem__, column))


def _texts(column) -> list[str]:
    """Codes as text; a missing one is a row to name."""
    if None in column:
        raise _RowPath
    if all(type(v) is str for v in set(column)):
        return list(column)
    return [v if type(v) is str else as_text(v) for v in column]


def _variants(data, indices) -> list[str]:
    if len(indices) == 1:
        return _mapped(data, indices[0], lambda v: v if type(v) is str else as_text(v), "")
    if not indices:
        return [""] * len(data[0])
    return [
        "/".join(as_text(v) for v in cells if v is not None)
        for cells in zip(*(data[i] for i in indices), strict=True)
    ]


def _class_name(value, classes) -> str:
    if type(value) is str and not value.isdigit():
        return value
    if isinstance(value, datetime.date | datetime.time):
        raise _RowPath  # «4.1» that Excel made a date: the row reader names the cell
    number = as_int(value)
    return classes.get(number, as_text(value)) if number is not None else as_text(value)


def _sex(value) -> str:
    sex = SEX_WORDS.get(value) or SEX_WORDS.get(as_text(value).lower().rstrip("."))
    if sex is None:
        raise _RowPath
    return sex


def _refuse(_index, _message):
    raise _RowPath


def _mark(value, low, high):
    return _mark_cell([value], 0, _refuse, low=low, high=high)


def _journal(value):
    mark = JOURNAL_MARKS.get(value, MISSING)
    return _mark(value, 2, 5) if mark is MISSING else mark


def _total(value):
    if type(value) is int:
        return value
    return int(value) if type(value) is str and value.isdigit() else as_int(value)


def _total_warnings(table, parsed, sheet_name, header) -> None:
    """Rows whose own total is not the sum of their tasks: a warning each (the sum is kept)."""
    files, sums = table["file_primary"], table["primary_score"]
    if files.count(None) == len(files):
        return
    for position, (file_total, total) in enumerate(zip(files, sums, strict=True)):
        if file_total is not None and file_total != total:
            parsed.total_mismatches += 1
            parsed.warnings.append(
                Problem(
                    file=parsed.file,
                    sheet=sheet_name,
                    row=table["row"][position],
                    column=header,
                    message=_(
                        "В файле итог %(file)d, сумма баллов по заданиям %(sum)d: взята сумма."
                    )
                    % {"file": file_total, "sum": total},
                )
            )
