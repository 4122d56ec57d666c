"""What every roadmap service shares: the permission and closed-roadmap checks, the
state a history line stores, the history line itself, row locks and stale edits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from roadmaps.models import (
    Roadmap,
    RoadmapActivity,
)
from schools.history import ChangeRecord, record_change
from schools.models import Municipality, Region, School

ACTIVE = (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)


class StaleEdit(ValidationError):
    """Someone saved the object after the editor loaded it."""


class SystemActor:
    """The acting party of system work: management commands, the demo, and what a
    service does itself after checking its caller (the assignments an approval
    makes). It passes every permission check and is recorded as nobody. Pass
    SYSTEM explicitly; `by=None` is refused rather than taken as "skip the check"."""

    pk = None
    is_authenticated = False

    def has_perm(self, permission: str, obj=None) -> bool:
        return True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def _require(user, permission: str, obj) -> None:
    """The one permission check of a write: `user` (the acting user, or SYSTEM) may
    do `permission` on `obj`."""
    if user is None:
        raise TypeError("`by` is required: the acting user, or SYSTEM for system work")
    if not user.has_perm(permission, obj):
        raise PermissionDenied(_("Недостаточно прав для этого действия."))


def _person(by):
    """The user to store as author: nobody for SYSTEM (or an anonymous user)."""
    return by if by is not None and by.is_authenticated else None


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
    """One line of history; `node` (an object with region/municipality/school) defaults to
    the roadmap. A line of a roadmap's history also marks the roadmap changed
    (`roadmap_touch`): every write of the roadmaps services records its line, so the
    cached figures keyed by the roadmap's activity follow every change."""
    record_change(
        obj=obj,
        action=action,
        by=by,
        node=node or roadmap,
        before=before,
        after=after,
        roadmap=roadmap,
    )
    if roadmap is not None:
        roadmap_touch(roadmap_id=roadmap.pk)


def roadmap_touch(*, roadmap_id: int) -> None:
    """Give the roadmap a new activity token (RoadmapActivity), in the caller's
    transaction: a fresh random token, never an earlier one come back, so a stamp
    made of it is new after any change."""
    roadmaps_touch(roadmap_ids=[roadmap_id])


def roadmaps_touch(*, roadmap_ids) -> None:
    """`roadmap_touch` for several roadmaps in one statement."""
    from uuid import uuid4

    roadmap_ids = sorted(set(roadmap_ids))
    if not roadmap_ids:
        return
    RoadmapActivity.objects.bulk_create(
        [RoadmapActivity(roadmap_id=pk, token=uuid4().hex) for pk in roadmap_ids],
        update_conflicts=True,
        unique_fields=["roadmap"],
        update_fields=["token"],
    )


def _owner_fields(owner) -> dict:
    if isinstance(owner, School):
        return {"region": owner.region, "municipality": owner.municipality, "school": owner}
    if isinstance(owner, Municipality):
        return {"region": owner.region, "municipality": owner, "school": None}
    if isinstance(owner, Region):
        return {"region": owner, "municipality": None, "school": None}
    raise ValueError("owner must be a Region, a Municipality or a School")


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


def roadmap_period_ended(roadmap: Roadmap, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return roadmap.period_end is not None and roadmap.period_end < today


def _next_position(queryset) -> int:
    return (queryset.aggregate(p=Max("position"))["p"] or 0) + 1
