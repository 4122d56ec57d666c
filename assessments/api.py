"""REST endpoints of the assessments app, registered on the /api/v1/ router.

Procedures with their tasks, tasks flat, pupils' results (keyset pages and a
streamed CSV / JSON-lines export for large tables), import batches (upload a
file with a dry run, read the problems, commit, poll). Every queryset is scoped
through the one rule (the selectors or `visible_to`); out of scope is a 404.
"""

import csv
import io
import json

import django_filters
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from assessments import selectors, services
from assessments.models import ImportBatch, Instrument, Procedure, Result, Season, Subject, Task
from config.filters import ApiFilterBackend
from reports.api import INVALID, NOT_FOUND, Conflict, PassthroughRenderer, error_response
from schools.files import text_safe
from schools.models import School

FORBIDDEN = error_response("Ваша роль или токен не позволяют это действие.")


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


# --------------------------------------------------------------------------- filters


class ProcedureFilter(django_filters.FilterSet):
    class Meta:
        model = Procedure
        fields = ["instrument", "subject", "grade", "year", "season"]


class TaskFilter(django_filters.FilterSet):
    class Meta:
        model = Task
        fields = ["procedure", "variant", "level"]


class ResultFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="procedure__year", label=gettext_lazy("год"))
    subject = django_filters.ChoiceFilter(
        field_name="procedure__subject", choices=Subject.choices, label=gettext_lazy("предмет")
    )
    grade = django_filters.NumberFilter(field_name="procedure__grade", label=gettext_lazy("класс"))
    instrument = django_filters.ChoiceFilter(
        field_name="procedure__instrument",
        choices=Instrument.choices,
        label=gettext_lazy("процедура"),
    )
    season = django_filters.ChoiceFilter(
        field_name="procedure__season", choices=Season.choices, label=gettext_lazy("сезон")
    )
    # school_code (a code or a ФИС ОКО login) and municipality_code come with every
    # filter by school or municipality (config.filters.ApiFilterSet).

    class Meta:
        model = Result
        fields = ["procedure", "school", "municipality", "class_name", "mark"]


class ImportBatchFilter(django_filters.FilterSet):
    class Meta:
        model = ImportBatch
        fields = ["status", "format", "procedure", "school", "dry_run"]


# --------------------------------------------------------------------------- pagination


class ResultCursorPagination(CursorPagination):
    """Keyset pages by id: as fast on the millionth row as on the first."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        # DRF falls back to the default size for `page_size=abc`; a client should hear it.
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw and not raw.lstrip("-").isdigit():
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Укажите целое число записей на странице.")]}
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                # Opaque to clients: take it from `next`/`previous`. The format names it
                # for generators (the contract test makes crafted ones).
                parameter["schema"]["format"] = "cursor"
                parameter["description"] = _(
                    "Курсор страницы из ссылки next или previous предыдущего ответа."
                )
        return parameters

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot read with an English 404, and passes a
        # readable one's position to the filter unchecked (`p=abc` fails inside the
        # query): both are the client's mistake, a 400 in the API's format.
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = False
        if cursor is not None and (
            cursor is False
            or (cursor.position is not None and not _is_id(cursor.position))
            or cursor.offset > self.offset_cutoff
        ):
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        _("Неверный курсор страницы: возьмите ссылку next или previous из ответа.")
                    ]
                }
            )
        return cursor


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 18


# --------------------------------------------------------------------------- views


def _school_by_code(user, code, *, also=None):
    """The one school in `user`'s scope with this code or ФИС ОКО login; a 400 naming the
    field otherwise (the same for a school out of scope as for a missing one)."""
    code = code.strip()
    found = list(
        School.objects.visible_to(user).filter(Q(code=code) | Q(fis_login=code.lower()))[:2]
    )
    if len(found) != 1:
        message = (
            _("Школа с кодом «%s» не найдена.") % code
            if not found
            else _("Код «%s» есть у нескольких школ: укажите логин ФИС ОКО.") % code
        )
        raise exceptions.ValidationError({"school_code": [message]})
    if also is not None and also != found[0]:
        raise exceptions.ValidationError(
            {"school_code": [_("Код школы и id школы указывают на разные школы.")]}
        )
    return found[0]


class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProcedureSerializer
    filterset_class = ProcedureFilter
    ordering_fields = ["year", "grade", "subject"]

    def get_queryset(self):
        return (
            selectors.procedure_list(user=self.request.user)
            .prefetch_related("tasks")
            .order_by("-year", "instrument", "subject", "grade", "pk")
        )


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks of the procedures you see, flat."""

    serializer_class = FlatTaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        procedures = selectors.procedure_list(user=self.request.user).values("pk")
        return Task.objects.filter(procedure__in=procedures).order_by(
            "procedure_id", "variant", "position", "pk"
        )


