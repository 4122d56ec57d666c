"""The objectivity monitoring report (мониторинг объективности результатов) of a
municipality or the region for a year: the schools with signs of biased
results in the official layout, how often each indicator fired, every flagged
school with the numbers behind its markers, the answer given to each marker
and the school's markers in earlier years.

Everything comes from the stored check runs (`assessments.objectivity.selectors`
and the models they read) through `visible_to`; nothing is recomputed here.
The document reads the latest finished run of the year: the municipality's own
run when it has one, otherwise the region-wide run. Earlier years come from
the latest finished region-wide run of each year.
"""

from __future__ import annotations

import math
from collections import defaultdict

from django import forms
from django.db.models import Count, Max
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.objectivity.selectors import previous_run, region_runs, run_for
from assessments.objectivity.statements import no_marker_meaning
from reports.builders import DocumentParamsError, Prepared, register
from reports.builders.base import TableDocumentBuilder, about_sheet, docx_title
from reports.builders.objectivity_tables import (
    WIDE_LABELS,
    answers_table,
    details_table,
    dynamics_table,
    history_table,
    indicator_table,
    list_table,
    outcome_table,
    school_sections,
)
from schools.scoping import ScopeNodeField, acts_for

HISTORY_YEARS = 4  # earlier years shown beside the document's year
CHART_MUNICIPALITIES = 5  # municipalities per chart at most; more are split into several

# --- the parameters ---------------------------------------------------------------------------


class ObjectivityParamsForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Год"), min_value=2000, max_value=2100)
    scope = ScopeNodeField(label=gettext_lazy("Муниципалитет или регион"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from assessments.objectivity.models import CheckRun

        # The region for the region's staff, the municipalities the user answers for.
        self.fields["scope"].set_user(user)
        latest = (
            CheckRun.objects.visible_to(user)
            .filter(status=CheckRun.Status.DONE)
            .aggregate(year=Max("year"))["year"]
        )
        if latest:
            self.fields["year"].initial = latest


def _params(params) -> tuple[int, int | None, int | None]:
    try:
        year = int(params["year"])
        region_id = int(params["region"]) if params.get("region") not in (None, "") else None
        municipality_id = (
            int(params["municipality"]) if params.get("municipality") not in (None, "") else None
        )
    except (KeyError, TypeError, ValueError):
        year = region_id = municipality_id = None
    if year is None or (region_id is None) == (municipality_id is None):
        raise DocumentParamsError(
            _("Укажите год (year=…) и либо муниципалитет (municipality=…), либо регион (region=…).")
        )
    if not 2000 <= year <= 2100:
        raise DocumentParamsError(_("Год %s указан неверно.") % year)
    return year, region_id, municipality_id


# --- the builder ------------------------------------------------------------------------------


@register
class ObjectivityBuilder(TableDocumentBuilder):
    kind = "objectivity"
    title = gettext_lazy("Мониторинг объективности результатов")
    formats = ("pdf", "docx", "xlsx")
    template = "reports/objectivity.html"

    def params_form(self, *, user, data=None):
        return ObjectivityParamsForm(data, user=user)

    def params_from_form(self, cleaned):
        node = cleaned["scope"]
        key = "region" if type(node).__name__ == "Region" else "municipality"
        return {"year": cleaned["year"], key: node.pk}

    def prepare(self, *, params, user) -> Prepared:
        from assessments.objectivity.models import FlagAnswer
        from schools.models import Municipality, Region

        year, region_id, municipality_id = _params(params)
        municipality = None
        if municipality_id is not None:
            municipality = Municipality.objects.select_related("region").get_visible_or_404(
                user, pk=municipality_id
            )
            region = municipality.region
            if not acts_for(user, municipality):
                raise DocumentParamsError(
                    _("Мониторинг по муниципалитету строят специалисты муниципалитета и региона.")
                )
            scope = municipality.name
        else:
            region = Region.objects.get_visible_or_404(user, pk=region_id)
            if not acts_for(user, region):
                raise DocumentParamsError(
                    _("Мониторинг по региону строят только специалисты региона.")
                )
            scope = region.name
        run = run_for(user=user, region=region, year=year, municipality=municipality)
        if run is None:
            raise DocumentParamsError(
                _(
                    "За %(year)s год нет завершённой проверки объективности (%(scope)s): "
                    "запустите проверку в разделе «Объективность результатов»."
                )
                % {"year": year, "scope": scope}
            )
        history = region_runs(user=user, region=region, years=range(year - HISTORY_YEARS, year))
        before = previous_run(user=user, run=run)
        answers = FlagAnswer.objects.visible_to(user).filter(region=region, procedure__year=year)
        if municipality is not None:
            answers = answers.filter(municipality=municipality)
        stamp = answers.aggregate(n=Count("pk"), last=Max("answered_at"))
        return Prepared(
            title=_("Мониторинг объективности результатов ВПР за %(year)s год: %(scope)s")
            % {"year": year, "scope": scope},
            region=region,
            municipality=municipality,
            built_from={
                "year": year,
                "scope": ScopeNodeField.key_of(municipality or region),
                "run": run.pk,
                "run_finished": str(run.finished_at or ""),
                "history_runs": {str(y): r.pk for y, r in sorted(history.items())},
                "previous_run": before.pk if before else None,
                "answers": stamp["n"],
                "answers_changed": str(stamp["last"] or ""),
            },
            data={
                "user": user,
                "year": year,
                "region": region,
                "municipality": municipality,
                "scope": scope,
                "run": run,
                "history": history,
                "previous_run": before,
            },
        )

    def context(self, prepared: Prepared) -> dict:
        from assessments.objectivity import selectors as sel

        data = prepared.data
        user, run, municipality = data["user"], data["run"], data["municipality"]
        labels = sel.run_labels(run)
        checked = list(sel.run_schools(user=user, run=run, municipality=municipality))
        flagged = [row for row in checked if row.markers]
        findings = sel.finding_list(user=user, run=run).order_by(
            "municipality__name", "school__short_name", "procedure__grade", "label"
        )
        if municipality is not None:
            findings = findings.filter(municipality=municipality)
        findings = list(findings)
        marked = [f for f in findings if f.marker]
        answers = sel.answers_for(user=user, pairs={(f.school_id, f.procedure_id) for f in marked})
        outcome = {
            key: state
            for key, state in sel.previous_year_outcome(user=user, run=run).items()
            if key[0] in {row.school_id for row in checked}
        }
        history = self._history(data, flagged)
        schools = school_sections(
            flagged, marked, answers, outcome, history, data["year"], data["previous_run"]
        )
        tables = {
            "list": list_table(flagged, labels, run.year),
            "indicators": indicator_table(findings, labels),
            "dynamics": dynamics_table(history["counts"], history["years"]),
            "outcome": outcome_table(outcome, checked),
            "details": details_table(schools),
            "answers": answers_table(schools),
            "history": history_table(schools, history["years"][:-1], data["year"]),
        }
        return {
            "title": prepared.title,
            "year": data["year"],
            "scope": data["scope"],
            "region": data["region"],
            "municipality": municipality,
            "run": run,
            "run_scope": run.municipality.name if run.municipality else _("весь регион"),
            "labels": labels,
            "checked": len(checked),
            "flagged": len(flagged),
            "markers": sum(row.markers for row in flagged),
            "unanswered": sum(1 for f in marked if not answers.get((f.school_id, f.procedure_id))),
            "low_result": sum(1 for row in checked if row.low_result),
            "wide": len(labels) > WIDE_LABELS,
            "tables": tables,
            "schools": schools,
            "charts": _charts(history["counts"], history["years"]),
            "history_years": history["years"][:-1],
            "no_marker_meaning": no_marker_meaning(run.min_school),
        }

    def _history(self, data, flagged) -> dict:
        """The flagged schools' markers in the region-wide runs of earlier years,
        and the count of flagged schools per municipality and year (the current
        year from the document's run)."""
        from assessments.objectivity.models import CheckSchool

        user, municipality, run = data["user"], data["municipality"], data["run"]
        runs = dict(data["history"])
        years = [*sorted(runs), data["year"]]
        runs[data["year"]] = run
        flagged_ids = {row.school_id for row in flagged}
        labels_by_year = defaultdict(dict)  # year → {school_id: [labels]}
        counts = defaultdict(lambda: defaultdict(int))  # municipality name → year → schools
        rows = (
            CheckSchool.objects.visible_to(user)
            .filter(run__in=list(runs.values()))
            .values_list("run_id", "school_id", "markers", "marker_labels", "municipality__name")
        )
        if municipality is not None:
            rows = rows.filter(municipality=municipality)
        year_of = {r.pk: y for y, r in runs.items()}
        for run_id, school_id, markers, marker_labels, municipality_name in rows:
            year = year_of[run_id]
            if school_id in flagged_ids:
                labels_by_year[year][school_id] = list(marker_labels) if markers else []
            if markers:
                counts[municipality_name][year] += 1
        return {"years": years, "labels": labels_by_year, "counts": counts}

    def write_docx(self, doc, context: dict) -> None:
        docx_title(
            doc,
            _("МОНИТОРИНГ ОБЪЕКТИВНОСТИ РЕЗУЛЬТАТОВ"),
            _("ВПР %(year)s года: %(scope)s")
            % {"year": context["year"], "scope": context["scope"]},
        )
        for sentence in _summary(context):
            doc.paragraph(sentence, align="justify", indent=True)
        tables = context["tables"]
        if not context["wide"]:
            tables["list"].docx(doc)
        tables["indicators"].docx(doc)
        tables["dynamics"].docx(doc)
        tables["outcome"].docx(doc)
        if context["wide"]:
            # Many tests: the list gets a landscape section of its own, as on paper.
            doc.landscape_section()
            tables["list"].docx(doc)
            doc.portrait_section()
        if context["schools"]:
            doc.paragraph(_("Школы с признаками"), bold=True, align="center", space_before=12)
        for school in context["schools"]:
            doc.paragraph(
                _("%(school)s (%(municipality)s): маркеров %(markers)s — %(labels)s")
                % {
                    "school": school["name"],
                    "municipality": school["municipality"],
                    "markers": school["markers"],
                    "labels": ", ".join(school["labels"]),
                },
                bold=True,
                space_before=10,
            )
            school["indicators"].docx(doc, heading=False)
            school["works"].docx(doc, heading=False)
            doc.paragraph(_history_sentence(school), size=11)

    def xlsx_sheets(self, context: dict) -> list:
        run = context["run"]
        tables = context["tables"]
        about = about_sheet(
            _("Сведения"),
            [
                [_("Документ"), context["title"]],
                [
                    _("Проверка"),
                    _("№%(pk)s, %(scope)s") % {"pk": run.pk, "scope": context["run_scope"]},
                ],
                [_("Завершена"), run.finished_at],
                [_("Версия метода"), run.method_version],
                *[[_("Итог"), sentence] for sentence in _summary(context)],
            ],
            width=90,
        )
        return [
            about,
            tables["list"].sheet_spec(freeze_columns=4),
            tables["indicators"].sheet_spec(freeze_columns=2),
            tables["details"].sheet_spec(freeze_columns=3),
            tables["answers"].sheet_spec(freeze_columns=2),
            tables["history"].sheet_spec(freeze_columns=2),
            tables["dynamics"].sheet_spec(),
            tables["outcome"].sheet_spec(freeze_columns=2),
        ]


# --- parts ------------------------------------------------------------------------------------


def _summary(context) -> list[str]:
    run = context["run"]
    sentences = [
        _(
            "Проверка №%(pk)s (%(scope)s), завершена %(date)s, метод %(method)s; эталон — "
            "результаты региона «%(region)s»."
        )
        % {
            "pk": run.pk,
            "scope": context["run_scope"],
            "date": formats.date_format(run.finished_at, "d.m.Y") if run.finished_at else "—",
            "method": run.method_version or "—",
            "region": context["region"].name,
        },
        _(
            "Проверено школ: %(checked)s; с признаками необъективности: %(flagged)s; "
            "маркеров: %(markers)s; маркеров без ответа: %(unanswered)s."
        )
        % context,
        _(
            "Маркер по работе ставится, когда согласны два показателя или сработал один сильный; "
            "у каждого показателя указаны значение в школе, эталон региона и порог."
        ),
        context["no_marker_meaning"],
    ]
    if context["wide"]:
        sentences.insert(
            2,
            _(
                "Перечень школ с признаками — на отдельном листе в альбомной ориентации "
                "после обзора."
            ),
        )
    return sentences


def _history_sentence(school) -> str:
    if not school["history"]:
        return _("Проверок прошлых лет по региону нет.")
    parts = []
    for year, labels in school["history"]:
        if labels is None:
            parts.append(_("%(year)s — не проверялась") % {"year": year})
        elif labels:
            parts.append(_("%(year)s — %(labels)s") % {"year": year, "labels": ", ".join(labels)})
        else:
            parts.append(_("%(year)s — маркеров нет") % {"year": year})
    return _("Маркеры в прошлые годы: %s.") % "; ".join(parts)


def _charts(counts, years) -> list[str]:
    """Flagged schools per municipality, a bar per year; the municipalities with
    the most flagged schools first, a few per chart so that their names stay
    readable (several charts of about the same size when they are many)."""
    if not counts:
        return []
    try:
        from infra.output.charts import grouped_bars
    except ImportError:
        return []
    names = sorted(counts, key=lambda name: (-sum(counts[name].values()), name))
    top = max(max(by_year.values(), default=0) for by_year in counts.values())
    per_chart = math.ceil(len(names) / math.ceil(len(names) / CHART_MUNICIPALITIES))
    charts = []
    for start in range(0, len(names), per_chart):
        chunk = names[start : start + per_chart]
        charts.append(
            grouped_bars(
                chunk,
                {str(y): [counts[name].get(y, 0) for name in chunk] for y in years},
                title=str(_("Школы с признаками необъективности по муниципалитетам")),
                percent=False,
                # A multiple of five: the axis' five steps are whole schools.
                top_value=5 * math.ceil((top + 0.5) / 5),
            )
        )
    return charts
