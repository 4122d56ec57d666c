"""The analytic report (аналитическая справка) on one assessment procedure for a
school, a municipality or the region, with the levels above it side by side.

Every figure comes from the analytic tables the analytics pages show
(`assessments.analytics.selectors.analytics_page`); nothing is computed here
but the layout. Every level is suppressed with ANALYTICS_MIN_GROUP, the school
itself included: a document leaves the school (it is listed for the
municipality and the region, and the same inputs give the same document
whoever asked for it first), so it follows the rules of the pages outside a
school. No participant codes or classes appear.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.builders import Builder, DocumentParamsError, Prepared, register
from reports.docx import DocxWriter

LEVEL_SCHOOL = "school"
LEVEL_MUNICIPALITY = "municipality"
LEVEL_REGION = "region"
LEVELS = {
    LEVEL_SCHOOL: gettext_lazy("Школа"),
    LEVEL_MUNICIPALITY: gettext_lazy("Муниципалитет"),
    LEVEL_REGION: gettext_lazy("Регион"),
}
RECOMMENDATIONS_MAX = 20_000
MARKS = (2, 3, 4, 5)


# --- who may build what ----------------------------------------------------------------


def allowed_levels(user) -> list[str]:
    """A school's staff build the report of their school only; a municipality's,
    of its schools and itself; the region's (and superusers), of any level."""
    from schools.scoping import reach_of

    reach = reach_of(user)
    levels = [LEVEL_SCHOOL]
    if reach.everything or reach.regions or reach.municipalities:
        levels.append(LEVEL_MUNICIPALITY)
    if reach.everything or reach.regions:
        levels.append(LEVEL_REGION)
    return levels


def can_write_recommendations(user, node=None) -> bool:
    if node is None:
        return user.has_perm("reports.write_recommendations")
    return user.has_perm("reports.write_recommendations", node)


class AnalyticParamsForm(forms.Form):
    procedure = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Оценочная процедура"), empty_label=None
    )
    level = forms.ChoiceField(label=gettext_lazy("Уровень справки"))
    school = forms.ModelChoiceField(
        queryset=None,
        label=gettext_lazy("Школа"),
        required=False,
        help_text=gettext_lazy("Для справки по школе."),
    )
    municipality = forms.ModelChoiceField(
        queryset=None,
        label=gettext_lazy("Муниципалитет"),
        required=False,
        help_text=gettext_lazy("Для справки по муниципалитету."),
    )
    recommendations = forms.CharField(
        label=gettext_lazy("Рекомендации (пишет методист)"),
        required=False,
        max_length=RECOMMENDATIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from assessments.analytics.selectors import analytics_procedure_list
        from schools.models import Municipality, School

        self.fields["procedure"].queryset = analytics_procedure_list(user=user)
        levels = allowed_levels(user)
        self.fields["level"].choices = [(level, LEVELS[level]) for level in levels]
        self.fields["school"].queryset = (
            School.objects.visible_to(user)
            .select_related("municipality")
            .order_by("municipality__name", "short_name")
        )
        if LEVEL_MUNICIPALITY in levels:
            self.fields["municipality"].queryset = Municipality.objects.visible_to(user).order_by(
                "name"
            )
        else:
            del self.fields["municipality"]
        if not can_write_recommendations(user):
            del self.fields["recommendations"]

    def clean(self):
        cleaned = super().clean()
        level = cleaned.get("level")
        if level == LEVEL_SCHOOL and not cleaned.get("school"):
            self.add_error("school", _("Выберите школу."))
        if level == LEVEL_MUNICIPALITY and not cleaned.get("municipality"):
            self.add_error("municipality", _("Выберите муниципалитет."))
        return cleaned


# --- tables of the document ---------------------------------------------------------------


@dataclass
class Part:
    """One table of the document, the same in HTML, DOCX and XLSX.

    Columns are (label, kind) with the kinds of reports.xlsx ("percent" values
    are shares 0…1); `row_kinds`, when given, set the kind of every cell of a
    row but the first (indicators as rows, levels as columns).
    """

    key: str
    title: str
    sheet: str
    columns: list[tuple[str, str]]
    rows: list[list]
    row_kinds: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    widths: list[float] | None = None
    landscape: bool = False
    charts: list[str] = field(default_factory=list)
    empty: str = ""
    group_column: int | None = None  # shown as heading rows on the page and in Word

    def kind_of(self, r: int, c: int) -> str:
        if self.row_kinds and c > 0 and r < len(self.row_kinds):
            return self.row_kinds[r]
        return self.columns[c][1] if c < len(self.columns) else "text"

    @property
    def cells(self) -> list[dict]:
        """Rows formatted for the page and Word: text with a decimal comma,
        numbers to the right; where the value of `group_column` changes, a
        heading row ({"heading": value}) instead of that column."""
        shown, current = [], None
        for r, row in enumerate(self.rows):
            if self.group_column is not None and row[self.group_column] != current:
                current = row[self.group_column]
                shown.append({"heading": current, "cells": []})
            cells = []
            for c, value in enumerate(row):
                if c == self.group_column:
                    continue
                kind = self.kind_of(r, c)
                numeric = kind != "text" and not isinstance(value, str)
                cells.append({"text": cell_text(value, kind), "num": numeric})
            shown.append({"heading": None, "cells": cells})
        return shown

    @property
    def header(self) -> list[dict]:
        return [
            {"label": label, "num": kind != "text"}
            for c, (label, kind) in enumerate(self.columns)
            if c != self.group_column
        ]


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


def _marks_part(levels) -> Part:
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
        widths=_level_widths(34, len(levels)),
    )