EXPORT_COLUMNS = [
    ("id", "id"),
    ("procedure", "procedure_id"),
    ("municipality", "municipality_id"),
    ("school", "school_id"),
    ("school_code", "school__code"),
    ("class_name", "class_name"),
    ("participant_code", "participant_code"),
    ("variant", "variant"),
    ("scores", "scores"),
    ("primary_score", "primary_score"),
    ("mark", "mark"),
    ("test_score", "test_score"),
    ("file_mark", "file_mark"),
    ("mark_mismatch", "mark_mismatch"),
    ("journal_mark", "journal_mark"),
    ("sex", "sex"),
]
EXPORT_CHUNK = 2000


def _csv_lines(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([name for name, _ in EXPORT_COLUMNS])
    yield "\ufeff" + flush()
    for count, row in enumerate(rows, 1):
        row = list(row)
        row[8] = " ".join("" if v is None else str(v) for v in row[8] or [])
        writer.writerow(["" if v is None else text_safe(v) for v in row])
        if count % 500 == 0:
            yield flush()
    yield flush()


class ExportResponse(StreamingHttpResponse):
    """A streamed export whose body can also be read whole as `.content` (by callers
    that do not know about streaming, such as the isolation sweep's test client);
    servers iterate it and never hold it in memory."""

    @property
    def content(self):
        return b"".join(self.streaming_content)


def _json_lines(rows):
    names = [name for name, _ in EXPORT_COLUMNS]
    chunk = []
    for row in rows:
        chunk.append(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False))
        if len(chunk) == 500:
            yield "\n".join(chunk) + "\n"
            chunk = []
    if chunk:
        yield "\n".join(chunk) + "\n"


