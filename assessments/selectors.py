"""Reads of the assessments app: each takes the user first and scopes through the one rule."""

from __future__ import annotations

from django.db.models import Avg, Count, Q
from django.shortcuts import get_object_or_404

from assessments.models import ImportBatch, Procedure, Result, Scale, SchoolAggregate, Task
from schools.models import School


def procedure_regions(*, user):
    """The regions whose procedures the user sees: a procedure is the region's calendar,
    shown to everyone who works in the region (a school deputy too), so it is reached
    through the scoped schools of the user rather than through a region membership."""
    return School.objects.visible_to(user).values("region_id")


def procedure_list(*, user, instrument=None, year=None):
    qs = Procedure.objects.filter(
        Q(pk__in=Procedure.objects.visible_to(user).values("pk"))
        | Q(region_id__in=procedure_regions(user=user))
    ).select_related("region")
    if instrument:
        qs = qs.filter(instrument=instrument)
    if year:
        qs = qs.filter(year=year)
    return qs


def procedure_get(*, user, pk):
    return get_object_or_404(procedure_list(user=user), pk=pk)


def procedure_school_summary(*, user, procedure):
    """Per school the user reaches: participants, mean primary score and marks 2–5."""
    return (
        Result.objects.visible_to(user)
        .filter(procedure=procedure)
        .values("school_id", "school__short_name", "school__code")
        .annotate(
            participants=Count("pk"),
            mean=Avg("primary_score"),
            **{f"mark_{m}": Count("pk", filter=Q(mark=m)) for m in (2, 3, 4, 5)},
        )
        .order_by("school__short_name")
    )


def task_list(*, user, procedure):
    return Task.objects.visible_to(user).filter(procedure=procedure).order_by("variant", "position")


def scale_list(*, user):
    """The scales of the user's regions (as for procedures) and the federal scales
    (reference data shared by every region)."""
    return Scale.objects.filter(
        Q(pk__in=Scale.objects.visible_to(user).values("pk"))
        | Q(region_id__in=procedure_regions(user=user))
        | Q(region__isnull=True)
    ).select_related("region")


def result_list(*, user, procedure=None, school=None):
    qs = Result.objects.visible_to(user).select_related("school")
    if procedure is not None:
        qs = qs.filter(procedure=procedure)
    if school is not None:
        qs = qs.filter(school=school)
    return qs.order_by("class_name", "participant_code")


def aggregate_list(*, user, procedure=None):
    qs = SchoolAggregate.objects.visible_to(user).select_related("school")
    return qs.filter(procedure=procedure) if procedure is not None else qs


def import_batch_list(*, user):
    return ImportBatch.objects.visible_to(user).select_related("procedure", "school", "created_by")


def import_batch_get(*, user, pk):
    return ImportBatch.objects.select_related(
        "procedure", "school", "created_by"
    ).get_visible_or_404(user, pk=pk)


def results_history(*, user, procedure, limit: int = 100):
    """Who loaded or replaced which school's results of `procedure`, and when
    (the history lines the import writes), newest first, in the user's reach."""
    from schools.history import ChangeRecord

    return (
        ChangeRecord.objects.visible_to(user)
        .filter(object_type="results", object_id=procedure.pk)
        .select_related("by", "school")
        .order_by("-at", "-pk")[:limit]
    )
