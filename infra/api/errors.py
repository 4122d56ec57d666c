"""The one error format of the API, as the schema documents it, and the errors
several apps' endpoints raise or declare."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    """The one error format of the API (`api_exception_handler`)."""

    error = ErrorDetailSerializer()


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


NOT_FOUND = error_response("Объект не найден или вне вашей зоны доступа.")
INVALID = error_response("Ошибка в данных запроса; поля перечислены в error.fields.")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Состояние объекта не позволяет это действие.")
    default_code = "conflict"
