"""REST endpoints of results, registered on the /api/v1/ router.

Procedures with their tasks, tasks flat, pupils' results (keyset pages and a
streamed CSV / JSON-lines export for large tables), import batches (upload a
file with a dry run, read the problems, commit, poll). Every queryset is scoped
through the one rule (the selectors or `visible_to`); out of scope is a 404.
"""

import csv
import io
import json

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.results import selectors
from assessments.results.api.filters import (
    ImportBatchFilter,
    ProcedureFilter,
    ResultCursorPagination,
    ResultFilter,
    TaskFilter,
)
from assessments.results.api.serializers import (
    FlatTaskSerializer,
    ImportBatchSerializer,
    ImportUploadSerializer,
    ProcedureSerializer,
    ResultSerializer,
)
from assessments.results.models import (
    ImportBatch,
    Result,
    Task,
)
from assessments.results.services import batches as batch_services
from infra.api.errors import INVALID, NOT_FOUND, Conflict, error_response
from infra.api.filters import ApiFilterBackend
from infra.api.renderers import PassthroughRenderer
from infra.files import text_safe
from schools.models import School
from schools.scoping import OwnerUnclear

FORBIDDEN = error_response("Ваша роль или токен не позволяют это действие.")


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
        return Task.objects.of_scoped(procedure__in=procedures).order_by(
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
        try:
            batch = batch_services.import_batch_create(
                user=request.user,
                upload=data["file"],
                procedure=procedure,
                school=school,
                dry_run=data["dry_run"],
                columns=data.get("column") or {},
            )
        except OwnerUnclear as exc:
            raise exceptions.ValidationError({"school": exc.messages}) from exc
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
            checked = ImportBatch.objects.of_scoped(pk=checked.pk).select_for_update().get()
            committed_id = (checked.options or {}).get("committed_batch")
            if committed_id is not None:
                answer = self._answer(ImportBatch(pk=committed_id), code=status.HTTP_200_OK)
                answer.data["notice"] = _(
                    "Эта проверка уже загружена: показана загрузка от неё, повторно файл не "
                    "загружался."
                )
                return answer
            # The school the check was made for (its batch came through visible_to).
            school = School.objects.of_scoped(pk=(checked.options or {}).get("school_id")).first()
            with checked.file.open("rb") as handle:
                upload = ContentFile(handle.read(), name=checked.file_name)
            try:
                batch = batch_services.import_batch_create(
                    user=request.user,
                    upload=upload,
                    procedure=checked.procedure,
                    school=school,
                    dry_run=False,
                    columns=(checked.options or {}).get("columns") or {},
                )
            except OwnerUnclear as exc:
                raise exceptions.ValidationError({"school": exc.messages}) from exc
            checked.options = {**(checked.options or {}), "committed_batch": batch.pk}
            checked.save(update_fields=["options"])
        return self._answer(batch)


def register(router):
    """Add this app's viewsets to `router`."""
    router.register("procedures", ProcedureViewSet, basename="procedure")
    router.register("tasks", TaskViewSet, basename="task")
    router.register("results", ResultViewSet, basename="result")
    router.register("import-batches", ImportBatchViewSet, basename="import-batch")
