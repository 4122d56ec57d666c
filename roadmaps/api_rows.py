"""The API's read-only lists written from plain values: the same JSON as the
serializers' (tests/api/test_roadmap_rows.py and test_measure_rows.py compare the
bytes; test_report_rows.py for the progress reports), without a serializer field's
work per value."""

import functools

from roadmaps.models import Assignment, Evidence, Measure, ProgressReport, Roadmap
from schools.models import Body, School


class CountedRows:
    """The values of a list's rows to paginate, counted on the list's own queryset: the
    columns read through a relation add its join to the values queryset, and Django
    keeps that join in the paginator's COUNT (100,000 assignments joined to count a
    region's progress reports)."""

    def __init__(self, queryset, *columns):
        self.counted = queryset
        self.rows = queryset.select_related(None).prefetch_related(None).values_list(*columns)
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        return self.rows[key]


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


# The columns progress_report_rows reads, in its order: the report's own, then its
# assignment's placement and body, all the permissions read (schools.policy).
REPORT_COLUMNS = (
    "id",
    "assignment_id",
    "period_start",
    "period_end",
    "status",
    "comment",
    "actual_value",
    "submitted_at",
    "review_state",
    "review_reason",
    "reviewed_at",
    "previous_id",
    "is_current",
    "region_id",
    "municipality_id",
    "assignment__region_id",
    "assignment__municipality_id",
    "assignment__school_id",
    "assignment__body_id",
)


@functools.cache
def _report_fields():
    """The serializer's own fields for the values that are not written as they are
    read: its date-times (in the current time zone) and the decimal (a string)."""
    from roadmaps.api import ProgressReportSerializer

    fields = ProgressReportSerializer().fields
    return fields["submitted_at"], fields["actual_value"]


def progress_report_rows(rows, *, user) -> list[dict]:
    """ProgressReportDetailSerializer's representation of `rows` (values_list of
    REPORT_COLUMNS): one query for the page's evidence, and each permission asked once
    per placement of the assignment (all that schools.policy reads)."""
    ids = [row[0] for row in rows]
    evidence: dict[int, list[dict]] = {pk: [] for pk in ids}
    # The reports came through visible_to: their files are theirs.
    files = Evidence.objects.of_scoped(report_id__in=ids).order_by(*Evidence._meta.ordering)
    for pk, report_id, name, kind, size in files.values_list(
        "pk", "report_id", "original_name", "kind", "size"
    ):
        evidence[report_id].append({"id": pk, "name": name, "kind": kind, "size": size})
    moment, decimal = _report_fields()
    allowed: dict[tuple, tuple[bool, bool]] = {}
    out = []
    for row in rows:
        (
            pk,
            assignment_id,
            period_start,
            period_end,
            status,
            comment,
            actual_value,
            submitted_at,
            review_state,
            review_reason,
            reviewed_at,
            previous_id,
            is_current,
            region_id,
            municipality_id,
            a_region_id,
            a_municipality_id,
            a_school_id,
            a_body_id,
        ) = row
        node = (region_id, municipality_id, a_region_id, a_municipality_id, a_school_id, a_body_id)
        if node not in allowed:
            assignment = Assignment(
                pk=assignment_id,
                region_id=a_region_id,
                municipality_id=a_municipality_id,
                school_id=a_school_id,
                body_id=a_body_id,
            )
            report = ProgressReport(
                region_id=region_id, municipality_id=municipality_id, assignment=assignment
            )
            allowed[node] = (
                user.has_perm("roadmaps.report_progress", assignment),
                user.has_perm("roadmaps.review_report", report),
            )
        report_allowed, review_allowed = allowed[node]
        review = is_current and review_state == ProgressReport.Review.SUBMITTED and review_allowed
        out.append(
            {
                "id": pk,
                "assignment": assignment_id,
                "period_start": _day(period_start),
                "period_end": _day(period_end),
                "status": status,
                "comment": comment,
                "actual_value": None
                if actual_value is None
                else decimal.to_representation(actual_value),
                "submitted_at": moment.to_representation(submitted_at),
                "review_state": review_state,
                "review_reason": review_reason,
                "reviewed_at": None
                if reviewed_at is None
                else moment.to_representation(reviewed_at),
                "previous": previous_id,
                "is_current": is_current,
                "evidence": evidence[pk],
                "permissions": {"report": report_allowed, "accept": review, "return": review},
            }
        )
    return out
