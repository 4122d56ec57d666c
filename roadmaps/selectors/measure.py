"""Reads of sections, measures and indicators; the measures of a roadmap in document
order with their responsible parties, three queries for the whole roadmap."""

from __future__ import annotations

from collections import defaultdict

from roadmaps.models import (
    Measure,
    Roadmap,
    Section,
)
from schools.models import School


def section_get(*, user, pk) -> Section:
    return Section.objects.select_related("roadmap").get_visible_or_404(user, pk=pk)


def measure_get(*, user, pk) -> Measure:
    return Measure.objects.select_related(
        "roadmap__region", "roadmap__municipality", "roadmap__school", "section", "updated_by"
    ).get_visible_or_404(user, pk=pk)


def measure_list(*, roadmap: Roadmap) -> list[Measure]:
    """The measures of a roadmap in document order, each with `body_list`,
    `school_list` and `indicator_list`: three grouped queries for the whole
    roadmap instead of Django's per-object prefetch (the page of 150 measures
    spent most of its time there)."""
    from roadmaps.models import Indicator
    from schools.models import Body

    measures = list(
        roadmap.measures.select_related("section", "source_measure").order_by(
            "section__position", "section_id", "position", "pk"
        )
    )
    bodies_of, schools_of, indicators_of = defaultdict(list), defaultdict(list), defaultdict(list)
    body_links = list(
        Measure.responsible_bodies.through.objects.filter(measure__roadmap=roadmap).values_list(
            "measure_id", "body_id"
        )
    )
    school_links = list(
        Measure.responsible_schools.through.objects.filter(measure__roadmap=roadmap).values_list(
            "measure_id", "school_id"
        )
    )
    bodies = Body.objects.of_scoped().in_bulk({b for _m, b in body_links})
    schools = School.objects.of_scoped().in_bulk({s for _m, s in school_links})
    for measure_id, body_id in body_links:
        bodies_of[measure_id].append(bodies[body_id])
    for measure_id, school_id in school_links:
        schools_of[measure_id].append(schools[school_id])
    for indicator in Indicator.objects.of_scoped(measure__roadmap=roadmap).order_by("pk"):
        indicators_of[indicator.measure_id].append(indicator)
    for measure in measures:
        measure.body_list = bodies_of.get(measure.pk, [])
        measure.school_list = schools_of.get(measure.pk, [])
        measure.indicator_list = indicators_of.get(measure.pk, [])
    return measures


def indicator_get(*, user, pk):
    from roadmaps.models import Indicator

    return Indicator.objects.select_related("measure__roadmap").get_visible_or_404(user, pk=pk)
