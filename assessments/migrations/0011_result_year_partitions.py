"""Results get their procedure's year and scores of our own field; on PostgreSQL the
table becomes partitioned by year (docs/scale.md, "Phase 2").

The state is the same on every database: `year`, `ScoresField`, the unique key
(region, school, procedure, participant code, year) and the index (region, batch).
The database operations branch on the vendor:

- PostgreSQL: a new table `PARTITION BY LIST (year)`, one partition a year (the
  years present, the current one and the next), primary key (region_id,
  procedure_id, id, year), the unique key, (municipality, procedure, id), (region,
  class, procedure, id), (region, batch), BRIN on id; the rows moved with the
  procedure's year and the scores converted from jsonb to smallint[]; the old table
  dropped, the new one renamed. `id` keeps its values and its sequence continues.
  Backwards: the plain table of migration 0010 again, scores back to jsonb.
- SQLite and the others: the ordinary operations; the table stays one table.

The extended statistics of 0005 move to each partition (the planner reads a
partition's own statistics once it has pruned to it).
"""

import datetime

import django.db.models.deletion
from django.db import migrations, models
from django.db.migrations.operations.base import Operation

import assessments.results.fields

TABLE = "assessments_result"
# The indexes of the partitioned table besides its primary key and unique key.
# result_region_proc (region, procedure, id) of 0005 is the primary key's prefix now,
# and result_batch (import_batch) becomes result_region_batch (region, import_batch).
INDEXES = [
    "CREATE INDEX result_muni_proc ON {t} (municipality_id, procedure_id, id)",
    "CREATE INDEX result_region_class ON {t} (region_id, class_name, procedure_id, id)",
    "CREATE INDEX result_region_batch ON {t} (region_id, import_batch_id)",
    "CREATE INDEX result_id_brin ON {t} USING brin (id) WITH (pages_per_range = 16)",
]
OLD_NAMES = ["result_muni_proc", "result_region_proc", "result_region_class", "result_batch"]
NEW_NAMES = ["result_muni_proc", "result_region_class", "result_region_batch", "result_id_brin"]


def partition_sql(table: str, year: int) -> list[str]:
    """A year's partition and its extended statistics (see 0005)."""
    name = f"{table}_{year}"
    return [
        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} FOR VALUES IN ({year})",
        f"CREATE STATISTICS IF NOT EXISTS {name}_region_procedure (mcv, dependencies) "
        f"ON region_id, procedure_id FROM {name}",
        f"CREATE STATISTICS IF NOT EXISTS {name}_municipality_procedure (mcv, dependencies) "
        f"ON municipality_id, procedure_id FROM {name}",
    ]


