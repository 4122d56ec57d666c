"""Writes of scales: importing a table of mark boundaries, and the task specs of a
procedure for the parsers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.results.importers import TaskSpec
from assessments.results.models import (
    Instrument,
    Procedure,
    Scale,
    Subject,
)
from assessments.results.scales import check_ranges, parse_range
from infra.files import FileRejected, read_table
from infra.problems import ImportFailed, Problem
from infra.text import find_header_row
from schools.models import Region

# A mark or a grade as the published tables write it: «2», "3", 4 класс, 5 кл.
QUOTED_NUMBER_RE = re.compile(r'^[«"„“]?\s*(\d+)\s*[»"“”]?\s*(?:кл(?:асс)?\.?)?$', re.IGNORECASE)

SCALE_COLUMNS = {
    "instrument": ("процедура", "инструмент", "вид процедуры", "экзамен"),
    "year": ("год",),
    "grade": ("класс", "параллель"),
    "subject": ("предмет",),
    "value": ("отметка", "тестовый балл", "оценка", "балл по шкале"),
    "range": ("первичный балл", "диапазон", "диапазон первичного балла", "первичные баллы"),
    "minimum": ("минимальный балл",),
    # The other common layout: the range in two columns.
    "low": (
        "балл от",
        "первичный балл от",
        "мин",
        "минимальный первичный балл",
        "мин балл",
        "минимум",
    ),
    "high": (
        "балл до",
        "первичный балл до",
        "макс",
        "максимальный первичный балл",
        "макс балл",
        "максимум",
    ),
}


@dataclass
class ScaleImportOutcome:
    file: str
    scales: int = 0
    created: int = 0
    updated: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "scales": self.scales,
            "created": self.created,
            "updated": self.updated,
            "dry_run": self.dry_run,
        }


def scales_import(*, source, filename=None, region: Region | None = None, dry_run=False):
    """Import scales: one row per (instrument, year, grade, subject, mark or test score)
    with its primary-score range, in one column («0–9», «0-9», «от 0 до 9») or two
    («Балл от» / «Балл до», «мин» / «макс»). All or nothing; the same file again
    changes nothing."""
    from assessments.results.importers.common import as_int, instrument_from_text, subject_from_text

    name = filename or Path(str(getattr(source, "name", None) or source)).name
    try:
        sheets = read_table(source, filename=name)
    except FileRejected as exc:
        raise ImportFailed([Problem(file=name, message=str(exc))]) from exc
    problems: list[Problem] = []
    groups: dict[tuple, dict] = {}
    required = {"instrument", "year", "grade", "subject", "value"}
    for sheet in sheets:
        index, columns = find_header_row(sheet.rows, SCALE_COLUMNS, required)
        if index is None:
            continue
        two_columns = {"low", "high"} <= columns.keys()
        if "range" not in columns and not two_columns:
            continue
        if two_columns:
            columns.pop("range", None)
        header = sheet.rows[index]
        value_is_test = "тест" in str(header[columns["value"]]).lower()
        for offset, row in enumerate(sheet.rows[index + 1 :], start=index + 2):
            if not any(v is not None for v in row):
                continue
            row = row + [None] * (len(header) - len(row))

            def problem(
                field_name, message, offset=offset, header=header, columns=columns, sheet=sheet
            ):
                problems.append(
                    Problem(
                        file=name,
                        sheet=sheet.name,
                        row=offset,
                        column=str(header[columns[field_name]]),
                        message=message,
                    )
                )

            instrument = instrument_from_text(row[columns["instrument"]])
            subject = subject_from_text(row[columns["subject"]])
            year, grade = as_int(row[columns["year"]]), _quoted_int(row[columns["grade"]])
            value = _quoted_int(row[columns["value"]])
            if two_columns:
                low, high = as_int(row[columns["low"]]), as_int(row[columns["high"]])
                bounds = (low, high) if None not in (low, high) and low <= high else None
                range_field = "low" if low is None else "high"
            else:
                bounds = parse_range(row[columns["range"]])
                range_field = "range"
            for field_name, got in (
                ("instrument", instrument),
                ("subject", subject),
                ("year", year),
                ("grade", grade),
                ("value", value),
                (range_field, bounds),
            ):
                if got is None:
                    problem(
                        field_name,
                        _("Значение «%s» не распознано.") % (row[columns[field_name]] or ""),
                    )
            if None in (instrument, subject, year, grade, value, bounds):
                continue
            group = groups.setdefault(
                (instrument, year, grade, subject),
                {
                    "ranges": [],
                    "rows": [],
                    "test": value_is_test,
                    "minimum": None,
                    "sheet": sheet.name,
                },
            )
            group["ranges"].append([bounds[0], bounds[1], value])
            group["rows"].append(offset)
            if "minimum" in columns and as_int(row[columns["minimum"]]) is not None:
                group["minimum"] = as_int(row[columns["minimum"]])
    if not groups and not problems:
        problems.append(
            Problem(
                file=name,
                message=_(
                    "Не найдена строка заголовков: нужны столбцы «Процедура», «Год», «Класс», "
                    "«Предмет», «Отметка» (или «Тестовый балл») и «Первичный балл» (диапазон "
                    "«0–9») либо два столбца «Балл от» и «Балл до»."
                ),
            )
        )
    for (instrument, year, grade, subject), group in groups.items():
        for error in check_ranges(group["ranges"]):
            problems.append(
                Problem(
                    file=name,
                    sheet=group["sheet"],
                    row=group["rows"][0],
                    message=f"{Instrument(instrument).label}, {Subject(subject).label}, "
                    f"{grade} кл., {year}: {error}",
                )
            )
    if problems:
        raise ImportFailed(problems)
    outcome = ScaleImportOutcome(file=name, scales=len(groups), dry_run=dry_run)
    with transaction.atomic():
        for (instrument, year, grade, subject), group in groups.items():
            ranges = sorted(group["ranges"])
            _scale, created = Scale.objects.update_or_create(
                region=region,
                instrument=instrument,
                year=year,
                grade=grade,
                subject=subject,
                defaults={
                    "kind": Scale.Kind.TEST_SCORE if group["test"] else Scale.Kind.MARK,
                    "max_score": ranges[-1][1],
                    "ranges": ranges,
                    "minimum_score": group["minimum"],
                    "source": name[:500],
                },
            )
            if created:
                outcome.created += 1
            else:
                outcome.updated += 1
        if dry_run:
            transaction.set_rollback(True)
    return outcome


def task_specs(procedure: Procedure) -> list[TaskSpec]:
    return [TaskSpec(t.number, t.max_score, t.part) for t in procedure.tasks.order_by("position")]


def _quoted_int(value) -> int | None:
    """A whole number from a cell, also when quoted («2») or followed by «класс»."""
    from assessments.results.importers.common import as_int

    number = as_int(value)
    if number is None and isinstance(value, str):
        match = QUOTED_NUMBER_RE.match(value.strip())
        number = int(match.group(1)) if match else None
    return number
