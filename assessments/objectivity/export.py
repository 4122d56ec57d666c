"""The official-style XLSX of a check run: one row per school, one column per
test ("4 РУ", "4 МА", …) with 1 where the school has a marker, and the count,
as the federal and regional lists print them; a second sheet with every
indicator that fired, its value, the region's reference and the threshold."""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessments.objectivity.checks.data import INDICATOR_LABELS
from assessments.objectivity.selectors import finding_list, run_labels
from assessments.objectivity.statements import no_marker_meaning
from infra.output.xlsx import Column, SheetSpec, table_to_xlsx


def run_workbook(*, user, run, rows) -> bytes:
    labels = run_labels(run)
    lists = [
        SheetSpec(
            _("Признаки необъективности"),
            [
                Column(_("Год"), "int"),
                Column(_("Логин")),
                Column(_("Муниципалитет")),
                Column(_("ОО")),
                *[Column(label, "int") for label in labels],
                Column(_("Количество маркеров"), "int"),
                Column(_("ШНОР"), "text"),
            ],
            [
                [
                    run.year,
                    row.school.fis_login or row.school.code,
                    row.municipality.name,
                    row.school.full_name or row.school.short_name,
                    *[1 if label in row.marker_labels else 0 for label in labels],
                    row.markers,
                    _("да") if row.low_result else "",
                ]
                for row in rows
            ],
            freeze_columns=4,
        )
    ]
    fired = []
    findings = finding_list(user=user, run=run).filter(row__in=rows, marker=True)
    for finding in findings.order_by("municipality__name", "school__short_name", "label"):
        for indicator in finding.indicators:
            if not indicator.get("fired"):
                continue
            fired.append(
                [
                    finding.school.fis_login or finding.school.code,
                    finding.school.short_name,
                    finding.label,
                    finding.pupils,
                    str(INDICATOR_LABELS.get(indicator["name"], indicator["name"])),
                    indicator.get("value"),
                    indicator.get("reference"),
                    indicator.get("threshold"),
                    _("да") if indicator.get("strong") else "",
                ]
            )
    lists.append(
        SheetSpec(
            _("Показатели"),
            [
                Column(_("Логин")),
                Column(_("ОО")),
                Column(_("Работа")),
                Column(_("Участников"), "int"),
                Column(_("Показатель")),
                Column(_("Значение"), "number"),
                Column(_("Регион"), "number"),
                Column(_("Порог"), "number"),
                Column(_("Сильный")),
            ],
            fired,
            notes=[
                _(
                    "Метод %(version)s, параметры проверки сохранены с ней. Маркер ставится, "
                    "когда согласны два показателя или один сильный."
                )
                % {"version": run.method_version},
                no_marker_meaning(run.min_school),
            ],
            freeze_columns=3,
        )
    )
    return table_to_xlsx(lists)
