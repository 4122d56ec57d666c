"""A digest of the rows a queryset reads, for cache keys that must change whenever
anything shown changes."""

from __future__ import annotations

import hashlib

# One digest a subquery: the row count and the md5 of the rows' text in a fixed order.
_DIGEST = "(SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM ({sql}) t)"  # noqa: E501


def queryset_digest(queryset) -> str:
    """A hex digest of every row of `queryset` (a `values_list` of the fields a
    cached result is made of): equal digests mean equal rows.

    On PostgreSQL the database hashes the rows (one short value comes back instead
    of a hundred rows); elsewhere the rows are read and hashed here. The rows are
    digested in a fixed order of their text, whatever the queryset's ordering."""
    return queryset_digests([queryset])[0]


def queryset_digests(querysets, compiled=None) -> list[str]:
    """`queryset_digest` of each of `querysets`, in one query on PostgreSQL.
    `compiled` may give each queryset's (sql, params), when the caller has them."""
    from django.db import connections

    if not querysets:
        return []
    using = {queryset.db for queryset in querysets}
    connection = connections[next(iter(using))]
    if connection.vendor != "postgresql" or len(using) > 1:
        return [_digest_here(queryset) for queryset in querysets]
    if compiled is None:
        compiled = [queryset.query.sql_with_params() for queryset in querysets]
    # The inner SQL is the ORM's, with its parameters.
    sql = "SELECT " + ", ".join(_DIGEST.format(sql=inner) for inner, _params in compiled)
    params = [param for _inner, inner_params in compiled for param in inner_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchone())


def _digest_here(queryset) -> str:
    rows = sorted(repr(row) for row in queryset)
    return f"{len(rows)}:" + hashlib.md5("|".join(rows).encode(), usedforsecurity=False).hexdigest()


def kept_queryset_digest(key, build) -> str:
    """`queryset_digest(build())`, with the queryset's SQL built and compiled once per
    `key` in this process (infra.sqlmemo.compiled_sql: `key` holds every value the SQL
    depends on). On PostgreSQL; elsewhere the queryset is built and read every time.
    The default database's."""
    from django.core.exceptions import EmptyResultSet
    from django.db import DEFAULT_DB_ALIAS, connections

    from infra.sqlmemo import compiled_sql

    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return queryset_digest(build())
    try:
        sql, params = compiled_sql(key, build)
    except EmptyResultSet:  # a filter no row can pass (a reach of nothing)
        return "0:"
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + _DIGEST.format(sql=sql), params)
        return cursor.fetchone()[0]
