"""REST endpoints of the reports app, registered on the /api/v1/ router.

Documents: list (filtered), request a build (the same inputs give the same
document, see `reports.services.document_request`), poll, download. Every
queryset goes through the scoping rule; a document out of scope is a 404.
"""

import django_filters
from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from infra.api.errors import INVALID, NOT_FOUND, Conflict, error_response
from infra.api.renderers import PassthroughRenderer
from reports import selectors
from reports.builders import DocumentParamsError
from reports.models import Document
from reports.services import CONTENT_TYPES, _load_builders, document_request


class DocumentSerializer(serializers.ModelSerializer):
    # Plain strings here: the choices are listed once, on the request (DocumentRequest).
    kind = serializers.CharField(
        read_only=True, help_text="order, analytic, execution, objectivity"
    )
    format = serializers.CharField(read_only=True, help_text="pdf, docx, xlsx")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "kind_display",
            "format",
            "params",
            "title",
            "region",
            "municipality",
            "school",
            "status",
            "status_display",
            "progress",
            "error",
            "pages",
            "size",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, document) -> str | None:
        """Where the file is, once the document is built; null before. The address
        starts with settings.SITE_URL, never with the Host the request claimed."""
        if document.status != Document.Status.DONE or not document.file:
            return None
        return settings.SITE_URL + reverse("document-download", args=[document.pk])


class DocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Document.Kind.choices, label=gettext_lazy("вид"))
    format = serializers.ChoiceField(
        choices=Document.Format.choices, default=Document.Format.PDF, label=gettext_lazy("формат")
    )
    params = serializers.DictField(
        default=dict,
        label=gettext_lazy("параметры"),
        help_text=gettext_lazy('Параметры вида документа, например {"roadmap": 12} для приказа.'),
    )


class DocumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Document.Kind.choices, label=gettext_lazy("вид"))
    status = django_filters.ChoiceFilter(
        choices=Document.Status.choices, label=gettext_lazy("состояние")
    )
    # `format` is DRF's renderer switch in the query string, hence `fmt`.
    fmt = django_filters.ChoiceFilter(
        field_name="format", choices=Document.Format.choices, label=gettext_lazy("формат")
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=gettext_lazy("заказан не раньше")
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=gettext_lazy("заказан не позже")
    )

    class Meta:
        model = Document
        fields = ["kind", "status", "fmt", "municipality", "school"]


@extend_schema_view(
    list=extend_schema(summary="Документы", description="Документы в вашей зоне доступа."),
    retrieve=extend_schema(
        summary="Документ: состояние построения",
        description="Опрашивайте, пока `status` не станет `done` или `failed`.",
        responses={200: DocumentSerializer, 404: NOT_FOUND},
    ),
)
class DocumentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["created_at", "finished_at"]

    def get_queryset(self):
        return selectors.document_list(user=self.request.user).order_by("-created_at", "-pk")

    def get_serializer_class(self):
        if self.action == "create":
            return DocumentRequestSerializer
        return DocumentSerializer

    @extend_schema(
        summary="Заказать документ",
        description=(
            "Ставит документ в очередь на построение и сразу отвечает 202. Те же вид, "
            "формат и параметры при неизменных данных дают тот же документ, без "
            "повторного построения."
        ),
        request=DocumentRequestSerializer,
        responses={202: DocumentSerializer, 400: INVALID, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "Приказ об утверждении дорожной карты",
                value={"kind": "order", "format": "pdf", "params": {"roadmap": 1}},
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        form = DocumentRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        _load_builders()
        try:
            document = document_request(
                kind=form.validated_data["kind"],
                fmt=form.validated_data["format"],
                params=form.validated_data["params"],
                user=request.user,
            )
        except DocumentParamsError as exc:
            raise exceptions.ValidationError({"params": [str(exc)]}) from exc
        document = selectors.document_get(user=request.user, pk=document.pk)
        data = DocumentSerializer(document, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Скачать файл документа",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["docx"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            404: NOT_FOUND,
            409: error_response("Документ ещё не построен или построить его не удалось."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, PassthroughRenderer],
    )
    def download(self, request, pk=None):
        document = self.get_object()
        if document.status != Document.Status.DONE or not document.file:
            raise Conflict(
                _("Документ ещё не готов: состояние «%s».") % document.get_status_display()
            )
        try:
            handle = document.file.open("rb")
        except FileNotFoundError as exc:
            raise exceptions.NotFound(_("Файл документа не найден.")) from exc
        name = f"{document.title[:120]}.{document.format}".replace("/", "-")
        return FileResponse(
            handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[document.format]
        )


def register(router):
    """Add this app's viewsets to `router`."""
    router.register("documents", DocumentViewSet, basename="document")
