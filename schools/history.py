"""The history log: who changed what and when, one row per change, written by every
domain app (roadmaps, assessments' flag answers and results imports, the admin)
and read through the same scoping as the objects it records.

    change_record(obj=..., action=..., by=..., node=...) -> ChangeRecord   # unsaved
    record_change(obj=..., action=..., by=..., node=...) -> ChangeRecord   # saved

The table is still `roadmaps_changerecord` (the model lived in roadmaps until
issue #18); the roadmap is named by the string "roadmaps.Roadmap" so that this
module imports nothing of the apps above it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.owners import Owned


class ChangeRecord(Owned):
    """Who changed what and when: one row per change to a roadmap, a measure or a report."""

    roadmap = models.ForeignKey(
        "roadmaps.Roadmap",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
    )
    object_type = models.CharField(_("объект"), max_length=30)
    object_id = models.PositiveBigIntegerField(_("id объекта"), null=True)
    action = models.CharField(_("действие"), max_length=30)
    before = models.JSONField(_("было"), null=True, blank=True)
    after = models.JSONField(_("стало"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("кто"),
    )
    at = models.DateTimeField(_("когда"), auto_now_add=True)

    class Meta:
        db_table = "roadmaps_changerecord"
        ordering = ["-at", "-pk"]
        verbose_name = _("запись истории")
        verbose_name_plural = _("история изменений")

    def __str__(self):
        return f"{self.at:%d.%m.%Y %H:%M} {self.object_type} {self.object_id} {self.action}"


def change_record(
    *,
    obj,
    action: str,
    by,
    node,
    before=None,
    after=None,
    roadmap=None,
    object_type: str | None = None,
) -> ChangeRecord:
    """One line of history, not yet saved (for bulk_create). `node`: an object with
    region_id, municipality_id and school_id (the object, its roadmap or its school)
    that decides who reads the line; `by`: the acting user, stored only when
    authenticated (a system actor leaves it empty)."""
    return ChangeRecord(
        region_id=node.region_id,
        municipality_id=node.municipality_id,
        school_id=node.school_id,
        roadmap=roadmap,
        object_type=object_type or type(obj)._meta.model_name,
        object_id=obj.pk,
        action=action,
        before=before,
        after=after,
        by=by if by is not None and by.is_authenticated else None,
    )


def record_change(**kwargs) -> ChangeRecord:
    """`change_record(...)`, saved."""
    record = change_record(**kwargs)
    record.save(force_insert=True)
    return record
