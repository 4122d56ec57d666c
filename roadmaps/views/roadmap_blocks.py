"""The per-school tables of a municipal roadmap's page written in Python: the rows that
the loops of templates/roadmaps/roadmap_detail.html wrote for «Исполнение — по
школам» and «Школьные дорожные карты». A municipality of fifty schools made those two
loops the larger part of an official's page (a row holds a dozen tags, the cascade row
a form with its token); tests/roadmaps/test_roadmap_blocks.py compares the two."""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from infra.urls import url_pattern


def _number(value, empty="—") -> str:
    """`{{ value|default_if_none:"—" }}`: the number as the template localizes it."""
    return empty if value is None else localize(value)


def school_rows_html(rows, *, roadmap) -> SafeString:
    """The `<tr>` of each school of `execution.by_school`, with its link to the school's
    proof pack for the roadmap's period."""
    pack = url_pattern("roadmaps:proof-pack", "school_pk")
    start = roadmap.period_start.strftime("%Y-%m-%d") if roadmap.period_start else ""
    end = roadmap.period_end.strftime("%Y-%m-%d") if roadmap.period_end else ""
    query = f"?start={escape(start)}&amp;end={escape(end)}"
    t_pack = escape(_("Пакет документов"))
    parts = []
    for row in rows:
        rate = row["rate"] or {}
        missing = rate.get("missing")
        parts.append(
            format_html(
                '\n  <tr><td>{}</td><td class="num">{}</td><td class="num">{}</td>'
                '<td class="num">{}</td><td class="num">{}</td>'
                '\n    <td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
                '<td class="num">{}</td>'
                '\n    <td><a href="{}{}">{}</a></td></tr>\n  ',
                row["school"].short_name,
                localize(row["total"]),
                _number(row["share_done"]),
                _number(row["share_on_time"]),
                localize(row["overdue"]),
                localize(rate.get("due") or 0),
                localize(rate.get("on_time") or 0),
                localize(rate.get("late") or 0),
                format_html('<span class="badge overdue">{}</span>', localize(missing))
                if missing
                else "0",
                pack % row["school"].pk,
                mark_safe(query),  # noqa: S308 - both dates escaped above
                mark_safe(t_pack),  # noqa: S308 - escaped above
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every row is format_html's


def _missing(row, t_required) -> str:
    if row["roadmap"] is None:
        return format_html("{} {}", localize(len(row["missing"])), t_required)
    if not row["missing"]:
        return "—"
    return "<br>".join(
        format_html("{} {}", m.number, Truncator(m.text).chars(60)) for m in row["missing"]
    )


def _changed(row) -> str:
    if not row["changed"]:
        return "—"
    return "<br>".join(
        format_html("{}: ", c["measure"].number)
        + "; ".join(
            format_html(
                "{} «{}» → «{}»",
                f["label"],
                Truncator(f["before"]).chars(40),
                Truncator(f["after"]).chars(40),
            )
            for f in c["fields"]
        )
        for c in row["changed"]
    )


def cascade_rows_html(rows, *, roadmap, can_approve: bool, csrf_token: str | None) -> SafeString:
    """The `<tr>` of each school of `cascade_status`: its roadmap's state and link, the
    required measures it lacks, what it changed, and for an approver the form that
    starts a draft for a school that has none (`csrf_token` is the request's)."""
    labels = {
        "not_started": _("не начата"),
        "draft": _("проект"),
        "approved": _("утверждена"),
    }
    detail = url_pattern("roadmaps:roadmap-detail", "roadmap_pk")
    start = _start_pattern(roadmap.pk)
    t_open, t_required = _("открыть"), _("обязательных мероприятий")
    t_start = _("Создать проект для школы")
    parts = []
    for row in rows:
        child = row["roadmap"]
        parts.append(
            format_html(
                "\n  <tr>\n    <td>{}</td>"
                '\n    <td><span class="badge {}">{}</span>\n      {}</td>'
                "\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n  </tr>\n  ",
                row["school"].short_name,
                row["state"],
                labels.get(row["state"], row["state"]),
                format_html('<a href="{}">{}</a>', detail % child.pk, t_open) if child else "",
                mark_safe(_missing(row, t_required)),  # noqa: S308 - each part is format_html's
                mark_safe(_changed(row)),  # noqa: S308 - each part is format_html's
                format_html(
                    '<form method="post" action="{}"><input type="hidden" '
                    'name="csrfmiddlewaretoken" value="{}"><button type="submit" '
                    'class="small">{}</button></form>',
                    start % row["school"].pk,
                    csrf_token,
                    t_start,
                )
                if can_approve and child is None
                else "",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every row is format_html's


def _start_pattern(roadmap_pk: int) -> str:
    """The URL that starts a school's draft from this roadmap, as a "%d" pattern of
    the school's key."""
    sentinel = 987654321
    return reverse(
        "roadmaps:roadmap-start-school", kwargs={"roadmap_pk": roadmap_pk, "school_pk": sentinel}
    ).replace(str(sentinel), "%d")
