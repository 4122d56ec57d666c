"""The OpenAPI schema of the API: the one error format, documented for every operation."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions
from rest_framework.settings import api_settings

from infra.api.errors import error_response


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, with the errors every operation may answer documented
    in the one error format; what a view declares itself is kept."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in self._common_errors():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    error_response(description), str(code), direction=direction
                )
        return dict(sorted(responses.items()))

    def _get_filter_parameters(self):
        return _empty_means_unset(super()._get_filter_parameters())

    def _get_pagination_parameters(self):
        return _empty_means_unset(super()._get_pagination_parameters())

    def _common_errors(self):
        writes = self.method not in permissions.SAFE_METHODS
        listing = not writes and self._is_list_view()
        if writes or listing:
            yield 400, "Ошибка в параметрах или данных запроса; поля перечислены в error.fields."
        yield 401, "Нет API-токена, или он неизвестен, отозван, просрочен."
        if writes:
            yield 403, "Ваша роль или токен (только для чтения) не позволяют это действие."
        if "{" in self.path:
            yield 404, "Объект не найден или вне вашей зоны доступа."
        elif listing:
            yield 404, "Нет такой страницы списка."
        yield 429, "Слишком много запросов с этим токеном; повторите позже (Retry-After)."


NO_NUL = "^[^\\x00]*$"


def _empty_means_unset(parameters):
    """Filters and pages of a list: `?name=` with nothing after it is as if it were absent
    (what an HTML form of filters sends), which OpenAPI says with allowEmptyValue; text
    never holds a NUL character."""
    for parameter in parameters:
        if parameter.get("in") != "query":
            continue
        parameter["allowEmptyValue"] = True
        schema = parameter.get("schema", {})
        if parameter.get("name") == api_settings.ORDERING_PARAM:
            continue  # unknown orderings, NUL or not, are ignored rather than refused
        if schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema):
            # Django's form fields refuse the NUL character (PostgreSQL cannot hold it).
            schema["pattern"] = NO_NUL
    return parameters