@extend_schema_view(
    list=extend_schema(
        summary="Результаты участников",
        description=(
            "Страницы по курсору (ссылки next/previous), упорядочены по id. "
            "`scores` — баллы по заданиям, null — задание не выполнялось."
        ),
    ),
    retrieve=extend_schema(responses={200: ResultSerializer, 404: NOT_FOUND}),
)
class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Pupils' results; `scores` lists points per task, null = not attempted."""

    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    pagination_class = ResultCursorPagination
    ordering_fields = []  # keyset pages need the one fixed order

    def get_queryset(self):
        return Result.objects.visible_to(self.request.user).order_by("id")

    def filter_queryset(self, queryset):
        # Ordering is the cursor's; only the filters apply.
        return ApiFilterBackend().filter_queryset(self.request, queryset, self)

    @extend_schema(
        filters=True,
        summary="Выгрузка результатов потоком (CSV или JSON Lines)",
        description=(
            "Все результаты по фильтрам одним ответом, без страниц: CSV (разделитель «;», "
            "UTF-8 с BOM) или JSON Lines — одна запись на строку."
        ),
        parameters=[
            OpenApiParameter(
                "as",
                str,
                enum=["csv", "jsonl"],
                default="csv",
                description="Формат выгрузки: csv или jsonl.",
            )
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            400: INVALID,
        },
    )
    @action(
        detail=False, methods=["get"], renderer_classes=[PassthroughRenderer], pagination_class=None
    )
    def export(self, request):
        kind = request.query_params.get("as", "csv")
        if kind not in ("csv", "jsonl"):
            raise exceptions.ValidationError({"as": [_("Формат выгрузки — csv или jsonl.")]})
        queryset = self.filter_queryset(self.get_queryset())
        rows = queryset.values_list(*(path for _, path in EXPORT_COLUMNS)).iterator(
            chunk_size=EXPORT_CHUNK
        )
        if kind == "csv":
            response = ExportResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="results.csv"'
        else:
            response = ExportResponse(
                _json_lines(rows), content_type="application/x-ndjson; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="results.jsonl"'
        return response


@extend_schema_view(
    list=extend_schema(summary="Загрузки результатов"),
    retrieve=extend_schema(
        summary="Загрузка: ход и найденные проблемы",
        description="Опрашивайте, пока `status` не станет `done` или `failed`; "
        "`problems` называют файл, лист, строку и столбец.",
        responses={200: ImportBatchSerializer, 404: NOT_FOUND},
    ),
)
class ImportBatchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilter
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get_queryset(self):
        return selectors.import_batch_list(user=self.request.user).order_by("-created_at", "-pk")

    def get_serializer_class(self):
        if self.action == "create":
            return ImportUploadSerializer
        return ImportBatchSerializer

    def _require_import(self):
        if not self.request.user.has_perm("assessments.import_results"):
            raise exceptions.PermissionDenied(_("Ваша роль не позволяет загружать результаты."))

    @extend_schema(
        summary="Загрузить файл результатов",
        description=(
            "multipart/form-data: файл и, по желанию, процедура и школа. По умолчанию "
            "только проверка (dry_run): прочитайте `problems`, затем вызовите /commit/."
        ),
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportBatchSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def create(self, request, *args, **kwargs):
        self._require_import()
        form = ImportUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        procedure = (
            selectors.procedure_get(user=request.user, pk=data["procedure"])
            if data.get("procedure")
            else None
        )
        school = (
            School.objects.get_visible_or_404(request.user, pk=data["school"])
            if data.get("school")
            else None
        )
        if data.get("school_code"):
            school = _school_by_code(request.user, data["school_code"], also=school)
        if school is not None and not request.user.has_perm("assessments.import_results", school):
            raise exceptions.PermissionDenied(_("Загружать результаты этой школы вы не можете."))
        batch = services.import_batch_create(
            user=request.user,
            upload=data["file"],
            procedure=procedure,
            school=school,
            dry_run=data["dry_run"],
        )
        return self._answer(batch)

    def _answer(self, batch, code=status.HTTP_202_ACCEPTED):
        batch = selectors.import_batch_get(user=self.request.user, pk=batch.pk)
        return Response(ImportBatchSerializer(batch).data, status=code)

    @extend_schema(
        summary="Загрузить проверенный файл",
        description=(
            "Загружает файл проверки (dry_run) без ошибок: новая загрузка того же файла. "
            "Проверка с ошибками или ещё не завершённая — 409. Проверка загружается один "
            "раз: повторный вызов отвечает 200 той же загрузкой и полем `notice`."
        ),
        request=None,
        responses={
            202: ImportBatchSerializer,
            200: OpenApiResponse(
                ImportBatchSerializer,
                description="Проверка уже загружена: прежняя загрузка и поле `notice` (строка).",
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: error_response("Проверка не завершена, нашла ошибки или это не проверка."),
        },
        examples=[OpenApiExample("Без тела", value=None, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        checked = self.get_object()
        self._require_import()
        if not checked.dry_run:
            raise Conflict(_("Это не проверка, а загрузка: подтверждать нечего."))
        if checked.status != ImportBatch.Status.DONE or checked.problems:
            raise Conflict(
                _("Загрузить можно только проверку, завершённую без ошибок (состояние «%s»).")
                % checked.get_status_display()
            )
        with transaction.atomic():
            # One commit per check: a second one (a double click, a retried request)
            # gets the batch the first one made, and is told so.
            checked = ImportBatch.objects.select_for_update().get(pk=checked.pk)
            committed_id = (checked.options or {}).get("committed_batch")
            if committed_id is not None:
                answer = self._answer(ImportBatch(pk=committed_id), code=status.HTTP_200_OK)
                answer.data["notice"] = _(
                    "Эта проверка уже загружена: показана загрузка от неё, повторно файл не "
                    "загружался."
                )
                return answer
            school = School.objects.filter(pk=(checked.options or {}).get("school_id")).first()
            with checked.file.open("rb") as handle:
                upload = ContentFile(handle.read(), name=checked.file_name)
            batch = services.import_batch_create(
                user=request.user,
                upload=upload,
                procedure=checked.procedure,
                school=school,
                dry_run=False,
            )
            checked.options = {**(checked.options or {}), "committed_batch": batch.pk}
            checked.save(update_fields=["options"])
        return self._answer(batch)


def register(router):
    """Add this app's viewsets to `router`."""
    router.register("procedures", ProcedureViewSet, basename="procedure")
    router.register("tasks", TaskViewSet, basename="task")
    router.register("results", ResultViewSet, basename="result")
    router.register("import-batches", ImportBatchViewSet, basename="import-batch")
