"""ОГЭ/ЕГЭ protocols from the regional centre: one examinee per row, short answers
as one character per task (`++-+-1`), extended answers as `score(max)` per task
(`2(3)1(2)0(2)`), primary and final score. Pure: sheets in, a ParsedFile out.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from assessments.results.importers.common import (
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
    season_from_text,
    subject_from_text,
)
from infra.problems import Problem, cell_name

PROTOCOL_COLUMNS = {
    "municipality_code": ("код мсу", "код ате", "код мо", "код муниципалитета", "мсу", "ате"),
    "school_code": ("код оо", "код школы", "логин фис око", "логин", "оо"),
    "exam_point": ("код ппэ", "ппэ", "пункт проведения"),
    "room": ("аудитория", "номер аудитории", "ауд"),
    "last_name": ("фамилия",),
    "first_name": ("имя",),
    "patronymic": ("отчество",),
    "document": (
        "документ",
        "номер документа",
        "серия и номер документа",
        "серия номер документа",
        "паспорт",
    ),
    "short": (
        "задания с кратким ответом",
        "ответы на задания с кратким ответом",
        "краткий ответ",
        "краткие ответы",
        "ответы части 1",
        "часть 1",
        "задания части 1",
        "часть в",
    ),
    "extended": (
        "задания с развернутым ответом",
        "ответы на задания с развернутым ответом",
        "развернутый ответ",
        "развернутые ответы",
        "ответы части 2",
        "часть 2",
        "задания части 2",
        "часть с",
    ),
    "primary": ("первичный балл", "первичный", "сумма первичных баллов"),
    "final": ("итоговый балл", "тестовый балл", "отметка", "оценка", "балл", "итог"),
    "class_name": ("класс",),
    "instrument": ("экзамен", "форма", "процедура", "вид экзамена"),
    "subject": ("предмет",),
    "year": ("год",),
    "season": ("период", "этап"),
}
EXTENDED_RE = re.compile(r"(\d+)\((\d+)\)")


def looks_like_protocol(header: list) -> bool:
    columns = header_columns(header, PROTOCOL_COLUMNS, set())
    return "last_name" in columns or "short" in columns or "extended" in columns


def parse_short(text: str) -> list[int | None] | None:
    """`++-+-1` → [1, 1, 0, 1, 0, 1]; `x`/`х` = not attempted; None if unreadable."""
    scores = []
    for char in text:
        if char == "+":
            scores.append(1)
        elif char in "-−–":
            scores.append(0)
        elif char.isdigit():
            scores.append(int(char))
        elif char.lower() in NOT_ATTEMPTED:
            scores.append(None)
        elif char.isspace():
            continue
        else:
            return None
    return scores


def parse_extended(text: str) -> list[tuple[int, int]] | None:
    """`2(3)1(2)0(2)` → [(2, 3), (1, 2), (0, 2)]; None if unreadable or a score exceeds its max."""
    text = re.sub(r"\s+", "", text)
    pairs = [(int(a), int(b)) for a, b in EXTENDED_RE.findall(text)]
    if "".join(f"{a}({b})" for a, b in pairs) != text:
        return None
    if any(score > maximum for score, maximum in pairs):
        return None
    return pairs


def parse_protocol(sheets, file: str) -> ParsedFile:
    parsed = ParsedFile(file=file, format="protocol")
    for sheet in sheets:
        for header_index, header in enumerate(sheet.rows[:30]):
            if looks_like_protocol(header):
                _parse(sheet, header_index, parsed)
                return parsed
    parsed.problems.append(Problem(file=file, message=_("Не найдена строка заголовков протокола.")))
    return parsed


def _parse(sheet, header_index, parsed: ParsedFile):
    file = parsed.file
    header = sheet.rows[header_index]
    columns = header_columns(header, PROTOCOL_COLUMNS, set())
    parsed.sheet = sheet.name
    problems = parsed.problems
    if "school_code" not in columns:
        problems.append(
            Problem(
                file=file,
                sheet=sheet.name,
                row=header_index + 1,
                message=_("Нет столбца «Код ОО»."),
            )
        )
        return
    parsed.school_column = cell_name(header, columns["school_code"])
    if "short" not in columns and "extended" not in columns:
        problems.append(
            Problem(
                file=file,
                sheet=sheet.name,
                row=header_index + 1,
                message=_("Нет столбцов с ответами (кратким и развёрнутым)."),
            )
        )
        return
    width = len(header)
    short_count = extended_count = None
    short_max: list[int] = []
    extended_max: list[int] = []
    key_values: dict[str, set] = {}
    for offset, row in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
        if not any(v is not None for v in row):
            continue
        row = row + [None] * (width - len(row))

        def get(name, row=row):
            index = columns.get(name)
            return as_text(row[index]) if index is not None else ""

        def problem(name, message, offset=offset):
            index = columns.get(name)
            problems.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
                    row=offset,
                    column=cell_name(header, index) if index is not None else "",
                    message=message,
                )
            )

        if any(is_absent(get(name)) for name in ("short", "extended", "primary")):
            parsed.absent += 1  # «н/я», «не явился» in place of the answers
            continue
        bad = False
        short = parse_short(get("short")) if "short" in columns else []
        if short is None:
            problem("short", _("Строка кратких ответов «%s» не распознана.") % get("short"))
            bad = True
        elif short_count is None:
            short_count = len(short)
            short_max = [0] * short_count
        elif len(short) != short_count:
            problem(
                "short",
                _("Ответов %(got)d, а в первой строке %(want)d.")
                % {"got": len(short), "want": short_count},
            )
            bad = True
        extended = parse_extended(get("extended")) if "extended" in columns else []
        if extended is None:
            problem(
                "extended",
                _(
                    "Строка развёрнутых ответов «%s» не распознана: ожидается «балл(максимум)» подряд."
                )
                % get("extended"),
            )
            bad = True
        elif extended_count is None:
            extended_count = len(extended)
            extended_max = [m for _s, m in extended]
        elif len(extended) != extended_count:
            problem(
                "extended",
                _("Заданий %(got)d, а в первой строке %(want)d.")
                % {"got": len(extended), "want": extended_count},
            )
            bad = True
        school_code = get("school_code")
        if not school_code:
            problem("school_code", _("Не указан код ОО."))
            bad = True
        if not (get("last_name") or get("document")):
            problem("last_name", _("Не указаны ни ФИО, ни документ участника."))
            bad = True
        primary = as_int(get("primary")) if "primary" in columns else None
        if "primary" in columns and get("primary") and primary is None:
            problem("primary", _("Первичный балл «%s» не число.") % get("primary"))
            bad = True
        final = as_int(get("final")) if "final" in columns else None
        if "final" in columns and get("final") and final is None:
            problem("final", _("Итоговый балл «%s» не число.") % get("final"))
            bad = True
        if bad:
            continue
        for i, score in enumerate(short):
            if score is not None and score > short_max[i]:
                short_max[i] = score
        for i, (_score, maximum) in enumerate(extended):
            extended_max[i] = max(extended_max[i], maximum)
        scores = list(short) + [s for s, _m in extended]
        total = sum(s for s in scores if s is not None)
        if primary is not None and primary != total:
            parsed.warnings.append(
                Problem(
                    file=file,
                    sheet=sheet.name,
                    row=offset,
                    column=cell_name(header, columns["primary"]),
                    message=_(
                        "Первичный балл %(file)d, сумма по заданиям %(sum)d: взят балл из файла."
                    )
                    % {"file": primary, "sum": total},
                )
            )
            total = primary
        for name in ("instrument", "subject", "year", "season"):
            if get(name):
                key_values.setdefault(name, set()).add(get(name))
        parsed.rows.append(
            PupilRow(
                sheet=sheet.name,
                row=offset,
                participant_code="",
                scores=scores,
                primary_score=total,
                school_code=school_code,
                class_name=get("class_name"),
                file_primary=primary,
                file_mark=final,
                municipality_code=get("municipality_code"),
                last_name=get("last_name"),
                first_name=get("first_name"),
                patronymic=get("patronymic"),
                document=get("document"),
                exam_point=get("exam_point"),
                room=get("room"),
                answers=get("short")[:200],
            )
        )
    short_tasks = [TaskSpec(str(i + 1), max(1, m), "1") for i, m in enumerate(short_max)]
    start = len(short_tasks)
    extended_tasks = [TaskSpec(str(start + i + 1), m, "2") for i, m in enumerate(extended_max)]
    parsed.tasks = short_tasks + extended_tasks
    readers = {
        "instrument": instrument_from_text,
        "subject": subject_from_text,
        "year": lambda v: as_int(str(v)[:4]),
        "season": season_from_text,
    }
    found = {}
    for name, values in key_values.items():
        decoded = {readers[name](v) for v in values}
        if len(decoded) == 1 and None not in decoded:
            found[name] = decoded.pop()
        else:
            problems.append(
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
