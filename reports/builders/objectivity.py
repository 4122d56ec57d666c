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

import io
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, Max
from django.utils import formats
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.objectivity.selectors import previous_run, region_runs, run_for
from reports.builders import Builder, DocumentParamsError, Prepared, register
from reports.docx import DocxWriter

HISTORY_YEARS = 4  # earlier years shown beside the document's year
WIDE_LABELS = 4  # more test columns than this put the list on a landscape page
CHART_MUNICIPALITIES = 5  # municipalities per chart at most; more are split into several


# --- how figures are printed ----------------------------------------------------------------


def value_text(value) -> str:
    """An indicator's value, reference or threshold: up to three decimals, a decimal comma."""
    from reports.charts import fmt_number

    if value is None:
        return "—"
    return fmt_number(value, 3)


def range_text(values) -> str:
    """One figure, or «min – max» when the schools' references or thresholds differ
    (the level indicator compares a school with schools of its own kind)."""
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    low, high = min(values), max(values)
    if value_text(low) == value_text(high):
        return value_text(low)
    return f"{value_text(low)} – {value_text(high)}"


def indicator_label(name: str) -> str:
    from assessments.checks.data import INDICATOR_LABELS

    return str(INDICATOR_LABELS.get(name, name))


def answer_text(answer) -> str:
    if answer.kind == answer.Kind.MEASURE and answer.measure is not None:
        measure = answer.measure
        return _("мероприятие %(number)s «%(text)s» (%(roadmap)s)") % {
            "number": measure.number,
            "text": Truncator(measure.text).chars(160),
            "roadmap": Truncator(measure.roadmap.title).chars(80),
        }
    if answer.kind == answer.Kind.DISMISSED:
        return _("признак снят: %(reason)s") % {"reason": answer.reason}
    return _("мероприятие удалено из дорожной карты")


OUTCOMES = {
    "cleared": gettext_lazy("признак снят"),
    "persists": gettext_lazy("признак сохраняется"),
}


# --- tables of the document -----------------------------------------------------------------

# Column kinds: "text", "int", "value" (an indicator's figure: a number in
# XLSX, three decimals on paper), "range" (text made of figures), "flag" (1 or 0
# in XLSX as the official lists print it, «1» or blank on paper).
XLSX_KINDS = {"text": "text", "int": "int", "value": "number", "range": "text", "flag": "int"}
NUMERIC_KINDS = ("int", "value", "range", "flag")


@dataclass
class Table:
    """One table, the same on paper, in Word and in Excel. `group_column`, when
    set, is printed as heading rows on paper and in Word and kept as a column
    in Excel."""

    key: str
    title: str
    sheet: str
    columns: list[tuple[str, str]]
    rows: list[list]
    widths: list[float]
    group_column: int | None = None
    notes: list[str] = field(default_factory=list)
    empty: str = ""

    @property
    def header(self) -> list[dict]:
        return [
            {"label": label, "num": kind in NUMERIC_KINDS}
            for c, (label, kind) in enumerate(self.columns)
            if c != self.group_column
        ]

    @property
    def shown_widths(self) -> list[float]:
        widths = [w for c, w in enumerate(self.widths) if c != self.group_column]
        total = sum(widths) or 1
        return [round(100 * w / total, 2) for w in widths]

    @property
    def cells(self) -> list[dict]:
        shown, current = [], object()
        for row in self.rows:
            if self.group_column is not None and row[self.group_column] != current:
                current = row[self.group_column]
                shown.append({"heading": current, "cells": []})
            cells = []
            for c, value in enumerate(row):
                if c == self.group_column:
                    continue
                kind = self.columns[c][1]
                if kind == "value":
                    text = value_text(value)
                elif kind == "flag":
                    text = "1" if value else ""
                elif value is None:
                    text = "—" if kind != "text" else ""
                else:
                    text = str(value)
                cells.append({"text": text, "num": kind in NUMERIC_KINDS})
            shown.append({"heading": None, "cells": cells})
        return shown

    def docx(self, doc: DocxWriter, *, heading=True):
        if heading:
            doc.paragraph(self.title, bold=True, align="center", space_before=12)
        if not self.rows:
            doc.paragraph(self.empty, indent=True)
            return
        doc.table(
            [h["label"] for h in self.header],
            [row["heading"] or [c["text"] for c in row["cells"]] for row in self.cells],
            widths=self.shown_widths,
        )
        for note in self.notes:
            doc.paragraph(note, size=10)

    def sheet_spec(self, *, freeze_columns=1):
        from reports.xlsx import Column, SheetSpec

        return SheetSpec(
            title=self.sheet,
            columns=[Column(label, XLSX_KINDS[kind]) for label, kind in self.columns],
            rows=self.rows,
            notes=[self.title, *self.notes],
            freeze_columns=freeze_columns,
        )


