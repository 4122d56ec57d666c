"""Revisions of a roadmap: a frozen snapshot with its reason, and the difference
between two snapshots."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from roadmaps.models import (
    Revision,
    Roadmap,
)
from roadmaps.services.assignment import assignments_create
from roadmaps.services.base import ACTIVE, SYSTEM, _jsonable, _locked, _person, _record, _require


def roadmap_snapshot(roadmap: Roadmap) -> dict:
    """The readable content of a roadmap, as a revision keeps it."""
    sections = list(roadmap.sections.order_by("position", "pk"))
    measures = list(
        roadmap.measures.order_by("section__position", "position", "pk").prefetch_related(
            "indicators"
        )
    )
    return {
        "title": roadmap.title,
        "period_start": _jsonable(roadmap.period_start),
        "period_end": _jsonable(roadmap.period_end),
        "purpose": roadmap.purpose,
        "tasks": roadmap.tasks,
        "preamble": roadmap.preamble,
        "sections": [
            {"id": s.pk, "parent": s.parent_id, "number": s.number, "title": s.title}
            for s in sections
        ],
        "measures": [
            {
                "id": m.pk,
                "section": m.section_id,
                "number": m.number,
                "text": m.text,
                "participants": m.participants,
                "deadline_text": m.deadline_text,
                "responsible_text": m.responsible_text,
                "result": m.result,
                "document_kind": m.document_kind,
                "document_text": m.document_text,
                "requires_evidence": m.requires_evidence,
                "indicators": [
                    f"{i.text} {i.comparator} {_jsonable(i.target_value) or ''}{i.unit}".strip()
                    for i in m.indicators.all()
                ],
            }
            for m in measures
        ],
    }


def _make_revision(*, roadmap: Roadmap, reason: str, by) -> Revision:
    number = (roadmap.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = Revision.objects.create(
        roadmap=roadmap,
        number=number,
        snapshot=roadmap_snapshot(roadmap),
        reason=reason,
        created_by=_person(by),
    )
    _record(
        obj=revision,
        action="create",
        by=by,
        after={"number": number, "reason": reason},
        roadmap=roadmap,
    )
    return revision


def roadmap_revise(*, roadmap: Roadmap, reason: str, by) -> Revision:
    """Fix a correction (корректировка) of an approved roadmap as a new revision;
    new measures get their assignments."""
    _require(by, "roadmaps.approve_roadmap", roadmap)
    if not (reason or "").strip():
        raise ValidationError(_("Укажите основание корректировки."))
    with transaction.atomic():
        current = _locked(Roadmap, roadmap)
        if current.status not in ACTIVE:
            raise ValidationError(
                _("Редакцию фиксируют у утверждённой дорожной карты; проект правят без редакций.")
            )
        revision = _make_revision(roadmap=current, reason=reason.strip(), by=by)
        assignments_create(roadmap=current, by=SYSTEM)
    return revision


FIELD_LABELS = {
    "number": _("номер"),
    "text": _("мероприятие"),
    "participants": _("участники"),
    "deadline_text": _("срок"),
    "responsible_text": _("ответственные"),
    "result": _("результат"),
    "document_kind": _("документ"),
    "document_text": _("документ (как написан)"),
    "requires_evidence": _("нужен документ"),
    "indicators": _("показатели"),
    "section": _("раздел"),
    "title": _("наименование"),
    "period_start": _("начало периода"),
    "period_end": _("конец периода"),
    "purpose": _("цель"),
    "tasks": _("задачи"),
    "preamble": _("пояснительная записка"),
}


def revision_diff(a, b) -> dict:
    """What changed from `a` to `b` (Revision objects or snapshots): measures added,
    removed, and changed field by field, and changes of the roadmap's header."""
    a = a.snapshot if isinstance(a, Revision) else a
    b = b.snapshot if isinstance(b, Revision) else b
    before = {m["id"]: m for m in a.get("measures", [])}
    after = {m["id"]: m for m in b.get("measures", [])}
    section_names = {
        s["id"]: " ".join(p for p in (s["number"], s["title"]) if p)
        for s in a.get("sections", []) + b.get("sections", [])
    }

    def show(field_name, value):
        if field_name == "section":
            return section_names.get(value, "")
        if isinstance(value, list):
            return "; ".join(value)
        return value

    changed = []
    for mid in before.keys() & after.keys():
        fields = []
        for name in before[mid].keys() | after[mid].keys():
            if name == "id":
                continue
            old, new = before[mid].get(name), after[mid].get(name)
            if old != new:
                fields.append(
                    {
                        "field": name,
                        "label": str(FIELD_LABELS.get(name, name)),
                        "before": show(name, old),
                        "after": show(name, new),
                    }
                )
        if fields:
            fields.sort(
                key=lambda f: (
                    list(FIELD_LABELS).index(f["field"]) if f["field"] in FIELD_LABELS else 99
                )
            )
            changed.append(
                {
                    "id": mid,
                    "number": after[mid]["number"],
                    "text": after[mid]["text"],
                    "fields": fields,
                }
            )
    order = [m["id"] for m in b.get("measures", [])]
    changed.sort(key=lambda c: order.index(c["id"]))
    header = [
        {"field": k, "label": str(FIELD_LABELS.get(k, k)), "before": a.get(k), "after": b.get(k)}
        for k in ("title", "period_start", "period_end", "purpose", "tasks", "preamble")
        if a.get(k) != b.get(k)
    ]
    return {
        "added": [after[i] for i in order if i not in before],
        "removed": [m for m in a.get("measures", []) if m["id"] not in after],
        "changed": changed,
        "header": header,
    }
