"""The official's dashboard lists written in Python from plain values: the HTML the
templates' loops wrote (tests/reports/test_dashboard_rows.py compares them), with each
link from one reverse() and no template variable resolved and filtered a cell. The
official's home page lists some sixty rows; writing them was a third of its time."""

from __future__ import annotations

from html import escape

from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from infra.urls import url_pattern


def _joined(items) -> str:
    return mark_safe("".join(items))  # noqa: S308 - every item is escaped by format_html


def _day(value) -> str:
    """The template's `|date:"d.m.Y"`: a datetime in the current time zone."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d.%m.%Y")


def _number(value) -> str:
    """The template's `{{ value }}` of a count: `localize`, which only a thousands
    separator could make differ from `str` for an int below a thousand (and costs
    a format lookup a call: 250 a page)."""
    if type(value) is int and -1000 < value < 1000:
        return str(value)
    return localize(value)


def overdue_rows_html(rows) -> str:
    """The `<tr>` of the official's overdue list (`overdue_assignments` rows)."""
    from roadmaps.templatetags.roadmap_text import shortened

    return _joined(
        format_html(
            "<tr><td>{}</td><td>{} {}</td><td>{}</td></tr>",
            _day(r["due"]),
            r["measure__number"],
            shortened(r["measure__text"], 90),
            r["assignee"],
        )
        for r in rows
    )


def queue_items_html(rows) -> str:
    """The `<li>` of the reports waiting for review (`queue_rows` dicts)."""
    from roadmaps.selectors.report import assignee_of
    from roadmaps.templatetags.roadmap_text import shortened

    detail = url_pattern("roadmaps:report-detail", "progress_report_pk")
    return _joined(
        format_html(
            '<li><a href="{}">{} — {} {}</a> <span class="muted">{}</span></li>',
            detail % r["pk"],
            assignee_of(r),
            r["assignment__measure__number"],
            shortened(r["assignment__measure__text"], 80),
            _day(r["submitted_at"]),
        )
        for r in rows
    )


def school_rows_html(rows) -> str:
    """The `<tr>` of «Таблица по школам» (`roadmap_execution`'s `by_school`): a row
    for each of a municipality's fifty schools, so with the standard library's
    escape (which Django's calls) rather than format_html's lazy-aware one per cell."""
    return _joined(
        f"<tr><td>{escape(r['school'].short_name)}</td>"
        f'<td class="num">{escape(_number(r["total"]))}</td>'
        f'<td class="num">{escape(_number(r["done"]))}</td>'
        f'<td class="num">{escape(_number(r["overdue"]))}</td>'
        f'<td class="num">{escape(_number((r["rate"] or {}).get("missing") or 0))}</td></tr>'
        for r in rows
    )


def flagged_school_rows_html(schools) -> str:
    """The `<tr>` of «Школы с признаками необъективности» (`_official_flags` schools):
    each marker linked, with «есть ответ» and ✓ where the municipality answered."""
    detail = url_pattern("objectivity:finding-detail", "checkfinding_pk")
    answered_label = _("есть ответ")
    has_measure = _("мероприятие в дорожной карте есть")
    no_measure = format_html("<strong>{}</strong>", _("мероприятия в дорожной карте нет"))
    out = []
    for s in schools:
        markers = [
            format_html(
                '<a href="{}" aria-label="{}, {}">{}</a>&nbsp;✓',
                detail % m["finding"].pk,
                m["finding"].label,
                answered_label,
                m["label"],
            )
            if m["answered"]
            else format_html('<a href="{}">{}</a>', detail % m["finding"].pk, m["label"])
            for m in s["markers"]
        ]
        out.append(
            format_html(
                "<tr><td>{}</td><td>{}</td><td>{}; {}</td></tr>",
                s["row"].school.short_name,
                mark_safe(", ".join(markers)),  # noqa: S308 - each marker escaped above
                _("%(answered)s из %(total)s")
                % {"answered": s["answered"], "total": len(s["markers"])},
                has_measure if s["has_measure"] else no_measure,
            )
        )
    return _joined(out)


def municipality_rows_html(rows) -> str:
    """The `<tr>` of the analyst's table of municipalities (`analyst_block` rows): the
    municipality linked, its roadmap in force linked by its label (or «нет
    действующей»), the share of measures done. A region lists every municipality, each
    row two links and a label the template resolved and filtered cell by cell."""
    from django.template.defaultfilters import floatformat

    municipality = url_pattern("schools:municipality-detail", "municipality_pk")
    roadmap = url_pattern("roadmaps:roadmap-detail", "roadmap_pk")
    none = '<span class="muted">' + escape(_("нет действующей")) + "</span>"
    out = []
    for r in rows:
        share = r["share_done"]
        out.append(
            f'<tr><td><a href="{escape(municipality % r["municipality"].pk)}">'
            f"{escape(r['municipality'].name)}</a></td><td>"
            + (
                f'<a href="{escape(roadmap % r["roadmap"].pk)}">{escape(r["roadmap"].label)}</a>'
                if r["roadmap"]
                else none
            )
            + '</td><td class="num">'
            + ("—" if share is None else escape(floatformat(share, "-1")) + " %")
            + "</td></tr>"
        )
    return _joined(out)
