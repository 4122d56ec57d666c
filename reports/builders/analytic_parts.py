"""The tables of the analytic report (`reports.builders.analytic`), built from the
analytic tables of its levels side by side; layout only, no figure is computed here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from reports.builders.base import ReportTable

MARKS = (2, 3, 4, 5)


@dataclass
class Part(ReportTable):
    """One table of the analytic report. Column kinds are those of infra.output.xlsx
    ("percent" values are shares 0…1)."""

    def text(self, value, kind: str) -> str:
        return cell_text(value, kind)

    def numeric(self, value, kind: str) -> bool:
        return kind != "text" and not isinstance(value, str)

    def docx_widths(self) -> list[float]:
        return self.widths or [100 / len(self.header)] * len(self.header)


def cell_text(value, kind: str) -> str:
    """A figure as the document prints it: 0.7 percent → «70,0 %», None → «—»."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if value == "":
        return ""
    if value is None:
        return "—" if kind != "text" else ""
    if isinstance(value, str):
        return value
    if kind == "percent":
        return f"{float(value) * 100:.1f}".replace(".", ",") + " %"
    if kind == "number" and not isinstance(value, int):
        return f"{float(value):.2f}".replace(".", ",")
    if kind == "int":
        return str(int(value))
    return str(value)


def marks_part(levels) -> Part:
    rows, kinds = [], []

    def add(label, kind, getter):
        rows.append([label, *[getter(g.marks) for _c, g in levels]])
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
    return Part(
        key="marks",
        title=_("Участие и распределение отметок"),
        sheet=_("Отметки"),
        columns=[(_("Показатель"), "text"), *[(c.title, "number") for c, _g in levels]],
        rows=rows,
        row_kinds=kinds,
        widths=level_widths(34, len(levels)),
    )


def distribution_part(levels, scale) -> Part:
    first = levels[0][1]
    columns = [(_("Первичный балл"), "int"), (_("Отметка"), "int")]
    for column, _g in levels:
        columns += [
            (_("%(level)s, чел.") % {"level": column.title}, "int"),
            (_("%(level)s, доля") % {"level": column.title}, "percent"),
        ]
    rows = []
    for score in range(first.distribution.max_score + 1):
        row = [score, scale.mark_of(score) if scale else None]
        for _c, g in levels:
            d = g.distribution
            row += [d.counts and d.counts[score], d.shares and d.shares[score]]
        rows.append(row)
    return Part(
        key="distribution",
        title=_("Распределение первичных баллов"),
        sheet=_("Первичные баллы"),
        columns=columns,
        rows=rows,
    )


def agreement_part(levels) -> Part:
    def row(label, getter):
        return [label, *[getter(g.agreement) for _c, g in levels]]

    return Part(
        key="agreement",
        title=_("Соответствие отметкам в журнале"),
        sheet=_("Журнал"),
        columns=[(_("Показатель"), "text"), *[(c.title, "number") for c, _g in levels]],
        rows=[
            row(_("Учтено участников (есть обе отметки)"), lambda a: a.n),
            row(_("Понизили (отметка за работу ниже журнальной)"), lambda a: a.lowered_share),
            row(_("Подтвердили"), lambda a: a.confirmed_share),
            row(_("Повысили (отметка за работу выше журнальной)"), lambda a: a.raised_share),
            row(_("Расхождение на 2 отметки и более"), lambda a: a.big_difference_count),
        ],
        row_kinds=["int", "percent", "percent", "percent", "int"],
        widths=level_widths(34, len(levels)),
    )


def tasks_part(levels, tasks) -> Part:
    first_title = levels[0][0].title
    columns = [
        (_("Задание"), "text"),
        (_("Уровень"), "text"),
        (_("Макс. балл"), "int"),
        (_("Проверяемое умение"), "text"),
        *[(_("%(level)s: выполнение") % {"level": c.title}, "percent") for c, _g in levels],
        (_("%(level)s: не приступали") % {"level": first_title}, "percent"),
    ]
    rows = []
    for i, task in enumerate(tasks):
        row = [task.number, task.level, task.max_score, task.planned_result]
        for _c, g in levels:
            row.append(g.tasks.rows[i].success if g.tasks.rows else None)
        first = levels[0][1]
        row.append(first.tasks.rows[i].not_attempted if first.tasks.rows else None)
        rows.append(row)
    rest = len(levels) + 1
    return Part(
        key="tasks",
        title=_("Выполнение заданий"),
        sheet=_("Задания"),
        columns=columns,
        rows=rows,
        widths=[7, 7, 7, 79 - 12 * rest, *[12] * rest],
        landscape=True,
    )


