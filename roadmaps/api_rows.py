"""The API's read-only lists written from plain values: the same JSON as the
serializers' (tests/api/test_roadmap_rows.py and test_measure_rows.py compare the
bytes; test_report_rows.py for the progress reports), without a serializer field's
work per value."""

import functools

from django.db.models import Count

from infra.api.pagination import cached_count, cached_for
from roadmaps import labels
from roadmaps.models import Assignment, Evidence, Measure, ProgressReport, Roadmap, Section
from schools.models import Body, School


class CountedRows:
    """The values of a list's rows to paginate, counted on the list's own queryset: the
    columns read through a relation add its join to the values queryset, and Django
    keeps that join in the paginator's COUNT (100,000 assignments joined to count a
    region's progress reports). A page's rows are found by their ids first (a subquery
    of the ordering's columns only) and then read whole: the wide rows and their joins
    are read for the page alone, not for every row the offset skips (page 50 of the
    measures: 9.8 -> 2.8 ms)."""

    def __init__(self, queryset, *columns):
        self.counted = queryset
        self.rows = queryset.select_related(None).prefetch_related(None).values_list(*columns)
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.counted.count()

    def cached_count(self) -> int:
        """The count kept in the cache under the stamps of the tables it reads
        (infra.api.pagination), as the API's paginator asks it."""
        return cached_count(self.counted)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, slice):
            return list(self.rows.filter(pk__in=self.counted.values("pk")[key]))
        return self.rows[key]


class RoadmapOrderedRows(CountedRows):
    """CountedRows of a list ordered by roadmap first (the measures): a page's ids are
    looked for among the few roadmaps the page spans, found from the list's number of
    rows per roadmap (one aggregate, kept in the cache like the count, whose sum is
    the count). The OFFSET then skips rows of those roadmaps only, not every row of
    the roadmaps before them: page 1,600 of a region's 83,400 measures sorted 80,000
    rows by their sections' positions (69 ms). Another ordering (?ordering=) pages as
    CountedRows does."""

    def __init__(self, queryset, *columns):
        super().__init__(queryset, *columns)
        # By the roadmap's id itself ("roadmap" would be by the roadmap's own ordering).
        self.by_roadmap = queryset.query.order_by[:1] == ("roadmap_id",)
        self._sizes = None

    def sizes(self) -> list[tuple[int, int]]:
        """(roadmap id, number of the list's rows in it), in roadmap order."""
        if self._sizes is None:
            per_roadmap = (
                self.counted.select_related(None)
                .prefetch_related(None)
                .order_by()
                .values("roadmap_id")
                .annotate(rows=Count("pk"))
                .order_by("roadmap_id")
                .values_list("roadmap_id", "rows")
            )
            self._sizes = cached_for(self.counted, "rows-per-roadmap", lambda: list(per_roadmap))
        return self._sizes

    def cached_count(self) -> int:
        if not self.by_roadmap:
            return super().cached_count()
        return sum(rows for _, rows in self.sizes())

    def __getitem__(self, key):
        if not (
            self.by_roadmap
            and isinstance(key, slice)
            and key.step is None
            and key.start is not None
            and key.stop is not None
        ):
            return super().__getitem__(key)
        start, stop = key.start, key.stop
        spanned, first, seen = [], 0, 0
        for roadmap_id, rows in self.sizes():
            if seen >= stop:
                break
            if seen + rows > start:
                if not spanned:
                    first = seen
                spanned.append(roadmap_id)
            seen += rows
        if not spanned or stop <= start:
            return []
        ids = self.counted.filter(roadmap_id__in=spanned).values("pk")[start - first : stop - first]
        return list(self.rows.filter(pk__in=ids))


def _day(value):
    # DRF's DateField in ISO 8601, as the API writes dates.
    return value.isoformat() if value else None


# The columns roadmap_rows reads, in its order: the roadmap's own, then its owner's
# names (for the label).
ROADMAP_COLUMNS = (
    "id",
    "region_id",
    "municipality_id",
    "school_id",
    "title",
    "period_start",
    "period_end",
    "academic_year",
    "status",
    "reporting_period",
    "order_number",
    "order_date",
    "order_place",
    "order_signatory",
    "order_signatory_position",
    "parent_id",
    "requires_school_roadmaps",
    "school_roadmaps_due",
    "version",
    "region__name",
    "municipality__name",
    "school__short_name",
)


def roadmap_rows(rows) -> list[dict]:
    """RoadmapSerializer's representation of `rows` (values_list of ROADMAP_COLUMNS):
    one query for the page's sections, in their model's order within a roadmap."""
    ids = [row[0] for row in rows]
    sections: dict[int, list[dict]] = {pk: [] for pk in ids}
    # The roadmaps came through visible_to: their sections are theirs.
    for pk, roadmap_id, parent_id, number, title, position in (
        Section.objects.of_scoped(roadmap_id__in=ids)
        .order_by("roadmap_id", "position", "pk")
        .values_list("pk", "roadmap_id", "parent_id", "number", "title", "position")
    ):
        sections[roadmap_id].append(
            {"id": pk, "parent": parent_id, "number": number, "title": title, "position": position}
        )
    draft = Roadmap.Status.DRAFT
    out = []
    for row in rows:
        (
            pk,
            region_id,
            municipality_id,
            school_id,
            title,
            period_start,
            period_end,
            academic_year,
            status,
            reporting_period,
            order_number,
            order_date,
            order_place,
            order_signatory,
            order_signatory_position,
            parent_id,
            requires_school_roadmaps,
            school_roadmaps_due,
            version,
            region_name,
            municipality_name,
            school_name,
        ) = row
        # Roadmap.level and Roadmap.label, from the same values.
        level = "school" if school_id else "municipality" if municipality_id else "region"
        owner = school_name if school_id else municipality_name or region_name
        short = labels.short_label(
            labels.period_label(academic_year, period_start, period_end),
            labels.order_label(order_number, order_date, draft=status == draft),
        )
        out.append(
            {
                "id": pk,
                "level": level,
                "label": f"{owner}: {short}",
                "region": region_id,
                "municipality": municipality_id,
                "school": school_id,
                "title": title,
                "period_start": _day(period_start),
                "period_end": _day(period_end),
                "academic_year": academic_year,
                "status": status,
                "reporting_period": reporting_period,
                "order_number": order_number,
                "order_date": _day(order_date),
                "order_place": order_place,
                "order_signatory": order_signatory,
                "order_signatory_position": order_signatory_position,
                "parent": parent_id,
                "requires_school_roadmaps": requires_school_roadmaps,
                "school_roadmaps_due": _day(school_roadmaps_due),
                "version": version,
                "sections": sections[pk],
            }
        )
    return out


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
