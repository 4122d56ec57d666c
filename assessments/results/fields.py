"""Model fields of our own for the results table."""

from __future__ import annotations

from django.db import models


class ScoresField(models.JSONField):
    """Points per task: a list of small integers, None for "not attempted"
    (kept apart from 0).

    Stored as `smallint[]` on PostgreSQL (53 bytes a row of 15 tasks instead of
    jsonb's 184, docs/scale.md) and as JSON text elsewhere; Python sees the same
    list either way. A JSONField otherwise, so that forms, the admin and DRF treat it
    as the list it is. As text (`Cast(..., TextField())`) it reads `{1,NULL,2}` on
    PostgreSQL and `[1, null, 2]` elsewhere: `scores_text_as_json` turns either into
    JSON.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "smallint[]"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, list):  # psycopg reads an array as a list
            return value
        return super().from_db_value(value, expression, connection)

    def get_placeholder(self, value, compiler, connection):
        # Declared so that PostgreSQL's bulk_create does not UNNEST the rows: an
        # array of arrays would flatten.
        return "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        return list(value)


def scores_text_as_json(text: str) -> str:
    """A scores column read as text (`{1,NULL,2}` on PostgreSQL, `[1, null, 2]`
    elsewhere) as a JSON array."""
    if text.startswith("{"):
        return "[" + text[1:-1].replace("NULL", "null") + "]"
    return text


def scores_array_literal(scores) -> str:
    """The PostgreSQL array literal of a list of scores: `{1,NULL,2}`."""
    return "{" + ",".join("NULL" if s is None else str(int(s)) for s in scores) + "}"
