"""Assignments: who is given each measure of an approved roadmap, and what is
withdrawn when that changes."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from roadmaps import notices
from roadmaps.models import (
    Measure,
    Roadmap,
)
from roadmaps.services.base import _record, _require, roadmap_period_ended
from schools.models import School


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