def by_mark_part(levels, tasks) -> Part:
    column, first = levels[0]
    groups = first.by_mark.groups
    return Part(
        key="by_mark",
        title=_("Выполнение заданий по группам отметок: %(level)s") % {"level": column.title},
        sheet=_("Группы отметок"),
        columns=[
            (_("Задание"), "text"),
            (_("Уровень"), "text"),
            *[(_("Получившие «%(mark)s»") % {"mark": g.mark}, "percent") for g in groups],
        ],
        rows=[
            [_("Участников в группе"), "", *[g.n for g in groups]],
            *[
                [t.number, t.level, *[g.success and g.success[i] for g in groups]]
                for i, t in enumerate(tasks)
            ],
        ],
        row_kinds=["int", *["percent"] * len(tasks)],
        notes=[_("Группы меньше 10 участников показаны, но выводы по ним не делаются.")],
    )


def deficits_part(levels) -> Part:
    from assessments.analytics import Band

    column, first = levels[0]
    rows = []
    for i, item in enumerate(first.planned.rows or []):
        if item.band not in (Band.NOT_MASTERED, Band.GREY):
            continue
        others = [g.planned.rows[i].success if g.planned.rows else None for _c, g in levels[1:]]
        rows.append(
            [
                item.planned_result,
                ", ".join(item.levels),
                ", ".join(item.task_numbers),
                item.success,
                item.band.label,
                *others,
            ]
        )
    rows.sort(key=lambda r: (r[4] != Band.NOT_MASTERED.label, r[3] if r[3] is not None else 0))
    others = [(c.title, "percent") for c, _g in levels[1:]]
    return Part(
        key="deficits",
        title=_("Дефициты: планируемые результаты, не достигнутые участниками (%(level)s)")
        % {"level": column.title},
        sheet=_("Дефициты"),
        columns=[
            (_("Планируемый результат"), "text"),
            (_("Уровень"), "text"),
            (_("Задания"), "text"),
            (_("Выполнение"), "percent"),
            (_("Оценка"), "text"),
            *others,
        ],
        rows=rows,
        widths=[56 - 11 * len(others), 10, 10, 11, 13, *[11] * len(others)],
        notes=[
            _(
                "Базовый уровень: не достигнут ниже 57 %, от 57 до 60 % — серая зона. "
                "Повышенный и высокий: не достигнут ниже 28,5 %, от 28,5 до 30 % — серая зона."
            )
        ],
        empty=_("Дефицитов нет: все планируемые результаты достигнуты.")
        if first.planned.rows is not None
        else _("Группа слишком мала для выводов: дефициты не показываются."),
    )


def schools_part(school_rows, with_municipality: bool) -> Part:
    columns = [(_("Школа"), "text")]
    if with_municipality:
        columns.append((_("Муниципалитет"), "text"))
    columns += [
        (_("Участников"), "int"),
        *[(_("«%(mark)s»") % {"mark": m}, "percent") for m in MARKS],
        (_("Успеваемость"), "percent"),
        (_("Качество"), "percent"),
    ]
    rows = []
    for school, municipality, stats in school_rows:
        row = [school]
        if with_municipality:
            row.append(municipality)
        row += [
            stats.n,
            *[stats.shares and stats.shares[m] for m in MARKS],
            stats.success_rate,
            stats.quality,
        ]
        rows.append(row)
    widths = [34, 10, *[9.33] * 6]
    return Part(
        key="schools",
        title=_("Результаты по школам"),
        sheet=_("По школам"),
        columns=columns,
        rows=rows,
        widths=widths,
        group_column=1 if with_municipality else None,
        notes=[
            _("Школы, где участников меньше %(n)s, показаны без долей (малые группы скрываются).")
        ],
    )


def level_widths(first: float, count: int) -> list[float]:
    return [first, *[round((100 - first) / max(count, 1), 2)] * count]
