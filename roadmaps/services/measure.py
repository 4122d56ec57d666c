"""Writes to the measures of a roadmap and their indicators: create, edit (guarded by
version), move, paste, reorder, delete."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from roadmaps.models import (
    Indicator,
    Measure,
    ProgressReport,
    Roadmap,
    Section,
)
from roadmaps.services.assignment import assignments_create
from roadmaps.services.base import (
    ACTIVE,
    MEASURE_FIELDS,
    SYSTEM,
    StaleEdit,
    _jsonable,
    _locked,
    _next_position,
    _person,
    _record,
    _require,
    _require_editable,
    _stale_message,
    _state,
)
from roadmaps.services.matching import (
    _apply_responsible,
    _match_picked,
    deadline_schedule,
    document_kind_from_text,
)
from roadmaps.services.section import _swap

PICKS = ("responsible_bodies", "responsible_schools", "for_all_schools")


def _pop_picks(fields: dict) -> dict:
    return {name: fields.pop(name) for name in PICKS if name in fields}


def _clean_measure_fields(fields: dict) -> dict:
    clean = {}
    for name, value in fields.items():
        if name in (
            "number",
            "text",
            "participants",
            "deadline_text",
            "responsible_text",
            "result",
            "document_text",
        ):
            value = (value or "").strip()
        clean[name] = value
    if "text" in clean and not clean["text"]:
        raise ValidationError(_("Укажите содержание мероприятия."))
    if "document_text" in clean and "document_kind" not in clean:
        clean["document_kind"] = document_kind_from_text(clean["document_text"])
    return clean


def _number_key(number: str) -> str:
    """«1.1», «1.1.» and «1.1 » are one number."""
    return "".join((number or "").split()).rstrip(".").lower()


def _refuse_duplicate_number(
    *, roadmap: Roadmap, section: Section | None, number: str, exclude_pk=None
) -> None:
    """A measure number is unique within its section (blank numbers may repeat)."""
    key = _number_key(number)
    if not key:
        return
    others = roadmap.measures.filter(section=section).exclude(number="")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others.only("pk", "number"):
        if _number_key(other.number) == key:
            where = (
                _("в разделе «%s»") % section
                if section is not None
                else _("среди мероприятий без раздела")
            )
            raise ValidationError(
                _("Мероприятие с номером «%(number)s» уже есть %(where)s; укажите другой номер.")
                % {"number": number.strip(), "where": where}
            )


def _assign_at_once(roadmap: Roadmap, measure: Measure) -> int:
    """A measure added to or changed in an approved roadmap reaches its schools and
    bodies at once: the correction is pending (no revision yet) but nobody waits
    for «Зафиксировать корректировку» to see the work. Returns how many were made."""
    if roadmap.status not in ACTIVE:
        return 0
    return assignments_create(roadmap=roadmap, by=SYSTEM, measures=[measure.pk], withdraw=True)


def measure_create(
    *, roadmap: Roadmap, text: str, by, section: Section | None = None, **fields
) -> Measure:
    """A new measure at the end of `section`; its deadline is parsed and its
    responsible text matched to bodies and schools of the roadmap's owner."""
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    if section is not None and section.roadmap_id != roadmap.pk:
        raise ValidationError(_("Раздел относится к другой дорожной карте."))
    fields = dict(fields, text=text)
    picked = _pop_picks(fields)
    clean = _clean_measure_fields(fields)
    with transaction.atomic():
        _locked(Roadmap, roadmap)  # two editors adding the same number: one waits
        _refuse_duplicate_number(roadmap=roadmap, section=section, number=clean.get("number", ""))
        measure = Measure(
            roadmap=roadmap,
            section=section,
            position=_next_position(roadmap.measures.filter(section=section)),
            updated_by=_person(by),
            **clean,
        )
        for name, value in deadline_schedule(measure.deadline_text, roadmap=roadmap).items():
            setattr(measure, name, value)
        measure.save()
        _apply_responsible(measure, roadmap, picked=picked)
        measure.new_assignments = _assign_at_once(roadmap, measure)
        _record(
            obj=measure,
            action="create",
            by=by,
            after=_state(measure, MEASURE_FIELDS),
            roadmap=roadmap,
        )
    return measure


