"""REST endpoints of the roadmaps app, registered on the /api/v1/ router.

Read-only: roadmaps (with sections), measures (with parsed deadlines and the
matched responsible parties), assignments and progress reports. Every queryset
goes through the scoping rule.
"""

from rest_framework import serializers, viewsets

from roadmaps.models import Assignment, Measure, ProgressReport, Roadmap, Section


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "parent", "number", "title", "position"]


class RoadmapSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)
    level = serializers.CharField(read_only=True)

    class Meta:
        model = Roadmap
        fields = [
            "id",
            "level",
            "region",
            "municipality",
            "school",
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
            "parent",
            "requires_school_roadmaps",
            "school_roadmaps_due",
            "version",
            "sections",
        ]


class MeasureSerializer(serializers.ModelSerializer):
    deadline = serializers.SerializerMethodField()
    responsible = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "id",
            "roadmap",
            "section",
            "number",
            "text",
            "participants",
            "deadline",
            "responsible",
            "result",
            "document_kind",
            "document_text",
            "requires_evidence",
            "source_measure",
            "position",
            "version",
        ]

    def get_deadline(self, measure) -> dict:
        return {
            "text": measure.deadline_text,
            "kind": measure.deadline_kind,
            "dates": measure.deadline_dates,
            "event": measure.deadline_event,
        }

    def get_responsible(self, measure) -> dict:
        return {
            "text": measure.responsible_text,
            "bodies": [b.pk for b in measure.responsible_bodies.all()],
            "schools": [s.pk for s in measure.responsible_schools.all()],
            "all_schools": measure.for_all_schools,
        }


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "measure", "school", "body", "assignee_text", "region", "municipality"]


class ProgressReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "assignment",
            "period_start",
            "period_end",
            "status",
            "comment",
            "actual_value",
            "submitted_at",
            "review_state",
            "review_reason",
            "reviewed_at",
            "previous",
            "is_current",
        ]


class RoadmapViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RoadmapSerializer
    filterset_fields = ["status", "municipality", "school", "region"]
    ordering_fields = ["created_at", "title"]

    def get_queryset(self):
        return (
            Roadmap.objects.visible_to(self.request.user)
            .select_related("region", "municipality", "school")
            .prefetch_related("sections")
            .order_by("-created_at", "-pk")
        )


class MeasureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MeasureSerializer
    filterset_fields = ["roadmap", "section", "deadline_kind", "for_all_schools"]

    def get_queryset(self):
        return (
            Measure.objects.visible_to(self.request.user)
            .prefetch_related("responsible_bodies", "responsible_schools")
            .order_by("roadmap_id", "section__position", "position", "pk")
        )


class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AssignmentSerializer
    filterset_fields = ["measure", "school", "body"]

    def get_queryset(self):
        return Assignment.objects.visible_to(self.request.user).order_by("pk")


class ProgressReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProgressReportSerializer
    filterset_fields = ["assignment", "status", "review_state", "is_current"]

    def get_queryset(self):
        return ProgressReport.objects.visible_to(self.request.user).order_by("-submitted_at", "-pk")


def register(router):
    """Add this app's viewsets to `router`."""
    router.register("roadmaps", RoadmapViewSet, basename="roadmap")
    router.register("measures", MeasureViewSet, basename="measure")
    router.register("assignments", AssignmentViewSet, basename="assignment")
    router.register("progress-reports", ProgressReportViewSet, basename="progress-report")
