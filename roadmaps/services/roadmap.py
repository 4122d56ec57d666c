"""Writes to a roadmap as a whole: create, edit its header, approve, put in force,
close, and the questions asked before approving."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadmaps.models import (
    Roadmap,
)
from roadmaps.services.assignment import assignments_create
from roadmaps.services.base import (
    ACTIVE,
    ROADMAP_FIELDS,
    SYSTEM,
    StaleEdit,
    _locked,
    _owner_fields,
    _person,
    _record,
    _require,
    _require_editable,
    _stale_message,
    _state,
    roadmap_period_ended,
)
from roadmaps.services.matching import deadline_schedule
from roadmaps.services.revision import _make_revision


def roadmap_create(*, owner, title: str, by, **fields) -> Roadmap:
    """A new draft roadmap of `owner` (a Region, Municipality or School)."""
    roadmap = Roadmap(**_owner_fields(owner), title=title, created_by=_person(by), **fields)
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
        current.approved_by = _person(by)
        current.version += 1
        current.save()
        _make_revision(roadmap=current, reason=_("Утверждение"), by=by)
        if supersede:
            _supersede(
                roadmap=current,
                others=roadmap_approval_questions(roadmap=current, today=today)["replaces"],
                by=by,
            )
        assignments_create(roadmap=current, by=SYSTEM, due_from=today if as_record else None)
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
    _require(by, "roadmaps.approve_roadmap", roadmap)
    others = roadmap_in_force_elsewhere(roadmap)
    if others and not supersede:
        raise ValidationError(
            _("Уже действует «%(other)s». Ввести в действие эту вместо неё? Та будет закрыта.")
            % {"other": others[0].label},
            code="in_force_elsewhere",
        )
    with transaction.atomic():
        if others:
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
