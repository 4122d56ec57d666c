"""Writes to the tree."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from infra.files import FileRejected, read_table
from infra.problems import ImportFailed, Problem, cell_name
from infra.text import find_header_row, is_totals_row
from schools.models import Municipality, Region, School, parse_fis_login

SCHOOL_COLUMNS = {
    "region_code": ("код региона", "код субъекта", "регион"),
    "municipality_code": (
        "код муниципалитета",
        "код мо",
        "код ате",
        "код муниципального образования",
    ),
    "municipality_name": (
        "муниципалитет",
        "муниципальное образование",
        "мо",
        "район",
        "муниципальный район",
    ),
    "code": ("код оо", "код школы", "код образовательной организации", "код"),
    "fis_login": ("логин фис око", "логин", "login"),
    "full_name": (
        "полное наименование",
        "наименование оо",
        "наименование",
        "оо",
        "образовательная организация",
    ),
    "short_name": ("краткое наименование", "сокращенное наименование", "краткое"),
    "address": ("адрес", "юридический адрес", "фактический адрес"),
    "locality": ("местность", "тип местности", "городская/сельская", "город/село"),
    "kind": ("тип оо", "вид оо", "тип", "вид"),
}

LOCALITY_WORDS = {
    School.Locality.URBAN: ("город", "городская", "городской", "г"),
    School.Locality.RURAL: ("село", "сельская", "сельский", "с", "деревня"),
}

# Ordered: the first pattern found in the type or the name decides.
KIND_PATTERNS = [
    (School.Kind.EVENING, r"вечерн|сменн"),
    (School.Kind.SPECIAL, r"коррекц|адаптирован|овз"),
    (School.Kind.BOARDING, r"интернат"),
    (School.Kind.GYMNASIUM, r"гимнази"),
    (School.Kind.LYCEUM, r"лице[йя]"),
    (School.Kind.ADVANCED, r"углубл|\bсоши\b|\bсош с уип\b"),
    (School.Kind.EDUCATION_CENTRE, r"центр образования|\bцо\b"),
    (School.Kind.PRIMARY, r"начальн|\bнош\b"),
    (School.Kind.BASIC, r"основн|\bоош\b"),
    (School.Kind.SECONDARY, r"средн|\bсош\b|школа"),
]


def school_kind_from_text(text: str) -> str | None:
    text = (text or "").lower().replace("ё", "е")
    for kind, pattern in KIND_PATTERNS:
        if re.search(pattern, text):
            return kind
    return None


@dataclass
class SchoolImportResult:
    file: str
    rows: int = 0
    municipalities_created: int = 0
    schools_created: int = 0
    schools_updated: int = 0
    schools_unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Written anyway, but worth a look (codes that may have lost their zeros).
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "municipalities_created": self.municipalities_created,
            "schools_created": self.schools_created,
            "schools_updated": self.schools_updated,
            "schools_unchanged": self.schools_unchanged,
            "problems": [p.as_dict() for p in self.problems],
            "warnings": [p.as_dict() for p in self.warnings],
        }


@dataclass
class _SchoolRow:
    row: int
    region_code: str
    municipality_code: str
    municipality_name: str
    values: dict


def schools_import(
    *, source, filename: str | None = None, region: Region | None = None, dry_run: bool = False
) -> SchoolImportResult:
    """Import a region's list of municipalities and schools, all or nothing.

    Schools are matched by (region, code); a second import of the same file
    changes nothing. Raises ImportFailed with every problem, having written
    nothing; with `dry_run` it validates and counts but never writes.
    """
    name = filename or Path(str(getattr(source, "name", None) or source)).name
    try:
        sheets = read_table(source, filename=name)
    except FileRejected as exc:
        raise ImportFailed([Problem(file=name, message=str(exc))]) from exc
    records, problems = _parse_school_rows(sheets, name, region)
    result = SchoolImportResult(file=name, dry_run=dry_run, rows=len(records))
    if problems:
        raise ImportFailed(problems)
    result.warnings = _short_codes(records, name)
    regions = {r.code: r for r in Region.objects.filter(code__in={r.region_code for r in records})}
    for record in records:
        if record.region_code not in regions:
            problems.append(
                Problem(
                    file=name,
                    row=record.row,
                    column=_("Код региона"),
                    message=_("Регион с кодом %s не найден в справочнике.") % record.region_code,
                )
            )
    if problems:
        raise ImportFailed(problems)
    with transaction.atomic():
        _write_schools(records, regions, result, name)
        if result.problems:
            transaction.set_rollback(True)
            raise ImportFailed(result.problems)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _short_codes(records, name) -> list[Problem]:
    """Codes of digits shorter than the rest of their region's by one or two: the
    zeros a number cell drops (50102 among codes of six digits, «050102»)."""
    lengths: dict[str, Counter] = {}
    for r in records:
        code = r.values["code"]
        if code.isdigit():
            lengths.setdefault(r.region_code, Counter())[len(code)] += 1
    usual = {
        region: width
        for region, counts in lengths.items()
        for width, count in counts.most_common(1)
        if count >= 0.8 * sum(counts.values())
    }
    warnings = []
    for r in records:
        code, width = r.values["code"], usual.get(r.region_code)
        if width and code.isdigit() and 0 < width - len(code) <= 2:
            warnings.append(
                Problem(
                    file=name,
                    row=r.row,
                    column=_("Код ОО"),
                    message=_(
                        "Код «%(code)s» короче остальных кодов региона (%(width)d цифр): если "
                        "Excel убрал ведущие нули, это «%(padded)s». Задайте столбцу формат "
                        "«%(format)s» или запишите коды текстом и загрузите список снова."
                    )
                    % {
                        "code": code,
                        "width": width,
                        "padded": code.zfill(width),
                        "format": "0" * width,
                    },
                )
            )
    return warnings


def _parse_school_rows(sheets, name, region):
    problems: list[Problem] = []
    for sheet in sheets:
        header_index, columns = find_header_row(sheet.rows, SCHOOL_COLUMNS, {"full_name"})
        if header_index is None:
            continue
        header = sheet.rows[header_index]
        if "code" not in columns and "fis_login" not in columns:
            problems.append(
                Problem(
                    file=name,
                    sheet=sheet.name,
                    row=header_index + 1,
                    message=_("Нет столбца с кодом ОО или логином ФИС ОКО."),
                )
            )
            return [], problems
        if "municipality_code" not in columns and "municipality_name" not in columns:
            problems.append(
                Problem(
                    file=name,
                    sheet=sheet.name,
                    row=header_index + 1,
                    message=_("Нет столбца с муниципалитетом."),
                )
            )
            return [], problems
        records = []
        seen: dict[tuple[str, str], int] = {}
        for offset, row in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
            if not any(v not in (None, "") for v in row):
                continue
            if is_totals_row(row, columns.get("code", columns.get("fis_login"))):
                continue  # «Всего: 312 ОО» under the list: a count, not a school

            get, problem = _row_helpers(row, offset, header, columns, sheet.name, name, problems)

            login = get("fis_login").lower()
            parsed_login = parse_fis_login(login)
            if login and not parsed_login:
                problem(
                    "fis_login",
                    _("«%s» не похоже на логин ФИС ОКО (edu, код региона и четыре цифры).") % login,
                )
            code = get("code") or login
            if not code:
                problem("code" if "code" in columns else "fis_login", _("Не указан код ОО."))
            region_code = get("region_code")
            if region_code.isdigit():
                region_code = region_code.zfill(2)
            if not region_code and parsed_login:
                region_code = parsed_login[0]
            if not region_code and region is not None:
                region_code = region.code
            if not region_code:
                problem(
                    "region_code",
                    _("Не указан регион: добавьте столбец «Код региона» или логин ФИС ОКО."),
                )
            elif parsed_login and parsed_login[0] != region_code:
                problem(
                    "fis_login",
                    _("Код региона в логине %(login)s не совпадает с регионом %(code)s.")
                    % {"login": login, "code": region_code},
                )
            if region is not None and region_code and region_code != region.code:
                problem("region_code", _("Школа из другого региона (%s).") % region_code)
            full_name = get("full_name")
            if not full_name:
                problem("full_name", _("Не указано наименование школы."))
            municipality_code, municipality_name = (
                get("municipality_code"),
                get("municipality_name"),
            )
            if municipality_code.isdigit():
                # 3 from a number cell is the «03» of the region's other files.
                municipality_code = municipality_code.zfill(2)
            if not municipality_code and not municipality_name:
                problem(
                    "municipality_name" if "municipality_name" in columns else "municipality_code",
                    _("Не указан муниципалитет."),
                )
            locality_text = get("locality").lower().rstrip(".")
            locality = School.Locality.URBAN
            if locality_text:
                for value, words in LOCALITY_WORDS.items():
                    if locality_text in words:
                        locality = value
                        break
                else:
                    problem(
                        "locality",
                        _("Местность «%s» не распознана: укажите «город» или «село».")
                        % get("locality"),
                    )
            kind_text = get("kind")
            kind = school_kind_from_text(kind_text) if kind_text else None
            if kind_text and kind is None:
                problem("kind", _("Тип ОО «%s» не распознан.") % kind_text)
            kind = kind or school_kind_from_text(full_name) or School.Kind.OTHER
            key = (region_code, code)
            if code and key in seen:
                problem(
                    "code" if "code" in columns else "fis_login",
                    _("Код ОО %(code)s повторяется (уже был в строке %(row)d).")
                    % {"code": code, "row": seen[key]},
                )
            seen[key] = offset
            records.append(
                _SchoolRow(
                    row=offset,
                    region_code=region_code,
                    municipality_code=municipality_code,
                    municipality_name=municipality_name,
                    values={
                        "code": code,
                        "fis_login": login if parsed_login else "",
                        "full_name": full_name,
                        "short_name": get("short_name") or full_name[:200],
                        "address": get("address"),
                        "locality": locality,
                        "kind": kind,
                    },
                )
            )
        if not records and not problems:
            problems.append(
                Problem(file=name, sheet=sheet.name, message=_("В таблице нет ни одной школы."))
            )
        return records, problems
    problems.append(
        Problem(
            file=name,
            message=_(
                "Не найдена строка заголовков: нужны хотя бы столбцы «Наименование ОО», «Код ОО» и «Муниципалитет»."
            ),
        )
    )
    return [], problems


def _row_helpers(row, offset, header, columns, sheet_name, file_name, problems):
    """A reader of one row's fields and a recorder of its problems."""

    def get(field_name):
        index = columns.get(field_name)
        if index is None or index >= len(row) or row[index] is None:
            return ""
        # Whitespace as one plain space: names pasted from web pages carry
        # non-breaking and doubled spaces, and must match the same name typed.
        return " ".join(str(row[index]).split())

    def problem(field_name, message):
        column = cell_name(header, columns[field_name]) if field_name in columns else ""
        problems.append(
            Problem(file=file_name, sheet=sheet_name, row=offset, column=column, message=message)
        )

    return get, problem


