"""Tables with one pupil per row and one column per task: the ВПР result form of
one school and consolidated files of many schools (a school code or ФИС ОКО
login per row). Pure: sheets in, a ParsedFile out.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from assessments.results.importers.columns import meaning_of, read_columns
from assessments.results.importers.common import (
    NOT_ATTEMPTED,
    ParsedFile,
    ProcedureKey,
    PupilRow,
    TaskSpec,
    as_int,
    as_text,
    instrument_from_text,
    is_absent,
    score_problem,
    season_from_text,
    subject_from_text,
    task_from_header,
)
from infra.problems import Problem, cell_name
from infra.text import header_text, is_totals_row, normalise_header

SEX_WORDS = {"м": "м", "муж": "м", "мужской": "м", "m": "м", "ж": "ж", "жен": "ж", "женский": "ж"}
SEX_WORDS["f"] = "ж"
NOT_ATTEMPTED_CASES = ("x", "X", "х", "Х")
MISSING = object()
JOURNAL_MARKS = {None: None, **{m: m for m in range(2, 6)}, **{str(m): m for m in range(2, 6)}}


def find_pupil_header(rows: list[list], limit: int = 30):
    """(index, task columns) of the first row with task headers and a participant code column."""
    for index, row in enumerate(rows[:limit]):
        tasks = [(i, t) for i, value in enumerate(row) if (t := task_from_header(value))]
        if tasks and any(
            normalise_header(v).startswith("код") or meaning_of(v)[0] == "participant"
            for v in row
            if v
        ):
            return index, tasks
    return None, []


def merge_two_row_headers(sheets) -> None:
    """A header over two rows read as one: when a row of task headers has no code
    column, its blank cells take the text of the row above («Код», «Класс»… merged
    down over both rows, a title merged across the tasks). Changes the sheets."""
    for sheet in sheets:
        head = sheet.head()
        for index, lower in enumerate(head):
            if not any(task_from_header(v) for v in lower):
                continue
            if index and find_pupil_header([lower])[0] is None:
                upper = head[index - 1]
                width = max(len(lower), len(upper))
                lower = lower + [None] * (width - len(lower))
                upper = upper + [None] * (width - len(upper))
                merged = [a if a is not None else b for a, b in zip(lower, upper, strict=True)]
                if find_pupil_header([merged])[0] is not None:
                    sheet.replace_row(index, merged)
            break  # the first row with tasks is the header, complete or not


def _skip(parsed: ParsedFile, file: str, sheet: str, row: int, message: str) -> None:
    """A row left out of the import, said as a warning."""
    parsed.skipped += 1
    parsed.warnings.append(Problem(file=file, sheet=sheet, row=row, message=message))


def class_list(sheets) -> dict[int, str]:
    """The form's «Классы» sheet: the number the protocol uses → the class as written."""
    for sheet in sheets:
        if not normalise_header(sheet.name).startswith("класс"):
            continue
        found, position = {}, 0
        for row in sheet.rows:
            cells = [c for c in row if c not in (None, "")]
            if not cells:
                continue
            if len(cells) >= 2 and as_int(cells[0]) is not None:
                found[as_int(cells[0])] = as_text(cells[1])
            else:
                position += 1
                found[position] = as_text(cells[0])
        return found
    return {}