def _distribution_part(levels, scale) -> Part:
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


def _agreement_part(levels) -> Part:
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
        widths=_level_widths(34, len(levels)),
    )


def _tasks_part(levels, tasks) -> Part:
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


def _by_mark_part(levels, tasks) -> Part:
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


def _deficits_part(levels) -> Part:
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


def _schools_part(school_rows, with_municipality: bool) -> Part:
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


def _level_widths(first: float, count: int) -> list[float]:
    return [first, *[round((100 - first) / max(count, 1), 2)] * count]


# --- the builder ------------------------------------------------------------------------


@register
class AnalyticBuilder(Builder):
    kind = "analytic"
    title = gettext_lazy("Аналитическая справка по оценочной процедуре")
    formats = ("pdf", "docx", "xlsx")
    template = "reports/analytic.html"

    def params_form(self, *, user, data=None):
        return AnalyticParamsForm(data, user=user)

    def params_from_form(self, cleaned):
        level = cleaned["level"]
        params = {"procedure": cleaned["procedure"].pk, "level": level}
        if level == LEVEL_SCHOOL:
            params["school"] = cleaned["school"].pk
        elif level == LEVEL_MUNICIPALITY:
            params["municipality"] = cleaned["municipality"].pk
        text = (cleaned.get("recommendations") or "").replace("\r\n", "\n").strip()
        if text:
            params["recommendations"] = text
        return params

    def prepare(self, *, params, user) -> Prepared:
        from django.http import Http404

        from assessments.analytics import selectors as sel
        from assessments.results.models import ImportBatch, Result
        from schools.scoping import reach_of

        try:
            procedure_id = int(params["procedure"])
            level = str(params.get("level") or LEVEL_SCHOOL)
            if level not in LEVELS:
                raise ValueError(level)
            school_id = int(params["school"]) if level == LEVEL_SCHOOL else None
            municipality_id = int(params["municipality"]) if level == LEVEL_MUNICIPALITY else None
        except (KeyError, TypeError, ValueError):
            raise DocumentParamsError(
                _(
                    "Укажите оценочную процедуру и уровень справки: школу (school=…), "
                    "муниципалитет (municipality=…) или регион (level=region)."
                )
            ) from None
        recommendations = params.get("recommendations") or ""
        if not isinstance(recommendations, str):
            raise DocumentParamsError(_("Рекомендации должны быть текстом."))
        if len(recommendations) > RECOMMENDATIONS_MAX:
            raise DocumentParamsError(
                _("Рекомендации длиннее %(max)s знаков.") % {"max": RECOMMENDATIONS_MAX}
            )

        procedure = sel.analytics_procedure_get(user=user, pk=procedure_id)
        region = procedure.region
        reach = reach_of(user)
        school = municipality = None
        if level == LEVEL_SCHOOL:
            school = sel.school_for_results(user=user, pk=school_id)
            if school.region_id != procedure.region_id:
                raise Http404
            municipality, node, scope = school.municipality, school, school.short_name
        elif level == LEVEL_MUNICIPALITY:
            municipality = sel.municipality_for_results(user=user, pk=municipality_id)
            if municipality.region_id != procedure.region_id:
                raise Http404
            if not reach.covers(region_id=region.pk, municipality_id=municipality.pk):
                raise DocumentParamsError(
                    _("Справку по муниципалитету строят специалисты муниципалитета и региона.")
                )
            node, scope = municipality, municipality.name
        else:
            if not reach.covers(region_id=region.pk):
                raise DocumentParamsError(
                    _("Справку по региону строят только специалисты региона.")
                )
            node, scope = region, region.name
        if recommendations.strip() and not can_write_recommendations(user, node):
            raise DocumentParamsError(_("Ваша роль не позволяет писать рекомендации в справку."))

        # The fingerprint of every row the document's levels are computed from
        # (the region's, as the reference columns): counted only, like the
        # cache keys of the reference tables (assessments.analytics.selectors).
        rows = Result.objects.filter(procedure=procedure, region_id=region.pk)
        stamp = rows.aggregate(n=Count("id"), last=Max("id"))
        imported = ImportBatch.objects.filter(procedure=procedure, region_id=region.pk).aggregate(
            finished=Max("finished_at"), created=Max("created_at")
        )
        scale = sel.procedure_scale(procedure)
        tasks = sel.procedure_tasks(user=user, procedure=procedure)
        run = objectivity_run_of(
            user=user, procedure=procedure, level=level, municipality=municipality
        )
        return Prepared(
            title=_("Аналитическая справка: %(procedure)s — %(scope)s")
            % {"procedure": procedure, "scope": scope},
            region=region,
            municipality=municipality,
            school=school,
            built_from={
                "procedure": procedure.pk,
                "level": level,
                "object": node.pk,
                "results": stamp["n"],
                "last_result": stamp["last"],
                "last_import": str(imported["finished"] or imported["created"] or ""),
                # The tasks and the scale the marks and shares are computed with.
                "tasks_and_scale": hashlib.sha256(
                    repr(
                        (
                            [(t.number, t.max_score, t.level, t.planned_result) for t in tasks],
                            sorted(scale.boundaries.items()) if scale else None,
                        )
                    ).encode()
                ).hexdigest()[:16],
                "min_group": sel.min_group(),
                # The check run the flags come from: a new run gives a new document.
                "objectivity_run": run.pk if run else None,
            },
            data={
                "procedure": procedure,
                "level": level,
                "school": school,
                "municipality": municipality,
                "scope": scope,
                "user": user,
                "recommendations": recommendations.strip(),
                "objectivity_run": run.pk if run else None,
            },
        )

    def context(self, prepared: Prepared) -> dict:
        from assessments.analytics import SideBySide, suppress
        from assessments.analytics import selectors as sel

        data = prepared.data
        procedure, level, user = data["procedure"], data["level"], data["user"]
        page = sel.analytics_page(
            user=user,
            procedure=procedure,
            level=level,
            school=data["school"],
            municipality=data["municipality"] if level == LEVEL_MUNICIPALITY else None,
        )
        minimum = page.minimum
        # Outside-the-school rules for every level, the school itself included.
        levels = [(c, suppress(page.tables[c.title], minimum)) for c in page.columns]
        shown = SideBySide(
            tasks=page.tables.tasks,
            scale=page.scale,
            levels={c.title: g for c, g in levels},
        )
        scope_column, scope = levels[0]

        parts = [_marks_part(levels)]
        parts[0].charts = [_chart("mark_shares_chart", shown)]
        distribution = _distribution_part(levels, page.scale)
        if scope.distribution.counts is not None:
            distribution.charts = [_chart("histogram_chart", scope)]
        parts.append(distribution)
        agreement = _agreement_part(levels)
        agreement.charts = [_chart("agreement_chart", shown)]
        parts.append(agreement)
        if level != LEVEL_SCHOOL:
            school_rows = _school_statistics(
                user=user, procedure=procedure, page=page, level=level, minimum=minimum
            )
            schools = _schools_part(school_rows, with_municipality=level == LEVEL_REGION)
            schools.notes = [n % {"n": minimum} for n in schools.notes]
            schools.empty = _("Нет результатов школ.")
            parts.append(schools)
        parts.append(_by_mark_part(levels, page.tasks))
        parts.append(_deficits_part(levels))
        tasks = _tasks_part(levels, page.tasks)
        tasks.charts = [_chart("task_profile_chart", shown)]
        parts.append(tasks)
        parts = [p for p in parts if p.rows or p.empty]
        for part in parts:
            part.charts = [c for c in part.charts if c]

        size_notes = [
            {
                "title": c.title,
                "n": g.n if g.marks.n is not None else None,
                "label": g.size.label,
                "suppressed": g.marks.n is None,
            }
            for c, g in levels
        ]
        return {
            "title": prepared.title,
            "procedure": procedure,
            "level": level,
            "level_label": LEVELS[level],
            "scope": data["scope"],
            "scope_title": scope_column.title,
            "sizes": size_notes,
            "minimum": minimum,
            "scale": page.scale,
            "parts": parts,
            "portrait_parts": [p for p in parts if not p.landscape],
            "landscape_parts": [p for p in parts if p.landscape],
            "deficit_count": next((len(p.rows) for p in parts if p.key == "deficits"), 0),
            "recommendations": data["recommendations"],
            "recommendation_paragraphs": [
                p.strip() for p in data["recommendations"].split("\n") if p.strip()
            ],
            "flags": objectivity_flags(prepared),
        }

    def to_docx(self, context: dict) -> bytes:
        doc = DocxWriter()
        doc.paragraph(_("АНАЛИТИЧЕСКАЯ СПРАВКА"), bold=True, align="center", size=14)
        doc.paragraph(_("по результатам: %s") % context["procedure"], bold=True, align="center")
        doc.paragraph(
            _("%(level)s: %(scope)s")
            % {"level": context["level_label"], "scope": context["scope"]},
            align="center",
        )
        for size in context["sizes"]:
            doc.paragraph(
                _size_sentence(size),
                indent=True,
                space_before=6 if size is context["sizes"][0] else 0,
            )
        landscape = False
        for part in context["portrait_parts"] + context["landscape_parts"]:
            if part.landscape != landscape:
                doc.landscape_section() if part.landscape else doc.portrait_section()
                landscape = part.landscape
            _docx_part(doc, part)
        if landscape:
            doc.portrait_section()
        _docx_flags(doc, context["flags"])
        if context["recommendation_paragraphs"]:
            doc.paragraph(_("Рекомендации"), bold=True, align="center", space_before=12)
            for paragraph in context["recommendation_paragraphs"]:
                doc.paragraph(paragraph, align="justify", indent=True)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()

    def to_xlsx(self, context: dict) -> bytes:
        from reports.xlsx import Column, SheetSpec, table_to_xlsx

        sheets = [
            SheetSpec(
                title=_("Справка"),
                columns=[Column(_("Сведение")), Column(_("Значение"), width=80)],
                rows=[
                    [_("Документ"), context["title"]],
                    [_("Оценочная процедура"), str(context["procedure"])],
                    [_("Уровень"), str(context["level_label"])],
                    [_("Объект"), context["scope"]],
                    *[[s["title"], _size_sentence(s)] for s in context["sizes"]],
                ],
            )
        ]
        for part in context["parts"]:
            sheets.append(
                SheetSpec(
                    title=part.sheet,
                    columns=[Column(label, kind) for label, kind in part.columns],
                    rows=part.rows,
                    row_kinds=part.row_kinds,
                    notes=[part.title, *part.notes],
                    freeze_columns=1,
                )
            )
        if context["flags"]:
            sheets.append(
                SheetSpec(
                    title=_("Признаки необъективности"),
                    columns=[Column(label) for _key, label in FLAG_COLUMNS],
                    rows=[
                        [flag.get(key) for key, _label in FLAG_COLUMNS] for flag in context["flags"]
                    ],
                    freeze_columns=1,
                )
            )
        if context["recommendation_paragraphs"]:
            sheets.append(
                SheetSpec(
                    title=_("Рекомендации"),
                    columns=[Column(_("Рекомендации"), width=100)],
                    rows=[[p] for p in context["recommendation_paragraphs"]],
                )
            )
        return table_to_xlsx(sheets)


