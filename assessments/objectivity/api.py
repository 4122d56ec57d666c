"""REST endpoints of the objectivity checks, registered on the /api/v1/ router.

Check runs (list, request one: 202, poll), the findings of a run flat (a school
× procedure with every indicator, its answers), answers to markers (dismiss
with a reason, answer with a roadmap measure, withdraw), and official lists
(list, upload with a dry run). Every queryset goes through the scoping rule;
out of scope is a 404. The writes are the services the pages call.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.response import Response

from assessments.objectivity import selectors as sel
from assessments.objectivity.models import (
    CheckFinding,
    CheckRun,
    FlagAnswer,
    OfficialList,
    OfficialListEntry,
)
from assessments.objectivity.services import flags as flag_services
from assessments.objectivity.services import official as official_services
from assessments.objectivity.services import runs as run_services
from infra.api.errors import error_response
from infra.problems import ImportFailed
from schools.models import Municipality, Region

NOT_FOUND = error_response("Объект не найден или вне вашей зоны доступа.")
INVALID = error_response("Ошибка в данных запроса; поля перечислены в error.fields.")
FORBIDDEN = error_response("Ваша роль или токен не позволяют это действие.")


def _invalid(error: DjangoValidationError):
    return exceptions.ValidationError({"non_field_errors": list(error.messages)})


# --- runs -----------------------------------------------------------------------------------


class CheckRunSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    municipality_code = serializers.CharField(
        source="municipality.code", read_only=True, default=None
    )
    region_code = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = CheckRun
        fields = [
            "id",
            "region",
            "region_code",
            "municipality",
            "municipality_code",
            "year",
            "status",
            "status_display",
            "trigger",
            "progress",
            "method_version",
            "params",
            "counts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class CheckRunRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, label=gettext_lazy("год"))
    municipality = serializers.IntegerField(
        required=False, allow_null=True, label=gettext_lazy("муниципалитет")
    )
    municipality_code = serializers.CharField(
        required=False, allow_blank=True, label=gettext_lazy("код муниципалитета")
    )
    region = serializers.IntegerField(required=False, allow_null=True, label=gettext_lazy("регион"))
    region_code = serializers.CharField(
        required=False, allow_blank=True, label=gettext_lazy("код региона")
    )


class CheckRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CheckRun.Status.choices)

    class Meta:
        model = CheckRun
        fields = ["year", "status", "region", "municipality"]


@extend_schema_view(
    list=extend_schema(summary="Проверки объективности", description="Проверки в вашей зоне."),
    retrieve=extend_schema(
        summary="Проверка: состояние и итоги",
        description="Опрашивайте, пока `status` не станет `done` или `failed`.",
        responses={200: CheckRunSerializer, 404: NOT_FOUND},
    ),
)
class CheckRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CheckRunSerializer
    filterset_class = CheckRunFilter
    ordering_fields = ["created_at", "year"]

    def get_queryset(self):
        return sel.check_run_list(user=self.request.user).order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return CheckRunRequestSerializer if self.action == "create" else CheckRunSerializer

    def _scope(self, data):
        user = self.request.user
        municipality = region = None
        if data.get("municipality") or data.get("municipality_code"):
            lookup = (
                {"pk": data["municipality"]}
                if data.get("municipality")
                else {"code": data["municipality_code"].strip()}
            )
            found = list(Municipality.objects.visible_to(user).filter(**lookup)[:2])
            if len(found) != 1:
                raise exceptions.ValidationError(
                    {"municipality": [gettext_lazy("Муниципалитет не найден в вашей зоне.")]}
                )
            municipality = found[0]
            region = municipality.region
        elif data.get("region") or data.get("region_code"):
            lookup = (
                {"pk": data["region"]}
                if data.get("region")
                else {"code": data["region_code"].strip().zfill(2)}
            )
            region = Region.objects.visible_to(user).filter(**lookup).first()
            if region is None:
                raise exceptions.ValidationError(
                    {"region": [gettext_lazy("Регион не найден в вашей зоне.")]}
                )
        else:
            raise exceptions.ValidationError(
                {"municipality": [gettext_lazy("Укажите муниципалитет или регион.")]}
            )
        return region, municipality

    @extend_schema(
        summary="Запустить проверку объективности",
        description=(
            "Ставит проверку года по муниципалитету (эталон — регион) или всему региону "
            "в очередь и сразу отвечает 202. Та же проверка (область, год и данные), уже "
            "ждущая, идущая или выполненная, возвращается без второго запуска: ответ 200 "
            "с полем `notice`, где это сказано."
        ),
        request=CheckRunRequestSerializer,
        responses={
            202: CheckRunSerializer,
            200: OpenApiResponse(
                CheckRunSerializer,
                description="Та же проверка уже есть: она и поле `notice` (строка).",
            ),
            400: INVALID,
            403: FORBIDDEN,
        },
        examples=[
            OpenApiExample(
                "Муниципалитет по коду",
                value={"year": 2025, "municipality_code": "39001"},
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        form = CheckRunRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        region, municipality = self._scope(form.validated_data)
        try:
            run = run_services.check_run_request(
                user=request.user,
                year=form.validated_data["year"],
                region=region,
                municipality=municipality,
            )
        except DjangoValidationError as error:
            raise _invalid(error) from None
        repeated = getattr(run, "repeated", False)
        run = sel.check_run_get(user=request.user, pk=run.pk)
        data = CheckRunSerializer(run).data
        if repeated:
            # The same scope, year and data: the earlier run, not a second one.
            data["notice"] = run_services.check_run_repeated_message(run)
            return Response(data, status=status.HTTP_200_OK)
        return Response(data, status=status.HTTP_202_ACCEPTED)


# --- findings -------------------------------------------------------------------------------


class FlagAnswerSerializer(serializers.ModelSerializer):
    # A plain string here: the choices are listed once, on the request.
    kind = serializers.CharField(read_only=True, help_text="measure, dismissed")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = FlagAnswer
        fields = [
            "id",
            "school",
            "procedure",
            "kind",
            "kind_display",
            "measure",
            "reason",
            "answered_at",
        ]


class IndicatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    reference = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField(allow_null=True)
    fired = serializers.BooleanField()
    strong = serializers.BooleanField()
    n = serializers.IntegerField()
    details = serializers.DictField(child=serializers.FloatField(allow_null=True))


class CheckFindingSerializer(serializers.ModelSerializer):
    school_code = serializers.CharField(source="school.code", read_only=True)
    school_login = serializers.CharField(source="school.fis_login", read_only=True)
    school_name = serializers.CharField(source="school.short_name", read_only=True)
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
    year = serializers.IntegerField(source="procedure.year", read_only=True)
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = CheckFinding
        fields = [
            "id",
            "run",
            "school",
            "school_code",
            "school_login",
            "school_name",
            "municipality",
            "municipality_name",
            "procedure",
            "year",
            "label",
            "pupils",
            "marker",
            "reasons",
            "low_result",
            "indicators",
        ]

    @extend_schema_field(IndicatorSerializer(many=True))
    def get_indicators(self, finding) -> list[dict]:
        from assessments.objectivity.checks.data import INDICATOR_LABELS

        return [
            dict(i, label=str(INDICATOR_LABELS.get(i.get("name"), i.get("name"))))
            for i in finding.indicators
        ]


class CheckFindingFilter(django_filters.FilterSet):
    school_code = django_filters.CharFilter(method="by_school_code", label="код ОО или логин")
    year = django_filters.NumberFilter(field_name="procedure__year")

    class Meta:
        model = CheckFinding
        fields = ["run", "school", "municipality", "procedure", "marker", "label"]

    def by_school_code(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(school__code=value) | queryset.filter(
            school__fis_login=value.lower()
        )


@extend_schema_view(
    list=extend_schema(
        summary="Результаты проверок по школам и работам",
        description="Каждая школа × работа проверки: все показатели, сработавшие и нет.",
    ),
    retrieve=extend_schema(responses={200: CheckFindingSerializer, 404: NOT_FOUND}),
)
class CheckFindingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CheckFindingSerializer
    filterset_class = CheckFindingFilter

    def get_queryset(self):
        return sel.finding_list(user=self.request.user).order_by("run_id", "school_id", "label")


# --- answers --------------------------------------------------------------------------------


class FlagAnswerRequestSerializer(serializers.Serializer):
    finding = serializers.IntegerField(label=gettext_lazy("результат проверки"))
    kind = serializers.ChoiceField(choices=FlagAnswer.Kind.choices, label=gettext_lazy("ответ"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    measure = serializers.IntegerField(required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(summary="Ответы на признаки необъективности"),
    retrieve=extend_schema(responses={200: FlagAnswerSerializer, 404: NOT_FOUND}),
    destroy=extend_schema(
        summary="Отозвать ответ", responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
)
class FlagAnswerViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = FlagAnswerSerializer
    filterset_fields = ["school", "procedure", "kind"]

    def get_queryset(self):
        return FlagAnswer.objects.visible_to(self.request.user).order_by("-answered_at", "-pk")

    def get_serializer_class(self):
        return FlagAnswerRequestSerializer if self.action == "create" else FlagAnswerSerializer

    @extend_schema(
        summary="Ответить на маркер",
        description=(
            "`dismissed` — снять признак с обоснованием (`reason`, не короче 10 символов); "
            "`measure` — ответить мероприятием муниципальной дорожной карты (`measure`)."
        ),
        request=FlagAnswerRequestSerializer,
        responses={201: FlagAnswerSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def create(self, request, *args, **kwargs):
        from roadmaps.models import Measure

        form = FlagAnswerRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        finding = CheckFinding.objects.get_visible_or_404(request.user, pk=data["finding"])
        try:
            if data["kind"] == FlagAnswer.Kind.DISMISSED:
                answer = flag_services.flag_dismiss(
                    finding=finding, reason=data.get("reason", ""), by=request.user
                )
            else:
                if not data.get("measure"):
                    raise exceptions.ValidationError(
                        {"measure": [gettext_lazy("Укажите мероприятие дорожной карты.")]}
                    )
                measure = Measure.objects.select_related("roadmap").get_visible_or_404(
                    request.user, pk=data["measure"]
                )
                answer = flag_services.flag_answer_with_measure(
                    finding=finding, measure=measure, by=request.user
                )
        except DjangoValidationError as error:
            raise _invalid(error) from None
        return Response(FlagAnswerSerializer(answer).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        flag_services.flag_answer_delete(answer=instance, by=self.request.user)


# --- official lists -------------------------------------------------------------------------


class OfficialListEntrySerializer(serializers.ModelSerializer):
    login = serializers.CharField(source="school.fis_login", read_only=True)

    class Meta:
        model = OfficialListEntry
        fields = ["school", "login", "municipality", "year", "markers", "count"]


class OfficialListSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfficialList
        fields = ["id", "region", "title", "file_name", "years", "labels", "uploaded_at"]


class OfficialListUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=gettext_lazy("файл"))
    region = serializers.IntegerField(label=gettext_lazy("регион"))
    dry_run = serializers.BooleanField(default=True, label=gettext_lazy("только проверка"))


@extend_schema_view(
    list=extend_schema(summary="Официальные перечни ОО с признаками необъективности"),
    retrieve=extend_schema(responses={200: OfficialListSerializer, 404: NOT_FOUND}),
)
class OfficialListViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = OfficialListSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get_queryset(self):
        return OfficialList.objects.visible_to(self.request.user).order_by("-uploaded_at", "-pk")

    def get_serializer_class(self):
        return OfficialListUploadSerializer if self.action == "create" else OfficialListSerializer

    @extend_schema(
        summary="Загрузить официальный перечень",
        description=(
            "XLSX со столбцами Год, Логин, Муниципалитет, ОО, «4 РУ»…, Количество маркеров. "
            "Всё или ничего; по умолчанию только проверка (dry_run=true)."
        ),
        request={"multipart/form-data": OfficialListUploadSerializer},
        responses={201: OfficialListSerializer, 200: None, 400: INVALID, 403: FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        form = OfficialListUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        region = Region.objects.visible_to(request.user).filter(pk=form.validated_data["region"])
        region = region.first()
        if region is None:
            raise exceptions.ValidationError({"region": [gettext_lazy("Регион не найден.")]})
        upload = form.validated_data["file"]
        try:
            summary = official_services.official_list_import(
                source=upload,
                filename=upload.name,
                region=region,
                by=request.user,
                dry_run=form.validated_data["dry_run"],
            )
        except ImportFailed as failed:
            raise exceptions.ValidationError(
                {"file": [str(problem) for problem in failed.problems[:200]]}
            ) from None
        if summary["list"] is None:
            return Response(
                {
                    "dry_run": True,
                    "rows": summary["rows"],
                    "entries": summary["entries"],
                    "schools": summary["schools"],
                    "years": summary["years"],
                    "labels": summary["labels"],
                    "warnings": [str(w) for w in summary["warnings"][:200]],
                },
                status=status.HTTP_200_OK,
            )
        return Response(
            OfficialListSerializer(summary["list"]).data, status=status.HTTP_201_CREATED
        )


def register(router):
    """Add the objectivity viewsets to `router`."""
    router.register("check-runs", CheckRunViewSet, basename="check-run")
    router.register("check-findings", CheckFindingViewSet, basename="check-finding")
    router.register("flag-answers", FlagAnswerViewSet, basename="flag-answer")
    router.register("official-lists", OfficialListViewSet, basename="official-list")