def parse_pupil_sheets(
    sheets, file: str, kind: str = "vpr_form", overrides: dict[str, str] | None = None
) -> ParsedFile:
    """Read every sheet that carries a pupil protocol; sheets that repeat the same
    pupils (the form's second layout) are checked to agree and counted once.

    `overrides` maps headers (as `infra.text.header_text` gives them) to meanings
    and wins over the rules of `columns.read_columns`."""
    parsed = ParsedFile(file=file, format=kind)
    overrides = overrides or {}
    classes = class_list(sheets)
    seen_codes: dict[tuple[str, str], PupilRow] = {}
    for sheet in sheets:
        header_index, task_columns = find_pupil_header(sheet.rows)
        if header_index is None:
            continue
        tasks = [t for _i, t in task_columns]
        if not parsed.tasks:
            parsed.tasks = tasks
            parsed.sheet = sheet.name
        elif [(t.number, t.max_score) for t in tasks] != [
            (t.number, t.max_score) for t in parsed.tasks
        ]:
            parsed.problems.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
                    row=header_index + 1,
                    message=_("Задания на этом листе не совпадают с заданиями листа «%s».")
                    % parsed.sheet,
                )
            )
            continue
        sheet_rows = _parse_sheet(sheet, header_index, task_columns, parsed, classes, overrides)
        duplicates = 0
        keys = [(r.school_code, r.participant_code) for r in sheet_rows]
        unique = dict(zip(keys, sheet_rows, strict=True))
        if not seen_codes and len(unique) == len(sheet_rows):
            # The usual case, one protocol sheet without repeated codes: no row-by-row check.
            seen_codes = unique
            parsed.rows.extend(sheet_rows)
            sheet_rows = []
        for record in sheet_rows:
            key = (record.school_code, record.participant_code)
            earlier = seen_codes.get(key)
            if earlier is None:
                seen_codes[key] = record
                parsed.rows.append(record)
            elif earlier.sheet != record.sheet and earlier.scores == record.scores:
                duplicates += 1
            else:
                parsed.repeated_codes += 1
                parsed.rows_refused += 1
                parsed.problems.append(
                    Problem(
                        file=file,
                        sheet=record.sheet,
                        row=record.row,
                        column=parsed.code_column,
                        message=_(
                            "Код участника %(code)s повторяется (лист «%(sheet)s», строка %(row)d)."
                        )
                        % {
                            "code": record.participant_code,
                            "sheet": earlier.sheet,
                            "row": earlier.row,
                        },
                    )
                )
        if duplicates and sheet_rows and duplicates == len(sheet_rows):
            parsed.warnings.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
                    message=_(
                        "Лист повторяет участников листа «%s» с теми же баллами; учтён один раз."
                    )
                    % parsed.sheet,
                )
            )
            parsed.absent -= sheet_absent(sheet, header_index)
    warn_numbered_classes(parsed, file, kind, classes, [r.class_name for r in parsed.rows[:50]])
    missing = set(overrides) - parsed.headers_seen
    for header in sorted(missing):
        parsed.problems.append(
            Problem(file=file, message=_("Столбца «%s» в файле нет: проверьте заголовок.") % header)
        )
    if not parsed.tasks:
        parsed.problems.append(
            Problem(
                file=file,
                message=_(
                    "Не найдена строка заголовков с заданиями: нужны столбец «Код» и столбцы "
                    "заданий вида «1 (1б)»."
                ),
            )
        )
    return parsed


def warn_numbered_classes(parsed: ParsedFile, file, kind, classes, first_class_names) -> None:
    """A ВПР form whose classes are numbers into a «Классы» sheet the file does not
    have: the numbers are kept, and the person is told so."""
    if not classes and kind == "vpr_form" and any(c.isdigit() for c in first_class_names):
        parsed.warnings.append(
            Problem(
                file=file,
                sheet=parsed.sheet,
                message=_(
                    "Класс указан номером из списка «Классы», а такого листа в файле нет: "
                    "сохранён номер."
                ),
            )
        )


def sheet_absent(sheet, header_index) -> int:
    return sum(1 for row in sheet.rows[header_index + 1 :] if any(is_absent(v) for v in row))


def sheet_columns(header, parsed: ParsedFile, overrides):
    """The meanings of a sheet's header (a school login counts as the school's code),
    recorded on `parsed` as both readers of pupil tables record them: the headers seen,
    the first sheet's column report, where each meaning was found. Returns the
    reading and {meaning: column index}."""
    reading = read_columns(header, overrides)
    parsed.headers_seen.update(header_text(h) for h in header if h is not None)
    if not parsed.columns:
        parsed.columns = reading.report
        parsed.unknown_columns = reading.unknown
    columns = dict(reading.columns)
    if "school_login" in columns:
        columns["school_code"] = columns.pop("school_login")
    parsed.column_index = {m: cell_name(header, i) for m, i in columns.items()}
    return reading, columns


