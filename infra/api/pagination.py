"""Page-number pagination whose count is not made again on every page.

A list's count is the same for every page of it until one of the tables it reads
changes: page 50 of a region's measures counted 83,400 rows joined to their roadmaps
(14-23 ms) only to write "count" and to know the last page. The count is kept in the
shared cache under a key made of
- the count's own SQL and parameters: the user's scope (the reach's node ids) and the
  filters of the query string are in them, the page is not;
- the database's name: two databases behind one cache never share a count;
- the token of every table that SQL reads (schools.models.TableStamp), read from the
  database before the count: a change to any of them, whoever makes it, is a new
  token, and the next request counts again.
A count that reads a table without a stamp is made on every request, as before.

Only for lists of many rows (roadmaps.api: the measures, assignments and progress
reports): building the key and reading the cache cost the worker about as much CPU
as a COUNT of a thousand rows (the schools, the roadmaps) costs the database and the
worker together (bench/bench_count_cache.py).
"""

from __future__ import annotations

import hashlib
import re

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

COUNT_CACHE_SECONDS = 3600
# Every table a statement reads, as Django quotes them ("table" on PostgreSQL and
# SQLite alike), in its FROM and JOIN clauses and those of its subqueries.
_TABLE = re.compile(r'(?:FROM|JOIN) "(\w+)"')
STAMPS_SQL = "SELECT name, token FROM schools_tablestamp"  # schools.models.TableStamp


def count_key(queryset: QuerySet) -> str | None:
    """The cache key of `queryset.count()`, or None when a table it reads has no stamp.
    Reads the stamps (one query): call it before counting, never after, so that a
    count is never kept under a token newer than the rows it saw."""
    query = queryset.query.chain()
    # The ordering's joins are no part of the count (Django drops them too).
    query.clear_ordering(force=True)
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return None  # nothing can match: Django answers 0 without a query
    tables = sorted(set(_TABLE.findall(sql)))
    # Every stamp in one constant statement (a few rows): no query to build.
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(STAMPS_SQL)
        stamps = dict(cursor.fetchall())
    tokens = {table: stamps[table] for table in tables if table in stamps}
    if not tables or len(tokens) < len(tables):
        return None
    database = connections[queryset.db].settings_dict["NAME"]
    key = repr((str(database), sql, params, sorted(tokens.items())))
    return "api:count:" + hashlib.sha256(key.encode()).hexdigest()


def cached_for(queryset: QuerySet, what: str, compute):
    """`compute()`, a figure of `queryset`'s rows named `what`, kept in the cache under
    `count_key`; made afresh each time when a table the rows come from has no stamp."""
    key = count_key(queryset)
    if key is None:
        return compute()
    key = f"{key}:{what}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, COUNT_CACHE_SECONDS)
    return found


def cached_count(queryset: QuerySet) -> int:
    """`queryset.count()`, kept in the cache under `count_key`."""
    return cached_for(queryset, "count", queryset.count)


class StampedCountPaginator(Paginator):
    """Django's paginator with the count of a queryset kept in the cache, or the count
    a list's rows give themselves (roadmaps.api_rows.CountedRows.cached_count)."""

    @cached_property
    def count(self):
        counter = getattr(self.object_list, "cached_count", None)
        if counter is not None:
            return counter()
        if isinstance(self.object_list, QuerySet):
            return cached_count(self.object_list)
        return super().count


class StampedPageNumberPagination(PageNumberPagination):
    """DRF's page-number pagination (the same answer: count, next, previous, results)
    with the count kept in the cache (`StampedCountPaginator`)."""

    django_paginator_class = StampedCountPaginator
