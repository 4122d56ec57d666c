"""Writes to the sections of a roadmap: create, edit, move, delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from roadmaps.models import (
    ProgressReport,
    Roadmap,
    Section,
)
from roadmaps.services.base import (
    SECTION_FIELDS,
    _next_position,
    _record,
    _require,
    _require_editable,
    _state,
)


def section_create(
    *, roadmap: Roadmap, title: str, by, number: str = "", parent: Section | None = None
) -> Section:
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    if parent is not None and parent.roadmap_id != roadmap.pk:
        raise ValidationError(_("Раздел верхнего уровня относится к другой дорожной карте."))
    with transaction.atomic():
        section = Section.objects.create(
            roadmap=roadmap,
            parent=parent,
            number=number.strip(),
            title=title.strip(),
            position=_next_position(roadmap.sections.filter(parent=parent)),
        )
        _record(
            obj=section,
            action="create",
            by=by,
            after=_state(section, SECTION_FIELDS),
            roadmap=roadmap,
        )
    return section


def section_update(*, section: Section, by, **fields) -> Section:
    roadmap = section.roadmap
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    with transaction.atomic():
        before = _state(section, SECTION_FIELDS)
        for name in ("number", "title"):
            if name in fields:
                setattr(section, name, (fields[name] or "").strip())
        section.save()
        _record(
            obj=section,
            action="update",
            by=by,
            before=before,
            after=_state(section, SECTION_FIELDS),
            roadmap=roadmap,
        )
    return section


def _swap(obj, siblings, direction: str) -> bool:
    siblings = list(siblings.order_by("position", "pk"))
    # Positions may repeat after imports; renumber once so swaps are well defined.
    for index, sibling in enumerate(siblings, start=1):
        if sibling.position != index:
            sibling.position = index
            sibling.save(update_fields=["position"])
    index = next(i for i, s in enumerate(siblings) if s.pk == obj.pk)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(siblings):
        return False
    a, b = siblings[index], siblings[other]
    a.position, b.position = b.position, a.position
    a.save(update_fields=["position"])
    b.save(update_fields=["position"])
    obj.position = a.position
    return True


def section_move(*, section: Section, direction: str, by) -> bool:
    """Move a section up or down among its siblings; False at either end."""
    roadmap = section.roadmap
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    with transaction.atomic():
        before = _state(section, SECTION_FIELDS)
        moved = _swap(section, roadmap.sections.filter(parent_id=section.parent_id), direction)
        if moved:
            _record(
                obj=section,
                action="move",
                by=by,
                before=before,
                after=_state(section, SECTION_FIELDS),
                roadmap=roadmap,
            )
    return moved


def section_delete(*, section: Section, by) -> None:
    """Delete a section with its subsections and measures."""
    roadmap = section.roadmap
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    with transaction.atomic():
        if ProgressReport.objects.filter(
            Q(assignment__measure__section=section)
            | Q(assignment__measure__section__parent=section)
        ).exists():
            raise ValidationError(_("По мероприятиям раздела уже есть отчёты: удалить его нельзя."))
        _record(
            obj=section,
            action="delete",
            by=by,
            before=_state(section, SECTION_FIELDS),
            roadmap=roadmap,
        )
        section.delete()
