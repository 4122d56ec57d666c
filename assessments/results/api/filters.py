"""Filters of the results endpoints, and the keyset pages of the results list."""

import binascii
from base64 import b64decode, b64encode
from urllib.parse import parse_qs, urlencode

import django_filters
from django.db.models import BigIntegerField, ExpressionWrapper, F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from assessments.results.models import (
    ImportBatch,
    Instrument,
    Procedure,
    Result,
    Season,
    Subject,
    Task,
)
from infra.api.filters import ID_MAX, ID_MIN


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
        procedure = self.form.cleaned_data.get("procedure")
        if procedure not in (None, ""):
            # Its year (one small query) keeps the read to its partition.
            year = (
                Procedure.objects.visible_to(self.request.user)
                .filter(pk=getattr(procedure, "pk", procedure))
                .values_list("year", flat=True)
                .first()
            )
            queryset = queryset.filter(year=year) if year is not None else queryset.none()
        lookups = {
            f.field_name.removeprefix("procedure__"): self.form.cleaned_data.get(name)
            for name, f in self.filters.items()
            if f.field_name.startswith("procedure__")
        }
        lookups = {key: value for key, value in lookups.items() if value not in (None, "")}
        if not lookups:
            return queryset
        years_of = dict(
            Procedure.objects.visible_to(self.request.user)
            .filter(**lookups)
            .values_list("pk", "year")
        )
        ids = sorted(years_of)
        if not ids:
            return queryset.none()
        # The rows carry their procedure's year: named, it keeps the read to the
        # partitions of those years.
        queryset = queryset.filter(year__in=sorted(set(years_of.values())))
        if len(ids) == 1:
            return queryset.filter(procedure_id=ids[0])
        # Several procedures: the keyset pages read them one by one, each an ordered
        # range of an index (region or municipality, procedure, id) that stops after
        # its page (`ResultCursorPagination.procedure_ids`). The list itself is written
        # on `procedure_id + 0`, a check on the rows read, never an index condition: as
        # one (or as a range), PostgreSQL read every row of the year of the region or
        # municipality and sorted them (30-150 ms at 10 M rows, docs/scale.md).
        if self.request is not None:
            self.request.result_procedure_ids = ids
        return queryset.alias(
            listed_procedure=ExpressionWrapper(
                F("procedure_id") + 0, output_field=BigIntegerField()
            )
        ).filter(listed_procedure__in=ids)


class ImportBatchFilter(django_filters.FilterSet):
    class Meta:
        model = ImportBatch
        fields = ["status", "format", "procedure", "school", "dry_run"]


# --------------------------------------------------------------------------- pagination


class ResultCursorPagination(CursorPagination):
    """Keyset pages in the order (procedure, id): as fast on the millionth row as on the
    first, and a region's or a municipality's rows of a procedure or a class are each
    one ordered range of an index (the key, `result_muni_proc`, `result_region_class`),
    so a page reads its own rows and stops; several procedures are read one by one. The cursor holds the last (procedure, id) seen; DRF's cursor keeps
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
        procedure_ids = getattr(request, "result_procedure_ids", None)
        if procedure_ids:
            rows = self.procedure_by_procedure(queryset, procedure_ids, position)
        else:
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

    def procedure_by_procedure(self, queryset, procedure_ids, position):
        """The page's rows (and one more) when the filter named several procedures
        (`ResultFilter`): one query per procedure in the page's direction, each on
        `procedure_id = …` and ordered by id, so it reads an ordered range of an index
        and stops; the same rows and order as the tuple comparison."""
        wanted = self.page_size + 1
        order = ("-procedure_id", "-id") if self.reverse else ("procedure_id", "id")
        ids = sorted(procedure_ids, reverse=self.reverse)
        if position is not None:
            ids = [p for p in ids if (p <= position[0] if self.reverse else p >= position[0])]
        rows = []
        for procedure_id in ids:
            part = queryset.filter(procedure_id=procedure_id).order_by(*order)
            if position is not None and procedure_id == position[0]:
                part = part.filter(**{"id__lt" if self.reverse else "id__gt": position[1]})
            rows += part[: wanted - len(rows)]
            if len(rows) == wanted:
                break
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
