"""The API's read-only lists written from plain values: the same JSON as the
serializers' (tests/api/test_roadmap_rows.py and test_measure_rows.py compare the
bytes), without a serializer field's work per value."""

from roadmaps.models import Measure, Roadmap
from schools.models import Body, School


def _day(value):
    # DRF's DateField in ISO 8601, as the API writes dates.
    return value.isoformat() if value else None


def roadmap_rows(roadmaps) -> list[dict]:
    """RoadmapSerializer's representation of `roadmaps` (owners selected, sections
    prefetched)."""
    return [
        {
            "id": r.pk,
            "level": r.level,
            "label": r.label,
            "region": r.region_id,
            "municipality": r.municipality_id,
            "school": r.school_id,
            "title": r.title,
            "period_start": _day(r.period_start),
            "period_end": _day(r.period_end),
            "academic_year": r.academic_year,
            "status": r.status,
            "reporting_period": r.reporting_period,
            "order_number": r.order_number,
            "order_date": _day(r.order_date),
            "order_place": r.order_place,
            "order_signatory": r.order_signatory,
            "order_signatory_position": r.order_signatory_position,
            "parent": r.parent_id,
            "requires_school_roadmaps": r.requires_school_roadmaps,
            "school_roadmaps_due": _day(r.school_roadmaps_due),
            "version": r.version,
            "sections": [
                {
                    "id": section.pk,
                    "parent": section.parent_id,
                    "number": section.number,
                    "title": section.title,
                    "position": section.position,
                }
                for section in r.sections.all()
            ],
        }
        for r in roadmaps
    ]


MEASURE_COLUMNS = (
    "id",
    "roadmap_id",
    "section_id",
    "number",
    "text",
    "participants",
    "deadline_text",
    "deadline_kind",
    "deadline_dates",
    "deadline_event",
    "responsible_text",
    "for_all_schools",
    "result",
    "document_kind",
    "document_text",
    "requires_evidence",
    "source_measure_id",
    "position",
    "version",
    "roadmap__region_id",
    "roadmap__municipality_id",
    "roadmap__school_id",
    "roadmap__status",
)


def measure_rows(rows, *, user) -> list[dict]:
    """MeasureDetailSerializer's representation of `rows` (values_list of
    MEASURE_COLUMNS): two queries for the responsible bodies and schools of the page,
    in their models' order, and the edit permission asked once per roadmap."""
    ids = [row[0] for row in rows]
    bodies: dict[int, list[int]] = {pk: [] for pk in ids}
    through = Measure.responsible_bodies.through.objects.filter(measure_id__in=ids)
    for measure_id, body_id in through.order_by(
        *(f"body__{key}" for key in Body._meta.ordering)
    ).values_list("measure_id", "body_id"):
        bodies[measure_id].append(body_id)
    schools: dict[int, list[int]] = {pk: [] for pk in ids}
    through = Measure.responsible_schools.through.objects.filter(measure_id__in=ids)
    for measure_id, school_id in through.order_by(
        *(f"school__{key}" for key in School._meta.ordering)
    ).values_list("measure_id", "school_id"):
        schools[measure_id].append(school_id)
    edit: dict[int, bool] = {}
    out = []
    for row in rows:
        (
            pk,
            roadmap_id,
            section_id,
            number,
            text,
            participants,
            deadline_text,
            deadline_kind,
            deadline_dates,
            deadline_event,
            responsible_text,
            for_all_schools,
            result,
            document_kind,
            document_text,
            requires_evidence,
            source_measure_id,
            position,
            version,
            region_id,
            municipality_id,
            school_id,
            status,
        ) = row
        if roadmap_id not in edit:
            # The roadmap's placement is all the permission reads (schools.policy).
            roadmap = Roadmap(
                pk=roadmap_id,
                region_id=region_id,
                municipality_id=municipality_id,
                school_id=school_id,
                status=status,
            )
            edit[roadmap_id] = user.has_perm("roadmaps.edit_roadmap", roadmap)
        out.append(
            {
                "id": pk,
                "roadmap": roadmap_id,
                "section": section_id,
                "number": number,
                "text": text,
                "participants": participants,
                "deadline": {
                    "text": deadline_text,
                    "kind": deadline_kind,
                    "dates": deadline_dates,
                    "event": deadline_event,
                },
                "responsible": {
                    "text": responsible_text,
                    "bodies": bodies[pk],
                    "schools": schools[pk],
                    "all_schools": for_all_schools,
                },
                "result": result,
                "document_kind": document_kind,
                "document_text": document_text,
                "requires_evidence": requires_evidence,
                "source_measure": source_measure_id,
                "position": position,
                "version": version,
                "permissions": {"edit": edit[roadmap_id]},
            }
        )
    return out
