"""Serializers of the results endpoints: procedures with their tasks, tasks flat,
pupils' results, import batches and the upload of a file.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from assessments.results.importers.columns import parse_overrides
from assessments.results.models import (
    ImportBatch,
    Procedure,
    Result,
    Task,
)


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


class FlatTaskSerializer(TaskSerializer):
    class Meta(TaskSerializer.Meta):
        fields = ["id", "procedure", *TaskSerializer.Meta.fields[1:]]


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
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "file_name",
            "format",
            "procedure",
            "school",
            "dry_run",
            "status",
            "status_display",
            "progress",
            "counts",
            "problems",
            "warnings",
            "created_at",
            "finished_at",
        ]


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=gettext_lazy("файл"))
    procedure = serializers.IntegerField(
        required=False, allow_null=True, label=gettext_lazy("процедура")
    )
    school = serializers.IntegerField(required=False, allow_null=True, label=gettext_lazy("школа"))
    school_code = serializers.CharField(
        required=False,
        allow_blank=True,
        label=gettext_lazy("код школы или логин ФИС ОКО"),
        help_text=gettext_lazy("Вместо id школы: её код или логин ФИС ОКО (edu…)."),
    )
    dry_run = serializers.BooleanField(
        default=True,
        label=gettext_lazy("только проверка"),
        help_text=gettext_lazy(
            "По умолчанию файл только проверяется; загрузите его с dry_run=false "
            "или подтвердите проверку через /commit/."
        ),
    )
    column = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        label=gettext_lazy("значения столбцов"),
        help_text=gettext_lazy(
            "Что означает столбец, если проверка поняла его не так: «ЗАГОЛОВОК=значение», "
            "например «Отметка за предыдущее полугодие=journal_mark»; можно несколько. "
            "Как поняты столбцы, видно в `counts.columns` проверки."
        ),
    )

    def validate_column(self, pairs):
        columns = {}
        for pair in pairs:
            header, sep, meaning = pair.rpartition("=")
            if not sep or not header.strip():
                raise serializers.ValidationError(
                    _("Укажите столбец как «ЗАГОЛОВОК=значение», например «Отметка=journal_mark».")
                )
            columns[header.strip()] = meaning.strip()
        _overrides, problems = parse_overrides(columns)
        if problems:
            raise serializers.ValidationError(problems)
        return columns
