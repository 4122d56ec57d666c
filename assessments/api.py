"""REST endpoints of the assessments app, registered on the /api/v1/ router.

Read-only: procedures with their tasks, pupils' results, import batches. Every
queryset comes from the selectors, which scope through the one rule.
"""

from rest_framework import serializers, viewsets

from assessments import selectors
from assessments.models import ImportBatch, Procedure, Result, Task


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = [
            "id",
            "variant",
            "position",
            "number",
            "max_score",
            "level",
            "planned_result",
            "part",
        ]


class ProcedureSerializer(serializers.ModelSerializer):
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta:
        model = Procedure
        fields = [
            "id",
            "region",
            "instrument",
            "subject",
            "grade",
            "year",
            "season",
            "starts_on",
            "ends_on",
            "max_score",
            "tasks",
        ]


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = Result
        fields = [
            "id",
            "procedure",
            "school",
            "municipality",
            "class_name",
            "participant_code",
            "variant",
            "scores",
            "primary_score",
            "mark",
            "test_score",
            "file_mark",
            "mark_mismatch",
            "journal_mark",
            "sex",
        ]


class ImportBatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "file_name",
            "format",
            "procedure",
            "school",
            "status",
            "progress",
            "counts",
            "problems",
            "warnings",
            "created_at",
            "finished_at",
        ]


class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProcedureSerializer
    filterset_fields = ["instrument", "subject", "grade", "year", "season"]

    def get_queryset(self):
        return selectors.procedure_list(user=self.request.user).prefetch_related("tasks")


class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Pupils' results; `scores` lists points per task, null = not attempted."""

    serializer_class = ResultSerializer
    filterset_fields = ["procedure", "school", "municipality", "class_name", "mark"]

    def get_queryset(self):
        return selectors.result_list(user=self.request.user).order_by("pk")


class ImportBatchViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ImportBatchSerializer
    filterset_fields = ["status", "format", "procedure", "school"]

    def get_queryset(self):
        return selectors.import_batch_list(user=self.request.user)


def register(router):
    """Add this app's viewsets to `router`."""
    router.register("procedures", ProcedureViewSet, basename="procedure")
    router.register("results", ResultViewSet, basename="result")
    router.register("import-batches", ImportBatchViewSet, basename="import-batch")