def _parse_sheet(
    sheet, header_index, task_columns, parsed: ParsedFile, classes, overrides
) -> list[PupilRow]:
    file = parsed.file
    header = sheet.rows[header_index]
    reading, columns = sheet_columns(header, parsed, overrides)
    variant_columns = reading.variants
    problems = parsed.problems
    for index, message in reading.problems:
        problems.append(
            Problem(
                file=file,
                sheet=sheet.name,
                row=header_index + 1,
                column=cell_name(header, index) if index is not None else "",
                message=message,
            )
        )
    if reading.problems:
        return []
    if "participant" not in columns:
        problems.append(
            Problem(
                file=file, sheet=sheet.name, row=header_index + 1, message=_("Нет столбца «Код».")
            )
        )
        return []
    if "school_code" in columns:
        parsed.school_column = cell_name(header, columns["school_code"])
    key_values: dict[str, set] = {}
    maxima = [(i, t.max_score, cell_name(header, i)) for i, t in task_columns]
    col = columns.get
    i_code = columns["participant"]
    parsed.code_column = cell_name(header, i_code)
    i_school, i_class, i_sex = col("school_code"), col("class_name"), col("sex")
    i_journal, i_total, i_mark, i_muni = (
        col("journal_mark"),
        col("total"),
        col("file_mark"),
        col("municipality_code"),
    )
    key_columns = [
        (name, columns[name])
        for name in ("instrument", "subject", "grade", "year", "season")
        if name in columns
    ]
    records = []
    width = len(header)
    task_count = len(maxima)
    cells = [(index, max_score) for index, max_score, _name in maxima]
    sheet_name = sheet.name
    numbered = [
        (offset, row if len(row) >= width else row + [None] * (width - len(row)))
        for offset, row in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2)
        if row  # read_table trims trailing empty cells: an empty row is []
    ]
    data = [row for _offset, row in numbered]
    score_rows, totals, issues = _task_scores(data, cells)
    # «отсутствовал» is written in the variant column: find those rows column-wise.
    absent_rows = set()
    for index in variant_columns:
        column = [row[index] for row in data]
        words = {v for v in set(column) if is_absent(v)}
        if words:
            absent_rows.update(k for k, v in enumerate(column) if v in words)
    single_variant = variant_columns[0] if len(variant_columns) == 1 else None
    for position, (offset, row) in enumerate(numbered):
        if position in absent_rows:
            parsed.absent += 1
            continue
        if label := is_totals_row(row, i_code):
            _skip(
                parsed,
                file,
                sheet_name,
                offset,
                _("Строка итогов «%s» — не участник: пропущена.") % label,
            )
            continue
        code = row[i_code]
        variant = ""
        if single_variant is not None:
            variant = row[single_variant]
            variant = variant if type(variant) is str else as_text(variant)
        elif variant_columns:
            variant = "/".join(as_text(row[i]) for i in variant_columns if row[i] is not None)
        scores = score_rows[position]
        total = totals[position]
        pending = issues.get(position)

        def problem(index, message, offset=offset):
            problems.append(
                Problem(
                    file=file,
                    sheet=sheet_name,
                    row=offset,
                    column=cell_name(header, index) if index is not None else "",
                    message=message,
                )
            )

        bad = False
        if pending is not None:
            if any(is_absent(v) for v in row):
                parsed.absent += 1
                continue
            if len(pending) == task_count and all(v is None for _i, v, _m in pending):
                if code is not None or any(v is not None for v in row):
                    _skip(
                        parsed,
                        file,
                        sheet_name,
                        offset,
                        _("Нет ни одного балла: строка пропущена."),
                    )
                continue
            for index, value, max_score in pending:
                if value is None:
                    problem(
                        index,
                        _("Балл не указан: поставьте балл, «x» (не приступал) или «отсутствовал»."),
                    )
                else:
                    number = as_int(value)
                    if number is not None and number > max_score:
                        name = cell_name(header, index)
                        parsed.over_maximum[name] = parsed.over_maximum.get(name, 0) + 1
                    problem(index, score_problem(value, max_score))
            bad = True
        code_text = code if type(code) is str else as_text(code)
        if not code_text:
            problem(i_code, _("Не указан код участника."))
        school_code = ""
        if i_school is not None:
            school_code = row[i_school]
            if type(school_code) is not str:
                school_code = as_text(school_code)
            if not school_code:
                problem(i_school, _("Не указан код ОО или логин ФИС ОКО."))
        sex = ""
        if i_sex is not None and row[i_sex] is not None:
            sex = SEX_WORDS.get(row[i_sex]) or SEX_WORDS.get(
                as_text(row[i_sex]).lower().rstrip(".")
            )
            if sex is None:
                problem(i_sex, _("Пол «%s» не распознан: укажите «м» или «ж».") % row[i_sex])
                sex = ""
        journal = None
        if i_journal is not None:
            journal = JOURNAL_MARKS.get(row[i_journal], MISSING)
            if journal is MISSING:
                journal = _mark_cell(row, i_journal, problem)
        file_mark = (
            _mark_cell(row, i_mark, problem, low=0, high=100) if i_mark is not None else None
        )
        file_total = None
        if i_total is not None:
            file_total = row[i_total]
            if type(file_total) is not int:
                file_total = (
                    int(file_total)
                    if type(file_total) is str and file_total.isdigit()
                    else as_int(file_total)
                )
        if i_class is not None and isinstance(row[i_class], datetime.date | datetime.time):
            # Excel turns «4.1» or «4-1» typed into a General cell into a date.
            problem(
                i_class,
                _(
                    "Класс записан как дата (%s): Excel превращает «4.1» в дату. Задайте "
                    "столбцу формат «Текстовый», введите класс заново и загрузите файл."
                )
                % (
                    row[i_class].strftime("%d.%m.%Y")
                    if isinstance(row[i_class], datetime.date)
                    else as_text(row[i_class])
                ),
            )
            bad = True
        if bad:
            parsed.rows_refused += 1
            continue
        if file_total is not None and file_total != total:
            parsed.total_mismatches += 1
            parsed.warnings.append(
                Problem(
                    file=file,
                    sheet=sheet_name,
                    row=offset,
                    column=cell_name(header, i_total),
                    message=_(
                        "В файле итог %(file)d, сумма баллов по заданиям %(sum)d: взята сумма."
                    )
                    % {"file": file_total, "sum": total},
                )
            )
        class_name = ""
        if i_class is not None:
            raw_class = row[i_class]
            if type(raw_class) is str and not raw_class.isdigit():
                class_name = raw_class
            else:
                number = as_int(raw_class)
                class_name = (
                    classes.get(number, as_text(raw_class))
                    if number is not None
                    else as_text(raw_class)
                )
        for name, index in key_columns:
            value = row[index]
            if value is not None:
                key_values.setdefault(name, set()).add(as_text(value))
        records.append(
            PupilRow(
                sheet_name,
                offset,
                code_text,
                scores,
                total,
                school_code,
                class_name,
                variant,
                file_total,
                file_mark,
                journal,
                sex,
                as_text(row[i_muni]) if i_muni is not None else "",
            )
        )
    if key_columns:
        parsed.procedure = _procedure_from_columns(key_values, header, columns, sheet.name, parsed)
    return records


