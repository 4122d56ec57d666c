"""Findings partitioned by year on PostgreSQL, like results (0011; docs/scale.md).

The state does not change. On PostgreSQL the table is rebuilt `PARTITION BY LIST
(year)` (partitions for the years present, the current one and the next) with the
primary key (region_id, id, year), its unique key, foreign keys and indexes as they
were, plus a B-tree on id (a finding is read by id alone now and then); rows and ids
kept, the sequence continued. Backwards: the plain table of 0012 again. Elsewhere
nothing happens.
"""

import datetime
import re

from django.db import migrations
from django.db.migrations.operations.base import Operation

TABLE = "assessments_checkfinding"


def _all(schema_editor, sql, params=None):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _columns(schema_editor, table):
    return [
        row[0]
        for row in _all(
            schema_editor,
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [table],
        )
    ]


def _indexes(schema_editor, table):
    """(name, definition) of the indexes that back no constraint."""
    return _all(
        schema_editor,
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
        [table],
    )


def _constraints(schema_editor, table, kinds):
    return _all(
        schema_editor,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = ANY(%s)",
        [table, list(kinds)],
    )


def _free_names(schema_editor, table, suffix):
    """Give a table's index-backed constraints and its indexes other names."""
    for name, _definition in _constraints(schema_editor, table, "pu"):
        schema_editor.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {name} TO {name}{suffix}")
    for name, _definition in _indexes(schema_editor, table):
        schema_editor.execute(f"ALTER INDEX {name} RENAME TO {name}{suffix}")


class FindingPartitions(Operation):
    reversible = True
    reduces_to_sql = False

    def state_forwards(self, app_label, state):
        pass

    def describe(self):
        return "Partition the findings table by year (PostgreSQL)"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        execute = schema_editor.execute
        old, new = f"{TABLE}_old", f"{TABLE}_new"
        indexes = _indexes(schema_editor, TABLE)
        unique = _constraints(schema_editor, TABLE, "u")
        foreign = _constraints(schema_editor, TABLE, "f")
        execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        _free_names(schema_editor, old, "_old")
        execute(f"CREATE SEQUENCE {new}_id_seq AS bigint")
        execute(
            f"CREATE TABLE {new} (LIKE {old} INCLUDING CONSTRAINTS) PARTITION BY LIST (year)"
        )
        execute(f"ALTER TABLE {new} ALTER COLUMN id SET DEFAULT nextval('{new}_id_seq')")
        this_year = datetime.date.today().year
        years = {row[0] for row in _all(schema_editor, f"SELECT DISTINCT year FROM {old}")}
        years = sorted(years | {this_year, this_year + 1})
        for year in years:
            execute(f"CREATE TABLE {new}_{year} PARTITION OF {new} FOR VALUES IN ({year})")
        columns = ", ".join(_columns(schema_editor, old))
        execute(f"INSERT INTO {new} ({columns}) SELECT {columns} FROM {old}")
        sequence = _all(schema_editor, "SELECT pg_get_serial_sequence(%s, 'id')", [old])[0][0]
        execute(f"SELECT setval('{new}_id_seq', last_value, is_called) FROM {sequence}")
        execute(f"ALTER TABLE {new} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (region_id, id, year)")
        for name, definition in unique:
            execute(f"ALTER TABLE {new} ADD CONSTRAINT {name} {definition}")
        for name, definition in foreign:
            execute(f"ALTER TABLE {new} ADD CONSTRAINT {name} {definition}")
        for _name, definition in indexes:
            execute(re.sub(rf" ON (public\.)?{TABLE} ", f" ON {new} ", definition))
        execute(f"CREATE INDEX {TABLE}_id_idx ON {new} (id)")
        execute(f"DROP TABLE {old}")
        execute(f"ALTER TABLE {new} RENAME TO {TABLE}")
        execute(f"ALTER SEQUENCE {new}_id_seq RENAME TO {TABLE}_id_seq")
        execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
        for year in years:
            execute(f"ALTER TABLE {new}_{year} RENAME TO {TABLE}_{year}")
        execute(f"ANALYZE {TABLE}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        execute = schema_editor.execute
        part = f"{TABLE}_part"
        execute(f"ALTER TABLE {TABLE} RENAME TO {part}")
        _free_names(schema_editor, part, "_part")
        execute(f"ALTER SEQUENCE {TABLE}_id_seq RENAME TO {part}_id_seq")
        schema_editor.create_model(to_state.apps.get_model(app_label, "CheckFinding"))
        columns = ", ".join(_columns(schema_editor, TABLE))
        execute(f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM {part} ORDER BY id")
        execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), last_value, is_called) "
            f"FROM {part}_id_seq"
        )
        execute(f"DROP TABLE {part}")
        execute(f"DROP SEQUENCE IF EXISTS {part}_id_seq")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0012_check_finding_year"),
    ]

    operations = [FindingPartitions()]
