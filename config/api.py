"""What every API endpoint shares: one error format, throttling per token."""

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler


def _flatten(detail, prefix=""):
    """DRF's nested error detail → {"field.sub": ["message", ...]}."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            return {prefix or "non_field_errors": [str(v) for v in detail]}
        out = {}
        for index, value in enumerate(detail):
            out.update(_flatten(value, f"{prefix}[{index}]"))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def _megabytes(size) -> str:
    return f"{(size or 0) / 2**20:.3g}".replace(".", ",")


def api_exception_handler(exc, context):
    """Every API error as {"error": {"status", "code", "message", "fields"}} in Russian.

    Objects outside the caller's scope raise Http404 exactly like missing ones.
    """
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django refuses the body while parsing it; its answer would be the HTML 400 page.
        exc = exceptions.ParseError(
            _(
                "Запрос слишком велик: поля формы (без файлов) больше %(mb)s МБ или их "
                "больше %(n)s. Уменьшите запрос."
            )
            % {
                "mb": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
                "n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
            },
            code="too_big",
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Объект не найден."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = _("Проверьте данные: есть ошибки в полях.")
        code = "invalid"
    else:
        detail = getattr(exc, "detail", "")
        message = str(detail) if not isinstance(detail, dict | list) else str(exc)
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = codes if isinstance(codes, str) else "error"
    response.data = {
        "error": {
            "status": response.status_code,
            "code": code,
            "message": message,
            "fields": fields,
        }
    }
    return response


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (or per user for browser sessions, per IP for anonymous)."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "prefix"):
            ident = f"token:{token.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


@csrf_exempt  # nothing is written; a POST gets the same JSON 404, not the CSRF page
def api_not_found(request, *args, **kwargs):
    """An address under /api/ that no endpoint serves: a 404 in the one error format,
    not the HTML page a browser gets."""
    return JsonResponse(
        {
            "error": {
                "status": 404,
                "code": "not_found",
                "message": _("Такого адреса в API нет."),
                "fields": {},
            }
        },
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
