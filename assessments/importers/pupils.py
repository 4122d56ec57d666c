"""Tables with one pupil per row and one column per task: the ВПР result form of
one school and consolidated files of many schools (a school code or ФИС ОКО
login per row). Pure: sheets in, a ParsedFile out.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessments.importers.common import (
    NOT_ATTEMPTED,
    ParsedFile,
    ProcedureKey,
    PupilRow,
    TaskSpec,
    as_int,
    as_text,
    header_columns,
    instrument_from_text,
    is_absent,
    score_problem,
    season_from_text,
    subject_from_text,
    task_from_header,
)
from schools.importing import Problem, cell_name, normalise_header

PUPIL_COLUMNS = {
    "municipality_code": ("код мо", "код ате", "код мсу", "код муниципалитета"),
    "school_code": (
        "код оо",
        "код школы",
        "логин фис око",
        "логин оо",
        "логин",
        "код образовательной организации",
    ),
    "participant": ("код участника", "код", "код ученика", "номер участника"),
    "instrument": ("процедура", "оценочная процедура", "вид процедуры"),
    "subject": ("предмет", "учебный предмет"),
    "grade": ("параллель",),
    "year": ("год", "учебный год"),
    "season": ("период", "сезон"),
    "class_name": ("класс", "класс №", "литера класса"),
    "sex": ("пол",),
    "journal_mark": (
        "отметка за предыдущий",
        "отметка в журнале",
        "четвертная отметка",
        "отметка за четверть",
        "отметка за триместр",
        "отметка за полугодие",
        "годовая отметка",
    ),
    "total": ("итого баллов", "итого", "первичный балл", "сумма баллов", "сумма"),
    "file_mark": ("отметка", "отметка по шкале", "отметка за работу", "оценка"),
}
SEX_WORDS = {"м": "м", "муж": "м", "мужской": "м", "m": "м", "ж": "ж", "жен": "ж", "женский": "ж"}
SEX_WORDS["f"] = "ж"


def find_pupil_header(rows: list[list], limit: int = 30):
    """(index, task columns) of the first row with task headers and a participant code column."""
    for index, row in enumerate(rows[:limit]):
        tasks = [(i, t) for i, value in enumerate(row) if (t := task_from_header(value))]
        if tasks and any(normalise_header(v).startswith("код") for v in row if v):
            return index, tasks
    return None, []


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


def parse_pupil_sheets(sheets, file: str) -> ParsedFile:
    """Read every sheet that carries a pupil protocol; sheets that repeat the same
    pupils (the form's second layout) are checked to agree and counted once."""
    parsed = ParsedFile(file=file)
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
        sheet_rows = _parse_sheet(sheet, header_index, task_columns, parsed, classes)
        duplicates = 0
        for record in sheet_rows:
            key = (record.school_code, record.participant_code)
            earlier = seen_codes.get(key)
            if earlier is None:
                seen_codes[key] = record
                parsed.rows.append(record)
            elif earlier.sheet != record.sheet and earlier.scores == record.scores:
                duplicates += 1
            else:
                parsed.problems.append(
                    Problem(
                        file=file,
                        sheet=record.sheet,
                        row=record.row,
                        column=cell_name(sheet.rows[header_index], 0),
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
        if duplicates and duplicates == len(sheet_rows):
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


def sheet_absent(sheet, header_index) -> int:
    return sum(1 for row in sheet.rows[header_index + 1 :] if any(is_absent(v) for v in row))


def _parse_sheet(sheet, header_index, task_columns, parsed: ParsedFile, classes) -> list[PupilRow]:
    file = parsed.file
    header = sheet.rows[header_index]
    task_indexes = {i for i, _t in task_columns}
    columns = header_columns(header, PUPIL_COLUMNS, task_indexes)
    variant_columns = [
        i
        for i, h in enumerate(header)
        if i not in task_indexes and normalise_header(h).startswith("вариант")
    ]
    problems = parsed.problems
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
    for offset, row in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
        if len(row) < width:
            row = row + [None] * (width - len(row))
        code = row[i_code]
        if code is None and not any(v is not None for v in row):
            continue
        if any(is_absent(v) for v in row):
            parsed.absent += 1
            continue

        def problem(index, message, offset=offset):
            problems.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
                    row=offset,
                    column=cell_name(header, index) if index is not None else "",
                    message=message,
                )
            )

        scores = []
        total = 0
        filled = 0
        bad = False
        for index, max_score, _name in maxima:
            value = row[index]
            kind = type(value)
            if kind is int:
                score = value
            elif value is None:
                scores.append(None)
                continue
            elif kind is str and value.lower() in NOT_ATTEMPTED:
                filled += 1
                scores.append(None)
                continue
            else:
                score = as_int(value)
                if score is None:
                    problem(index, score_problem(value, max_score))
                    bad = True
                    continue
            filled += 1
            if score < 0 or score > max_score:
                problem(index, score_problem(value, max_score))
                bad = True
                continue
            total += score
            scores.append(score)
        if filled == 0 and not bad:
            parsed.skipped += 1
            if code is not None:
                parsed.warnings.append(
                    Problem(
                        file=file,
                        sheet=sheet.name,
                        row=offset,
                        message=_("Нет ни одного балла: строка пропущена."),
                    )
                )
            continue
        if filled < len(maxima) and not bad:
            for index, _max, _name in maxima:
                if row[index] is None:
                    problem(
                        index,
                        _("Балл не указан: поставьте балл, «x» (не приступал) или «отсутствовал»."),
                    )
            bad = True
        code_text = as_text(code)
        if not code_text:
            problem(i_code, _("Не указан код участника."))
        school_code = ""
        if i_school is not None:
            school_code = as_text(row[i_school])
            if not school_code:
                problem(i_school, _("Не указан код ОО или логин ФИС ОКО."))
        sex = ""
        if i_sex is not None and row[i_sex] is not None:
            sex = SEX_WORDS.get(as_text(row[i_sex]).lower().rstrip("."))
            if sex is None:
                problem(i_sex, _("Пол «%s» не распознан: укажите «м» или «ж».") % row[i_sex])
                sex = ""
        journal = _mark_cell(row, i_journal, problem)
        file_mark = _mark_cell(row, i_mark, problem, low=0, high=100)
        file_total = as_int(row[i_total]) if i_total is not None else None
        if bad:
            continue
        if file_total is not None and file_total != total:
            parsed.warnings.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
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
                sheet=sheet.name,
                row=offset,
                participant_code=code_text,
                scores=scores,
                primary_score=total,
                school_code=school_code,
                class_name=class_name,
                variant="/".join(as_text(row[i]) for i in variant_columns if row[i] is not None),
                file_primary=file_total,
                file_mark=file_mark,
                journal_mark=journal,
                sex=sex,
                municipality_code=as_text(row[i_muni]) if i_muni is not None else "",
            )
        )
    if key_columns:
        parsed.procedure = _procedure_from_columns(key_values, header, columns, sheet.name, parsed)
    return records


def _mark_cell(row, index, problem, low=2, high=5):
    if index is None or row[index] is None:
        return None
    value = as_int(row[index])
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
