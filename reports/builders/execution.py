"""The execution report (отчёт о ходе реализации) of a roadmap as of a date."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

from django import forms
from django.db.models import Count, Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infra.output.docx import DocxWriter
from reports.builders import Builder, DocumentParamsError, Prepared, register
from schools.widgets import FastSelect

STATE_LABELS = {
    "done_on_time": gettext_lazy("выполнено в срок"),
    "done_late": gettext_lazy("выполнено с опозданием"),
    "overdue": gettext_lazy("просрочено"),
    "open": gettext_lazy("в работе / срок не наступил"),
    "cancelled": gettext_lazy("отменено"),
    None: gettext_lazy("не назначено"),
}


def percent(value) -> str:
    """Execution figures come in percent: 12.5 → «12,5 %», None → «—»."""
    if value is None:
        return "—"
    return f"{formats.number_format(value, 1)} %"


def fraction(value):
    """Percent → share of one, for XLSX percent cells and charts."""
    return None if value is None else value / 100


class ExecutionParamsForm(forms.Form):
    roadmap = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Дорожная карта"), widget=FastSelect
    )
    as_of = forms.DateField(
        label=gettext_lazy("На дату"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from roadmaps.models import Roadmap
        from roadmaps.selectors.roadmap import roadmap_choices

        # Each choice reads as its label (owner, period, order): that and the owners only.
        self.fields["roadmap"].queryset = roadmap_choices(
            Roadmap.objects.in_reach(user).exclude(status=Roadmap.Status.DRAFT)
        )


@register
class ExecutionBuilder(Builder):
    kind = "execution"
    title = gettext_lazy("Отчёт о ходе реализации дорожной карты")
    formats = ("pdf", "docx", "xlsx")
    template = "reports/execution.html"

    def params_form(self, *, user, data=None):
        return ExecutionParamsForm(data, user=user)

    def params_from_form(self, cleaned):
        as_of = cleaned.get("as_of") or timezone.localdate()
        return {"roadmap": cleaned["roadmap"].pk, "as_of": as_of.isoformat()}

    def prepare(self, *, params, user) -> Prepared:
        from roadmaps.models import ProgressReport, Roadmap

        try:
            roadmap_id = int(params["roadmap"])
            as_of = date.fromisoformat(params.get("as_of") or timezone.localdate().isoformat())
        except (KeyError, TypeError, ValueError):
            raise DocumentParamsError(
                _("Укажите дорожную карту и дату отчёта (ГГГГ-ММ-ДД).")
            ) from None
        roadmap = Roadmap.objects.select_related(
            "region", "municipality", "school"
        ).get_visible_or_404(user, pk=roadmap_id)
        reports = ProgressReport.objects.visible_to(user).filter(
            assignment__measure__roadmap=roadmap
        )
        stamp = reports.aggregate(n=Count("pk"), last=Max("reviewed_at"), sent=Max("submitted_at"))
        return Prepared(
            title=_("Отчёт о ходе реализации на %(date)s: %(title)s")
            % {"date": formats.date_format(as_of, "d.m.Y"), "title": roadmap.title[:200]},
            region=roadmap.region,
            municipality=roadmap.municipality,
            school=roadmap.school,
            built_from={
                "roadmap": roadmap.pk,
                "version": roadmap.version,
                "as_of": as_of.isoformat(),
                "reports": stamp["n"],
                "last_review": str(stamp["last"] or ""),
                "last_report": str(stamp["sent"] or ""),
            },
            data={"roadmap": roadmap, "as_of": as_of, "user": user},
        )

    def context(self, prepared: Prepared) -> dict:
        from roadmaps.models import Evidence, ProgressReport
        from roadmaps.selectors.execution import roadmap_execution
        from roadmaps.selectors.roadmap import roadmap_outline

        roadmap, as_of, user = (
            prepared.data["roadmap"],
            prepared.data["as_of"],
            prepared.data["user"],
        )
        execution = roadmap_execution(roadmap=roadmap, user=user, today=as_of)
        accepted = ProgressReport.objects.visible_to(user).filter(
            assignment__measure__roadmap=roadmap,
            is_current=True,
            review_state=ProgressReport.Review.ACCEPTED,
        )
        evidence = defaultdict(int)
        for measure_id, n in (
            Evidence.objects.of_scoped(report__in=accepted)
            .values_list("report__assignment__measure_id")
            .annotate(n=Count("pk"))
        ):
            evidence[measure_id] = n
        actuals = defaultdict(list)
        for measure_id, value in accepted.exclude(actual_value=None).values_list(
            "assignment__measure_id", "actual_value"
        ):
            actuals[measure_id].append(value)
        states = execution["measure_states"]
        rows, indicators = [], []
        for entry in roadmap_outline(roadmap):
            section = entry["section"]
            if section is not None and (section.number or section.title):
                rows.append({"kind": "section", "title": str(section), "depth": entry["depth"]})
            for measure in entry["measures"]:
                state = states.get(measure.pk)
                rows.append(
                    {
                        "kind": "measure",
                        "measure": measure,
                        "state": state,
                        "state_label": STATE_LABELS[state],
                        "evidence": evidence.get(measure.pk, 0),
                        "due": ", ".join(
                            formats.date_format(d, "d.m.Y") for d in measure.due_dates[-3:]
                        ),
                    }
                )
                for indicator in measure.indicators.all():
                    values = actuals.get(measure.pk) or (
                        [indicator.actual_value] if indicator.actual_value is not None else []
                    )
                    actual = sum(values) / len(values) if values else None
                    indicators.append(
                        {
                            "measure": measure,
                            "indicator": indicator,
                            "actual": actual,
                            "reached": indicator.reached(actual) if actual is not None else None,
                        }
                    )
        summary = execution["measures"]
        return {
            "title": prepared.title,
            "roadmap": roadmap,
            "as_of": as_of,
            "summary": summary,
            "assignments": execution["assignments"],
            "by_section": execution["by_section"],
            "by_school": execution["by_school"],
            "rows": rows,
            "indicators": indicators,
            "percent": percent,
            "chart": _school_chart(execution["by_school"]),
        }

    def to_docx(self, context: dict) -> bytes:
        doc = DocxWriter()
        doc.paragraph(_("ОТЧЁТ"), bold=True, align="center", size=14)
        doc.paragraph(
            _("о ходе реализации: %s") % context["roadmap"].title, bold=True, align="center"
        )
        doc.paragraph(
            _("по состоянию на %s") % formats.date_format(context["as_of"], "d.m.Y"), align="center"
        )
        s = context["summary"]
        doc.paragraph(
            _(
                "Мероприятий с исполнителями: %(total)d; выполнено: %(done)d (%(share)s), из них в срок: %(on_time)d; "
                "просрочено: %(overdue)d; в работе: %(open)d."
            )
            % {
                "total": s["total"],
                "done": s["done"],
                "share": percent(s["share_done"]),
                "on_time": s["done_on_time"],
                "overdue": s["overdue"],
                "open": s["open"],
            },
            align="justify",
            indent=True,
            space_before=12,
        )
        doc.landscape_section()
        doc.paragraph(_("Исполнение по школам"), bold=True, align="center")
        doc.table(
            [
                _("Школа"),
                _("Назначено"),
                _("Выполнено"),
                _("В срок"),
                _("Просрочено"),
                _("Доля выполнения"),
                _("Отчётов в срок"),
                _("Отчётов нет"),
            ],
            [
                [
                    r["school"].short_name,
                    r["total"],
                    r["done"],
                    r["done_on_time"],
                    r["overdue"],
                    percent(r["share_done"]),
                    (r["rate"] or {}).get("on_time", "—"),
                    (r["rate"] or {}).get("missing", "—"),
                ]
                for r in context["by_school"]
            ],
            widths=[30, 10, 10, 10, 10, 10, 10, 10],
        )
        doc.paragraph(_("Мероприятия"), bold=True, align="center", space_before=12)
        doc.table(
            [_("№"), _("Мероприятие"), _("Срок"), _("Состояние"), _("Подтверждений")],
            [
                row["title"]
                if row["kind"] == "section"
                else [
                    row["measure"].number,
                    row["measure"].text,
                    row["measure"].deadline_text,
                    str(row["state_label"]),
                    row["evidence"],
                ]
                for row in context["rows"]
            ],
            widths=[7, 50, 15, 18, 10],
        )
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()

    def to_xlsx(self, context: dict) -> bytes:
        from infra.output.xlsx import Column, SheetSpec, table_to_xlsx

        s = context["summary"]
        return table_to_xlsx(
            [
                SheetSpec(
                    title=_("Сводка"),
                    columns=[Column(_("Показатель")), Column(_("Значение"), "number")],
                    rows=[
                        [_("Мероприятий с исполнителями"), s["total"]],
                        [_("Выполнено"), s["done"]],
                        [_("Выполнено в срок"), s["done_on_time"]],
                        [_("Просрочено"), s["overdue"]],
                    ],
                ),
                SheetSpec(
                    title=_("По школам"),
                    columns=[
                        Column(_("Школа")),
                        Column(_("Назначено"), "int"),
                        Column(_("Выполнено"), "int"),
                        Column(_("В срок"), "int"),
                        Column(_("Просрочено"), "int"),
                        Column(_("Доля выполнения"), "percent"),
                        Column(_("Отчётов к сроку"), "int"),
                        Column(_("Отчётов в срок"), "int"),
                        Column(_("Отчётов нет"), "int"),
                    ],
                    rows=[
                        [
                            r["school"].short_name,
                            r["total"],
                            r["done"],
                            r["done_on_time"],
                            r["overdue"],
                            fraction(r["share_done"]),
                            (r["rate"] or {}).get("due"),
                            (r["rate"] or {}).get("on_time"),
                            (r["rate"] or {}).get("missing"),
                        ]
                        for r in context["by_school"]
                    ],
                    freeze_columns=1,
                ),
                SheetSpec(
                    title=_("Мероприятия"),
                    columns=[
                        Column(_("№")),
                        Column(_("Мероприятие"), width=60),
                        Column(_("Срок")),
                        Column(_("Состояние")),
                        Column(_("Подтверждений"), "int"),
                    ],
                    rows=[
                        [
                            r["measure"].number,
                            r["measure"].text,
                            r["measure"].deadline_text,
                            str(r["state_label"]),
                            r["evidence"],
                        ]
                        for r in context["rows"]
                        if r["kind"] == "measure"
                    ],
                ),
            ]
        )


def _school_chart(by_school) -> str:
    """Share executed per school as horizontal bars (SVG), or "" when there is nothing to draw."""
    if not by_school:
        return ""
    try:
        from infra.output.charts import horizontal_bars
    except ImportError:
        return ""
    return horizontal_bars(
        [(r["school"].short_name, fraction(r["share_done"])) for r in by_school],
        title=str(_("Доля выполненных мероприятий по школам")),
    )
