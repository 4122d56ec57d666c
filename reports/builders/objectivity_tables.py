"""The tables of the objectivity monitoring (`reports.builders.objectivity`) and how
their figures are printed; everything comes from the stored check runs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.builders.base import ReportTable

WIDE_LABELS = 4  # more test columns than this put the list on a landscape page


# --- how figures are printed ----------------------------------------------------------------


def value_text(value) -> str:
    """An indicator's value, reference or threshold: up to three decimals, a decimal comma."""
    from infra.output.charts import fmt_number

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
    from assessments.objectivity.checks.data import INDICATOR_LABELS

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
class Table(ReportTable):
    """One table of the monitoring: an indicator's figure with three decimals,
    a flag as «1» or blank (1 or 0 in Excel)."""

    def text(self, value, kind: str) -> str:
        if kind == "value":
            return value_text(value)
        if kind == "flag":
            return "1" if value else ""
        return super().text(value, kind)

    def numeric(self, value, kind: str) -> bool:
        return kind in NUMERIC_KINDS

    def xlsx_kind(self, kind: str) -> str:
        return XLSX_KINDS[kind]


def list_table(flagged, labels, year) -> Table:
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


def indicator_table(findings, labels) -> Table:
    from assessments.objectivity.checks.data import INDICATOR_LABELS

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


def school_sections(flagged, marked, answers, outcome, history, year, before) -> list[dict]:
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


def details_table(schools) -> Table:
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


def answers_table(schools) -> Table:
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


def history_table(schools, years, year) -> Table:
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


def dynamics_table(counts, years) -> Table:
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


def outcome_table(outcome, checked) -> Table:
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
