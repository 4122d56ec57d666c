"""The analytic results as plain tables (title, typed columns, rows) for XLSX
and as JSON-ready dicts.

A `Table` knows nothing of openpyxl: `infra.output.xlsx.SheetSpec.from_table`
turns it into a sheet. Column kinds: "text", "int", "number", "percent"
(a fraction 0…1), "date". A table whose rows mix kinds (indicators as rows,
levels as columns) gives `row_kinds`, which win over the column kinds for
every column but the first.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from .learning import Deficits
from .records import MARKS, Scale
from .tables import Band, SideBySide
from .years import Dynamics


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list]
    row_kinds: list[str] | None = None
    notes: list[str] = field(default_factory=list)


def _band_label(band: Band | None) -> str:
    return band.label if band else ""


def _size_notes(tables: SideBySide) -> list[str]:
    return [
        _("%(level)s: %(size)s (участников: %(n)s).")
        % {"level": name, "size": g.size.label, "n": g.n if g.marks.n is not None else "—"}
        for name, g in tables.levels.items()
    ]


def side_by_side_tables(tables: SideBySide) -> list[Table]:
    """Every standard table, one column (or group of columns) per level."""
    names = tables.names
    levels = [tables[name] for name in names]
    notes = _size_notes(tables)
    result = []

    # Mark statistics: indicators as rows.
    rows, kinds = [], []

    def add(label, kind, getter):
        rows.append([label, *[getter(g.marks) for g in levels]])
        kinds.append(kind)

    add(_("Участников"), "int", lambda m: m.n)
    for mark in MARKS:
        add(
            _("Количество «%(mark)s»") % {"mark": mark},
            "int",
            lambda m, k=mark: m.counts and m.counts[k],
        )
    for mark in MARKS:
        add(
            _("Доля «%(mark)s»") % {"mark": mark},
            "percent",
            lambda m, k=mark: m.shares and m.shares[k],
        )
    add(_("Успеваемость (3+4+5)"), "percent", lambda m: m.success_rate)
    add(_("Качество (4+5)"), "percent", lambda m: m.quality)
    add(_("Средняя отметка"), "number", lambda m: m.mean_mark)
    add(_("Средний первичный балл"), "number", lambda m: m.mean_primary)
    result.append(
        Table(
            _("Статистика отметок"),
            [Column(_("Показатель")), *[Column(n, "number") for n in names]],
            rows,
            kinds,
            notes,
        )
    )

    rows = [
        [_("Учтено участников (есть обе отметки)"), *[g.agreement.n for g in levels]],
        [
            _("Понизили (отметка за работу ниже журнальной)"),
            *[g.agreement.lowered_share for g in levels],
        ],
        [_("Подтвердили"), *[g.agreement.confirmed_share for g in levels]],
        [
            _("Повысили (отметка за работу выше журнальной)"),
            *[g.agreement.raised_share for g in levels],
        ],
        [
            _("Расхождение на 2 отметки и более"),
            *[g.agreement.big_difference_count for g in levels],
        ],
    ]
    result.append(
        Table(
            _("Соответствие отметкам в журнале"),
            [Column(_("Показатель")), *[Column(n, "number") for n in names]],
            rows,
            ["int", "percent", "percent", "percent", "int"],
            notes,
        )
    )

    first = levels[0]
    if first.agreement.big_differences:
        result.append(
            Table(
                _("Расхождения с журналом на 2 и более"),
                [
                    Column(_("Класс")),
                    Column(_("Код участника")),
                    Column(_("Отметка за работу"), "int"),
                    Column(_("Отметка в журнале"), "int"),
                    Column(_("Разница"), "int"),
                ],
                [
                    [p.class_name, p.code, p.mark, p.journal_mark, p.difference]
                    for p in first.agreement.big_differences
                ],
                notes=[_("Уровень: %(level)s.") % {"level": first.name}],
            )
        )

    dist_columns = [Column(_("Первичный балл"), "int"), Column(_("Отметка"), "int")]
    for name in names:
        dist_columns += [
            Column(_("%(level)s: человек") % {"level": name}, "int"),
            Column(_("%(level)s: доля") % {"level": name}, "percent"),
        ]
    scale = tables.scale
    max_score = first.distribution.max_score
    rows = []
    for score in range(max_score + 1):
        row = [score, scale.mark_of(score) if scale else None]
        for g in levels:
            d = g.distribution
            row += [d.counts and d.counts[score], d.shares and d.shares[score]]
        rows.append(row)
    result.append(Table(_("Распределение первичных баллов"), dist_columns, rows, notes=notes))

    task_columns = [
        Column(_("Задание")),
        Column(_("Уровень")),
        Column(_("Макс. балл"), "int"),
        Column(_("Проверяемое умение")),
    ]
    for name in names:
        task_columns += [
            Column(_("%(level)s: выполнение") % {"level": name}, "percent"),
            Column(_("%(level)s: не приступали") % {"level": name}, "percent"),
        ]
    rows = []
    for i, task in enumerate(tables.tasks):
        row = [task.number, task.level, task.max_score, task.planned_result]
        for g in levels:
            r = g.tasks.rows[i] if g.tasks.rows else None
            row += [r and r.success, r and r.not_attempted]
        rows.append(row)
    result.append(Table(_("Выполнение заданий"), task_columns, rows, notes=notes))

    mark_columns = [Column(_("Задание")), Column(_("Уровень"))]
    size_row = [_("Участников в группе"), ""]
    for name, g in zip(names, levels, strict=True):
        for group in g.by_mark.groups:
            label = _("%(level)s: «%(mark)s»") % {"level": name, "mark": group.mark}
            if group.too_small:
                label += " " + _("(меньше 10)")
            mark_columns.append(Column(label, "percent"))
            size_row.append(group.n)
    rows = []
    for i, task in enumerate(tables.tasks):
        row = [task.number, task.level]
        for g in levels:
            row += [grp.success and grp.success[i] for grp in g.by_mark.groups]
        rows.append(row)
    result.append(
        Table(
            _("Выполнение заданий по группам отметок"),
            mark_columns,
            [size_row, *rows],
            ["int", *["percent"] * len(rows)],
            [_("Группы меньше 10 участников показаны, но выводы по ним не делаются.")],
        )
    )

    plan_columns = [Column(_("Планируемый результат")), Column(_("Уровень")), Column(_("Задания"))]
    for name in names:
        plan_columns += [
            Column(_("%(level)s: выполнение") % {"level": name}, "percent"),
            Column(_("%(level)s: оценка") % {"level": name}),
        ]
    rows = []
    reference = first.planned.rows or tables[names[-1]].planned.rows or []
    for i, item in enumerate(reference):
        row = [item.planned_result, ", ".join(item.levels), ", ".join(item.task_numbers)]
        for g in levels:
            r = g.planned.rows[i] if g.planned.rows else None
            row += [r and r.success, _band_label(r.band) if r else ""]
        rows.append(row)
    result.append(
        Table(
            _("Достижение планируемых результатов"),
            plan_columns,
            rows,
            notes=[
                _(
                    "Базовый уровень: достигнут при 60 % и выше, не достигнут ниже 57 %, между ними серая зона. "
                    "Повышенный и высокий: достигнут при 30 % и выше, не достигнут ниже 28,5 %."
                ),
                *notes,
            ],
        )
    )
    return result


def deficits_tables(result: Deficits) -> list[Table]:
    classes = Table(
        _("Дефициты классов"),
        [
            Column(_("Класс")),
            Column(_("Участников"), "int"),
            Column(_("Не достигнуты")),
            Column(_("Серая зона")),
            Column(_("Задания, не выполненные классом")),
        ],
        [
            [
                c.class_name,
                c.n,
                "; ".join(r.planned_result for r in c.not_mastered or []),
                "; ".join(r.planned_result for r in c.grey or []),
                ", ".join(c.tasks_not_mastered or []),
            ]
            for c in result.classes
        ],
    )
    routes = Table(
        _("Индивидуальные образовательные маршруты"),
        [
            Column(_("Класс")),
            Column(_("Код участника")),
            Column(_("№"), "int"),
            Column(_("Что отработать")),
            Column(_("Задания")),
            Column(_("Не приступал к заданиям")),
            Column(_("Выполнение"), "percent"),
            Column(_("Оценка")),
            Column(_("Дефицит всего класса")),
        ],
        [
            [
                p.class_name,
                p.code,
                s.order,
                s.planned_result,
                ", ".join(s.task_numbers),
                ", ".join(s.not_attempted),
                s.success,
                s.band.label,
                _("да") if s.whole_class else "",
            ]
            for p in result.pupils
            for s in p.steps
        ],
    )
    return [classes, routes]


def dynamics_table(result: Dynamics) -> Table:
    columns = [
        Column(_("Год")),
        Column(_("Участников"), "int"),
        *[Column(_("Доля «%(mark)s»") % {"mark": m}, "percent") for m in MARKS],
        Column(_("Успеваемость"), "percent"),
        Column(_("Качество"), "percent"),
        Column(_("Изменение доли «2»"), "percent"),
        Column(_("Отрицательная динамика")),
        Column(_("Примечание")),
    ]
    rows = []
    for r in result.rows:
        m = r.marks
        rows.append(
            [
                str(r.year),
                m.n,
                *[m.shares and m.shares[k] for k in MARKS],
                m.success_rate,
                m.quality,
                r.two_change,
                _("да: доля «2» выросла на 10 п. п. и более") if r.negative_trend else "",
                r.note,
            ]
        )
    return Table(_("Динамика по годам"), columns, rows)


def table_as_dict(value):
    """Any analytic result as JSON-ready data (str keys, plain numbers)."""
    if isinstance(value, Scale):
        return {str(k): list(v) for k, v in value.boundaries.items()}
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: table_as_dict(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for extra in ("difference", "success", "whole_class"):
            attr = getattr(type(value), extra, None)
            if isinstance(attr, property):
                data[extra] = table_as_dict(getattr(value, extra))
        return data
    if isinstance(value, dict):
        return {str(k): table_as_dict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [table_as_dict(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)
