"""A digest of the rows a queryset reads, for cache keys that must change whenever
anything shown changes."""

from __future__ import annotations

import hashlib


def queryset_digest(queryset) -> str:
    """A hex digest of every row of `queryset` (a `values_list` of the fields a
    cached result is made of): equal digests mean equal rows.

    On PostgreSQL the database hashes the rows (one short value comes back instead
    of a hundred rows); elsewhere the rows are read and hashed here. The rows are
    digested in a fixed order of their text, whatever the queryset's ordering."""
    from django.db import connections

    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ({sql}) t",  # noqa: S608 - the inner SQL is the ORM's, with its parameters
                params,
            )
            count, digest = cursor.fetchone()
        return f"{count}:{digest or ''}"
    rows = sorted(repr(row) for row in queryset)
    return f"{len(rows)}:" + hashlib.md5("|".join(rows).encode(), usedforsecurity=False).hexdigest()
