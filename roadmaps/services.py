"""Writes to roadmaps: atomic, permission-checked, recorded in the change history.

Every function takes keyword arguments only. `by` is the acting user; it may be
None only for system work (the import command, the demo), which skips the
permission check. Business rules that refuse a change raise
django.core.exceptions.ValidationError with a Russian message;
a missing permission raises PermissionDenied.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from roadmaps import notices
from roadmaps.deadlines import parse_deadline
from roadmaps.models import (
    DocumentKind,
    Evidence,
    Indicator,
    Measure,
    ProgressReport,
    Revision,
    Roadmap,
    Section,
)
from roadmaps.selectors import (  # noqa: F401  re-exported: the service layer's reads
    cascade_status,
    reporting_periods,
    roadmap_period,
)
from schools.files import FileRejected, check_zip, read_bytes, sniff_kind
from schools.history import ChangeRecord, record_change
from schools.models import Body, Municipality, Region, School

ACTIVE = (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)


class StaleEdit(ValidationError):
    """Someone saved the object after the editor loaded it."""


# --------------------------------------------------------------------------- helpers


def _require(user, permission: str, obj) -> None:
    if user is None:
        return
    if not user.has_perm(permission, obj):
        raise PermissionDenied(_("Недостаточно прав для этого действия."))


def _require_editable(roadmap: Roadmap) -> None:
    # Read the status from the database: the caller's instance may predate a transition.
    status = Roadmap.objects.filter(pk=roadmap.pk).values_list("status", flat=True).first()
    if (status or roadmap.status) == Roadmap.Status.CLOSED:
        raise ValidationError(_("Дорожная карта закрыта: изменять её нельзя."))


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _state(obj, fields) -> dict:
    return {f: _jsonable(getattr(obj, f)) for f in fields}


ROADMAP_FIELDS = (
    "title",
    "period_start",
    "period_end",
    "academic_year",
    "purpose",
    "tasks",
    "preamble",
    "status",
    "reporting_period",
    "order_number",
    "order_date",
    "order_place",
    "order_signatory",
    "order_signatory_position",
    "requires_school_roadmaps",
    "school_roadmaps_due",
)
SECTION_FIELDS = ("number", "title", "parent_id", "position")
MEASURE_FIELDS = (
    "number",
    "text",
    "participants",
    "deadline_text",
    "deadline_kind",
    "responsible_text",
    "for_all_schools",
    "result",
    "document_kind",
    "document_text",
    "requires_evidence",
    "section_id",
    "position",
)
REPORT_FIELDS = ("status", "comment", "actual_value", "review_state", "review_reason")


def _record(*, obj, action: str, by, before=None, after=None, roadmap=None, node=None) -> None:
    """One line of history; `node` (an object with region/municipality/school) defaults to the roadmap."""
    record_change(
        obj=obj,
        action=action,
        by=by,
        node=node or roadmap,
        before=before,
        after=after,
        roadmap=roadmap,
    )


def _owner_fields(owner) -> dict:
    if isinstance(owner, School):
        return {"region": owner.region, "municipality": owner.municipality, "school": owner}
    if isinstance(owner, Municipality):
        return {"region": owner.region, "municipality": owner, "school": None}
    if isinstance(owner, Region):
        return {"region": owner, "municipality": None, "school": None}
    raise ValueError("owner must be a Region, a Municipality or a School")


# --------------------------------------------------------------------------- deadlines, responsible


def deadline_schedule(text: str, *, roadmap: Roadmap) -> dict:
    """The parsed deadline as stored on a measure; never raises, unparsed is kept."""
    start, end = roadmap_period(roadmap)
    kind, dates, event = "unparsed", [], ""
    if (text or "").strip():
        try:
            schedule = parse_deadline(
                text, period_start=start, period_end=end, plan_start=roadmap.order_date
            )
            kind = schedule.kind
            dates = [d.isoformat() for d in schedule.dates]
            event = schedule.event or ""
        except Exception:  # noqa: BLE001  a parser bug must never block a save
            kind, dates, event = "unparsed", [], ""
    return {"deadline_kind": kind, "deadline_dates": dates, "deadline_event": event}


# Words by which a roadmap names "every school" as responsible.
ALL_SCHOOLS_RE = re.compile(
    r"(?<!\w)(ОО|ОУ|ОУ района|образовательные организации|образовательные учреждения|"
    r"общеобразовательные организации|общеобразовательные учреждения|школы|"
    r"руководители ОО|руководители ОУ|администрация ОО|администрации ОО)(?!\w)",
    re.IGNORECASE,
)


def _norm(text: str) -> str:
    text = (text or "").replace("ё", "е").replace("Ё", "Е")
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Responsible:
    bodies: list = field(default_factory=list)
    schools: list = field(default_factory=list)
    all_schools: bool = False

    def as_json(self) -> list[dict]:
        items = [{"type": "body", "id": b.pk, "name": str(b)} for b in self.bodies]
        items += [{"type": "school", "id": s.pk, "name": s.short_name} for s in self.schools]
        if self.all_schools:
            items.append({"type": "all_schools", "id": None, "name": _("все школы")})
        return items


def responsible_candidate_querysets(owner):
    """The bodies and schools a roadmap of `owner` may name as responsible, as
    querysets not yet run (a form's choices). Filters by ids: no node is read."""
    if isinstance(owner, School):
        region_id, municipality_id, school_id = owner.region_id, owner.municipality_id, owner.pk
    elif isinstance(owner, Municipality):
        region_id, municipality_id, school_id = owner.region_id, owner.pk, None
    elif isinstance(owner, Region):
        region_id, municipality_id, school_id = owner.pk, None, None
    else:
        raise ValueError("owner must be a Region, a Municipality or a School")
    bodies = Body.objects.filter(region_id=region_id)
    schools = School.objects.filter(region_id=region_id, is_active=True)
    if school_id is not None:
        bodies = bodies.filter(
            Q(school_id=school_id)
            | Q(school__isnull=True, municipality_id=municipality_id)
            | Q(municipality__isnull=True)
        )
        schools = schools.filter(pk=school_id)
    elif municipality_id is not None:
        bodies = bodies.filter(
            Q(municipality_id=municipality_id, school__isnull=True) | Q(municipality__isnull=True)
        )
        schools = schools.filter(municipality_id=municipality_id)
    else:
        bodies = bodies.filter(municipality__isnull=True)
    return bodies, schools


def responsible_candidates(owner) -> tuple[list[Body], list[School]]:
    """The bodies and schools a roadmap of `owner` may name as responsible."""
    bodies, schools = responsible_candidate_querysets(owner)
    return list(bodies), list(schools)


def match_responsible(text: str, *, bodies, schools) -> Responsible:
    """Which bodies and schools `text` names; "ОО/ОУ" means every school unless a
    body of the owner is itself called so (in Saint Petersburg "ОО" is the
    education department). Longer names are matched first and consumed, so
    "Методический кабинет Управления образования" is one body, not two."""
    rest = f" {_norm(text)} "
    found = Responsible()
    names = []
    for body in bodies:
        for name in body.names:
            names.append((_norm(name), "body", body))
    for school in schools:
        for name in (school.short_name, school.code, school.fis_login):
            if name:
                names.append((_norm(name), "school", school))
    names.sort(key=lambda item: -len(item[0]))
    for name, kind, obj in names:
        if len(name) < 2:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        if not pattern.search(rest):
            continue
        rest = pattern.sub(" ", rest)
        target = found.bodies if kind == "body" else found.schools
        if obj not in target:
            target.append(obj)
    if ALL_SCHOOLS_RE.search(rest):
        found.all_schools = True
    return found


DOCUMENT_WORDS = [
    (DocumentKind.PROTOCOL, r"протокол"),
    (DocumentKind.ORDER, r"приказ"),
    (DocumentKind.CERTIFICATE, r"справк"),
    (DocumentKind.ANALYTIC_REPORT, r"аналитическ|отч[её]т|анализ"),
    (DocumentKind.PLAN, r"план"),
]


def document_kind_from_text(text: str) -> str:
    """The kind of the proving document named in `text`; "" when no text."""
    low = (text or "").lower()
    if not low.strip():
        return ""
    for kind, pattern in DOCUMENT_WORDS:
        if re.search(pattern, low):
            return kind
    return DocumentKind.OTHER


INDICATOR_RE = re.compile(
    r"(не менее|не ниже|не более|не выше|не меньше|не больше)\s+(\d+(?:[.,]\d+)?)\s*(%|процент\w*)?",
    re.IGNORECASE,
)


def indicators_from_text(text: str) -> list[dict]:
    """Target indicators written in a measure ("не менее 70% учителей …")."""
    found = []
    for match in INDICATOR_RE.finditer(text or ""):
        word = match.group(1).lower()
        comparator = ">=" if word in ("не менее", "не ниже", "не меньше") else "<="
        sentence_start = max(text.rfind(";", 0, match.start()), text.rfind(".", 0, match.start()))
        end_candidates = [
            i for i in (text.find(";", match.end()), text.find(".", match.end())) if i >= 0
        ]
        sentence_end = min(end_candidates) if end_candidates else len(text)
        found.append(
            {
                "text": text[sentence_start + 1 : sentence_end].strip()[:1000],
                "comparator": comparator,
                "target_value": Decimal(match.group(2).replace(",", ".")),
                "unit": "%" if match.group(3) else "",
            }
        )
    return found


def _match_picked(measure: Measure, roadmap: Roadmap, candidates=None, picked=None):
    """The responsible parties of `measure` (its text matched, hand picks preferred);
    sets `for_all_schools` on the instance and returns the match, saving nothing."""
    bodies, schools = candidates or responsible_candidates(roadmap.owner)
    found = match_responsible(measure.responsible_text, bodies=bodies, schools=schools)
    picked = picked or {}
    if picked.get("responsible_bodies") is not None:
        allowed = {b.pk for b in bodies}
        found.bodies = [b for b in picked["responsible_bodies"] if b.pk in allowed]
    if picked.get("responsible_schools") is not None:
        allowed = {s.pk for s in schools}
        found.schools = [s for s in picked["responsible_schools"] if s.pk in allowed]
    if picked.get("for_all_schools") is not None:
        found.all_schools = bool(picked["for_all_schools"])
    measure.for_all_schools = found.all_schools
    return found


def _apply_responsible(measure: Measure, roadmap: Roadmap, candidates=None, picked=None) -> None:
    """Link the responsible text to bodies and schools of the owner's scope; what the
    user picked by hand (`picked`: for_all_schools, responsible_bodies,
    responsible_schools) replaces the match for that field. Picks outside the
    owner's candidates are ignored."""
    found = _match_picked(measure, roadmap, candidates=candidates, picked=picked)
    measure.save(update_fields=["for_all_schools"])
    measure.responsible_bodies.set(found.bodies)
    measure.responsible_schools.set(found.schools)


# --------------------------------------------------------------------------- roadmap


def roadmap_create(*, owner, title: str, by, **fields) -> Roadmap:
    """A new draft roadmap of `owner` (a Region, Municipality or School)."""
    roadmap = Roadmap(**_owner_fields(owner), title=title, created_by=by, **fields)
    _require(by, "roadmaps.edit_roadmap", roadmap)
    if not (title or "").strip():
        raise ValidationError(_("Укажите наименование дорожной карты."))
    with transaction.atomic():
        roadmap.save()
        _record(
            obj=roadmap,
            action="create",
            by=by,
            after=_state(roadmap, ROADMAP_FIELDS),
            roadmap=roadmap,
        )
    return roadmap


def _locked(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


def _stale_message(obj, what: str) -> str:
    last = (
        ChangeRecord.objects.filter(object_type=type(obj)._meta.model_name, object_id=obj.pk)
        .select_related("by")
        .first()
    )
    who = (
        (last.by.get_full_name() or last.by.username)
        if last and last.by
        else _("другой пользователь")
    )
    when = formats.date_format(timezone.localtime(last.at), "d.m.Y H:i") if last else "—"
    return _("%(what)s уже изменил(а) %(who)s в %(when)s; обновите страницу.") % {
        "what": what,
        "who": who,
        "when": when,
    }


def roadmap_update(*, roadmap: Roadmap, by, version: int | None = None, **fields) -> Roadmap:
    """Change the roadmap's header; refuses a stale `version`. Deadlines are re-read
    when the period changes."""
    _require(by, "roadmaps.edit_roadmap", roadmap)
    with transaction.atomic():
        current = _locked(Roadmap, roadmap)
        _require_editable(current)
        if version is not None and int(version) != current.version:
            raise StaleEdit(_stale_message(current, _("Дорожную карту")))
        before = _state(current, ROADMAP_FIELDS)
        for name, value in fields.items():
            setattr(current, name, value)
        current.version += 1
        current.save()
        after = _state(current, ROADMAP_FIELDS)
        if any(before[k] != after[k] for k in ("period_start", "period_end", "academic_year")):
            for measure in current.measures.all():
                for name, value in deadline_schedule(
                    measure.deadline_text, roadmap=current
                ).items():
                    setattr(measure, name, value)
                measure.save(update_fields=["deadline_kind", "deadline_dates", "deadline_event"])
        _record(obj=current, action="update", by=by, before=before, after=after, roadmap=current)
    roadmap.refresh_from_db()  # the caller's instance follows the change
    return current


def _same_scope(roadmap: Roadmap):
    """Other roadmaps of the same owner (a region's, a municipality's or a school's own)."""
    return Roadmap.objects.filter(
        region_id=roadmap.region_id,
        municipality_id=roadmap.municipality_id,
        school_id=roadmap.school_id,
    ).exclude(pk=roadmap.pk)


def _overlaps(a: Roadmap, b: Roadmap) -> bool:
    far_past, far_future = date.min, date.max
    return (a.period_start or far_past) <= (b.period_end or far_future) and (
        b.period_start or far_past
    ) <= (a.period_end or far_future)


def roadmap_period_ended(roadmap: Roadmap, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return roadmap.period_end is not None and roadmap.period_end < today


def roadmap_approval_questions(*, roadmap: Roadmap, today: date | None = None) -> dict:
    """What an official must confirm before approving: the period has ended (the
    roadmap is then kept as a record, with no assignments for past deadlines), and
    the roadmaps of the same owner and period that the new one replaces."""
    today = today or timezone.localdate()
    ended = roadmap_period_ended(roadmap, today)
    replaced = []
    if not ended:
        replaced = [
            other
            for other in _same_scope(roadmap)
            .filter(status__in=ACTIVE)
            .select_related("region", "municipality", "school")
            if _overlaps(roadmap, other)
        ]
    return {"ended": ended, "replaces": replaced}


def _supersede(*, roadmap: Roadmap, others, by) -> None:
    for other in others:
        other = _locked(Roadmap, other)
        before = other.status
        other.status = Roadmap.Status.CLOSED
        other.version += 1
        other.save(update_fields=["status", "version", "updated_at"])
        _record(
            obj=other,
            action="superseded",
            by=by,
            before={"status": before},
            after={"status": other.status, "replaced_by": roadmap.label},
            roadmap=other,
        )


def roadmap_approve(
    *,
    roadmap: Roadmap,
    by,
    order_number: str = "",
    order_date: date | None = None,
    order_place: str = "",
    order_signatory: str = "",
    order_signatory_position: str = "",
    order_body: str = "",
    order_items: list[str] | None = None,
    as_record: bool = False,
    supersede: bool = False,
    today: date | None = None,
) -> Roadmap:
    """draft → approved, with the approving order; revision 1 and the assignments are made.

    `as_record`: the official confirmed approving a roadmap whose period has
    ended (see roadmap_approval_questions): it is kept as a record and no
    assignment is made for a measure whose deadlines are all past, so nobody gets
    overdue items for the past. `supersede`: the roadmaps it replaces (same owner,
    overlapping period, approved or in force) are closed, so one is in force."""
    _require(by, "roadmaps.approve_roadmap", roadmap)
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked(Roadmap, roadmap)
        if current.status != Roadmap.Status.DRAFT:
            raise ValidationError(_("Утвердить можно только проект дорожной карты."))
        if not current.measures.exists():
            raise ValidationError(_("В дорожной карте нет ни одного мероприятия."))
        before = _state(current, ROADMAP_FIELDS)
        current.status = Roadmap.Status.APPROVED
        current.order_number = order_number or current.order_number
        current.order_date = order_date or current.order_date
        current.order_place = order_place or current.order_place
        current.order_signatory = order_signatory or current.order_signatory
        current.order_signatory_position = (
            order_signatory_position or current.order_signatory_position
        )
        current.order_body = order_body or current.order_body
        if order_items is not None:
            current.order_items = order_items
        current.approved_at = timezone.now()
        current.approved_by = by if by is not None and by.is_authenticated else None
        current.version += 1
        current.save()
        _make_revision(roadmap=current, reason=_("Утверждение"), by=by)
        if supersede:
            _supersede(
                roadmap=current,
                others=roadmap_approval_questions(roadmap=current, today=today)["replaces"],
                by=by,
            )
        assignments_create(roadmap=current, by=None, due_from=today if as_record else None)
        _record(
            obj=current,
            action="approve",
            by=by,
            before=before,
            after=_state(current, ROADMAP_FIELDS),
            roadmap=current,
        )
    roadmap.refresh_from_db()  # the caller's instance follows the change
    return current


def _set_status(*, roadmap, by, allowed_from, to, action, permission="roadmaps.approve_roadmap"):
    _require(by, permission, roadmap)
    with transaction.atomic():
        current = _locked(Roadmap, roadmap)
        if current.status not in allowed_from:
            raise ValidationError(
                _("Из состояния «%(from)s» нельзя перейти в «%(to)s».")
                % {"from": current.get_status_display(), "to": Roadmap.Status(to).label}
            )
        before = current.status
        current.status = to
        current.version += 1
        current.save(update_fields=["status", "version", "updated_at"])
        _record(
            obj=current,
            action=action,
            by=by,
            before={"status": before},
            after={"status": to},
            roadmap=current,
        )
    roadmap.refresh_from_db()  # the caller's instance follows the change
    return current


def roadmap_in_force_elsewhere(roadmap: Roadmap) -> list[Roadmap]:
    """The roadmaps of the same owner already in force."""
    return list(
        _same_scope(roadmap)
        .filter(status=Roadmap.Status.IN_FORCE)
        .select_related("region", "municipality", "school")
    )


def roadmap_put_in_force(*, roadmap: Roadmap, by, supersede: bool = False) -> Roadmap:
    """approved → in force. One roadmap is in force per owner: another one in force
    is refused with its name, or closed when `supersede` (the official confirmed)."""
    others = roadmap_in_force_elsewhere(roadmap)
    if others and not supersede:
        raise ValidationError(
            _("Уже действует «%(other)s». Ввести в действие эту вместо неё? Та будет закрыта.")
            % {"other": others[0].label},
            code="in_force_elsewhere",
        )
    with transaction.atomic():
        if others:
            _require(by, "roadmaps.approve_roadmap", roadmap)
            _supersede(roadmap=roadmap, others=others, by=by)
        return _put_in_force(roadmap=roadmap, by=by)


def _put_in_force(*, roadmap: Roadmap, by) -> Roadmap:
    return _set_status(
        roadmap=roadmap,
        by=by,
        allowed_from=(Roadmap.Status.APPROVED,),
        to=Roadmap.Status.IN_FORCE,
        action="in_force",
    )


def roadmap_close(*, roadmap: Roadmap, by) -> Roadmap:
    return _set_status(
        roadmap=roadmap, by=by, allowed_from=ACTIVE, to=Roadmap.Status.CLOSED, action="close"
    )


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
        created_by=by if by is not None and by.is_authenticated else None,
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
        assignments_create(roadmap=current, by=None)
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


# --------------------------------------------------------------------------- sections and measures


def _next_position(queryset) -> int:
    return (queryset.aggregate(p=Max("position"))["p"] or 0) + 1


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
    return assignments_create(roadmap=roadmap, by=None, measures=[measure.pk], withdraw=True)


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
            updated_by=by if by is not None and by.is_authenticated else None,
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
        current.updated_by = by if by is not None and by.is_authenticated else None
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


# --------------------------------------------------------------------------- cascade


def roadmap_cascade(*, roadmap: Roadmap, due: date, by) -> Roadmap:
    """Require every school of the municipality to adopt its own roadmap by `due`."""
    _require(by, "roadmaps.approve_roadmap", roadmap)
    if roadmap.level != "municipality":
        raise ValidationError(_("Школьные дорожные карты требует муниципальная дорожная карта."))
    if roadmap.status not in ACTIVE:
        raise ValidationError(_("Сначала утвердите дорожную карту."))
    if due is None:
        raise ValidationError(_("Укажите срок принятия школьных дорожных карт."))
    with transaction.atomic():
        current = _locked(Roadmap, roadmap)
        before = _state(current, ROADMAP_FIELDS)
        current.requires_school_roadmaps = True
        current.school_roadmaps_due = due
        current.version += 1
        current.save()
        _record(
            obj=current,
            action="cascade",
            by=by,
            before=before,
            after=_state(current, ROADMAP_FIELDS),
            roadmap=current,
        )
    roadmap.refresh_from_db()  # the caller's instance follows the change
    return current


def _measures_for_school(municipal: Roadmap, school: School):
    return municipal.measures.filter(
        Q(for_all_schools=True) | Q(responsible_schools=school)
    ).distinct()


def school_roadmap_start_from(*, municipal: Roadmap, school: School, by) -> Roadmap:
    """A draft school roadmap copied from the municipal one: its sections and the
    measures the school is responsible for (all of them when none names schools),
    each keeping its link to the municipal measure."""
    if municipal.level != "municipality" or school.municipality_id != municipal.municipality_id:
        raise ValidationError(_("Школа не относится к муниципалитету этой дорожной карты."))
    existing = (
        municipal.school_roadmaps.filter(school=school)
        .exclude(status=Roadmap.Status.CLOSED)
        .first()
    )
    if existing is not None:
        raise ValidationError(_("У школы уже есть дорожная карта по этой муниципальной."))
    with transaction.atomic():
        roadmap = roadmap_create(
            owner=school,
            title=municipal.title,
            by=by,
            parent=municipal,
            period_start=municipal.period_start,
            period_end=municipal.period_end,
            academic_year=municipal.academic_year,
            purpose=municipal.purpose,
            tasks=municipal.tasks,
            reporting_period=municipal.reporting_period,
        )
        measures = list(_measures_for_school(municipal, school).order_by("position", "pk"))
        if not measures:
            measures = list(municipal.measures.order_by("position", "pk"))
        sections = {s.pk: s for s in municipal.sections.all()}
        # The sections holding the copied measures, with all their ancestors.
        wanted: set[int] = set()
        for section_id in {m.section_id for m in measures if m.section_id}:
            while section_id is not None and section_id not in wanted:
                wanted.add(section_id)
                section_id = sections[section_id].parent_id

        def depth(section) -> int:
            n = 0
            while section.parent_id is not None:
                section, n = sections[section.parent_id], n + 1
            return n

        section_map: dict[int, Section] = {}
        for section in sorted(
            (sections[pk] for pk in wanted), key=lambda s: (depth(s), s.position, s.pk)
        ):
            section_map[section.pk] = Section.objects.create(
                roadmap=roadmap,
                parent=section_map.get(section.parent_id),
                number=section.number,
                title=section.title,
                position=section.position,
            )
        for measure in measures:
            copy = Measure.objects.create(
                roadmap=roadmap,
                section=section_map.get(measure.section_id),
                number=measure.number,
                text=measure.text,
                participants=measure.participants,
                deadline_text=measure.deadline_text,
                deadline_kind=measure.deadline_kind,
                deadline_dates=measure.deadline_dates,
                deadline_event=measure.deadline_event,
                responsible_text=measure.responsible_text,
                for_all_schools=True,
                result=measure.result,
                document_kind=measure.document_kind,
                document_text=measure.document_text,
                requires_evidence=measure.requires_evidence,
                extra=measure.extra,
                source_measure=measure,
                position=measure.position,
            )
            for indicator in measure.indicators.all():
                Indicator.objects.create(
                    measure=copy,
                    text=indicator.text,
                    comparator=indicator.comparator,
                    target_value=indicator.target_value,
                    unit=indicator.unit,
                )
        _record(
            obj=roadmap,
            action="start_from",
            by=by,
            after={"parent": municipal.pk, "measures": len(measures)},
            roadmap=roadmap,
        )
    return roadmap


# --------------------------------------------------------------------------- assignments


def _schools_in_scope(roadmap: Roadmap):
    if roadmap.school_id:
        return School.objects.filter(pk=roadmap.school_id)
    schools = School.objects.filter(region=roadmap.region, is_active=True)
    if roadmap.municipality_id:
        schools = schools.filter(municipality=roadmap.municipality)
    return schools


def _all_due_before(measure: Measure, day: date) -> bool:
    """Every deadline of the measure is before `day` (a measure without dates is not)."""
    dates = measure.deadline_dates or []
    return bool(dates) and max(dates) < day.isoformat()


def assignments_create(
    *,
    roadmap: Roadmap,
    by,
    due_from: date | None = None,
    measures: list[int] | None = None,
    withdraw: bool = False,
) -> int:
    """One assignment per school in scope for ОО/ОУ measures (and per school
    named), one per responsible body, one to the persons named when nothing
    matched; a school roadmap's measures go to the school. Idempotent; returns
    how many were created. `withdraw`: an assignment of `measures` to a party no
    longer responsible is removed when nobody has reported on it yet."""
    from roadmaps.models import Assignment

    _require(by, "roadmaps.edit_roadmap", roadmap)
    all_schools = list(_schools_in_scope(roadmap))
    existing_qs = Assignment.objects.filter(measure__roadmap=roadmap)
    if measures is not None:
        existing_qs = existing_qs.filter(measure_id__in=measures)
    existing = set(existing_qs.values_list("measure_id", "school_id", "body_id"))
    new = []
    wanted = set()

    def add(measure, *, school=None, body=None, text=""):
        key = (measure.pk, school.pk if school else None, body.pk if body else None)
        wanted.add(key)
        if key in existing:
            return
        existing.add(key)
        if school is not None:
            node = {
                "region_id": school.region_id,
                "municipality_id": school.municipality_id,
                "school_id": school.pk,
            }
        elif body is not None:
            node = {
                "region_id": roadmap.region_id,
                "municipality_id": body.municipality_id or roadmap.municipality_id,
                "school_id": body.school_id or roadmap.school_id,
            }
        else:
            node = {
                "region_id": roadmap.region_id,
                "municipality_id": roadmap.municipality_id,
                "school_id": roadmap.school_id,
            }
        new.append(
            Assignment(measure=measure, body=body, school=school, assignee_text=text[:500], **node)
        )

    chosen = roadmap.measures.prefetch_related("responsible_bodies", "responsible_schools")
    if measures is not None:
        chosen = chosen.filter(pk__in=measures)
    for measure in chosen:
        if due_from is not None and (
            _all_due_before(measure, due_from) or roadmap_period_ended(roadmap, due_from)
        ):
            continue  # a past deadline would be an overdue item from the day it is given
        if roadmap.school_id:
            add(measure, school=roadmap.school)
            continue
        schools = list(all_schools) if measure.for_all_schools else []
        schools += [s for s in measure.responsible_schools.all() if s not in schools]
        for school in schools:
            add(measure, school=school)
        for body in measure.responsible_bodies.all():
            add(measure, body=body)
        if not schools and not measure.responsible_bodies.all():
            add(measure, text=measure.responsible_text)
    with transaction.atomic():
        Assignment.objects.bulk_create(new)
        if new:
            _record(
                obj=roadmap,
                action="assign",
                by=by,
                after={"assignments": len(new)},
                roadmap=roadmap,
            )
            notices.assignments_given(roadmap=roadmap, assignments=new, by=by)
        if withdraw and measures is not None:
            stale = [
                a
                for a in existing_qs.filter(reports__isnull=True).select_related("school", "body")
                if (a.measure_id, a.school_id, a.body_id) not in wanted
            ]
            if stale:
                _record(
                    obj=roadmap,
                    action="withdraw",
                    by=by,
                    before={"withdrawn": [str(a.assignee) for a in stale]},
                    roadmap=roadmap,
                )
                Assignment.objects.filter(pk__in=[a.pk for a in stale]).delete()
    return len(new)


# --------------------------------------------------------------------------- evidence and reports

EVIDENCE_TYPES = {
    "pdf": (".pdf", "application/pdf"),
    "docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "png": (".png", "image/png"),
    "jpeg": (".jpg", "image/jpeg"),
}


def evidence_type(data: bytes) -> str | None:
    """'pdf', 'docx', 'xlsx', 'png' or 'jpeg' by the content; None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    kind = sniff_kind(data)
    return kind if kind in ("docx", "xlsx") else None


def sanitise_filename(name: str, extension: str) -> str:
    """A file name safe to store and to send back: no path, no control characters,
    the extension of the real type."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]+', "_", name).strip(" .")
    stem = name[: name.rfind(".")] if "." in name else name
    stem = re.sub(r"\s+", " ", stem).strip()[:150] or _("файл")
    return f"{stem}{extension}"


@dataclass
class CheckedFile:
    data: bytes
    name: str
    type: str
    kind: str

    @property
    def extension(self) -> str:
        return EVIDENCE_TYPES[self.type][0]

    @property
    def content_type(self) -> str:
        return EVIDENCE_TYPES[self.type][1]


def evidence_check(
    source, *, kind: str = DocumentKind.OTHER, filename: str | None = None
) -> CheckedFile:
    """Read an uploaded file (or a (name, bytes) pair), refusing it when too big,
    empty, or not PDF, DOCX, XLSX, PNG or JPEG by its content."""
    if isinstance(source, tuple):
        filename, source = source[0], ContentFile(source[1], name=source[0])
    try:
        data, name = read_bytes(source, filename=filename)
    except FileRejected as exc:
        raise ValidationError(str(exc)) from exc
    if not data:
        raise ValidationError(_("Файл «%s» пуст.") % name)
    found = evidence_type(data)
    if found is None:
        raise ValidationError(
            _(
                "Файл «%s» не принят: подтверждающие документы принимаются в PDF, DOCX, XLSX, PNG или JPEG."
            )
            % name
        )
    if found in ("docx", "xlsx"):
        try:
            names = check_zip(data, name).namelist()
        except FileRejected as exc:
            raise ValidationError(str(exc)) from exc
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise ValidationError(
                _("Файл «%s» содержит макросы; сохраните документ без макросов.") % name
            )
    if kind not in DocumentKind.values:
        kind = DocumentKind.OTHER
    return CheckedFile(
        data=data, name=sanitise_filename(name, EVIDENCE_TYPES[found][0]), type=found, kind=kind
    )


def _evidence_save(*, report: ProgressReport, checked: CheckedFile, by) -> Evidence:
    digest = hashlib.sha256(checked.data).hexdigest()
    evidence = Evidence(
        report=report,
        original_name=checked.name,
        kind=checked.kind,
        size=len(checked.data),
        sha256=digest,
        content_type=checked.content_type,
        uploaded_by=by if by is not None and by.is_authenticated else None,
    )
    evidence.file.save(
        f"{report.pk}-{digest[:16]}{checked.extension}", ContentFile(checked.data), save=False
    )
    evidence.save()
    return evidence


def _parse_decimal(value):
    if value in (None, ""):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation as exc:
        raise ValidationError(_("Значение показателя «%s» — не число.") % value) from exc


def progress_report_submit(
    *,
    assignment,
    period_start: date,
    period_end: date,
    status: str,
    by,
    comment: str = "",
    actual_value=None,
    files=(),
    evidence_kind: str | None = None,
    now=None,
) -> ProgressReport:
    """Report on an assignment for one period. A re-submission (after a return, or
    while the previous one waits for review) links `previous` and keeps its files.
    "Done" needs evidence of the measure's declared kind when it requires evidence."""
    _require(by, "roadmaps.report_progress", assignment)
    measure = assignment.measure
    roadmap = Roadmap.objects.get(pk=measure.roadmap_id)
    if roadmap.status not in ACTIVE:
        raise ValidationError(
            _("Отчитываться можно только по утверждённой и действующей дорожной карте.")
        )
    if status not in ProgressReport.Status.values:
        raise ValidationError(_("Неизвестное состояние выполнения."))
    if period_start is None or period_end is None or period_start > period_end:
        raise ValidationError(_("Неверно указан отчётный период."))
    kind = evidence_kind or measure.document_kind or DocumentKind.OTHER
    checked = [evidence_check(f, kind=kind) for f in files]
    actual = _parse_decimal(actual_value)
    with transaction.atomic():
        previous = (
            ProgressReport.objects.select_for_update()
            .filter(assignment=assignment, period_start=period_start, is_current=True)
            .first()
        )
        if previous is not None and previous.review_state == ProgressReport.Review.ACCEPTED:
            raise ValidationError(_("Отчёт за этот период уже принят."))
        carried = list(previous.evidence.all()) if previous is not None else []
        if status == ProgressReport.Status.DONE and measure.requires_evidence:
            kinds = {c.kind for c in checked} | {e.kind for e in carried}
            needed = measure.document_kind
            if (needed and needed != DocumentKind.OTHER and needed not in kinds) or not kinds:
                label = DocumentKind(needed).label if needed else _("подтверждающий документ")
                raise ValidationError(
                    _("Чтобы отметить мероприятие выполненным, приложите документ: %s.") % label
                )
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        try:
            with transaction.atomic():  # a savepoint: a concurrent submission wins cleanly
                report = ProgressReport.objects.create(
                    assignment=assignment,
                    period_start=period_start,
                    period_end=period_end,
                    status=status,
                    comment=(comment or "").strip(),
                    actual_value=actual,
                    submitted_by=by if by is not None and by.is_authenticated else None,
                    submitted_at=now or timezone.now(),
                    previous=previous,
                )
        except IntegrityError as exc:
            raise ValidationError(
                _(
                    "Отчёт за этот период только что отправил другой пользователь; обновите страницу."
                )
            ) from exc
        for old in carried:
            Evidence.objects.create(
                report=report,
                file=old.file.name,
                original_name=old.original_name,
                kind=old.kind,
                size=old.size,
                sha256=old.sha256,
                content_type=old.content_type,
                uploaded_by=old.uploaded_by,
            )
        # A file already carried over (or given twice) is kept once: people attach
        # the same protocol again when they correct a returned report.
        kept = {old.sha256 for old in carried}
        new_files = []
        for item in checked:
            digest = hashlib.sha256(item.data).hexdigest()
            if digest not in kept:
                kept.add(digest)
                new_files.append(item)
        for item in new_files:
            _evidence_save(report=report, checked=item, by=by)
        _record(
            obj=report,
            action="submit",
            by=by,
            before=_state(previous, REPORT_FIELDS) if previous else None,
            after=dict(
                _state(report, REPORT_FIELDS),
                **({"files": [c.name for c in new_files]} if new_files else {}),
            ),
            roadmap=roadmap,
            node=assignment,
        )
        notices.report_submitted(report=report, by=by)
    return report


def _review(*, report: ProgressReport, by, state: str, reason: str = "") -> ProgressReport:
    _require(by, "roadmaps.review_report", report)
    with transaction.atomic():
        current = _locked(ProgressReport, report)
        if not current.is_current or current.review_state != ProgressReport.Review.SUBMITTED:
            raise ValidationError(_("Этот отчёт уже проверен или заменён новым."))
        before = _state(current, REPORT_FIELDS)
        current.review_state = state
        current.review_reason = reason
        current.reviewed_by = by if by is not None and by.is_authenticated else None
        current.reviewed_at = timezone.now()
        current.save()
        measure = current.assignment.measure
        if state == ProgressReport.Review.ACCEPTED and current.actual_value is not None:
            indicators = list(measure.indicators.all())
            if len(indicators) == 1 and measure.assignments.count() == 1:
                indicators[0].actual_value = current.actual_value
                indicators[0].save(update_fields=["actual_value"])
        _record(
            obj=current,
            action=state,
            by=by,
            before=before,
            after=_state(current, REPORT_FIELDS),
            roadmap=measure.roadmap,
            node=current.assignment,
        )
        notices.report_reviewed(report=current, by=by)
    report.refresh_from_db()  # the caller's instance follows the change
    return current


def progress_report_accept(*, report: ProgressReport, by) -> ProgressReport:
    return _review(report=report, by=by, state=ProgressReport.Review.ACCEPTED)


def progress_report_return(*, report: ProgressReport, reason: str, by) -> ProgressReport:
    """Send a report back; the school sees `reason` and re-submits."""
    if not (reason or "").strip():
        raise ValidationError(_("Укажите причину возврата: школа её увидит."))
    return _review(
        report=report, by=by, state=ProgressReport.Review.RETURNED, reason=reason.strip()
    )


# --------------------------------------------------------------------------- proof pack


def proof_pack_build(*, school: School, period_start: date, period_end: date, user) -> bytes:
    """A ZIP for an inspection: index.pdf listing the school's reports of the period
    and every evidence file they carry. Reads only what `user` reaches."""
    from reports.pdf import html_to_pdf

    reports = list(
        ProgressReport.objects.visible_to(user)
        .filter(
            assignment__school=school,
            is_current=True,
            period_start__lte=period_end,
            period_end__gte=period_start,
        )
        .select_related("assignment__measure__roadmap", "submitted_by", "reviewed_by")
        .prefetch_related("evidence")
        .order_by(
            "assignment__measure__roadmap_id", "assignment__measure__position", "period_start"
        )
    )
    buffer = io.BytesIO()
    used: set[str] = set()
    rows = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for report in reports:
            names = []
            for evidence in report.evidence.all():
                measure = report.assignment.measure
                prefix = re.sub(r"[^\w.-]+", "_", measure.number or str(measure.pk)).strip(
                    "._"
                ) or str(measure.pk)
                name = f"{prefix}_{evidence.original_name}"
                stem, dot, ext = name.rpartition(".")
                n = 2
                while name in used:
                    name = f"{stem}_{n}.{ext}" if dot else f"{name}_{n}"
                    n += 1
                used.add(name)
                try:
                    with evidence.file.open("rb") as handle:
                        archive.writestr(f"files/{name}", handle.read())
                except FileNotFoundError:
                    name = _("%s (файл не найден в хранилище)") % name
                names.append(
                    {"name": name, "kind": evidence.get_kind_display(), "sha256": evidence.sha256}
                )
            rows.append({"report": report, "files": names})
        html = render_to_string(
            "roadmaps/proof_pack_index.html",
            {
                "school": school,
                "period_start": period_start,
                "period_end": period_end,
                "rows": rows,
                "built_at": timezone.now(),
            },
        )
        archive.writestr("index.pdf", html_to_pdf(html).content)
    return buffer.getvalue()


# --------------------------------------------------------------------------- import


@dataclass
class RoadmapImportResult:
    roadmap: Roadmap | None
    sections: int = 0
    measures: int = 0
    unparsed_deadlines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False


def roadmap_import(parsed, *, owner, by, dry_run: bool = False) -> RoadmapImportResult:
    """Create a draft roadmap of `owner` from a parsed document, in one transaction:
    the order's header, sections (nested), measures with parsed deadlines and
    matched responsible parties, indicators found in the text. With `dry_run`
    nothing stays written."""
    if not any(True for _m in parsed.iter_measures()):
        raise ValidationError(
            _("В документе не найдено ни одного мероприятия: нечего импортировать.")
        )
    order = parsed.order
    start, end = (parsed.period_start, parsed.period_end)
    title = (parsed.title or order.title or _("Дорожная карта")).strip()
    result = RoadmapImportResult(roadmap=None, warnings=list(parsed.warnings), dry_run=dry_run)
    candidates = responsible_candidates(owner)
    with transaction.atomic():
        roadmap = roadmap_create(
            owner=owner,
            title=title[:1000],
            by=by,
            period_start=start,
            period_end=end,
            preamble=parsed.preamble,
            closing=getattr(parsed, "closing", ""),
            approvals=[vars(a) for a in getattr(parsed, "approvals", [])],
            order_number=order.number[:50],
            order_date=order.date,
            order_place=order.place[:200],
            order_title=order.title[:1000],
            order_signatory=order.signatory[:200],
            order_signatory_position=order.signatory_position[:500],
            order_body=order.body[:500],
            order_preamble=order.preamble,
            order_items=list(order.items),
        )
        if not (start and end):
            roadmap.period_start, roadmap.period_end = parsed.effective_period()
            roadmap.save(update_fields=["period_start", "period_end"])

        def add_section(parsed_section, parent, position):
            section = Section.objects.create(
                roadmap=roadmap,
                parent=parent,
                number=parsed_section.number[:30],
                title=parsed_section.title[:1000],
                position=position,
            )
            result.sections += 1
            for index, pm in enumerate(parsed_section.measures, start=1):
                document_kind = document_kind_from_text(pm.document)
                measure = Measure(
                    roadmap=roadmap,
                    section=section,
                    number=pm.number[:30],
                    text=pm.text,
                    participants=pm.participants,
                    deadline_text=pm.deadline_text[:500],
                    responsible_text=pm.responsible_text,
                    result=pm.result,
                    document_text=pm.document[:500],
                    document_kind=document_kind,
                    requires_evidence=bool(document_kind),
                    extra=dict(getattr(pm, "extra", {}) or {}),
                    position=index,
                )
                for name, value in deadline_schedule(pm.deadline_text, roadmap=roadmap).items():
                    setattr(measure, name, value)
                if measure.deadline_kind == "unparsed" and pm.deadline_text.strip():
                    result.unparsed_deadlines.append(f"{pm.number} {pm.deadline_text}".strip())
                measure.save()
                _apply_responsible(measure, roadmap, candidates)
                for indicator in indicators_from_text(f"{pm.text}. {pm.result}"):
                    Indicator.objects.create(measure=measure, **indicator)
                result.measures += 1
            for index, child in enumerate(parsed_section.sections, start=1):
                add_section(child, section, index)

        for index, parsed_section in enumerate(parsed.sections, start=1):
            add_section(parsed_section, None, index)
        _record(
            obj=roadmap,
            action="import",
            by=by,
            after={
                "sections": result.sections,
                "measures": result.measures,
                "source": getattr(parsed, "source_format", ""),
            },
            roadmap=roadmap,
        )
        for text in result.unparsed_deadlines:
            result.warnings.append(
                _("Срок «%s» не распознан: он сохранён как написан, уточните его.") % text
            )
        result.roadmap = roadmap
        if dry_run:
            transaction.set_rollback(True)
    return result


def parsed_roadmap_json(parsed, *, owner) -> dict:
    """The shape `import_roadmap --json` prints, with responsible parties matched
    against the bodies and schools of `owner`."""
    bodies, schools = responsible_candidates(owner)

    def matcher(text):
        return match_responsible(text, bodies=bodies, schools=schools).as_json()

    return parsed.as_json(match_responsible=matcher)


def resolve_owner(code: str):
    """The owner named on the command line: "39" (region), "39:01" (municipality),
    "39:390101" or a ФИС ОКО login "edu390101" (school). None when nothing matches."""
    from schools.models import parse_fis_login

    code = (code or "").strip()
    if parse_fis_login(code):
        return (
            School.objects.filter(fis_login=code.lower())
            .select_related("municipality", "region")
            .first()
        )
    if re.fullmatch(r"\d{1,2}", code):
        return Region.objects.filter(code=code.zfill(2)).first()
    match = re.fullmatch(r"(\d{1,2}):(.+)", code)
    if match:
        region_code, rest = match.group(1).zfill(2), match.group(2).strip()
        municipality = Municipality.objects.filter(region__code=region_code, code=rest).first()
        if municipality is not None:
            return municipality
        return (
            School.objects.filter(region__code=region_code, code=rest)
            .select_related("municipality", "region")
            .first()
        )
    return None
