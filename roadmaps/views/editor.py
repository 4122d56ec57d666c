"""The table editor of a roadmap (issue #14 item 5): the page, and small JSON
endpoints its script (static/js/editor.js) calls. Session auth and CSRF as any
form; every object comes through the scoping rule (out of scope is a 404) and
every write through roadmaps.services, so permissions, history, the duplicate
number rule, optimistic concurrency and the assignments of an approved roadmap
are those of the forms.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from roadmaps.clipboard import measures_from_clipboard
from roadmaps.models import Measure, Roadmap, Section
from roadmaps.selectors.measure import measure_get, section_get
from roadmaps.selectors.roadmap import roadmap_get, roadmap_outline
from roadmaps.services import measure as measure_services
from roadmaps.services import section as section_services
from roadmaps.services.base import StaleEdit
from roadmaps.services.measure import (
    measure_insert_after,
    measure_update,
    measures_paste,
    roadmap_reorder,
)
from roadmaps.services.section import section_update

TEXT_FIELDS = ("number", "text", "deadline_text", "responsible_text", "result", "document_text")
SECTION_FIELDS = ("number", "title")

# What the editor's script says, translated here and handed to it as JSON.
EDITOR_TEXTS = {
    "no_server": _lazy("Сервер не ответил (%s)."),
    "offline": _lazy("Нет связи с сервером: изменение не сохранено."),
    "undo_title": _lazy("Отменить: %s"),
    "nothing_to_undo": _lazy("Отменять нечего."),
    "undone": _lazy("Отменено: %s."),
    "cell_edit": _lazy("правка ячейки"),
    "row_added": _lazy("добавление строки"),
    "section_edit": _lazy("правка раздела"),
    "row_deleted": _lazy("удаление строки"),
    "rows_pasted": _lazy("вставка строк (%s)"),
    "row_moved": _lazy("перемещение строки"),
    "section_moved": _lazy("перемещение раздела"),
    "delete_row": _lazy("Удалить строку"),
    "parsed_as": _lazy("Разобрано как: "),
    "unparsed": _lazy(". Срок сохранится как написан и будет отмечен для уточнения."),
    "not_saved": _lazy("Не сохранено."),
    "saved": _lazy("Сохранено."),
    "not_undone": _lazy("Не отменено."),
    "need_text": _lazy("Заполните графу «Мероприятие» — строка сохранится."),
    "row_not_added": _lazy("Строка не добавлена."),
    "row_added_done": _lazy("Строка добавлена."),
    "need_title": _lazy("Укажите название раздела — раздел сохранится."),
    "section_not_added": _lazy("Раздел не добавлен."),
    "section_added": _lazy("Раздел добавлен."),
    "row_not_deleted": _lazy("Строка не удалена."),
    "row_deleted_done": _lazy("Строка удалена."),
    "adding_rows": _lazy("Добавляю строки…"),
    "rows_not_added": _lazy("Строки не добавлены."),
    "order_not_saved": _lazy("Порядок не сохранён."),
    "order_saved": _lazy("Порядок сохранён."),
    "sections_order_saved": _lazy("Порядок разделов сохранён."),
    "paste_box_empty": _lazy("Вставьте в поле строки из Word или Excel."),
}


def _editable(request, roadmap: Roadmap) -> None:
    if not request.user.has_perm("roadmaps.edit_roadmap", roadmap):
        raise PermissionDenied(_("Недостаточно прав для этого действия."))


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ValidationError(_("Запрос не разобран: ожидались данные JSON."))
    return data


def _refuse(message: str, status: int = 400, **payload) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, **payload}, status=status)


def _pk(value):
    """An id from the request, or None; anything else is bad input."""
    if value in (None, ""):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    raise ValidationError(_("Неверный номер строки."))


def _row_html(request, measure: Measure, roadmap: Roadmap) -> str:
    measure = Measure.objects.of_scoped(pk=measure.pk).select_related("section").get()
    measure.body_list = list(measure.responsible_bodies.all())
    measure.school_list = list(measure.responsible_schools.all())
    return render_to_string(
        "roadmaps/includes/_editor_row.html",
        {"m": measure, "roadmap": roadmap, "can_edit": True},
        request=request,
    )


def _section_html(request, section: Section, roadmap: Roadmap, depth: int = 0) -> str:
    return render_to_string(
        "roadmaps/includes/_editor_section.html",
        {
            "block": {"section": section, "depth": depth, "measures": []},
            "roadmap": roadmap,
            "can_edit": True,
        },
        request=request,
    )


def _section_of(roadmap: Roadmap, value) -> Section | None:
    pk = _pk(value)
    if pk is None:
        return None
    section = roadmap.sections.filter(pk=pk).first()
    if section is None:
        raise ValidationError(_("Раздел не найден в этой дорожной карте."))
    return section


def _measure_of(roadmap: Roadmap, value) -> Measure | None:
    pk = _pk(value)
    if pk is None:
        return None
    measure = roadmap.measures.filter(pk=pk).first()
    if measure is None:
        raise ValidationError(_("Строка не найдена в этой дорожной карте."))
    return measure


@login_required
def editor(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    can_edit = request.user.has_perm("roadmaps.edit_roadmap", roadmap) and roadmap.is_editable
    from roadmaps.services.matching import responsible_candidates

    bodies, schools = responsible_candidates(roadmap.owner) if can_edit else ([], [])
    return render(
        request,
        "roadmaps/roadmap_editor.html",
        {
            "roadmap": roadmap,
            "outline": roadmap_outline(roadmap),
            "can_edit": can_edit,
            "editor_texts": EDITOR_TEXTS,
            "responsible_names": sorted(
                {str(b) for b in bodies} | {s.short_name for s in schools} | {"ОО"}
            ),
        },
    )


def _json_view(handler):
    """POST JSON in, JSON out; a refusal of the services is a 400 with its Russian text."""

    @login_required
    @require_POST
    def view(request, **kwargs):
        try:
            return handler(request, **kwargs)
        except ValidationError as exc:
            status = 409 if isinstance(exc, StaleEdit) else 400
            return _refuse(" ".join(exc.messages), status=status)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return view


@_json_view
def measure_create(request, roadmap_pk):
    """A new row under `after` (or first) in `section`: {section, after, text, …}."""
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _editable(request, roadmap)
    data = _body(request)
    section = _section_of(roadmap, data.get("section"))
    after = _measure_of(roadmap, data.get("after"))
    fields = {k: str(data.get(k) or "") for k in TEXT_FIELDS}
    with transaction.atomic():
        measure = measure_services.measure_create(
            roadmap=roadmap, section=section, by=request.user, **fields
        )
        measure_insert_after(measure=measure, after=after)
    return JsonResponse(
        {
            "ok": True,
            "id": measure.pk,
            "html": _row_html(request, measure, roadmap),
            "message": _assigned(measure),
        }
    )


def _assigned(measure) -> str:
    count = getattr(measure, "new_assignments", 0)
    if not count:
        return ""
    return _(
        "Дорожная карта действует: мероприятие сразу поручено исполнителям (новых поручений: "
        "%(n)d). Зафиксируйте корректировку новой редакцией."
    ) % {"n": count}


@_json_view
def measure_save(request, measure_pk):
    """One cell: {field, value, version}. A stale version is a 409 naming who changed it,
    with the row as it is now."""
    measure = measure_get(user=request.user, pk=measure_pk)
    roadmap = measure.roadmap
    _editable(request, roadmap)
    data = _body(request)
    field = data.get("field")
    if field not in TEXT_FIELDS:
        return _refuse(_("Эту графу так не изменить."))
    value = data.get("value")
    if not isinstance(value, str):
        return _refuse(_("Значение ячейки должно быть текстом."))
    version = data.get("version")
    if version is not None and not str(version).isdigit():
        return _refuse(_("Неверная версия строки."))
    try:
        updated = measure_update(
            measure=measure, by=request.user, version=version, **{field: value}
        )
    except StaleEdit as exc:
        return _refuse(
            " ".join(exc.messages),
            status=409,
            html=_row_html(request, measure, roadmap),
        )
    return JsonResponse(
        {
            "ok": True,
            "version": updated.version,
            "html": _row_html(request, updated, roadmap),
            "message": _assigned(updated),
        }
    )


@_json_view
def measure_delete(request, measure_pk):
    """Delete a row; answers its fields so that «Отменить» can put it back."""
    measure = measure_get(user=request.user, pk=measure_pk)
    _editable(request, measure.roadmap)
    fields = {k: getattr(measure, k) for k in TEXT_FIELDS}
    fields["section"] = measure.section_id
    measure_services.measure_delete(measure=measure, by=request.user)
    return JsonResponse({"ok": True, "fields": fields})


@_json_view
def paste(request, roadmap_pk):
    """Rows copied from Word or Excel: {text, section, after} → new measures below `after`."""
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _editable(request, roadmap)
    data = _body(request)
    section = _section_of(roadmap, data.get("section"))
    after = _measure_of(roadmap, data.get("after"))
    text = data.get("text")
    if not isinstance(text, str) or len(text) > 500_000:
        return _refuse(_("Вставьте строки таблицы текстом (не больше 500 000 знаков)."))
    try:
        rows = measures_from_clipboard(text)
    except ValueError as exc:
        return _refuse(str(exc))
    created = measures_paste(
        roadmap=roadmap, rows=rows, section=section, after=after, by=request.user
    )
    unparsed = sum(1 for m in created if m.deadline_kind == "unparsed" and m.deadline_text)
    message = _("Добавлено строк: %(n)d.") % {"n": len(created)}
    if unparsed:
        message += " " + _("Срок не распознан в строках: %(n)d — уточните их.") % {"n": unparsed}
    assigned = sum(getattr(m, "new_assignments", 0) for m in created)
    if assigned:
        message += " " + _("Новых поручений исполнителям: %(n)d.") % {"n": assigned}
    return JsonResponse(
        {
            "ok": True,
            "rows": [{"id": m.pk, "html": _row_html(request, m, roadmap)} for m in created],
            "message": message,
        }
    )


@_json_view
def reorder(request, roadmap_pk):
    """The order after a drag: {sections: [ids], measures: {section id or "": [ids]}}."""
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _editable(request, roadmap)
    data = _body(request)
    sections = data.get("sections")
    measures = data.get("measures")
    try:
        sections = None if sections is None else [int(pk) for pk in sections]
        measures = {str(key): [int(pk) for pk in ids] for key, ids in (measures or {}).items()}
    except (TypeError, ValueError, AttributeError):
        return _refuse(_("Порядок строк не разобран."))
    roadmap_reorder(roadmap=roadmap, sections=sections, measures=measures, by=request.user)
    return JsonResponse({"ok": True})


@_json_view
def section_create(request, roadmap_pk):
    """A new section at the end: {number, title}."""
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _editable(request, roadmap)
    data = _body(request)
    title = str(data.get("title") or "").strip()
    if not title:
        return _refuse(_("Укажите название раздела."))
    section = section_services.section_create(
        roadmap=roadmap, number=str(data.get("number") or ""), title=title, by=request.user
    )
    return JsonResponse(
        {"ok": True, "id": section.pk, "html": _section_html(request, section, roadmap)}
    )


@_json_view
def section_save(request, section_pk):
    """One cell of a section's row: {field: number|title, value}."""
    section = section_get(user=request.user, pk=section_pk)
    _editable(request, section.roadmap)
    data = _body(request)
    field, value = data.get("field"), data.get("value")
    if field not in SECTION_FIELDS or not isinstance(value, str):
        return _refuse(_("Эту графу так не изменить."))
    if field == "title" and not value.strip():
        return _refuse(_("Укажите название раздела."))
    section_update(section=section, by=request.user, **{field: value})
    return JsonResponse({"ok": True})
