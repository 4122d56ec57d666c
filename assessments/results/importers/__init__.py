"""Result files as people send them, recognised by their content.

`parse_results(sheets, file)` reads sheets (from `infra.files.read_table`)
into a ParsedFile: the format, the tasks found in the headers, one typed
record per pupil (or per school for aggregated tables) and every problem with
its place in the file. Pure: the database is met later, in services.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessments.results.importers.aggregate import looks_like_aggregate, parse_aggregate
from assessments.results.importers.columnar import parse_pupil_columns
from assessments.results.importers.columns import read_columns
from assessments.results.importers.common import ParsedFile, ProcedureKey, PupilRow, TaskSpec
from assessments.results.importers.protocol import looks_like_protocol, parse_protocol
from assessments.results.importers.pupils import (
    find_pupil_header,
    merge_two_row_headers,
    parse_pupil_sheets,
)
from infra.problems import Problem

__all__ = ["ParsedFile", "ProcedureKey", "PupilRow", "TaskSpec", "detect_format", "parse_results"]


def detect_format(sheets, overrides: dict[str, str] | None = None) -> str:
    """'vpr_form', 'consolidated', 'protocol', 'aggregate' or '' by the headers."""
    for sheet in sheets:
        head = sheet.head()
        index, _tasks = find_pupil_header(head)
        if index is not None:
            reading = read_columns(head[index], overrides)
            identified = {"school_code", "school_login"} & {e["meaning"] for e in reading.report}
            return "consolidated" if identified else "vpr_form"
    for sheet in sheets:
        for header in sheet.head():
            if looks_like_protocol(header):
                return "protocol"
    for sheet in sheets:
        for header in sheet.head():
            if looks_like_aggregate(header):
                return "aggregate"
    return ""


def parse_results(sheets, file: str, overrides: dict[str, str] | None = None) -> ParsedFile:
    """`overrides`: header (`infra.text.header_text`) → meaning, for pupil tables."""
    merge_two_row_headers(sheets)
    kind = detect_format(sheets, overrides)
    if kind in ("vpr_form", "consolidated"):
        # Whole columns when the file needs no message about a row, row by row otherwise.
        parsed = parse_pupil_columns(sheets, file, kind, overrides)
        if parsed is None:
            parsed = parse_pupil_sheets(sheets, file, kind, overrides)
        return parsed
    if kind == "protocol":
        return parse_protocol(sheets, file)
    if kind == "aggregate":
        return parse_aggregate(sheets, file)
    parsed = ParsedFile(file=file)
    parsed.problems.append(
        Problem(
            file=file,
            message=_(
                "Формат файла не распознан. Ожидается форма сбора результатов ВПР "
                "(столбцы «Код» и задания вида «1 (1б)»), сводный файл с кодом ОО, протокол "
                "ОГЭ/ЕГЭ или сводная таблица по школам (отметки или распределение баллов)."
            ),
        )
    )
    return parsed