# --- objectivity flags: the hook -----------------------------------------------------------

FLAG_COLUMNS = [
    ("school", gettext_lazy("Школа")),
    ("test", gettext_lazy("Проверка")),
    ("indicator", gettext_lazy("Показатель")),
    ("value", gettext_lazy("Значение")),
    ("reference", gettext_lazy("По региону")),
    ("threshold", gettext_lazy("Порог")),
]


def objectivity_flags(prepared: Prepared) -> list[dict]:
    """«Признаки необъективности» of the schools in the document's scope for its
    procedure: one dict per flag with the keys of FLAG_COLUMNS (school, test,
    indicator label, value, region reference, threshold), values as they are
    to be printed. They are the fired indicators of the flagged findings of the
    procedure in the newest finished check run of its year covering the scope
    (`assessments.objectivity.selectors.run_for`), read through the user's reach.
    The template, the DOCX and the XLSX show the table only when this is not empty.
    """
    from assessments.objectivity.models import CheckFinding
    from reports.builders.objectivity import indicator_label, value_text

    data = prepared.data
    run_id = data.get("objectivity_run")
    if run_id is None:
        return []
    findings = (
        CheckFinding.objects.visible_to(data["user"])
        .filter(run_id=run_id, procedure=data["procedure"], marker=True)
        .select_related("school", "municipality")
        .order_by("municipality__name", "school__short_name", "pk")
    )
    if data["level"] == LEVEL_SCHOOL:
        findings = findings.filter(school=data["school"])
    elif data["level"] == LEVEL_MUNICIPALITY:
        findings = findings.filter(municipality=data["municipality"])
    flags = []
    for finding in findings:
        for indicator in finding.indicators:
            if not indicator.get("fired"):
                continue
            flags.append(
                {
                    "school": finding.school.short_name,
                    "test": finding.label,
                    "indicator": indicator_label(indicator["name"]),
                    "value": value_text(indicator.get("value")),
                    "reference": value_text(indicator.get("reference")),
                    "threshold": value_text(indicator.get("threshold")),
                }
            )
    return flags


