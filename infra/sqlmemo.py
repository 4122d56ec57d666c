"""The SQL of a queryset built the same way over and over, compiled once per process.

Building a scoped queryset and compiling it costs a page more CPU than PostgreSQL
spends running it: the digests that key the cached pages (one statement, one value)
cost 1.5-2 ms of Python a request for a statement of a few hundred microseconds. Their
SQL is a function of a few values (the user's reach, a school's id, a setting), so
`compiled_sql` keeps it under a key made of exactly those values, and the next request
with the same key runs it at once. The caller names the values: what the queryset's
SQL depends on must all be in the key (tests/test_sqlmemo.py compares the kept SQL
with a fresh compilation for every person of the cast).

The kept SQL holds no rows, only the statement and its parameters; different keys
never share an entry. Per process, the most recently used SIZE entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.db.models import QuerySet

SIZE = 2048

_kept: OrderedDict[Hashable, tuple[str, tuple]] = OrderedDict()
_lock = threading.Lock()


def compiled_sql(key: Hashable, build: Callable[[], QuerySet]) -> tuple[str, tuple]:
    """The (sql, params) of the queryset `build()` returns, compiled once per `key`."""
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    sql, params = build().query.sql_with_params()
    with _lock:
        _kept[key] = (sql, tuple(params))
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return sql, tuple(params)


def forget() -> None:
    """Drop every kept statement (tests)."""
    with _lock:
        _kept.clear()
