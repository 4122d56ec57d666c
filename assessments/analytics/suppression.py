"""Suppression of small cells for tables shown outside the school.

A table part that declares `SUPPRESS_FIELDS` and was computed from fewer than
`minimum` pupils (`n`) comes back with those fields blanked (None) and
`suppressed=True`. Per-pupil entries (`SUPPRESS_DROP`) are removed from lists
when `minimum` exceeds 1, since a single pupil is always identifiable. The
original is not changed.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings

from .records import GroupSize

DEFAULT_MINIMUM = 10


def suppress(table, minimum: int | None = None):
    """A copy of `table` (any of the analytic results, or dicts/lists of them)
    with every part computed from fewer than `minimum` pupils blanked.

    Without `minimum`, the setting ANALYTICS_MIN_GROUP (default 10).
    """
    if minimum is None:
        minimum = getattr(settings, "ANALYTICS_MIN_GROUP", DEFAULT_MINIMUM)
    return _walk(table, int(minimum))


def _walk(value, minimum: int):
    if isinstance(value, dict):
        return {k: _walk(v, minimum) for k, v in value.items()}
    if isinstance(value, list | tuple) and not _is_leaf_tuple(value):
        items = [
            _walk(v, minimum)
            for v in value
            if not (getattr(v, "SUPPRESS_DROP", False) and v.n < minimum)
        ]
        return items if isinstance(value, list) else tuple(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        n = getattr(value, "n", None)
        fields = getattr(value, "SUPPRESS_FIELDS", ())
        if fields and (n is None or n < minimum):
            changes = dict.fromkeys(fields)
            if hasattr(value, "suppressed"):
                changes["suppressed"] = True
            if hasattr(value, "size") and isinstance(value.size, GroupSize):
                changes["size"] = GroupSize.TOO_SMALL
            if hasattr(value, "big_differences"):
                changes["big_differences"] = []
                changes["big_difference_count"] = None
            return dataclasses.replace(value, **changes)
        changes = {}
        for f in dataclasses.fields(value):
            current = getattr(value, f.name)
            new = _walk(current, minimum)
            if new is not current:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _is_leaf_tuple(value) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, str | int | float) for v in value)
