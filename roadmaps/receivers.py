"""What a change outside the roadmaps' own services does to their cached figures.

A roadmap's figures (execution by school, the overdue lists, the analyst's shares)
are cached under its activity token (`services.base.roadmap_touch`), which every
write of the roadmaps' services and admin renews. A school is edited elsewhere: in
the admin, by the import of the region's list. Its name, municipality or kind shows
in those figures, so a saved school renews the token of every roadmap that gives it
a measure, in the same transaction.
"""

from __future__ import annotations

from roadmaps.models import Assignment
from roadmaps.services.base import roadmaps_touch


def school_saved(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    roadmaps_touch(
        roadmap_ids=Assignment.objects.of_scoped(school=instance)
        .values_list("measure__roadmap_id", flat=True)
        .distinct()
    )
