"""The order (приказ) approving a roadmap, with the roadmap as Appendix № 1."""

from __future__ import annotations

import io
import re

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infra.output.docx import DocxWriter
from reports.builders import Builder, DocumentParamsError, Prepared, register
from schools.widgets import FastSelect

MONTHS_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


def long_date(value) -> str:
    """«29» декабря 2023 г., as orders are dated."""
    if value is None:
        return "«___» __________ 20__ г."
    return f"«{value.day:02d}» {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


# «1.», «2.1.», «3)» at the start of an order's item, as imported documents keep them.
ITEM_NUMBER = re.compile(r"^\s*(\d{1,2})((?:\.\d{1,2})*)[.)]\s+")


def numbered_items(items: list[str]) -> list[str]:
    """The order's items with one number each: an item that carries its number (as
    imported from a document) keeps it, any other gets the next one."""
    out, last = [], 0
    for item in items:
        item = (item or "").strip()
        if not item:
            continue
        match = ITEM_NUMBER.match(item)
        if match:
            if not match.group(2):
                last = int(match.group(1))
            out.append(item)
        else:
            last += 1
            out.append(f"{last}. {item}")
    return out


def issuing_body(roadmap) -> str:
    """Who issues the order: the body named on it, else the education authority of
    the roadmap's owner (a school issues its own), else the owner itself."""
    from schools.models import Body

    if roadmap.order_body:
        return roadmap.order_body
    if roadmap.school_id:
        return roadmap.school.name
    authority = (
        # The authority at the (scoped) roadmap's own node.
        Body.objects.of_scoped(
            region_id=roadmap.region_id,
            municipality_id=roadmap.municipality_id,
            school__isnull=True,
            kind=Body.Kind.AUTHORITY,
        )
        .order_by("pk")
        .first()
    )
    return authority.name if authority else str(roadmap.owner)


def roadmap_rows(roadmap) -> list[dict]:
    """Sections and measures in document order: one dict per table row."""
    from roadmaps.selectors.roadmap import roadmap_outline

    rows: list[dict] = []
    for entry in roadmap_outline(roadmap):
        section = entry["section"]
        if section is not None and (section.number or section.title):
            heading = " ".join(p for p in (section.number, section.title) if p)
            rows.append({"kind": "section", "title": heading, "depth": entry["depth"]})
        rows.extend({"kind": "measure", "measure": m} for m in entry["measures"])
    return rows


class OrderParamsForm(forms.Form):
    roadmap = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Дорожная карта"), widget=FastSelect
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from roadmaps.models import Roadmap
        from roadmaps.selectors.roadmap import roadmap_choices

        self.fields["roadmap"].queryset = roadmap_choices(Roadmap.objects.in_reach(user))


@register
class OrderBuilder(Builder):
    kind = "order"
    title = gettext_lazy("Приказ об утверждении дорожной карты")
    formats = ("pdf", "docx")
    template = "reports/order.html"

    def params_form(self, *, user, data=None):
        return OrderParamsForm(data, user=user)

    def params_from_form(self, cleaned):
        return {"roadmap": cleaned["roadmap"].pk}

    def prepare(self, *, params, user) -> Prepared:
        from roadmaps.models import Roadmap

        try:
            roadmap_id = int(params["roadmap"])
        except (KeyError, TypeError, ValueError):
            raise DocumentParamsError(_("Укажите дорожную карту.")) from None
        roadmap = Roadmap.objects.select_related(
            "region", "municipality", "school"
        ).get_visible_or_404(user, pk=roadmap_id)
        return Prepared(
            title=_("Приказ № %(number)s «%(title)s»")
            % {
                "number": roadmap.order_number or "б/н",
                "title": roadmap.order_title or roadmap.title,
            },
            region=roadmap.region,
            municipality=roadmap.municipality,
            school=roadmap.school,
            built_from={
                "roadmap": roadmap.pk,
                "version": roadmap.version,
                "status": roadmap.status,
                "measures": len(roadmap.measures.all()),
            },
            data={"roadmap": roadmap},
        )

    def context(self, prepared: Prepared) -> dict:
        roadmap = prepared.data["roadmap"]
        rows = roadmap_rows(roadmap)
        measures = [r["measure"] for r in rows if r["kind"] == "measure"]
        columns = [
            ("number", _("№ п/п")),
            ("text", _("Мероприятие")),
            ("deadline_text", _("Сроки исполнения")),
            ("responsible_text", _("Ответственные")),
        ]
        if any(m.participants for m in measures):
            columns.insert(2, ("participants", _("Участники")))
        if any(m.result for m in measures):
            columns.append(("result", _("Результат")))
        if any(m.document_text for m in measures):
            columns.append(("document_text", _("Документ")))
        title = roadmap.order_title or _("Об утверждении %s") % (
            roadmap.title[:1].lower() + roadmap.title[1:]
        )
        return {
            "title": prepared.title,
            "roadmap": roadmap,
            "body": issuing_body(roadmap),
            "items": numbered_items(list(roadmap.order_items or [])),
            "order_title": title,
            "order_date": long_date(roadmap.order_date),
            "order_date_short": formats.date_format(roadmap.order_date, "d.m.Y")
            if roadmap.order_date
            else "",
            "rows": rows,
            "columns": columns,
            "widths": _column_widths([c for c, _label in columns]),
        }

    def to_docx(self, context: dict) -> bytes:
        roadmap = context["roadmap"]
        doc = DocxWriter()
        doc.paragraph(context["body"].upper(), bold=True, align="center")
        doc.paragraph(_("ПРИКАЗ"), bold=True, align="center", size=14, space_before=12)
        doc.two_sides(context["order_date"], f"№ {roadmap.order_number or '____'}")
        if roadmap.order_place:
            doc.paragraph(roadmap.order_place, align="center")
        doc.paragraph(context["order_title"], bold=True, align="center", space_before=12)
        if roadmap.order_preamble:
            doc.paragraph(roadmap.order_preamble, align="justify", indent=True)
        doc.paragraph(_("ПРИКАЗЫВАЮ:"), bold=True, space_before=6)
        for item in context["items"]:
            doc.paragraph(item, align="justify", indent=True)
        doc.two_sides(
            roadmap.order_signatory_position or "", roadmap.order_signatory or "", space_before=24
        )
        doc.landscape_section()
        doc.paragraph(_("Приложение № 1"), align="right")
        doc.paragraph(
            _("к приказу от %(date)s № %(number)s")
            % {
                "date": context["order_date_short"] or "__.__.____",
                "number": roadmap.order_number or "____",
            },
            align="right",
        )
        doc.paragraph(roadmap.title, bold=True, align="center", space_before=12)
        header = [label for _key, label in context["columns"]]
        body = []
        for row in context["rows"]:
            if row["kind"] == "section":
                body.append(row["title"])
            else:
                body.append(
                    [getattr(row["measure"], key) or "" for key, _label in context["columns"]]
                )
        doc.table(header, body, widths=context["widths"])
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _column_widths(keys: list[str]) -> list[float]:
    """Relative widths that suit a landscape A4 table of measures."""
    weights = {
        "number": 0.6,
        "text": 5.0,
        "participants": 1.6,
        "deadline_text": 1.6,
        "responsible_text": 2.0,
        "result": 2.6,
        "document_text": 1.4,
    }
    total = sum(weights[k] for k in keys)
    return [round(weights[k] / total * 100, 2) for k in keys]