# --- the parameters ---------------------------------------------------------------------------


def scope_choices(user) -> list[tuple[str, str]]:
    """The region (for the region's staff) and the municipalities the user
    answers for: «r<pk>» and «m<pk>»."""
    from schools.models import Municipality, Region
    from schools.scoping import reach_of

    reach = reach_of(user)
    choices = []
    for region in Region.objects.visible_to(user).order_by("name"):
        if reach.covers(region_id=region.pk):
            choices.append((f"r{region.pk}", _("Весь регион: %s") % region.name))
    for municipality in Municipality.objects.visible_to(user).order_by("name"):
        if reach.covers(region_id=municipality.region_id, municipality_id=municipality.pk):
            choices.append((f"m{municipality.pk}", municipality.name))
    return choices


class ObjectivityParamsForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Год"), min_value=2000, max_value=2100)
    scope = forms.ChoiceField(label=gettext_lazy("Муниципалитет или регион"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from assessments.objectivity.models import CheckRun

        self.fields["scope"].choices = scope_choices(user)
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
class ObjectivityBuilder(Builder):
    kind = "objectivity"
    title = gettext_lazy("Мониторинг объективности результатов")
    formats = ("pdf", "docx", "xlsx")
    template = "reports/objectivity.html"

    def params_form(self, *, user, data=None):
        return ObjectivityParamsForm(data, user=user)

    def params_from_form(self, cleaned):
        scope = cleaned["scope"]
        key = "region" if scope.startswith("r") else "municipality"
        return {"year": cleaned["year"], key: int(scope[1:])}

    def prepare(self, *, params, user) -> Prepared:
        from assessments.objectivity.models import FlagAnswer
        from schools.models import Municipality, Region
        from schools.scoping import reach_of

        year, region_id, municipality_id = _params(params)
        reach = reach_of(user)
        municipality = None
        if municipality_id is not None:
            municipality = Municipality.objects.select_related("region").get_visible_or_404(
                user, pk=municipality_id
            )
            region = municipality.region
            if not reach.covers(region_id=region.pk, municipality_id=municipality.pk):
                raise DocumentParamsError(
                    _("Мониторинг по муниципалитету строят специалисты муниципалитета и региона.")
                )
            scope = municipality.name
        else:
            region = Region.objects.get_visible_or_404(user, pk=region_id)
            if not reach.covers(region_id=region.pk):
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
                "scope": f"m{municipality.pk}" if municipality else f"r{region.pk}",
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
        schools = _school_sections(
            flagged, marked, answers, outcome, history, data["year"], data["previous_run"]
        )
        tables = {
            "list": _list_table(flagged, labels, run.year),
            "indicators": _indicator_table(findings, labels),
            "dynamics": _dynamics_table(history["counts"], history["years"]),
            "outcome": _outcome_table(outcome, checked),
            "details": _details_table(schools),
            "answers": _answers_table(schools),
            "history": _history_table(schools, history["years"][:-1], data["year"]),
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

    def to_docx(self, context: dict) -> bytes:
        doc = DocxWriter()
        doc.paragraph(_("МОНИТОРИНГ ОБЪЕКТИВНОСТИ РЕЗУЛЬТАТОВ"), bold=True, align="center", size=14)
        doc.paragraph(
            _("ВПР %(year)s года: %(scope)s")
            % {"year": context["year"], "scope": context["scope"]},
            bold=True,
            align="center",
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
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()

    def to_xlsx(self, context: dict) -> bytes:
        from reports.xlsx import Column, SheetSpec, table_to_xlsx

        run = context["run"]
        tables = context["tables"]
        about = SheetSpec(
            title=_("Сведения"),
            columns=[Column(_("Сведение")), Column(_("Значение"), width=90)],
            rows=[
                [_("Документ"), context["title"]],
                [
                    _("Проверка"),
                    _("№%(pk)s, %(scope)s") % {"pk": run.pk, "scope": context["run_scope"]},
                ],
                [_("Завершена"), run.finished_at],
                [_("Версия метода"), run.method_version],
                *[[_("Итог"), sentence] for sentence in _summary(context)],
            ],
        )
        return table_to_xlsx(
            [
                about,
                tables["list"].sheet_spec(freeze_columns=4),
                tables["indicators"].sheet_spec(freeze_columns=2),
                tables["details"].sheet_spec(freeze_columns=3),
                tables["answers"].sheet_spec(freeze_columns=2),
                tables["history"].sheet_spec(freeze_columns=2),
                tables["dynamics"].sheet_spec(),
                tables["outcome"].sheet_spec(freeze_columns=2),
            ]
        )


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


def _list_table(flagged, labels, year) -> Table:
    rows = [
        [
            i,
            row.school.full_name or row.school.short_name,
            row.school.fis_login or row.school.code,
            row.municipality.name,
            *[1 if label in row.marker_labels else 0 for label in labels],
            row.markers,
        ]
        for i, row in enumerate(flagged, start=1)
    ]
    label_width = 8 if len(labels) <= WIDE_LABELS else 6
    return Table(
        key="list",
        title=_("Перечень ОО с признаками необъективных результатов, %(year)s") % {"year": year},
        sheet=_("Перечень"),
        columns=[
            (_("№"), "int"),
            (_("ОО"), "text"),
            (_("Логин"), "text"),
            (_("Муниципалитет"), "text"),
            *[(label, "flag") for label in labels],
            (_("Количество маркеров"), "int"),
        ],
        rows=rows,
        widths=[5, 36, 14, 22, *[label_width] * len(labels), 13],
        notes=[_("1 — маркер необъективности по работе.")],
        empty=_("Школ с признаками необъективности нет."),
    )


def _indicator_table(findings, labels) -> Table:
    from assessments.checks.data import INDICATOR_LABELS

    order = {name: i for i, name in enumerate(INDICATOR_LABELS)}
    stats = {}
    for finding in findings:
        for indicator in finding.indicators:
            key = (indicator["name"], finding.label)
            entry = stats.setdefault(
                key, {"checked": set(), "fired": set(), "marked": set(), "ref": [], "thr": []}
            )
            if indicator.get("value") is None:
                continue
            entry["checked"].add(finding.school_id)
            entry["ref"].append(indicator.get("reference"))
            entry["thr"].append(indicator.get("threshold"))
            if indicator.get("fired"):
                entry["fired"].add(finding.school_id)
                if finding.marker:
                    entry["marked"].add(finding.school_id)
    label_order = {label: i for i, label in enumerate(labels)}
    rows = []
    for (name, label), entry in sorted(
        stats.items(),
        key=lambda item: (
            order.get(item[0][0], len(order)),
            label_order.get(item[0][1], len(label_order)),
        ),
    ):
        if not entry["fired"]:
            continue
        rows.append(
            [
                indicator_label(name),
                label,
                len(entry["checked"]),
                len(entry["fired"]),
                len(entry["marked"]),
                range_text(entry["ref"]),
                range_text(entry["thr"]),
            ]
        )
    return Table(
        key="indicators",
        title=_("Сработавшие показатели"),
        sheet=_("По показателям"),
        columns=[
            (_("Показатель"), "text"),
            (_("Работа"), "text"),
            (_("Проверено школ"), "int"),
            (_("Сработал, школ"), "int"),
            (_("Из них с маркером"), "int"),
            (_("Эталон региона"), "range"),
            (_("Порог"), "range"),
        ],
        rows=rows,
        widths=[0, 14, 16, 16, 16, 19, 19],
        group_column=0,
        notes=[
            _(
                "Эталон и порог — в единицах показателя; где они у школ разные (сравнение "
                "со школами того же типа), показан их размах."
            )
        ],
        empty=_("Ни один показатель не сработал."),
    )


def _school_sections(flagged, marked, answers, outcome, history, year, before) -> list[dict]:
    by_school = defaultdict(list)
    for finding in marked:
        by_school[finding.school_id].append(finding)
    sections = []
    for row in flagged:
        indicator_rows, work_rows = [], []
        for finding in by_school.get(row.school_id, []):
            for indicator in finding.indicators:
                if not indicator.get("fired"):
                    continue
                label = indicator_label(indicator["name"])
                if indicator.get("strong"):
                    label = _("%s (сильный)") % label
                indicator_rows.append(
                    [
                        finding.label,
                        label,
                        indicator.get("value"),
                        indicator.get("reference"),
                        indicator.get("threshold"),
                        indicator.get("n") if indicator.get("n") is not None else finding.pupils,
                    ]
                )
            given = answers.get((finding.school_id, finding.procedure_id)) or []
            was = outcome.get((finding.school_id, finding.label))
            work_rows.append(
                [
                    finding.label,
                    finding.pupils,
                    "; ".join(answer_text(a) for a in given) or _("нет ответа"),
                    (_("был маркер") if was else _("не было")) if before else _("нет проверки"),
                ]
            )
        earlier = []
        for y in history["years"][:-1]:
            if row.school_id not in history["labels"].get(y, {}):
                earlier.append((y, None))
            else:
                earlier.append((y, history["labels"][y][row.school_id]))
        sections.append(
            {
                "row": row,
                "name": row.school.full_name or row.school.short_name,
                "short_name": row.school.short_name,
                "login": row.school.fis_login or row.school.code,
                "municipality": row.municipality.name,
                "markers": row.markers,
                "labels": list(row.marker_labels),
                "low_result": row.low_result,
                "history": earlier,
                "indicators": Table(
                    key="school-indicators",
                    title=_("Сработавшие показатели"),
                    sheet="",
                    columns=[
                        (_("Работа"), "text"),
                        (_("Показатель"), "text"),
                        (_("Школа"), "value"),
                        (_("Эталон региона"), "value"),
                        (_("Порог"), "value"),
                        (_("Участников"), "int"),
                    ],
                    rows=indicator_rows,
                    widths=[10, 39, 11, 15, 10, 15],
                ),
                "works": Table(
                    key="school-works",
                    title=_("Ответы на маркеры"),
                    sheet="",
                    columns=[
                        (_("Работа"), "text"),
                        (_("Участников"), "int"),
                        (_("Ответ"), "text"),
                        (_("В %(year)s году") % {"year": year - 1}, "text"),
                    ],
                    rows=work_rows,
                    widths=[10, 15, 57, 18],
                ),
            }
        )
    return sections


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


def _details_table(schools) -> Table:
    rows = []
    for school in schools:
        for row in school["indicators"].rows:
            rows.append([school["login"], school["name"], school["municipality"], *row])
    return Table(
        key="details",
        title=_("Сработавшие показатели школ с маркерами"),
        sheet=_("Показатели школ"),
        columns=[
            (_("Логин"), "text"),
            (_("ОО"), "text"),
            (_("Муниципалитет"), "text"),
            (_("Работа"), "text"),
            (_("Показатель"), "text"),
            (_("Значение"), "value"),
            (_("Эталон региона"), "value"),
            (_("Порог"), "value"),
            (_("Участников"), "int"),
        ],
        rows=rows,
        widths=[10, 20, 14, 6, 26, 6, 6, 6, 6],
    )


def _answers_table(schools) -> Table:
    rows = []
    for school in schools:
        for label, pupils, answer, was in school["works"].rows:
            rows.append([school["name"], school["municipality"], label, pupils, answer, was])
    columns = [(_("ОО"), "text"), (_("Муниципалитет"), "text")]
    if schools:
        columns += schools[0]["works"].columns
    else:
        columns += [(_("Работа"), "text"), (_("Участников"), "int"), (_("Ответ"), "text")]
    return Table(
        key="answers",
        title=_("Ответы на маркеры"),
        sheet=_("Ответы"),
        columns=columns,
        rows=rows,
        widths=[20, 14, 8, 8, 40, 10][: len(columns)],
    )


def _history_table(schools, years, year) -> Table:
    rows = []
    for school in schools:
        cells = []
        for _year, labels in school["history"]:
            if labels is None:
                cells.append(_("не проверялась"))
            else:
                cells.append(", ".join(labels) or _("нет"))
        rows.append([school["name"], school["municipality"], *cells, ", ".join(school["labels"])])
    return Table(
        key="history",
        title=_("Маркеры школ по годам"),
        sheet=_("История"),
        columns=[
            (_("ОО"), "text"),
            (_("Муниципалитет"), "text"),
            *[(str(y), "text") for y in years],
            (str(year), "text"),
        ],
        rows=rows,
        widths=[30, 20, *[10] * (len(years) + 1)],
    )


def _dynamics_table(counts, years) -> Table:
    rows = [[name, *[counts[name].get(y, 0) for y in years]] for name in sorted(counts)]
    return Table(
        key="dynamics",
        title=_("Школы с признаками по муниципалитетам и годам"),
        sheet=_("По годам"),
        columns=[(_("Муниципалитет"), "text"), *[(str(y), "int") for y in years]],
        rows=rows,
        widths=[40, *[12] * len(years)],
        notes=[
            _(
                "Прошлые годы — по последней завершённой проверке всего региона за год; "
                "год документа — по проверке, из которой он построен."
            )
        ],
        empty=_("Школ с признаками не было ни в одном году."),
    )


def _outcome_table(outcome, checked) -> Table:
    rows_by_school = {row.school_id: row for row in checked}
    rows = sorted(
        (
            [
                rows_by_school[school_id].school.short_name,
                rows_by_school[school_id].municipality.name,
                label,
                str(OUTCOMES[state]),
            ]
            for (school_id, label), state in outcome.items()
            if school_id in rows_by_school
        ),
        key=lambda r: (r[1], r[0], r[2]),
    )
    return Table(
        key="outcome",
        title=_("Признаки прошлого года: сняты или сохраняются"),
        sheet=_("Итоги прошлого года"),
        columns=[
            (_("ОО"), "text"),
            (_("Муниципалитет"), "text"),
            (_("Работа"), "text"),
            (_("Итог"), "text"),
        ],
        rows=rows,
        widths=[38, 30, 10, 22],
        empty=_("Маркеров прошлого года у проверенных школ нет (или за прошлый год нет проверки)."),
    )


def _charts(counts, years) -> list[str]:
    """Flagged schools per municipality, a bar per year; the municipalities with
    the most flagged schools first, a few per chart so that their names stay
    readable (several charts of about the same size when they are many)."""
    if not counts:
        return []
    try:
        from reports.charts import grouped_bars
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
