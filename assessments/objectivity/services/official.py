"""Writes of official lists: importing a region's official list of schools with
unreliable results, to compare with the checks.
"""

from __future__ import annotations

import hashlib
import io
import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.objectivity.models import (
    OfficialList,
    OfficialListEntry,
)
from infra.files import read_bytes, read_table
from infra.problems import ImportFailed, Problem
from infra.text import find_header_row
from schools.models import Region, School

OFFICIAL_COLUMNS = {
    "year": ("год",),
    "login": ("логин", "логин оо", "логин фис око"),
    "municipality": ("муниципалитет", "муниципальное образование", "мо"),
    "school": ("оо", "наименование оо", "образовательная организация"),
    "count": ("количество маркеров", "кол-во маркеров", "количество"),
}
LABEL_RE = re.compile(r"^\s*(\d{1,2})\s*([А-ЯЁA-Z]{2,3})\s*$", re.IGNORECASE)


def _marker_value(value) -> bool | None:
    """A marker cell: blank or 0 → False, 1 → True; anything else None."""
    if value in (None, ""):
        return False
    text = str(value).strip().replace(",", ".")
    if text in ("0", "0.0"):
        return False
    if text in ("1", "1.0", "+", "да"):
        return True
    return None


def official_list_import(*, source, filename=None, region: Region, by, dry_run=False) -> dict:
    """Read an official list of schools with signs of biased results (all or
    nothing): every login must be a school of `region`, every marker 0/1/blank,
    and the count must equal the markers. The same file again changes nothing.
    Returns {"list": OfficialList | None, "rows", "schools", "years", "labels"}."""
    if not by.has_perm("assessments.run_checks", region):
        raise PermissionDenied(_("Загружать официальные перечни может региональный аналитик."))
    data, filename = read_bytes(source, filename=filename)
    sheets = read_table(io.BytesIO(data), filename=filename)
    problems: list[Problem] = []
    parsed = []
    labels: list[str] = []
    for sheet in sheets:
        index, mapping = find_header_row(sheet.rows, OFFICIAL_COLUMNS, {"year", "login"})
        if index is None:
            continue
        header = sheet.rows[index]
        label_columns = {}
        for col, title in enumerate(header):
            match = LABEL_RE.match(str(title or ""))
            if match and col not in mapping.values():
                label = f"{int(match.group(1))} {match.group(2).upper()}"
                label_columns[col] = label
        if not label_columns:
            problems.append(
                Problem(
                    file=filename,
                    sheet=sheet.name,
                    row=index + 1,
                    message=_("Нет столбцов работ вида «4 РУ», «5 МА»."),
                )
            )
            continue
        labels = sorted(
            set(labels) | set(label_columns.values()), key=lambda t: (int(t.split()[0]), t)
        )
        for offset, row in enumerate(sheet.rows[index + 1 :], start=index + 2):
            cells = list(row) + [None] * (len(header) - len(row))
            if all(c in (None, "") for c in cells):
                continue
            place = {"file": filename, "sheet": sheet.name, "row": offset}
            year_text = str(cells[mapping["year"]] or "").strip()
            try:
                year = int(float(year_text))
                if not 2000 <= year <= 2100:
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(
                        **place,
                        column=str(header[mapping["year"]]),
                        message=_("Год указан неверно: «%s».") % year_text,
                    )
                )
                continue
            login = str(cells[mapping["login"]] or "").strip().lower()
            if not login:
                problems.append(
                    Problem(
                        **place,
                        column=str(header[mapping["login"]]),
                        message=_("Не указан логин ОО."),
                    )
                )
                continue
            markers = []
            bad = False
            for col, label in label_columns.items():
                value = _marker_value(cells[col])
                if value is None:
                    problems.append(
                        Problem(
                            **place,
                            column=str(header[col]),
                            message=_("Маркер — 1, 0 или пусто, а не «%s».") % cells[col],
                        )
                    )
                    bad = True
                elif value:
                    markers.append(label)
            if bad:
                continue
            if "count" in mapping and cells[mapping["count"]] not in (None, ""):
                try:
                    count = int(float(str(cells[mapping["count"]]).replace(",", ".")))
                except ValueError:
                    count = -1
                if count != len(markers):
                    problems.append(
                        Problem(
                            **place,
                            column=str(header[mapping["count"]]),
                            message=_(
                                "Количество маркеров (%(count)s) не равно отмеченным работам (%(marked)s)."
                            )
                            % {"count": cells[mapping["count"]], "marked": len(markers)},
                        )
                    )
                    continue
            parsed.append((place, year, login, markers))
    if not parsed and not problems:
        problems.append(
            Problem(
                file=filename, message=_("Не найдена строка заголовков «Год», «Логин», «4 РУ»…")
            )
        )
    schools = {
        s.fis_login: s
        for s in School.objects.visible_to(by).filter(
            region=region, fis_login__in={login for _p, _y, login, _m in parsed}
        )
    }
    seen = {}
    unique, warnings = [], []
    for place, year, login, markers in parsed:
        if login not in schools:
            problems.append(
                Problem(
                    **place,
                    column="Логин",
                    message=_("Школа с логином «%(login)s» не найдена в регионе «%(region)s».")
                    % {"login": login, "region": region.name},
                )
            )
        elif (login, year) in seen:
            # Published lists repeat whole blocks: the same row twice is counted
            # once (and said); the same school twice with other markers is an error.
            first_row, first_markers = seen[(login, year)]
            if sorted(first_markers) == sorted(markers):
                warnings.append(
                    Problem(
                        **place,
                        column="Логин",
                        message=_("Строка повторяет строку %(row)s и учтена один раз.")
                        % {"row": first_row},
                    )
                )
            else:
                problems.append(
                    Problem(
                        **place,
                        column="Логин",
                        message=_(
                            "Школа «%(login)s» за %(year)s год уже есть в строке %(row)s "
                            "с другими маркерами."
                        )
                        % {"login": login, "year": year, "row": first_row},
                    )
                )
        else:
            seen[(login, year)] = (place["row"], markers)
            unique.append((place, year, login, markers))
    if problems:
        raise ImportFailed(problems)
    sha256 = hashlib.sha256(data).hexdigest()
    years = sorted({y for _p, y, _l, _m in parsed})
    summary = {
        "rows": len(parsed),
        "entries": len(unique),
        "schools": len({login for _p, _y, login, _m in parsed}),
        "flagged": sum(1 for *_a, m in unique if m),
        "years": years,
        "labels": labels,
        "warnings": warnings,
        "list": None,
    }
    if dry_run:
        return summary
    existing = OfficialList.objects.filter(region=region, sha256=sha256).first()
    if existing is not None:
        summary["list"] = existing
        summary["unchanged"] = True
        return summary
    with transaction.atomic():
        official = OfficialList.objects.create(
            region=region,
            title=_("Перечень ОО с признаками необъективности, %(years)s")
            % {"years": ", ".join(map(str, years))},
            file_name=filename[:255],
            sha256=sha256,
            years=years,
            labels=labels,
            uploaded_by=by,
        )
        OfficialListEntry.objects.bulk_create(
            [
                OfficialListEntry(
                    official_list=official,
                    region_id=region.pk,
                    municipality_id=schools[login].municipality_id,
                    school=schools[login],
                    year=year,
                    markers=markers,
                    count=len(markers),
                )
                for _place, year, login, markers in unique
            ],
            batch_size=1000,
        )
    summary["list"] = official
    return summary
