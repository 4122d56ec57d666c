"""REST endpoints of the roadmaps app, registered on the /api/v1/ router.

Read-only: roadmaps (with sections), measures (with parsed deadlines and the
matched responsible parties), assignments and progress reports. Every queryset
goes through the scoping rule.
"""

from rest_framework import serializers, viewsets

from infra.api.pagination import StampedPageNumberPagination
from roadmaps.api_rows import (
    MEASURE_COLUMNS,
    REPORT_COLUMNS,
    ROADMAP_COLUMNS,
    CountedRows,
    RoadmapOrderedRows,
    measure_rows,
    progress_report_rows,
    roadmap_rows,
)
from roadmaps.models import Assignment, Measure, ProgressReport, Roadmap, Section


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "parent", "number", "title", "position"]


class RoadmapSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)
    level = serializers.CharField(read_only=True)
    label = serializers.CharField(
        read_only=True, help_text="Owner, period and order: «…: ДК 2023/24, приказ № 215-од от …»."
    )

    class Meta:
        model = Roadmap
        fields = [
            "id",
            "level",
            "label",
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

    def list(self, request, *args, **kwargs):
        """The serializer's JSON, written from plain values (the same bytes,
        tests/api/test_roadmap_rows.py compares them)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(CountedRows(queryset, *ROADMAP_COLUMNS))
        if page is None:
            return super().list(request, *args, **kwargs)
        return self.get_paginated_response(roadmap_rows(page))


class MeasureViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = StampedPageNumberPagination
    serializer_class = MeasureSerializer
    filterset_fields = ["roadmap", "section", "deadline_kind", "for_all_schools"]

    def get_queryset(self):
        return (
            Measure.objects.visible_to(self.request.user)
            .prefetch_related("responsible_bodies", "responsible_schools")
            .order_by("roadmap_id", "section__position", "position", "pk")
        )


class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = StampedPageNumberPagination
    serializer_class = AssignmentSerializer
    filterset_fields = ["measure", "school", "body"]

    def get_queryset(self):
        return Assignment.objects.visible_to(self.request.user).order_by("pk")


class ProgressReportViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = StampedPageNumberPagination
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


# --------------------------------------------------------------------------- writes
# A school deputy reports progress and an official reviews reports and edits
# measures over the API exactly as in the browser: the same services, the same
# validation, the same history. Each object says what the caller may do with it.


import django_filters  # noqa: E402
from django.core.exceptions import ValidationError as DjangoValidationError  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from django.utils.translation import gettext_lazy  # noqa: E402
from drf_spectacular.utils import (  # noqa: E402
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, status  # noqa: E402
from rest_framework.decorators import action  # noqa: E402
from rest_framework.response import Response  # noqa: E402

from infra.api.errors import INVALID, NOT_FOUND, Conflict, error_response  # noqa: E402
from roadmaps.models import DocumentKind  # noqa: E402
from roadmaps.selectors.assignment import assignment_get  # noqa: E402
from roadmaps.selectors.period import reporting_periods  # noqa: E402
from roadmaps.services.base import StaleEdit  # noqa: E402
from roadmaps.services.measure import measure_update  # noqa: E402
from roadmaps.services.report import (  # noqa: E402
    progress_report_accept,
    progress_report_return,
    progress_report_submit,
)

FORBIDDEN = error_response("Ваша роль или токен не позволяют это действие.")
STALE = error_response("Объект уже изменили после того, как вы его прочитали (version устарела).")


def _invalid(exc: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _flags(names_help: dict[str, str]):
    """A serializer of boolean flags (names may be Python keywords, like `return`)."""

    class Flags(serializers.Serializer):
        def get_fields(self):
            return {n: serializers.BooleanField(help_text=h) for n, h in names_help.items()}

    return Flags


MeasurePermissionsSerializer = type(
    "MeasurePermissions",
    (_flags({"edit": "Можно изменить мероприятие (PATCH с version)."}),),
    {},
)
ReportPermissionsSerializer = type(
    "ProgressReportPermissions",
    (
        _flags(
            {
                "report": "Можно отчитаться по поручению этого отчёта (POST /progress-reports/).",
                "accept": "Можно принять отчёт.",
                "return": "Можно вернуть отчёт школе с причиной.",
            }
        ),
    ),
    {},
)


class MeasureDetailSerializer(MeasureSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta(MeasureSerializer.Meta):
        fields = [*MeasureSerializer.Meta.fields, "permissions"]

    @extend_schema_field(MeasurePermissionsSerializer)
    def get_permissions(self, measure) -> dict:
        # The answer is the roadmap's: a page of fifty measures asks about a few
        # roadmaps, once each (the context is the list's, shared by its rows).
        known = self.context.setdefault("edit_roadmap", {})
        if measure.roadmap_id not in known:
            user = self.context["request"].user
            known[measure.roadmap_id] = user.has_perm("roadmaps.edit_roadmap", measure.roadmap)
        return {"edit": known[measure.roadmap_id]}


class MeasureUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        label=gettext_lazy("версия"),
        help_text=gettext_lazy("Версия мероприятия, которую вы читали; устаревшая — ответ 409."),
    )
    section = serializers.IntegerField(
        required=False, allow_null=True, label=gettext_lazy("раздел")
    )
    number = serializers.CharField(required=False, allow_blank=True, label=gettext_lazy("номер"))
    text = serializers.CharField(required=False, label=gettext_lazy("содержание"))
    participants = serializers.CharField(
        required=False, allow_blank=True, label=gettext_lazy("участники")
    )
    deadline_text = serializers.CharField(
        required=False, allow_blank=True, label=gettext_lazy("срок")
    )
    responsible_text = serializers.CharField(
        required=False, allow_blank=True, label=gettext_lazy("ответственные")
    )
    result = serializers.CharField(
        required=False, allow_blank=True, label=gettext_lazy("ожидаемый результат")
    )
    document_text = serializers.CharField(
        required=False, allow_blank=True, label=gettext_lazy("документ")
    )
    document_kind = serializers.ChoiceField(
        choices=DocumentKind.choices, required=False, label=gettext_lazy("вид документа")
    )
    requires_evidence = serializers.BooleanField(
        required=False, label=gettext_lazy("нужен подтверждающий документ")
    )


class ProgressReportDetailSerializer(ProgressReportSerializer):
    permissions = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta(ProgressReportSerializer.Meta):
        fields = [*ProgressReportSerializer.Meta.fields, "evidence", "permissions"]

    @extend_schema_field(ReportPermissionsSerializer)
    def get_permissions(self, report) -> dict:
        user = self.context["request"].user
        reviewable = report.is_current and report.review_state == ProgressReport.Review.SUBMITTED
        review = reviewable and user.has_perm("roadmaps.review_report", report)
        return {
            "report": user.has_perm("roadmaps.report_progress", report.assignment),
            "accept": review,
            "return": review,
        }

    def get_evidence(self, report) -> list[dict]:
        return [
            {"id": e.pk, "name": e.original_name, "kind": e.kind, "size": e.size}
            for e in report.evidence.all()
        ]


class ProgressReportSubmitSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(label=gettext_lazy("поручение"))
    period_start = serializers.DateField(label=gettext_lazy("начало периода"))
    period_end = serializers.DateField(label=gettext_lazy("конец периода"))
    # Choices checked by hand and listed in the help: one enum per choice set in the schema.
    status = serializers.CharField(
        label=gettext_lazy("состояние"), help_text=", ".join(ProgressReport.Status.values)
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", label=gettext_lazy("комментарий")
    )
    actual_value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        label=gettext_lazy("фактическое значение показателя"),
    )
    evidence_kind = serializers.CharField(
        required=False,
        allow_blank=True,
        label=gettext_lazy("вид документа"),
        help_text=", ".join(DocumentKind.values),
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        label=gettext_lazy("подтверждающие документы"),
        help_text=gettext_lazy("PDF, DOCX, XLSX, PNG или JPEG; поле можно повторить."),
    )

    def validate_status(self, value):
        if value not in ProgressReport.Status.values:
            raise serializers.ValidationError(_("Неизвестное состояние выполнения."))
        return value

    def validate_evidence_kind(self, value):
        if value and value not in DocumentKind.values:
            raise serializers.ValidationError(_("Неизвестный вид документа."))
        return value


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(
        label=gettext_lazy("причина возврата"), help_text=gettext_lazy("Школа её увидит.")
    )


class MeasureFilter(django_filters.FilterSet):
    class Meta:
        model = Measure
        fields = ["roadmap", "section", "deadline_kind", "for_all_schools"]


@extend_schema_view(
    retrieve=extend_schema(responses={200: MeasureDetailSerializer, 404: NOT_FOUND}),
)
class MeasureEditViewSet(mixins.UpdateModelMixin, MeasureViewSet):
    """Measures; PATCH edits one as the browser's form does, with the version check."""

    serializer_class = MeasureDetailSerializer
    filterset_class = MeasureFilter
    filterset_fields = None
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("roadmap")

    @extend_schema(
        summary="Изменить мероприятие",
        description=(
            "Те же проверки и та же история изменений, что в браузере. `version` — версия, "
            "которую вы читали; если мероприятие уже изменили, ответ 409 и ничего не сохраняется."
        ),
        request=MeasureUpdateSerializer,
        responses={
            200: MeasureDetailSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: STALE,
        },
        examples=[
            OpenApiExample(
                "Новый срок",
                value={"version": 3, "deadline_text": "до 1 марта 2026 года"},
                request_only=True,
            )
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        measure = self.get_object()
        if not request.user.has_perm("roadmaps.edit_roadmap", measure.roadmap):
            raise exceptions.PermissionDenied(_("Недостаточно прав для этого действия."))
        form = MeasureUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version = data.pop("version")
        if "section" in data and data["section"] is not None:
            section = measure.roadmap.sections.filter(pk=data["section"]).first()
            if section is None:
                raise exceptions.ValidationError(
                    {"section": [_("Раздел относится к другой дорожной карте.")]}
                )
            data["section"] = section
        try:
            measure_update(measure=measure, by=request.user, version=version, **data)
        except StaleEdit as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        fresh = self.get_queryset().get(pk=measure.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method)

    def list(self, request, *args, **kwargs):
        """The serializer's JSON, written from plain values: a page of fifty measures
        without a model instance or a serializer field per value (the same bytes,
        tests/api/test_measure_rows.py compares them)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(RoadmapOrderedRows(queryset, *MEASURE_COLUMNS))
        if page is None:
            return super().list(request, *args, **kwargs)
        return self.get_paginated_response(measure_rows(page, user=request.user))


# The columns measure_rows reads, in its order; the roadmap's own placement last, for
# the permission asked of the roadmap.
@extend_schema_view(
    list=extend_schema(summary="Отчёты о ходе выполнения"),
    retrieve=extend_schema(responses={200: ProgressReportDetailSerializer, 404: NOT_FOUND}),
)
class ProgressReportWriteViewSet(mixins.CreateModelMixin, ProgressReportViewSet):
    """Progress reports; POST submits one (multipart, with files), accept/return review it."""

    serializer_class = ProgressReportDetailSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get_queryset(self):
        return super().get_queryset().select_related("assignment").prefetch_related("evidence")

    def list(self, request, *args, **kwargs):
        """The serializer's JSON, written from plain values (the same bytes,
        tests/api/test_report_rows.py compares them)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(CountedRows(queryset, *REPORT_COLUMNS))
        if page is None:
            return super().list(request, *args, **kwargs)
        return self.get_paginated_response(progress_report_rows(page, user=request.user))

    def get_serializer_class(self):
        if self.action == "create":
            return ProgressReportSubmitSerializer
        if self.action == "return_report":
            return ReturnSerializer
        return ProgressReportDetailSerializer

    def _answer(self, report, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=report.pk)
        return Response(
            ProgressReportDetailSerializer(fresh, context={"request": self.request}).data,
            status=code,
        )

    @extend_schema(
        summary="Отчитаться о ходе выполнения поручения",
        description=(
            "Как форма отчёта в браузере: период — один из отчётных периодов дорожной карты, "
            "для «выполнено» нужен подтверждающий документ, если мероприятие его требует. "
            "Файлы — повторяющимся полем `files` в multipart/form-data."
        ),
        request={"multipart/form-data": ProgressReportSubmitSerializer},
        responses={
            201: ProgressReportDetailSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def create(self, request, *args, **kwargs):
        # No copy of request.data: a QueryDict deep-copies its files, and a file over
        # FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to disk, whose handle cannot be copied.
        data = request.data
        form = ProgressReportSubmitSerializer(
            data={
                **{k: data.get(k) for k in data if k != "files"},
                "files": request.FILES.getlist("files"),
            }
        )
        form.is_valid(raise_exception=True)
        values = form.validated_data
        assignment = assignment_get(user=request.user, pk=values["assignment"])
        if not request.user.has_perm("roadmaps.report_progress", assignment):
            raise exceptions.PermissionDenied(_("Недостаточно прав для этого действия."))
        periods = reporting_periods(assignment.measure.roadmap)
        period = (values["period_start"], values["period_end"])
        if period not in periods:
            raise exceptions.ValidationError(
                {
                    "period_start": [
                        _("Выберите отчётный период дорожной карты: %s.") % _periods_text(periods)
                    ]
                }
            )
        try:
            report = progress_report_submit(
                assignment=assignment,
                period_start=period[0],
                period_end=period[1],
                status=values["status"],
                comment=values["comment"],
                actual_value=values.get("actual_value"),
                files=values["files"],
                evidence_kind=values.get("evidence_kind") or None,
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return self._answer(report, status.HTTP_201_CREATED)

    def _review(self, request, do, report=None):
        # Scope first: out of scope is a 404 whatever the body says.
        report = report or self.get_object()
        if not request.user.has_perm("roadmaps.review_report", report):
            raise exceptions.PermissionDenied(_("Недостаточно прав для этого действия."))
        try:
            do(report)
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return self._answer(report)

    @extend_schema(
        summary="Принять отчёт",
        request=None,
        responses={
            200: ProgressReportDetailSerializer,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: error_response("Отчёт уже проверен или заменён новым."),
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._review(
            request,
            lambda report: progress_report_accept(report=report, by=request.user),
        )

    @extend_schema(
        summary="Вернуть отчёт школе",
        request=ReturnSerializer,
        responses={
            200: ProgressReportDetailSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: error_response("Отчёт уже проверен или заменён новым."),
        },
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_report(self, request, pk=None):
        report = self.get_object()
        form = ReturnSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._review(
            request,
            lambda report: progress_report_return(
                report=report, reason=form.validated_data["reason"], by=request.user
            ),
            report=report,
        )


def _periods_text(periods) -> str:
    return ", ".join(f"{s.isoformat()} — {e.isoformat()}" for s, e in periods[:12])


def register(router):  # noqa: F811  the writable viewsets replace the read-only ones
    """Add this app's viewsets to `router`."""
    router.register("roadmaps", RoadmapViewSet, basename="roadmap")
    router.register("measures", MeasureEditViewSet, basename="measure")
    router.register("assignments", AssignmentViewSet, basename="assignment")
    router.register("progress-reports", ProgressReportWriteViewSet, basename="progress-report")