def measure_update(*, measure: Measure, by, version: int | None, **fields) -> Measure:
    """Save an edit made on `version` of the measure; a stale version is refused.

    `measure` is the caller's instance (best read with its roadmap): with a
    `version` it is the state before the edit, and the row is written in one
    UPDATE guarded by that version (no second read); without one the row is
    locked and read. The caller's instance follows the change. The responsible
    parties are matched again, and the assignments of an approved roadmap
    brought up to date, only when the responsible text or a pick changed."""
    roadmap = measure.roadmap
    _require(by, "roadmaps.edit_roadmap", roadmap)
    fields = dict(fields)
    picked = _pop_picks(fields)
    clean = _clean_measure_fields(fields)
    if (
        "section" in clean
        and clean["section"] is not None
        and clean["section"].roadmap_id != roadmap.pk
    ):
        raise ValidationError(_("Раздел относится к другой дорожной карте."))
    with transaction.atomic():
        if version is None:
            _require_editable(roadmap)
            current = _locked(Measure, measure)
        else:
            # A copy: a refused edit leaves the caller's instance as it was.
            current = copy.copy(measure)
        before = _state(current, MEASURE_FIELDS)
        changed = {name for name, value in clean.items() if _differs(current, name, value)}
        for name, value in clean.items():
            setattr(current, name, value)
        if changed & {"number", "section"}:
            _refuse_duplicate_number(
                roadmap=roadmap,
                section=current.section,
                number=current.number,
                exclude_pk=current.pk,
            )
        written = set(clean)
        if "deadline_text" in clean:
            for name, value in deadline_schedule(current.deadline_text, roadmap=roadmap).items():
                setattr(current, name, value)
                written.add(name)
        rematch = "responsible_text" in changed or bool(picked)
        if rematch:
            found = _match_picked(current, roadmap, picked=picked)
            written.add("for_all_schools")
        current.version += 1
        current.updated_by = _person(by)
        current.updated_at = timezone.now()
        written |= {"version", "updated_by", "updated_at"}
        values = {name: getattr(current, name) for name in written}
        if version is None:
            current.save(update_fields=written)
        elif not (
            Measure.objects.filter(pk=current.pk, version=int(version))
            .exclude(roadmap__status=Roadmap.Status.CLOSED)
            .update(**values)
        ):
            _refuse_stale_measure(current)
        if rematch:
            current.responsible_bodies.set(found.bodies)
            current.responsible_schools.set(found.schools)
            current.new_assignments = _assign_at_once(roadmap, current)
        else:
            current.new_assignments = 0
        _record(
            obj=current,
            action="update",
            by=by,
            before=before,
            after=_state(current, MEASURE_FIELDS),
            roadmap=roadmap,
        )
    if current is not measure:
        for f in Measure._meta.concrete_fields:
            setattr(measure, f.attname, getattr(current, f.attname))
        if "section" in clean:
            measure.section = current.section
        measure.new_assignments = current.new_assignments
    return current


def _differs(measure: Measure, name: str, value) -> bool:
    if name == "section":  # by id: the instance need not have its section loaded
        return measure.section_id != (value.pk if value is not None else None)
    return getattr(measure, name) != value


def _refuse_stale_measure(current: Measure):
    """The guarded UPDATE found no row: the roadmap was closed or the measure saved meanwhile."""
    status = Roadmap.objects.filter(pk=current.roadmap_id).values_list("status", flat=True).first()
    if status == Roadmap.Status.CLOSED:
        raise ValidationError(_("Дорожная карта закрыта: изменять её нельзя."))
    raise StaleEdit(_stale_message(current, _("Мероприятие")))


