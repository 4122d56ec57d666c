"""The table stamps (schools.models.TableStamp) and the triggers that write them afresh.

Every statement that changes one of TABLES gives that table's stamp row a new random
token in the same transaction, whichever code path runs it (a service, the admin, a
cascade, `bulk_create`, `update()`, a bulk delete, an import, a restore): the API
lists' counts are cached under the tokens of the tables they read
(infra.api.pagination). Random, not a counter: a rolled-back change must never give
an old token back. PostgreSQL runs one statement-level trigger per statement (one
function for every table: it names the table by TG_TABLE_NAME); SQLite, which has
none, one per row. SQLite drops a table's triggers when a later migration rebuilds
the table: tests/api/test_count_cache.py fails then, on either database.
"""

from django.db import migrations, models

# The tables the API lists of the load mix count: the roadmaps' rows and the tree.
TABLES = (
    "roadmaps_roadmap",
    "roadmaps_section",
    "roadmaps_measure",
    "roadmaps_assignment",
    "roadmaps_progressreport",
    "schools_region",
    "schools_municipality",
    "schools_school",
    "schools_body",
)

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION schools_table_stamp_renew() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO schools_tablestamp (name, token)
    VALUES (TG_TABLE_NAME, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""


def _sqlite_renew(table):
    return (
        f"INSERT INTO schools_tablestamp (name, token) VALUES ('{table}', "
        "lower(hex(randomblob(16)))) ON CONFLICT (name) DO UPDATE SET token = excluded.token"
    )


def create_triggers(apps, schema_editor):
    execute = schema_editor.execute
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        execute(POSTGRES_FUNCTION)
        for table in TABLES:
            execute(
                f"CREATE TRIGGER {table}_table_stamp AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION schools_table_stamp_renew()"
            )
            execute(
                "INSERT INTO schools_tablestamp (name, token) "
                f"VALUES ('{table}', md5(random()::text || clock_timestamp()::text))"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                execute(
                    f"CREATE TRIGGER {table}_table_stamp_{event.lower()} AFTER {event} "
                    f"ON {table} FOR EACH ROW BEGIN {_sqlite_renew(table)}; END"
                )
            execute(
                "INSERT INTO schools_tablestamp (name, token) "
                f"VALUES ('{table}', lower(hex(randomblob(16))))"
            )
    # Another database: no triggers and no rows, so no table is stamped, and every
    # list counts its rows on every request as before.


def drop_triggers(apps, schema_editor):
    execute = schema_editor.execute
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            execute(f"DROP TRIGGER IF EXISTS {table}_table_stamp ON {table}")
        execute("DROP FUNCTION IF EXISTS schools_table_stamp_renew()")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER IF EXISTS {table}_table_stamp_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0007_scopestamp"),
        ("roadmaps", "0011_progressreport_region_vacuum"),
    ]

    operations = [
        migrations.CreateModel(
            name="TableStamp",
            fields=[
                (
                    "name",
                    models.CharField(
                        max_length=63, primary_key=True, serialize=False, verbose_name="таблица"
                    ),
                ),
                ("token", models.CharField(max_length=32, verbose_name="метка изменения")),
            ],
            options={
                "verbose_name": "метка изменения таблицы",
                "verbose_name_plural": "метки изменения таблиц",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
