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

from django import forms
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.builders import DocumentParamsError, Prepared, register
from reports.builders.analytic_parts import (
    agreement_part,
    by_mark_part,
    deficits_part,
    distribution_part,
    marks_part,
    schools_part,
    tasks_part,
)
from reports.builders.base import TableDocumentBuilder, about_sheet, docx_title
from schools.scoping import acts_for
from schools.widgets import FastSelect

LEVEL_SCHOOL = "school"
LEVEL_MUNICIPALITY = "municipality"
LEVEL_REGION = "region"
LEVELS = {
    LEVEL_SCHOOL: gettext_lazy("Школа"),
    LEVEL_MUNICIPALITY: gettext_lazy("Муниципалитет"),
    LEVEL_REGION: gettext_lazy("Регион"),
}
RECOMMENDATIONS_MAX = 20_000


# --- who may build what ----------------------------------------------------------------


def allowed_levels(user) -> list[str]:
    """A school's staff build the report of their school only; a municipality's,
    of its schools and itself; the region's (and superusers), of any level."""
    from schools.scoping import home_nodes

    home = home_nodes(user).levels
    levels = [LEVEL_SCHOOL]
    if home & {"region", "municipality"}:
        levels.append(LEVEL_MUNICIPALITY)
    if "region" in home:
        levels.append(LEVEL_REGION)
    return levels


def can_write_recommendations(user, node=None) -> bool:
    if node is None:
        return user.has_perm("reports.write_recommendations")
    return user.has_perm("reports.write_recommendations", node)


class AnalyticParamsForm(forms.Form):
    procedure = forms.ModelChoiceField(
        queryset=None,
        label=gettext_lazy("Оценочная процедура"),
        empty_label=None,
        widget=FastSelect,
    )
    level = forms.ChoiceField(label=gettext_lazy("Уровень справки"), widget=FastSelect)
    school = forms.ModelChoiceField(
        queryset=None,
        widget=FastSelect,
        label=gettext_lazy("Школа"),
        required=False,
        help_text=gettext_lazy("Для справки по школе."),
    )
    municipality = forms.ModelChoiceField(
        queryset=None,
        widget=FastSelect,
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


# --- the builder ------------------------------------------------------------------------


@register
class AnalyticBuilder(TableDocumentBuilder):
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
            if not acts_for(user, municipality):
                raise DocumentParamsError(
                    _("Справку по муниципалитету строят специалисты муниципалитета и региона.")
                )
            node, scope = municipality, municipality.name
        else:
            if not acts_for(user, region):
                raise DocumentParamsError(
                    _("Справку по региону строят только специалисты региона.")
                )
            node, scope = region, region.name
        if recommendations.strip() and not can_write_recommendations(user, node):
            raise DocumentParamsError(_("Ваша роль не позволяет писать рекомендации в справку."))

        # The fingerprint of every row the document's levels are computed from
        # (the region's, as the reference columns): counted only, like the
        # cache keys of the reference tables (assessments.analytics.selectors).
        rows = Result.objects.aggregate_visible_to(user, level="region").filter(
            procedure=procedure, region_id=region.pk, year=procedure.year
        )
        stamp = rows.aggregate(n=Count("id"), last=Max("id"))
        imported = (
            ImportBatch.objects.aggregate_visible_to(user, level="region")
            .filter(procedure=procedure, region_id=region.pk)
            .aggregate(finished=Max("finished_at"), created=Max("created_at"))
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

        parts = [marks_part(levels)]
        parts[0].charts = [_chart("mark_shares_chart", shown)]
        distribution = distribution_part(levels, page.scale)
        if scope.distribution.counts is not None:
            distribution.charts = [_chart("histogram_chart", scope)]
        parts.append(distribution)
        agreement = agreement_part(levels)
        agreement.charts = [_chart("agreement_chart", shown)]
        parts.append(agreement)
        if level != LEVEL_SCHOOL:
            school_rows = _school_statistics(
                user=user, procedure=procedure, page=page, level=level, minimum=minimum
            )
            schools = schools_part(school_rows, with_municipality=level == LEVEL_REGION)
            schools.notes = [n % {"n": minimum} for n in schools.notes]
            schools.empty = _("Нет результатов школ.")
            parts.append(schools)
        parts.append(by_mark_part(levels, page.tasks))
        parts.append(deficits_part(levels))
        tasks = tasks_part(levels, page.tasks)
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

    def write_docx(self, doc, context: dict) -> None:
        docx_title(doc, _("АНАЛИТИЧЕСКАЯ СПРАВКА"), _("по результатам: %s") % context["procedure"])
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
            part.docx(doc)
        if landscape:
            doc.portrait_section()
        _docx_flags(doc, context["flags"])
        if context["recommendation_paragraphs"]:
            doc.paragraph(_("Рекомендации"), bold=True, align="center", space_before=12)
            for paragraph in context["recommendation_paragraphs"]:
                doc.paragraph(paragraph, align="justify", indent=True)

    def xlsx_sheets(self, context: dict) -> list:
        from infra.output.xlsx import Column, SheetSpec

        sheets = [
            about_sheet(
                _("Справка"),
                [
                    [_("Документ"), context["title"]],
                    [_("Оценочная процедура"), str(context["procedure"])],
                    [_("Уровень"), str(context["level_label"])],
                    [_("Объект"), context["scope"]],
                    *[[s["title"], _size_sentence(s)] for s in context["sizes"]],
                ],
                width=80,
            )
        ]
        sheets += [part.sheet_spec() for part in context["parts"]]
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
        return sheets


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
    from reports.builders.objectivity_tables import indicator_label, value_text

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
        procedure=procedure, region_id=procedure.region_id, year=procedure.year
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
        from assessments.analytics import charts
    except ImportError:
        return ""
    return getattr(charts, name)(value)


def _size_sentence(size: dict) -> str:
    if size["suppressed"]:
        return _("%(title)s: участников меньше порога, показатели скрыты.") % size
    return _("%(title)s: участников %(n)s (%(label)s).") % size


def _docx_flags(doc, flags: list[dict]):
    if not flags:
        return
    doc.paragraph(_("Признаки необъективности"), bold=True, align="center", space_before=12)
    doc.table(
        [str(label) for _key, label in FLAG_COLUMNS],
        [[str(flag.get(key, "")) for key, _label in FLAG_COLUMNS] for flag in flags],
        widths=[26, 16, 22, 12, 12, 12],
    )
