"""Reads of the assessments app: each takes the user first and scopes through the one rule."""

from __future__ import annotations

from django.db.models import Count, Q

from assessments.models import ImportBatch, Procedure, Result, Scale, SchoolAggregate, Task


def procedure_list(*, user, instrument=None, year=None):
    qs = Procedure.objects.visible_to(user).select_related("region")
    if instrument:
        qs = qs.filter(instrument=instrument)
    if year:
        qs = qs.filter(year=year)
    return qs.annotate(participants=Count("results"))


def procedure_get(*, user, pk):
    return Procedure.objects.select_related("region").get_visible_or_404(user, pk=pk)


def task_list(*, user, procedure):
    return Task.objects.visible_to(user).filter(procedure=procedure).order_by("variant", "position")


def scale_list(*, user):
    """The region's scales the user reaches, and the federal scales (reference data,
    shared by every region: they carry no tenant data)."""
    return Scale.objects.filter(
        Q(pk__in=Scale.objects.visible_to(user).values("pk")) | Q(region__isnull=True)
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