def _one(schema_editor, sql, params=None):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _columns(schema_editor, table):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _rename_constraints(schema_editor, table, suffix):
    """Free the names of a table's constraints and indexes for its successor."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('p', 'u')",
            [table],
        )
        constraints = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index i WHERE indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [table],
        )
        indexes = [row[0] for row in cursor.fetchall()]
    for name in constraints:
        schema_editor.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {name} TO {name}{suffix}")
    for name in indexes:
        schema_editor.execute(f"ALTER INDEX {name} RENAME TO {name}{suffix}")


class ResultPartitions(Operation):
    """PostgreSQL only: the results table partitioned by year and back."""

    reversible = True
    reduces_to_sql = False

    def state_forwards(self, app_label, state):
        pass

    def describe(self):
        return "Partition the results table by year (PostgreSQL)"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        execute = schema_editor.execute
        old, new = f"{TABLE}_old", f"{TABLE}_new"
        execute("DROP STATISTICS IF EXISTS result_region_procedure")
        execute("DROP STATISTICS IF EXISTS result_municipality_procedure")
        execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        _rename_constraints(schema_editor, old, "_old")
        execute(f"CREATE SEQUENCE {new}_id_seq AS bigint")
        execute(
            f"CREATE TABLE {new} (LIKE {old} INCLUDING CONSTRAINTS, "
            f'year smallint NOT NULL CONSTRAINT {TABLE}_year_check CHECK ("year" >= 0)) '
            "PARTITION BY LIST (year)"
        )
        execute(
            f"ALTER TABLE {new} ALTER COLUMN scores TYPE smallint[] USING NULL, "
            f"ALTER COLUMN id SET DEFAULT nextval('{new}_id_seq')"
        )
        years = {
            row[0]
            for row in _all(
                schema_editor,
                f"SELECT DISTINCT p.year FROM assessments_procedure p "
                f"WHERE EXISTS (SELECT 1 FROM {old} r WHERE r.procedure_id = p.id)",
            )
        }
        this_year = datetime.date.today().year
        for year in sorted(years | {this_year, this_year + 1}):
            for statement in partition_sql(new, year):
                execute(statement)
        columns = [c for c in _columns(schema_editor, old)]
        selected = [
            "translate(r.scores::text, '[]', '{}')::smallint[]" if c == "scores" else f"r.{c}"
            for c in columns
        ]
        execute(
            f"INSERT INTO {new} ({', '.join(columns)}, year) "
            f"SELECT {', '.join(selected)}, p.year FROM {old} r "
            f"JOIN assessments_procedure p ON p.id = r.procedure_id"
        )
        moved = _one(schema_editor, f"SELECT count(*) FROM {new}")[0]
        present = _one(schema_editor, f"SELECT count(*) FROM {old}")[0]
        if moved != present:
            raise RuntimeError(
                f"{present - moved} results have no procedure: delete them before migrating."
            )
        sequence = _one(schema_editor, "SELECT pg_get_serial_sequence(%s, 'id')", [old])[0]
        execute(
            f"SELECT setval('{new}_id_seq', last_value, is_called) FROM {sequence}",
        )
        execute(
            f"ALTER TABLE {new} ADD CONSTRAINT {TABLE}_pkey "
            "PRIMARY KEY (region_id, procedure_id, id, year)"
        )
        execute(
            f"ALTER TABLE {new} ADD CONSTRAINT result_participant_unique "
            "UNIQUE (region_id, school_id, procedure_id, participant_code, year)"
        )
        for statement in INDEXES:
            execute(statement.format(t=new))
        execute(f"DROP TABLE {old}")
        execute(f"ALTER TABLE {new} RENAME TO {TABLE}")
        execute(f"ALTER SEQUENCE {new}_id_seq RENAME TO {TABLE}_id_seq")
        execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
        for year in sorted(years | {this_year, this_year + 1}):
            name = f"{new}_{year}"
            execute(f"ALTER TABLE {name} RENAME TO {TABLE}_{year}")
            for kind in ("region", "municipality"):
                execute(
                    f"ALTER STATISTICS {name}_{kind}_procedure "
                    f"RENAME TO {TABLE}_{year}_{kind}_procedure"
                )
        execute(f"ANALYZE {TABLE}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        execute = schema_editor.execute
        part = f"{TABLE}_part"
        execute(f"ALTER TABLE {TABLE} RENAME TO {part}")
        _rename_constraints(schema_editor, part, "_part")
        execute(f"ALTER SEQUENCE {TABLE}_id_seq RENAME TO {part}_id_seq")
        # The plain table as migration 0010 left it: identity, indexes, unique key.
        schema_editor.create_model(to_state.apps.get_model(app_label, "Result"))
        columns = [c for c in _columns(schema_editor, TABLE)]
        selected = ["to_jsonb(r.scores)" if c == "scores" else f"r.{c}" for c in columns]
        execute(
            f"INSERT INTO {TABLE} ({', '.join(columns)}) "
            f"SELECT {', '.join(selected)} FROM {part} r ORDER BY r.id"
        )
        execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), last_value, is_called) "
            f"FROM {part}_id_seq"
        )
        execute(f"DROP TABLE {part}")
        execute(f"DROP SEQUENCE IF EXISTS {part}_id_seq")
        for statement in (
            "CREATE STATISTICS IF NOT EXISTS result_region_procedure (mcv, dependencies) "
            f"ON region_id, procedure_id FROM {TABLE}",
            "CREATE STATISTICS IF NOT EXISTS result_municipality_procedure (mcv, dependencies) "
            f"ON municipality_id, procedure_id FROM {TABLE}",
        ):
            execute(statement)


def _all(schema_editor, sql, params=None):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class UnlessPostgreSQL(Operation):
    """An ordinary operation, run on every database but PostgreSQL (whose table
    `ResultPartitions` builds). Its state changes always apply to the database
    operations' own state, which is all they are used for."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, operation):
        self.operation = operation

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def describe(self):
        return f"{self.operation.describe()} (not on PostgreSQL)"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)


def year_fill(apps, schema_editor):
    schema_editor.execute(
        f"UPDATE {TABLE} SET year = (SELECT p.year FROM assessments_procedure p "
        f"WHERE p.id = {TABLE}.procedure_id)"
    )


UNIQUE = models.UniqueConstraint(
    fields=("region", "school", "procedure", "participant_code", "year"),
    name="result_participant_unique",
    violation_error_message="Результат участника с таким кодом уже загружен.",
)
BATCH_INDEX = models.Index(fields=["region", "import_batch"], name="result_region_batch")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_background_job"),
        ("schools", "0006_changerecord_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="result", name="result_participant_unique"),
                migrations.RemoveIndex(model_name="result", name="result_region_proc"),
                migrations.RemoveIndex(model_name="result", name="result_batch"),
                migrations.AddField(
                    model_name="result",
                    name="year",
                    field=models.PositiveSmallIntegerField(default=None, verbose_name="год"),
                    preserve_default=False,
                ),
                migrations.AlterField(
                    model_name="result",
                    name="import_batch",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="results",
                        to="assessments.importbatch",
                        verbose_name="загрузка",
                    ),
                ),
                migrations.AlterField(
                    model_name="result",
                    name="scores",
                    field=assessments.results.fields.ScoresField(
                        default=list, verbose_name="баллы по заданиям"
                    ),
                ),
                migrations.AddIndex(model_name="result", index=BATCH_INDEX),
                migrations.AddConstraint(model_name="result", constraint=UNIQUE),
            ],
            database_operations=[
                ResultPartitions(),
                UnlessPostgreSQL(
                    migrations.RemoveConstraint(
                        model_name="result", name="result_participant_unique"
                    )
                ),
                UnlessPostgreSQL(
                    migrations.RemoveIndex(model_name="result", name="result_region_proc")
                ),
                UnlessPostgreSQL(migrations.RemoveIndex(model_name="result", name="result_batch")),
                UnlessPostgreSQL(
                    migrations.AddField(
                        model_name="result",
                        name="year",
                        field=models.PositiveSmallIntegerField(default=0, verbose_name="год"),
                        preserve_default=False,
                    )
                ),
                UnlessPostgreSQL(migrations.RunPython(year_fill, migrations.RunPython.noop)),
                UnlessPostgreSQL(migrations.AddIndex(model_name="result", index=BATCH_INDEX)),
                UnlessPostgreSQL(migrations.AddConstraint(model_name="result", constraint=UNIQUE)),
            ],
        ),
    ]
