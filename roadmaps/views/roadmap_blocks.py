"""The per-school tables of a municipal roadmap's page written in Python: the rows that
the loops of templates/roadmaps/roadmap_detail.html wrote for «Исполнение — по
школам» and «Школьные дорожные карты». A municipality of fifty schools made those two
loops the larger part of an official's page (a row holds a dozen tags, the cascade row
a form with its token); tests/roadmaps/test_roadmap_blocks.py compares the two."""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from infra.urls import url_pattern


def _localizer():
    """`localize` remembered by type and value for one table: fifty rows repeat a few
    small numbers, and each call of localize reads the language's formats anew."""
    seen: dict = {}

    def shown(value, empty="—") -> str:
        """`{{ value|default_if_none:"—" }}`: the number as the template localizes it."""
        if value is None:
            return empty
        key = (type(value), value)
        text = seen.get(key)
        if text is None:
            text = seen[key] = escape(localize(value))
        return text

    return shown


def school_rows_html(rows, *, roadmap) -> SafeString:
    """The `<tr>` of each school of `execution.by_school`, with its link to the school's
    proof pack for the roadmap's period."""
    pack = url_pattern("roadmaps:proof-pack", "school_pk")
    start = roadmap.period_start.strftime("%Y-%m-%d") if roadmap.period_start else ""
    end = roadmap.period_end.strftime("%Y-%m-%d") if roadmap.period_end else ""
    query = f"?start={escape(start)}&amp;end={escape(end)}"
    t_pack = escape(_("Пакет документов"))
    number = _localizer()
    row_html = (
        '\n  <tr><td>{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td>'
        '\n    <td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td>'
        '\n    <td><a href="{}'
        + (query + '">' + t_pack).replace("{", "{{").replace("}", "}}")
        + "</a></td></tr>\n  "
    )
    parts = []
    for row in rows:
        rate = row["rate"] or {}
        missing = rate.get("missing")
        parts.append(
            row_html.format(
                escape(row["school"].short_name),
                number(row["total"]),
                number(row["share_done"]),
                number(row["share_on_time"]),
                number(row["overdue"]),
                number(rate.get("due") or 0),
                number(rate.get("on_time") or 0),
                number(rate.get("late") or 0),
                '<span class="badge overdue">' + number(missing) + "</span>" if missing else "0",
                escape(pack % row["school"].pk),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above


def _missing(row, t_required, number) -> str:
    if row["roadmap"] is None:
        return number(len(row["missing"])) + " " + t_required
    if not row["missing"]:
        return "—"
    return "<br>".join(
        escape(str(m.number)) + " " + escape(Truncator(m.text).chars(60)) for m in row["missing"]
    )


def _changed(row) -> str:
    if not row["changed"]:
        return "—"
    return "<br>".join(
        escape(str(c["measure"].number))
        + ": "
        + "; ".join(
            escape(str(f["label"]))
            + " «"
            + escape(Truncator(f["before"]).chars(40))
            + "» → «"
            + escape(Truncator(f["after"]).chars(40))
            + "»"
            for f in c["fields"]
        )
        for c in row["changed"]
    )


def cascade_rows_html(rows, *, roadmap, can_approve: bool, csrf_token: str | None) -> SafeString:
    """The `<tr>` of each school of `cascade_status`: its roadmap's state and link, the
    required measures it lacks, what it changed, and for an approver the form that
    starts a draft for a school that has none (`csrf_token` is the request's)."""
    labels = {
        "not_started": escape(_("не начата")),
        "draft": escape(_("проект")),
        "approved": escape(_("утверждена")),
    }
    detail = url_pattern("roadmaps:roadmap-detail", "roadmap_pk")
    start = _start_pattern(roadmap.pk)
    t_open, t_required = escape(_("открыть")), escape(_("обязательных мероприятий"))
    form = (
        '<form method="post" action="%s"><input type="hidden" name="csrfmiddlewaretoken" '
        'value="' + escape(csrf_token or "").replace("%", "%%") + '"><button type="submit" '
        'class="small">'
        + escape(_("Создать проект для школы")).replace("%", "%%")
        + "</button></form>"
    )
    number = _localizer()
    parts = []
    for row in rows:
        child, state = row["roadmap"], row["state"]
        parts.append(
            "\n  <tr>\n    <td>"
            + escape(row["school"].short_name)
            + '</td>\n    <td><span class="badge '
            + escape(state)
            + '">'
            + labels.get(state, escape(state))
            + "</span>\n      "
            + ('<a href="' + escape(detail % child.pk) + '">' + t_open + "</a>" if child else "")
            + "</td>\n    <td>"
            + _missing(row, t_required, number)
            + "</td>\n    <td>"
            + _changed(row)
            + "</td>\n    <td>"
            + (form % escape(start % row["school"].pk) if can_approve and child is None else "")
            + "</td>\n  </tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above


def _start_pattern(roadmap_pk: int) -> str:
    """The URL that starts a school's draft from this roadmap, as a "%d" pattern of
    the school's key."""
    sentinel = 987654321
    return reverse(
        "roadmaps:roadmap-start-school", kwargs={"roadmap_pk": roadmap_pk, "school_pk": sentinel}
    ).replace(str(sentinel), "%d")