def _write_schools(records, regions, result: SchoolImportResult, name: str):
    municipalities = {}
    for m in Municipality.objects.filter(region__in=regions.values()):
        municipalities[(m.region_id, "code", m.code)] = m
        municipalities[(m.region_id, "name", m.name.lower())] = m
    existing = {
        (s.region_id, s.code): s
        for s in School.objects.filter(
            region__in=regions.values(), code__in={r.values["code"] for r in records}
        )
    }
    logins_elsewhere = {
        s.fis_login: (s.region_id, s.code)
        for s in School.objects.filter(
            fis_login__in={r.values["fis_login"] for r in records if r.values["fis_login"]}
        )
    }
    next_number = Municipality.objects.filter(region__in=regions.values()).count() + 1
    for record in records:
        region = regions[record.region_code]
        municipality = None
        if record.municipality_code:
            municipality = municipalities.get((region.pk, "code", record.municipality_code))
        if municipality is None and record.municipality_name:
            municipality = municipalities.get((region.pk, "name", record.municipality_name.lower()))
        if municipality is None:
            code = record.municipality_code or str(next_number)
            next_number += 1
            municipality = Municipality.objects.create(
                region=region,
                code=code,
                name=record.municipality_name or code,
                kind=_municipality_kind(record.municipality_name),
            )
            municipalities[(region.pk, "code", municipality.code)] = municipality
            municipalities[(region.pk, "name", municipality.name.lower())] = municipality
            result.municipalities_created += 1
        values = dict(record.values, municipality=municipality, region=region)
        login = values["fis_login"]
        if (
            login
            and login in logins_elsewhere
            and logins_elsewhere[login] != (region.pk, values["code"])
        ):
            result.problems.append(
                Problem(
                    file=name,
                    row=record.row,
                    column=_("Логин ФИС ОКО"),
                    message=_("Логин %s уже принадлежит другой школе.") % login,
                )
            )
            continue
        school = existing.get((region.pk, values["code"]))
        if school is None:
            School.objects.create(**values)
            result.schools_created += 1
            continue
        changed = [k for k, v in values.items() if getattr(school, k) != v]
        if changed:
            for k in changed:
                setattr(school, k, values[k])
            school.save()
            result.schools_updated += 1
        else:
            result.schools_unchanged += 1


def _municipality_kind(name: str) -> str:
    text = (name or "").lower()
    if "городской округ" in text or text.startswith("г.") or text.startswith("город"):
        return Municipality.Kind.URBAN_OKRUG
    if "муниципальный округ" in text:
        return Municipality.Kind.MUNICIPAL_OKRUG
    if "район" in text:
        return Municipality.Kind.DISTRICT
    return Municipality.Kind.OTHER
