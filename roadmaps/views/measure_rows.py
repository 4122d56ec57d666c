"""The measure rows of a roadmap's page written in Python: the HTML that the loop of
templates/roadmaps/roadmap_detail.html wrote for a reader and, with its column of
buttons, for an editor (a school's deputy on the school's roadmap), in a fraction of
the time. A municipal roadmap of a hundred measures took two thirds of its page in
that loop. tests/roadmaps/test_measure_rows.py compares the two."""

from __future__ import annotations

import html

from django.template.defaultfilters import linebreaksbr
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from infra.urls import url_pattern
from roadmaps.models import Measure
from roadmaps.views.base import choice_labels


def _shown(value) -> str:
    """`{{ value }}`: numbers and dates localized, then escaped by format_html."""
    return localize(value)


def _comma_list(parts) -> str:
    return ", ".join(parts)


def _indicators(measure, t_indicator, t_actual) -> str:
    out = []
    for i in measure.indicator_list:
        actual = (
            format_html("; {} {}{}", t_actual, _shown(i.actual_value), i.unit)
            if i.actual_value is not None
            else ""
        )
        out.append(
            format_html(
                '<br><span class="muted">{}: {} ({} {}{}{})</span>',
                t_indicator,
                i.text,
                i.get_comparator_display(),
                "" if i.target_value is None else _shown(i.target_value),
                i.unit,
                actual,
            )
        )
    return "".join(out)


def _assignees(measure, t_all_schools) -> str:
    if not (measure.for_all_schools or measure.body_list or measure.school_list):
        return ""
    names = [format_html("{}", b) for b in measure.body_list]
    names += [format_html("{}", s.short_name) for s in measure.school_list]
    if measure.for_all_schools:
        names.append(format_html("{}", t_all_schools))
    return format_html('<br><span class="muted">→ {}</span>', mark_safe(_comma_list(names)))  # noqa: S308


def _state_labels() -> dict:
    return {
        "done_on_time": _("выполнено в срок"),
        "done_late": _("выполнено с опозданием"),
        "overdue": _("просрочено"),
        "cancelled": _("отменено"),
    }


def _state(measure, labels: dict, working: str) -> str:
    state = measure.exec_state
    if not state:
        return "—"
    return format_html('<span class="badge {}">{}</span>', state, labels.get(state, working))


def _edit_cell(csrf_token: str) -> str:
    """The editor's column of a row as a "%(edit)s"-style pattern to fill with the
    row's escaped links: the buttons and forms of the template's `can_edit` cell, its
    texts translated and escaped once for every row."""
    esc = html.escape
    token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">'
    t_edit, t_up, t_down = esc(_("Править")), esc(_("Выше")), esc(_("Ниже"))
    t_delete, t_delete_measure = esc(_("Удалить")), esc(_("Удалить мероприятие?"))
    cell = (
        '<td>\n        <a class="button small" href="{edit}">' + t_edit + "</a>"
        '\n        <form method="post" class="js-inline" data-action="move" action="{move}">'
        + token
        + '<input type="hidden" name="direction" value="up"><button type="submit" '
        'class="small secondary" aria-label="' + t_up + '">↑</button></form>'
        '\n        <form method="post" class="js-inline" data-action="move" action="{move}">'
        + token
        + '<input type="hidden" name="direction" value="down"><button type="submit" '
        'class="small secondary" aria-label="' + t_down + '">↓</button></form>'
        '\n        <form method="post" class="js-inline" data-action="delete" data-confirm="'
        + t_delete_measure
        + '" action="{delete}">'
        + token
        + '<button type="submit" class="small danger">'
        + t_delete
        + "</button></form>\n      </td>"
    )
    return cell.replace("%", "%%").replace("{", "%(").replace("}", ")s")


def measure_rows_html(measures, *, states: bool, csrf_token: str | None = None) -> SafeString:
    """The `<tr>` of each measure of a section; `states` adds the «Исполнение» column
    (the roadmap has execution figures); `csrf_token` (the request's) the editor's
    column of buttons, with each measure's `urls` (edit, move, delete)."""
    t_participants, t_indicator, t_actual = _("Участники"), _("Показатель"), _("факт")
    t_from_municipal, t_all_schools = _("из муниципальной карты"), _("все школы")
    t_required = _("обязателен")
    deadline_kinds = choice_labels(Measure, "deadline_kind")
    document_kinds = choice_labels(Measure, "document_kind")
    state_labels, working = _state_labels(), _("в работе")
    run_url = url_pattern("objectivity:run-detail", "checkrun_pk")
    edit_cell = _edit_cell(csrf_token) if csrf_token is not None else None
    parts = []
    for m in measures:
        participants = (
            format_html('<br><span class="muted">{}: {}</span>', t_participants, m.participants)
            if m.participants
            else ""
        )
        source = (
            format_html(
                '<br><span class="muted">{}, {}</span>', t_from_municipal, m.source_measure.number
            )
            if m.source_measure
            else ""
        )
        flag_run = m.flag_run_id
        flag = (
            format_html(
                '<br><span class="muted">{} (<a href="{}">{}</a>)</span>',
                _("Мера по школам с признаками необъективных результатов"),
                run_url % flag_run,
                _("проверка"),
            )
            if flag_run
            else ""
        )
        extra = "".join(
            format_html('<br><span class="muted">{}: {}</span>', k, _shown(v))
            for k, v in m.visible_extra.items()
        )
        dates = m.due_dates
        due = (
            format_html(
                '<br><span class="muted">{}{}</span>',
                ", ".join(d.strftime("%d.%m.%Y") for d in dates[:4]),
                " …" if len(dates) > 4 else "",
            )
            if dates
            else ""
        )
        state = format_html("<td>{}</td>", _state(m, state_labels, working)) if states else ""
        edit = (
            edit_cell % {k: html.escape(url) for k, url in m.urls.items()}
            if edit_cell is not None
            else ""
        )
        parts.append(
            format_html(
                '\n    <tr id="measure-{}" data-measure="{}">\n      <td>{}</td>'
                "\n      <td>{}{}\n        {}\n        {}\n        {}\n        {}</td>"
                '\n      <td>{}<br><span class="badge {}">{}</span>\n        {}</td>'
                "\n      <td>{}\n        {}</td>\n      <td>{}</td>\n      <td>{}{}</td>"
                "\n      {}\n      {}\n    </tr>\n    ",
                m.pk,
                m.pk,
                m.number,
                linebreaksbr(m.text, autoescape=True),
                participants,
                mark_safe(_indicators(m, t_indicator, t_actual)),  # noqa: S308
                source,
                flag,
                mark_safe(extra),  # noqa: S308 - each item is format_html's
                m.deadline_text or "—",
                m.deadline_kind,
                deadline_kinds.get(m.deadline_kind, m.deadline_kind),
                due,
                m.responsible_text or "—",
                _assignees(m, t_all_schools),
                linebreaksbr(m.result, autoescape=True),
                m.document_text or document_kinds.get(m.document_kind, m.document_kind),
                format_html('<br><span class="badge">{}</span>', t_required)
                if m.requires_evidence
                else "",
                state,
                mark_safe(edit),  # noqa: S308 - the cell's texts and links are escaped
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped
