"""The measure rows of a roadmap's page written in Python: the HTML that the loop of
templates/roadmaps/roadmap_detail.html wrote for a reader and, with its column of
buttons, for an editor (a school's deputy on the school's roadmap), in a fraction of
the time. A municipal roadmap of a hundred measures took two thirds of its page in
that loop. tests/roadmaps/test_measure_rows.py compares the two."""

from __future__ import annotations

import html
import re

from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from infra.urls import url_pattern
from roadmaps.models import Measure
from roadmaps.views.base import choice_labels

_escape = html.escape
_NEWLINES = re.compile(r"\r\n|\r")  # django.utils.text.normalize_newlines


def _shown(value) -> str:
    """`{{ value }}`: numbers and dates localized (the caller escapes the text)."""
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
    names = [_e(b) for b in measure.body_list]
    names += [_e(s.short_name) for s in measure.school_list]
    if measure.for_all_schools:
        names.append(_e(t_all_schools))
    return '<br><span class="muted">→ ' + _comma_list(names) + "</span>"


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
    return '<span class="badge ' + _e(state) + '">' + _e(labels.get(state, working)) + "</span>"


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


def _e(value) -> str:
    """`conditional_escape` without its lazy-string wrapper: a safe string as it is,
    anything else through the standard library's escape (what Django's `escape` calls)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape(str(value))


def _lines(text: str) -> str:
    """`{{ text|linebreaksbr }}` of a plain (not safe) string."""
    return _escape(_NEWLINES.sub("\n", str(text))).replace("\n", "<br>")


def measure_rows_html(measures, *, states: bool, csrf_token: str | None = None) -> SafeString:
    """The `<tr>` of each measure of a section; `states` adds the «Исполнение» column
    (the roadmap has execution figures); `csrf_token` (the request's) the editor's
    column of buttons, with each measure's `urls` (edit, move, delete). Each value is
    escaped once by `_e` and the row put together with str.format: format_html's
    escaping of a hundred rows of twenty values was most of the rows' time."""
    t_participants, t_indicator, t_actual = _("Участники"), _("Показатель"), _("факт")
    t_from_municipal, t_all_schools = _("из муниципальной карты"), _("все школы")
    muted_participants = '<br><span class="muted">' + _e(t_participants) + ": {}</span>"
    muted_source = '<br><span class="muted">' + _e(t_from_municipal) + ", {}</span>"
    required = '<br><span class="badge">' + _e(_("обязателен")) + "</span>"
    flag = (
        '<br><span class="muted">'
        + _e(_("Мера по школам с признаками необъективных результатов"))
        + ' (<a href="{}">'
        + _e(_("проверка"))
        + "</a>)</span>"
    )
    deadline_kinds = choice_labels(Measure, "deadline_kind")
    document_kinds = choice_labels(Measure, "document_kind")
    state_labels, working = _state_labels(), _("в работе")
    run_url = url_pattern("objectivity:run-detail", "checkrun_pk")
    edit_cell = _edit_cell(csrf_token) if csrf_token is not None else None
    row = (
        '\n    <tr id="measure-{pk}" data-measure="{pk}">\n      <td>{number}</td>'
        "\n      <td>{text}{participants}\n        {indicators}\n        {source}"
        "\n        {flag}\n        {extra}</td>"
        '\n      <td>{deadline}<br><span class="badge {kind}">{kind_label}</span>\n        {due}</td>'
        "\n      <td>{responsible}\n        {assignees}</td>\n      <td>{result}</td>"
        "\n      <td>{document}{required}</td>\n      {state}\n      {edit}\n    </tr>\n    "
    )
    parts = []
    for m in measures:
        dates = m.due_dates
        flag_run = m.flag_run_id
        indicators = m.indicator_list
        parts.append(
            row.format(
                pk=m.pk,
                number=_e(m.number),
                text=_lines(m.text),
                participants=muted_participants.format(_e(m.participants))
                if m.participants
                else "",
                indicators=_indicators(m, t_indicator, t_actual) if indicators else "",
                source=muted_source.format(_e(m.source_measure.number)) if m.source_measure else "",
                flag=flag.format(_e(run_url % flag_run)) if flag_run else "",
                extra="".join(
                    '<br><span class="muted">' + _e(k) + ": " + _e(_shown(v)) + "</span>"
                    for k, v in m.visible_extra.items()
                ),
                deadline=_e(m.deadline_text or "—"),
                kind=_e(m.deadline_kind),
                kind_label=_e(deadline_kinds.get(m.deadline_kind, m.deadline_kind)),
                due='<br><span class="muted">'
                + ", ".join(d.strftime("%d.%m.%Y") for d in dates[:4])
                + (" …" if len(dates) > 4 else "")
                + "</span>"
                if dates
                else "",
                responsible=_e(m.responsible_text or "—"),
                assignees=_assignees(m, t_all_schools),
                result=_lines(m.result),
                document=_e(
                    m.document_text or document_kinds.get(m.document_kind, m.document_kind)
                ),
                required=required if m.requires_evidence else "",
                state=("<td>" + _state(m, state_labels, working) + "</td>") if states else "",
                edit=edit_cell % {k: _escape(url) for k, url in m.urls.items()}
                if edit_cell is not None
                else "",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped by _e
