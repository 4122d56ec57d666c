"""What a change outside the roadmaps' own services does to their cached figures.

A roadmap's figures (execution by school, the overdue lists, the analyst's shares) and
its page's outline (roadmaps.views.outline) are cached under its activity token
(`services.base.roadmap_touch`), which every write of the roadmaps' services and admin
renews. A school or a body is edited elsewhere: in the admin, by the import of the
region's list. Its name shows in those figures and in the measures' rows, so a saved
school or body renews the token of every roadmap that names it as responsible for a
measure or gives it an assignment, in the same transaction.
"""

from __future__ import annotations

from roadmaps.models import Assignment, Measure
from roadmaps.services.base import roadmaps_touch


def _touch_naming(**link) -> None:
    """Renew the roadmaps whose assignments go to the linked school or body, or whose
    measures name it as responsible (`link`: school=… or body=…)."""
    ((field, instance),) = link.items()
    through = (
        Measure.responsible_schools.through
        if field == "school"
        else Measure.responsible_bodies.through
    )
    roadmaps_touch(
        roadmap_ids=set(
            Assignment.objects.of_scoped(**{field: instance})
            .values_list("measure__roadmap_id", flat=True)
            .distinct()
        )
        | set(
            through.objects.filter(**{field: instance})
            .values_list("measure__roadmap_id", flat=True)
            .distinct()
        )
    )


def school_saved(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    _touch_naming(school=instance)


def body_saved(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    _touch_naming(body=instance)
