"""Files a region sends: its school list, its scales and one consolidated result file
per procedure (one row a pupil), as CSV (`;`) or XLSX, with a manifest that says
what every file and column is and what was planted."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

from tests.generators.second.headers import (
    LAYOUTS,
    NOT_ATTEMPTED,
    SEX,
    TASK_STYLES,
    column_order,
    mixed_layout,
)
from tests.generators.second.population import stream
from tests.generators.second.region import Region, Sitting

STYLES = ("canonical", "fis", "rcoi", "regional", "mixed")
ENCODINGS = {"canonical": "utf-8-sig", "fis": "utf-8-sig", "rcoi": "cp1251", "regional": "cp1251"}
SCHOOL_HEADER = [
    "Код региона",
    "Код МО",
    "Муниципалитет",
    "Код ОО",
    "Логин ФИС ОКО",
    "Полное наименование",
    "Краткое наименование",
    "Адрес",
    "Местность",
    "Тип ОО",
]
SCALE_LAYOUTS = {
    # (header, how a range is written); "two" = «Балл от» and «Балл до» columns
    "canonical": (["Процедура", "Год", "Класс", "Предмет", "Отметка", "Первичный балл"], "{}–{}"),
    "fis": (["Процедура", "Год", "Класс", "Предмет", "Отметка", "Первичный балл"], "{}-{}"),
    "rcoi": (["Процедура", "Год", "Класс", "Предмет", "Отметка", "Балл от", "Балл до"], "two"),
    "regional": (
        ["Процедура", "Год", "Параллель", "Предмет", "Отметка", "Первичный балл"],
        "от {} до {}",
    ),
}


def write_files(
    region: Region,
    folder,
    *,
    header_style: str = "canonical",
    fmt: str = "csv",
    tests: list[Sitting] | None = None,
) -> dict:
    """Write the region's files into `folder` and `manifest.json` beside them; return
    the manifest. `header_style` is one of STYLES ("mixed": every result file draws
    its own wording of every column), `fmt` "csv", "xlsx" or "mixed" (alternating)."""
    if header_style not in STYLES:
        raise ValueError(f"header_style must be one of {STYLES}")
    if fmt not in ("csv", "xlsx", "mixed"):
        raise ValueError("fmt must be csv, xlsx or mixed")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = stream(region.seed, "files", header_style)
    files = []
    base_style = header_style if header_style != "mixed" else "canonical"
    ext = "xlsx" if fmt == "xlsx" else "csv"
    files.append(_write_schools(region, folder / f"schools.{ext}", base_style))
    scale_style = base_style if header_style != "mixed" else str(rng.choice(list(SCALE_LAYOUTS)))
    files.append(_write_scales(region, folder / f"scales.{ext}", scale_style))
    for number, key in enumerate(region.tests if tests is None else tests):
        if header_style == "mixed":
            layout, task_style = mixed_layout(rng)
            style = str(rng.choice(list(ENCODINGS)))
        else:
            layout, task_style, style = LAYOUTS[header_style], header_style, header_style
        file_ext = ext if fmt != "mixed" else ("xlsx" if number % 2 else "csv")
        path = folder / f"vpr_{key.year}_{key.grade}_{key.subject}.{file_ext}"
        files.append(
            write_result_file(region, key, path, layout=layout, task_style=task_style, style=style)
        )
    manifest = {
        "generator": "tests.generators.second",
        "seed": region.seed,
        "region": {"code": region.code, "name": region.name},
        "years": list(region.years),
        "target_year": region.target_year,
        "header_style": header_style,
        "files": files,
        "tasks": {
            f"{grade} {form.label.split()[1]}": [
                {"number": t.number, "max_score": t.max_score, "level": t.level} for t in form.tasks
            ]
            for (grade, _subject), form in region.forms.items()
        },
        "truth": [asdict(p) for p in region.truth],
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return manifest


def _write_schools(region: Region, path: Path, style: str) -> dict:
    municipalities = {m.code: m for m in region.municipalities}
    rows = [
        [
            region.code,
            s.municipality,
            municipalities[s.municipality].name,
            s.code,
            s.fis_login,
            s.full_name,
            s.short_name,
            s.address,
            s.locality,
            s.kind_text,
        ]
        for s in region.schools
    ]
    encoding = _table(path, [SCHOOL_HEADER], rows, ENCODINGS[style])
    return {"file": path.name, "kind": "schools", "encoding": encoding, "rows": len(rows)}


def _write_scales(region: Region, path: Path, style: str) -> dict:
    header, written = SCALE_LAYOUTS[style]
    rows = []
    for key, scale in sorted(region.scales.items()):
        for low, high, mark in scale.ranges:
            start = ["ВПР", key.year, key.grade, region.form(key).subject_name, mark]
            rows.append(start + ([low, high] if written == "two" else [written.format(low, high)]))
    encoding = _table(path, [header], rows, ENCODINGS[style])
    return {
        "file": path.name,
        "kind": "scales",
        "layout": style,
        "encoding": encoding,
        "header": header,
        "scales": len(region.scales),
    }


def write_result_file(
    region, key: Sitting, path: Path, *, layout: dict, task_style="canonical", style="canonical"
) -> dict:
    """One consolidated file of `key`: columns named by `layout` (meaning → header, see
    `headers.LAYOUTS`), task headers in `task_style`, cells and encoding as `style`
    writes them. Returns the file's manifest entry."""
    form = region.form(key)
    order = column_order(layout)
    headers, meanings = [], []
    for meaning in order:
        if meaning == "tasks":
            for task in form.tasks:
                headers.append(TASK_STYLES[task_style](task.number, task.max_score))
                meanings.append(
                    {"meaning": "task", "number": task.number, "max_score": task.max_score}
                )
        else:
            headers.append(layout[meaning])
            meanings.append({"meaning": meaning})
    for header, entry in zip(headers, meanings, strict=True):
        entry["header"] = header
    blank = NOT_ATTEMPTED.get(style, "x")
    male, female = SEX.get(style, "мж")
    numeric_codes = layout.get("participant") == "Код"
    municipalities = {m.code: m for m in region.municipalities}
    schools = {s.code: s for s in region.schools}
    pupils = sorted(
        [(p.school, p.participant_code, p) for p in region.results[key]]
        + [(a.school, a.participant_code, a) for a in region.absent[key]],
        key=lambda item: item[:2],
    )
    rows = []
    for code, participant, pupil in pupils:
        school = schools[code]
        cells = {
            "municipality": school.municipality
            if layout.get("municipality", "").startswith("Код")
            else municipalities[school.municipality].name,
            "school_name": school.short_name,
            "school_login": school.fis_login,
            "school_code": school.code,
            "class": pupil.class_name,
            "sex": male if pupil.sex == "м" else female,
            "participant": int(participant) if numeric_codes else participant,
        }
        present = hasattr(pupil, "scores")
        if present:
            cells.update(
                variant=pupil.variant,
                journal_mark=pupil.journal_mark if pupil.journal_mark is not None else "",
                total=pupil.total,
                mark=pupil.mark,
            )
        else:
            cells.update(variant="отсутствовал", journal_mark="", total="", mark="")
        row = []
        for meaning in order:
            if meaning == "tasks":
                if present:
                    row.extend(blank if v is None else v for v in pupil.scores)
                else:
                    row.extend("" for _task in form.tasks)
            else:
                row.append(cells[meaning])
        rows.append(row)
    title = []
    if style in ("rcoi", "regional"):
        title = [
            [f"Результаты ВПР {key.year} года: {form.subject_name}, {key.grade} класс"],
            [],
        ]
    encoding = _table(path, [*title, headers], rows, ENCODINGS.get(style, "utf-8-sig"))
    return {
        "file": path.name,
        "kind": "results",
        "procedure": {
            "instrument": "ВПР",
            "subject": form.subject_name,
            "grade": key.grade,
            "year": key.year,
            "season": "весна",
        },
        "label": key.label,
        "style": style,
        "encoding": encoding,
        "header_row": len(title) + 1,
        "columns": meanings,
        "not_attempted": blank,
        "rows": len(region.results[key]),
        "absent": len(region.absent[key]),
    }


def _table(path: Path, head: list[list], rows: list[list], encoding: str) -> str:
    """Write a CSV (`;`) or an XLSX by the file's suffix; the encoding used (CSV)."""
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Результаты" if "vpr" in path.name else path.stem)
        for row in [*head, *rows]:
            sheet.append([None if v == "" else v for v in row])
        book.save(path)
        return "xlsx"
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerows(head)
        writer.writerows(rows)
    return encoding
