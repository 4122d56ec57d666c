"""Reads of the assessments app: each takes the user first and scopes through the one rule."""

from __future__ import annotations

from django.db.models import Avg, Count, Q
from django.shortcuts import get_object_or_404

from assessments.results.models import (
    ImportBatch,
    Instrument,
    Procedure,
    Result,
    Scale,
    SchoolAggregate,
    Task,
)


def procedure_list(*, user, instrument=None, year=None):
    # A procedure is shared down from its region (ScopePaths.shared_down): everyone who
    # works in the region sees it, which `visible_to` gives.
    qs = Procedure.objects.visible_to(user).select_related("region")
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
        .filter(procedure=procedure, year=procedure.year)
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
    return (Scale.objects.visible_to(user) | Scale.objects.unowned()).select_related("region")


def result_list(*, user, procedure=None, school=None):
    qs = Result.objects.visible_to(user).select_related("school")
    if procedure is not None:
        qs = qs.filter(procedure=procedure, year=procedure.year)
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


def scale_find(*, procedure: Procedure) -> Scale | None:
    """The region's own scale for the procedure, else the federal one.

    A ВПР with objectivity control is marked with the ВПР scale.
    """
    instruments = [procedure.instrument]
    if procedure.instrument == Instrument.VPR_CONTROLLED:
        instruments.append(Instrument.VPR)
    # The federal scales, and the region's own: the procedure came through visible_to.
    scales = Scale.objects.unowned() | Scale.objects.of_scoped(region_id=procedure.region_id)
    candidates = list(
        scales.filter(
            instrument__in=instruments,
            year=procedure.year,
            grade=procedure.grade,
            subject=procedure.subject,
        )
    )
    candidates.sort(key=lambda s: (s.region_id is None, instruments.index(s.instrument)))
    return candidates[0] if candidates else None