def measure_move(
    *, measure: Measure, by, direction: str = "", section: Section | None = None
) -> bool:
    """Move a measure up or down within its section, or to the end of another section."""
    roadmap = measure.roadmap
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    with transaction.atomic():
        before = _state(measure, MEASURE_FIELDS)
        if section is not None and section.pk != measure.section_id:
            if section.roadmap_id != roadmap.pk:
                raise ValidationError(_("Раздел относится к другой дорожной карте."))
            measure.section = section
            measure.position = _next_position(roadmap.measures.filter(section=section))
            measure.version += 1
            measure.save(update_fields=["section", "position", "version", "updated_at"])
            moved = True
        else:
            moved = _swap(
                measure, roadmap.measures.filter(section_id=measure.section_id), direction
            )
            if moved:
                Measure.objects.filter(pk=measure.pk).update(version=measure.version + 1)
                measure.version += 1
        if moved:
            _record(
                obj=measure,
                action="move",
                by=by,
                before=before,
                after=_state(measure, MEASURE_FIELDS),
                roadmap=roadmap,
            )
    return moved


def _measure_order_set(*, roadmap: Roadmap, section: Section | None, ids: list[int]) -> None:
    """Number the measures of `section` 1, 2, … in the order of `ids` (the ones not
    named keep their order after them)."""
    rest = list(
        roadmap.measures.filter(section=section)
        .exclude(pk__in=ids)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    for position, pk in enumerate([*ids, *rest], start=1):
        Measure.objects.filter(pk=pk, roadmap=roadmap).update(position=position)


def measure_insert_after(*, measure: Measure, after: Measure | None) -> None:
    """Put a measure right below `after` in its section (at the top when None)."""
    ids = list(
        measure.roadmap.measures.filter(section_id=measure.section_id)
        .exclude(pk=measure.pk)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    index = ids.index(after.pk) + 1 if after is not None and after.pk in ids else 0
    ids.insert(index, measure.pk)
    _measure_order_set(roadmap=measure.roadmap, section=measure.section, ids=ids)


def measures_paste(
    *,
    roadmap: Roadmap,
    rows: list[dict],
    by,
    section: Section | None = None,
    after: Measure | None = None,
) -> list[Measure]:
    """Rows pasted from Word or Excel (roadmaps.clipboard) as new measures below
    `after` in `section`, all or none: a row without text or with a number already
    taken refuses the whole paste, naming the row. Without `after`, at the top."""
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    if section is not None and section.roadmap_id != roadmap.pk:
        raise ValidationError(_("Раздел относится к другой дорожной карте."))
    seen = {}
    for index, row in enumerate(rows, start=1):
        if not (row.get("text") or "").strip():
            raise ValidationError(
                _("Строка %(row)d: нет текста мероприятия; ничего не добавлено.") % {"row": index}
            )
        key = _number_key(row.get("number", ""))
        if key and key in seen:
            raise ValidationError(
                _("Строки %(a)d и %(b)d: один номер «%(n)s»; ничего не добавлено.")
                % {"a": seen[key], "b": index, "n": row["number"]}
            )
        if key:
            seen[key] = index
    created = []
    with transaction.atomic():
        for index, row in enumerate(rows, start=1):
            try:
                measure = measure_create(
                    roadmap=roadmap,
                    section=section,
                    by=by,
                    **{k: row.get(k, "") for k in PASTE_FIELDS},
                )
            except ValidationError as exc:
                raise ValidationError(
                    _("Строка %(row)d: %(error)s Ничего не добавлено.")
                    % {"row": index, "error": " ".join(exc.messages)}
                ) from exc
            created.append(measure)
        new_ids = [m.pk for m in created]
        ids = list(
            roadmap.measures.filter(section=section)
            .exclude(pk__in=new_ids)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
        )
        # Below `after`; without it, at the top of the section.
        index = ids.index(after.pk) + 1 if after is not None and after.pk in ids else 0
        ids[index:index] = new_ids
        _measure_order_set(roadmap=roadmap, section=section, ids=ids)
    return created


PASTE_FIELDS = ("number", "text", "deadline_text", "responsible_text", "result", "document_text")


def roadmap_reorder(
    *, roadmap: Roadmap, by, sections: list[int] | None = None, measures: dict | None = None
) -> None:
    """The order set by dragging in the table editor. `sections`: every section's
    id in the new order (each keeps its parent); `measures`: {section id or "" →
    measure ids in order}, a measure named under another section moves there."""
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    own_sections = {s.pk: s for s in roadmap.sections.all()}
    own_measures = {m.pk: m for m in roadmap.measures.all()}
    with transaction.atomic():
        _locked(Roadmap, roadmap)
        if sections is not None:
            if any(pk not in own_sections for pk in sections):
                raise ValidationError(_("Раздел относится к другой дорожной карте."))
            for position, pk in enumerate(sections, start=1):
                if own_sections[pk].position != position:
                    Section.objects.filter(pk=pk).update(position=position)
            _record(
                obj=roadmap,
                action="move",
                by=by,
                after={"sections": sections},
                roadmap=roadmap,
            )
        for key, ids in (measures or {}).items():
            section = own_sections.get(int(key)) if str(key).isdigit() else None
            if str(key).isdigit() and section is None:
                raise ValidationError(_("Раздел относится к другой дорожной карте."))
            if any(pk not in own_measures for pk in ids):
                raise ValidationError(_("Мероприятие относится к другой дорожной карте."))
            for pk in ids:
                measure = own_measures[pk]
                if measure.section_id != (section.pk if section else None):
                    _refuse_duplicate_number(
                        roadmap=roadmap, section=section, number=measure.number, exclude_pk=pk
                    )
                    before = _state(measure, MEASURE_FIELDS)
                    Measure.objects.filter(pk=pk).update(section=section, version=F("version") + 1)
                    measure.section = section
                    _record(
                        obj=measure,
                        action="move",
                        by=by,
                        before=before,
                        after=_state(measure, MEASURE_FIELDS),
                        roadmap=roadmap,
                    )
            _measure_order_set(roadmap=roadmap, section=section, ids=list(ids))


def measure_delete(*, measure: Measure, by) -> None:
    roadmap = measure.roadmap
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    with transaction.atomic():
        if ProgressReport.objects.filter(assignment__measure=measure).exists():
            raise ValidationError(_("По мероприятию уже есть отчёты: удалить его нельзя."))
        _record(
            obj=measure,
            action="delete",
            by=by,
            before=_state(measure, MEASURE_FIELDS),
            roadmap=roadmap,
        )
        measure.delete()


def indicator_create(
    *, measure: Measure, text: str, by, comparator=">=", target_value=None, unit=""
) -> Indicator:
    _require(by, "roadmaps.edit_roadmap", measure.roadmap)
    _require_editable(measure.roadmap)
    if not (text or "").strip():
        raise ValidationError(_("Укажите показатель."))
    with transaction.atomic():
        indicator = Indicator.objects.create(
            measure=measure,
            text=text.strip(),
            comparator=comparator,
            target_value=target_value,
            unit=unit,
        )
        _record(
            obj=indicator,
            action="create",
            by=by,
            after={"text": text, "target": _jsonable(target_value)},
            roadmap=measure.roadmap,
        )
    return indicator


def indicator_delete(*, indicator: Indicator, by) -> None:
    roadmap = indicator.measure.roadmap
    _require(by, "roadmaps.edit_roadmap", roadmap)
    _require_editable(roadmap)
    with transaction.atomic():
        _record(
            obj=indicator,
            action="delete",
            by=by,
            before={"text": indicator.text, "target": _jsonable(indicator.target_value)},
            roadmap=roadmap,
        )
        indicator.delete()