def objectivity_run_of(*, user, procedure, level, municipality):
    """The check run whose flags the report shows: the newest finished run of the
    procedure's year covering the report's municipality (its own or the
    region's), or the region-wide one for a report on the region; None without one."""
    from assessments.objectivity.selectors import run_for

    return run_for(
        user=user,
        region=procedure.region,
        year=procedure.year,
        municipality=municipality if level != LEVEL_REGION else None,
    )


# --- helpers ---------------------------------------------------------------------------


def _school_statistics(*, user, procedure, page, level, minimum) -> list[tuple]:
    """(school name, municipality name, suppressed MarkStatistics) of every
    school of the scope with results, from the scope's rows read through the
    user's reach and the analytic tables' own mark statistics."""
    from assessments.analytics import mark_statistics, suppress
    from assessments.analytics.arrays import arrays_from_queryset
    from assessments.results.models import Result
    from schools.models import School

    rows = Result.objects.visible_to(user).filter(
        procedure=procedure, region_id=procedure.region_id
    )
    if level == LEVEL_MUNICIPALITY:
        rows = rows.filter(municipality_id=page.first.node.pk)
    arrays = arrays_from_queryset(
        rows, task_count=len(page.tasks), scale=page.scale, pupil_detail=False
    )
    groups = {int(pk): group for pk, group in arrays.groups_by("school_id")}
    schools = (
        School.objects.visible_to(user)
        .filter(pk__in=list(groups))
        .select_related("municipality")
        .order_by("municipality__name", "short_name")
    )
    return [
        (
            school.short_name,
            school.municipality.name,
            suppress(mark_statistics(groups[school.pk]), minimum),
        )
        for school in schools
    ]


