"""REST endpoints of the assessments app, registered on the /api/v1/ router.

Procedures with their tasks, tasks flat, pupils' results (keyset pages and a
streamed CSV / JSON-lines export for large tables), import batches (upload a
file with a dry run, read the problems, commit, poll). Every queryset is scoped
through the one rule (the selectors or `visible_to`); out of scope is a 404.
"""

import binascii
import csv
import io
import json
from base64 import b64decode, b64encode
from urllib.parse import parse_qs, urlencode

import django_filters
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import BigIntegerField, ExpressionWrapper, F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
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
from rest_framework.utils.urls import remove_query_param, replace_query_param

from assessments.results import selectors
from assessments.results.importers.columns import parse_overrides
from assessments.results.models import (
    ImportBatch,
    Instrument,
    Procedure,
    Result,
    Season,
    Subject,
    Task,
)
from assessments.results.services import batches as batch_services
from config.filters import ID_MAX, ID_MIN, ApiFilterBackend
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
    # The procedure's fields are resolved to the caller's procedures first (one small
    # query), so the results are filtered by procedure ids, never joined and sorted:
    # see `filter_queryset`.
    year = django_filters.NumberFilter(
        field_name="procedure__year", method="by_procedure", label=gettext_lazy("год")
    )
    subject = django_filters.ChoiceFilter(
        field_name="procedure__subject",
        method="by_procedure",
        choices=Subject.choices,
        label=gettext_lazy("предмет"),
    )
    grade = django_filters.NumberFilter(
        field_name="procedure__grade", method="by_procedure", label=gettext_lazy("класс")
    )
    instrument = django_filters.ChoiceFilter(
        field_name="procedure__instrument",
        method="by_procedure",
        choices=Instrument.choices,
        label=gettext_lazy("процедура"),
    )
    season = django_filters.ChoiceFilter(
        field_name="procedure__season",
        method="by_procedure",
        choices=Season.choices,
        label=gettext_lazy("сезон"),
    )
    # school_code (a code or a ФИС ОКО login) and municipality_code come with every
    # filter by school or municipality (config.filters.ApiFilterSet).

    class Meta:
        model = Result
        fields = ["procedure", "school", "municipality", "class_name", "mark"]

    def by_procedure(self, queryset, name, value):
        return queryset  # all of them at once in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        lookups = {
            f.field_name.removeprefix("procedure__"): self.form.cleaned_data.get(name)
            for name, f in self.filters.items()
            if f.field_name.startswith("procedure__")
        }
        lookups = {key: value for key, value in lookups.items() if value not in (None, "")}
        if not lookups:
            return queryset
        ids = sorted(
            Procedure.objects.visible_to(self.request.user)
            .filter(**lookups)
            .values_list("pk", flat=True)
        )
        if not ids:
            return queryset.none()
        if len(ids) == 1:
            return queryset.filter(procedure_id=ids[0])
        # The range is what the index reads, in its order (region or municipality,
        # procedure, id), so a page stops after its rows; the list is checked on the
        # rows read. Written on `procedure_id + 0`, the list cannot be an index
        # condition: as one, PostgreSQL (which cannot tell that a procedure's rows all
        # lie in one region) read every row of the year and sorted them, 30-150 ms.
        return queryset.alias(
            listed_procedure=ExpressionWrapper(
                F("procedure_id") + 0, output_field=BigIntegerField()
            )
        ).filter(listed_procedure__in=ids, procedure_id__gte=ids[0], procedure_id__lte=ids[-1])


class ImportBatchFilter(django_filters.FilterSet):
    class Meta:
        model = ImportBatch
        fields = ["status", "format", "procedure", "school", "dry_run"]


# --------------------------------------------------------------------------- pagination


class ResultCursorPagination(CursorPagination):
    """Keyset pages in the order (procedure, id): as fast on the millionth row as on the
    first, and a region's rows of a year, a test or a class are each one ordered range
    of an index (`result_region_proc`, `result_region_class`), so a page reads its own
    rows and stops. The cursor holds the last (procedure, id) seen; DRF's cursor keeps
    one field and counts an offset past equal values, which a procedure's 50,000 rows
    would turn into a walk."""

    ordering = ("procedure_id", "id")
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

    def paginate_queryset(self, queryset, request, view=None):
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.request = request
        self.reverse, position = self.decode_cursor(request)
        key = Tuple(F("procedure_id"), F("id"))
        if self.reverse:
            queryset = queryset.order_by("-procedure_id", "-id")
            if position is not None:
                queryset = queryset.filter(TupleLessThan(key, position))
        else:
            queryset = queryset.order_by("procedure_id", "id")
            if position is not None:
                queryset = queryset.filter(TupleGreaterThan(key, position))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if self.reverse:
            rows.reverse()
        self.page, self.position = rows, position
        came_from = position is not None
        self.has_next, self.has_previous = (came_from, more) if self.reverse else (more, came_from)
        return rows

    def _link(self, *, reverse, key):
        if key is None:  # back past the start: the first page
            return remove_query_param(self.base_url, self.cursor_query_param)
        token = urlencode({"p": f"{key[0]}.{key[1]}", "r": "1" if reverse else "0"})
        encoded = b64encode(token.encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self):
        if not self.has_next:
            return None
        if self.page:
            return self._link(reverse=False, key=(self.page[-1].procedure_id, self.page[-1].pk))
        return self._link(reverse=False, key=None)  # nothing before the cursor: from the start

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if self.page:
            return self._link(reverse=True, key=(self.page[0].procedure_id, self.page[0].pk))
        return self._link(reverse=True, key=self.position)  # past the end: the rows before

    def decode_cursor(self, request):
        """(reverse, (procedure id, id) or None); a cursor that is not one of ours is
        the client's mistake: a 400 in the API's format, in Russian."""
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return False, None
        try:
            tokens = parse_qs(
                b64decode(encoded.encode("ascii")).decode("ascii"), strict_parsing=True
            )
            procedure_id, pk = (int(part) for part in tokens["p"][0].split("."))
            reverse = {"0": False, "1": True}[tokens.get("r", ["0"])[0]]
            if not (ID_MIN <= procedure_id <= ID_MAX and ID_MIN <= pk <= ID_MAX):
                raise ValueError(encoded)
        except (TypeError, ValueError, KeyError, UnicodeError, binascii.Error):
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        _("Неверный курсор страницы: возьмите ссылку next или previous из ответа.")
                    ]
                }
            ) from None
        return reverse, (procedure_id, pk)


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
            "Страницы по курсору (ссылки next/previous), упорядочены по процедуре, "
            "затем по id. "
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
        # The order is the cursor's (procedure, id); the export streams by id.
        return Result.objects.visible_to(self.request.user).order_by("procedure_id", "id")

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
            response = StreamingHttpResponse(
                _csv_lines(rows), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="results.csv"'
        else:
            response = StreamingHttpResponse(
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
        batch = batch_services.import_batch_create(
            user=request.user,
            upload=data["file"],
            procedure=procedure,
            school=school,
            dry_run=data["dry_run"],
            columns=data.get("column") or {},
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
            batch = batch_services.import_batch_create(
                user=request.user,
                upload=upload,
                procedure=checked.procedure,
                school=school,
                dry_run=False,
                columns=(checked.options or {}).get("columns") or {},
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
