"""The municipal roadmap's requirement to the schools, and a school roadmap started
from the municipal one."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from roadmaps.models import (
    Indicator,
    Measure,
    Roadmap,
    Section,
)
from roadmaps.services.base import ACTIVE, ROADMAP_FIELDS, _locked, _record, _require, _state
from roadmaps.services.roadmap import roadmap_create
from schools.models import School


def roadmap_cascade(*, roadmap: Roadmap, due: date, by) -> Roadmap:
    """Require every school of the municipality to adopt its own roadmap by `due`."""
    _require(by, "roadmaps.approve_roadmap", roadmap)
    if roadmap.level != "municipality":
        raise ValidationError(_("Школьные дорожные карты требует муниципальная дорожная карта."))
    if roadmap.status not in ACTIVE:
        raise ValidationError(_("Сначала утвердите дорожную карту."))
    if due is None:
        raise ValidationError(_("Укажите срок принятия школьных дорожных карт."))
    with transaction.atomic():
        current = _locked(Roadmap, roadmap)
        before = _state(current, ROADMAP_FIELDS)
        current.requires_school_roadmaps = True
        current.school_roadmaps_due = due
        current.version += 1
        current.save()
        _record(
            obj=current,
            action="cascade",
            by=by,
            before=before,
            after=_state(current, ROADMAP_FIELDS),
            roadmap=current,
        )
    roadmap.refresh_from_db()  # the caller's instance follows the change
    return current


def _measures_for_school(municipal: Roadmap, school: School):
    return municipal.measures.filter(
        Q(for_all_schools=True) | Q(responsible_schools=school)
    ).distinct()


def school_roadmap_start_from(*, municipal: Roadmap, school: School, by) -> Roadmap:
    """A draft school roadmap copied from the municipal one: its sections and the
    measures the school is responsible for (all of them when none names schools),
    each keeping its link to the municipal measure."""
    if municipal.level != "municipality" or school.municipality_id != municipal.municipality_id:
        raise ValidationError(_("Школа не относится к муниципалитету этой дорожной карты."))
    existing = (
        municipal.school_roadmaps.filter(school=school)
        .exclude(status=Roadmap.Status.CLOSED)
        .first()
    )
    if existing is not None:
        raise ValidationError(_("У школы уже есть дорожная карта по этой муниципальной."))
    with transaction.atomic():
        roadmap = roadmap_create(
            owner=school,
            title=municipal.title,
            by=by,
            parent=municipal,
            period_start=municipal.period_start,
            period_end=municipal.period_end,
            academic_year=municipal.academic_year,
            purpose=municipal.purpose,
            tasks=municipal.tasks,
            reporting_period=municipal.reporting_period,
        )
        measures = list(_measures_for_school(municipal, school).order_by("position", "pk"))
        if not measures:
            measures = list(municipal.measures.order_by("position", "pk"))
        sections = {s.pk: s for s in municipal.sections.all()}
        # The sections holding the copied measures, with all their ancestors.
        wanted: set[int] = set()
        for section_id in {m.section_id for m in measures if m.section_id}:
            while section_id is not None and section_id not in wanted:
                wanted.add(section_id)
                section_id = sections[section_id].parent_id

        def depth(section) -> int:
            n = 0
            while section.parent_id is not None:
                section, n = sections[section.parent_id], n + 1
            return n

        section_map: dict[int, Section] = {}
        for section in sorted(
            (sections[pk] for pk in wanted), key=lambda s: (depth(s), s.position, s.pk)
        ):
            section_map[section.pk] = Section.objects.create(
                roadmap=roadmap,
                parent=section_map.get(section.parent_id),
                number=section.number,
                title=section.title,
                position=section.position,
            )
        # In bulk: a hundred measures and their indicators in a few queries, not two a
        # measure (Measure and Indicator have no save() or signal of their own).
        copies = Measure.objects.bulk_create(
            Measure(
                roadmap=roadmap,
                section=section_map.get(measure.section_id),
                number=measure.number,
                text=measure.text,
                participants=measure.participants,
                deadline_text=measure.deadline_text,
                deadline_kind=measure.deadline_kind,
                deadline_dates=measure.deadline_dates,
                deadline_event=measure.deadline_event,
                responsible_text=measure.responsible_text,
                for_all_schools=True,
                result=measure.result,
                document_kind=measure.document_kind,
                document_text=measure.document_text,
                requires_evidence=measure.requires_evidence,
                extra=measure.extra,
                source_measure=measure,
                position=measure.position,
            )
            for measure in measures
        )
        copy_of = {copy.source_measure_id: copy for copy in copies}
        Indicator.objects.bulk_create(
            Indicator(
                measure=copy_of[indicator.measure_id],
                text=indicator.text,
                comparator=indicator.comparator,
                target_value=indicator.target_value,
                unit=indicator.unit,
            )
            for indicator in Indicator.objects.of_scoped(
                measure__in=[m.pk for m in measures]
            ).order_by("measure_id", "pk")
        )
        _record(
            obj=roadmap,
            action="start_from",
            by=by,
            after={"parent": municipal.pk, "measures": len(measures)},
            roadmap=roadmap,
        )
    return roadmap