def _chart(name: str, value) -> str:
    try:
        from reports import charts
    except ImportError:
        return ""
    return getattr(charts, name)(value)


def _size_sentence(size: dict) -> str:
    if size["suppressed"]:
        return _("%(title)s: участников меньше порога, показатели скрыты.") % size
    return _("%(title)s: участников %(n)s (%(label)s).") % size


def _docx_part(doc: DocxWriter, part: Part):
    doc.paragraph(part.title, bold=True, align="center", space_before=12)
    if not part.rows:
        doc.paragraph(part.empty, indent=True)
        return
    widths = part.widths or [100 / len(part.header)] * len(part.header)
    doc.table(
        [column["label"] for column in part.header],
        [row["heading"] or [cell["text"] for cell in row["cells"]] for row in part.cells],
        widths=widths,
    )
    for note in part.notes:
        doc.paragraph(note, size=10)


def _docx_flags(doc: DocxWriter, flags: list[dict]):
    if not flags:
        return
    doc.paragraph(_("Признаки необъективности"), bold=True, align="center", space_before=12)
    doc.table(
        [str(label) for _key, label in FLAG_COLUMNS],
        [[str(flag.get(key, "")) for key, _label in FLAG_COLUMNS] for flag in flags],
        widths=[26, 16, 22, 12, 12, 12],
    )