def _task_scores(data: list[list], cells: list[tuple[int, int]]):
    """Scores of every row, column by column (fast when a column is all whole numbers).

    Returns (scores per row as tuples, None = not attempted or unreadable;
    total per row; {row position: [(column, value, max) of cells without a valid score]}).
    """
    columns = []
    issues: dict[int, list] = {}
    missing = object()
    for index, max_score in cells:
        known = {
            **{i: i for i in range(max_score + 1)},
            **{str(i): i for i in range(max_score + 1)},
        }
        known.update(dict.fromkeys(NOT_ATTEMPTED_CASES))
        get = known.get
        values = [get(row[index], missing) for row in data]
        if missing in values:
            for position, value in enumerate(values):
                if value is not missing:
                    continue
                value = data[position][index]
                score = None
                if isinstance(value, str) and value.lower() in NOT_ATTEMPTED:
                    values[position] = None
                    continue
                if value is not None:
                    score = as_int(value)
                if score is None or score > max_score or score < 0:
                    issues.setdefault(position, []).append((index, value, max_score))
                    values[position] = None
                else:
                    values[position] = score
        columns.append(values)
    score_rows = list(zip(*columns, strict=True)) if columns else [() for _row in data]
    totals = [
        sum(scores) if None not in scores else sum(v for v in scores if v is not None)
        for scores in score_rows
    ]
    return score_rows, totals, issues


def _mark_cell(row, index, problem, low=2, high=5):
    value = row[index]
    if value is None:
        return None
    if type(value) is str and value.isdigit():
        value = int(value)
    elif type(value) is not int:
        value = as_int(value)
    if value is None:
        text = as_text(row[index]).lower()
        if text in {"н/а", "на", "-", "—", "нет", "н"}:
            return None
        problem(index, _("Отметка «%s» не распознана.") % row[index])
        return None
    if not low <= value <= high:
        problem(
            index,
            _("Отметка %(value)s вне диапазона %(low)d–%(high)d.")
            % {"value": value, "low": low, "high": high},
        )
        return None
    return value


def _procedure_from_columns(key_values, header, columns, sheet_name, parsed) -> ProcedureKey:
    """The procedure the file's own columns name; one per file."""
    readers = {
        "instrument": instrument_from_text,
        "subject": subject_from_text,
        "grade": as_int,
        "year": lambda v: as_int(str(v)[:4]),
        "season": season_from_text,
    }
    found = {}
    for name, values in key_values.items():
        decoded = {readers[name](v) for v in values}
        column = cell_name(header, columns[name])
        if None in decoded:
            bad = sorted(v for v in values if readers[name](v) is None)
            parsed.problems.append(
                Problem(
                    file=parsed.file,
                    sheet=sheet_name,
                    column=column,
                    message=_("Значение «%s» не распознано.") % bad[0],
                )
            )
        elif len(decoded) > 1:
            parsed.problems.append(
                Problem(
                    file=parsed.file,
                    sheet=sheet_name,
                    column=column,
                    message=_("В одном файле должна быть одна процедура, а здесь разные: %s.")
                    % ", ".join(sorted(values)),
                )
            )
        else:
            found[name] = decoded.pop()
    return ProcedureKey(**found)


def tasks_signature(tasks: list[TaskSpec]) -> list[tuple[str, int]]:
    return [(t.number, t.max_score) for t in tasks]
