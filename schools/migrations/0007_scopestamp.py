"""The scope stamp (schools.models.ScopeStamp) and the triggers that write it afresh.

Every change to a membership, a region, a municipality or a school gives the one
stamp row a new random token in the same transaction, whichever code path makes it
(a service, the admin, a cascade, a bulk delete, `update()`, an import, a restore):
the user's memberships are cached under that token (schools.scoping.memberships_of).
Random, not a counter: a rolled-back change must never give an old number back.
PostgreSQL runs one statement-level trigger per statement; SQLite, which has none,
one per row. SQLite drops a table's triggers when a later migration rebuilds the
table: tests/schools/test_scope_cache.py fails then, on either database.
"""

from django.db import migrations, models

TREE = ("schools_membership", "schools_region", "schools_municipality", "schools_school")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION schools_scope_stamp_renew() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO schools_scopestamp (id, token)
    VALUES (1, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""
SQLITE_RENEW = (
    "INSERT INTO schools_scopestamp (id, token) VALUES (1, lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)


def create_triggers(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(POSTGRES_FUNCTION)
        for table in TREE:
            execute(
                f"CREATE TRIGGER {table}_scope_stamp AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION schools_scope_stamp_renew()"
            )
        execute(
            "INSERT INTO schools_scopestamp (id, token) "
            "VALUES (1, md5(random()::text || clock_timestamp()::text))"
        )
    elif schema_editor.connection.vendor == "sqlite":
        for table in TREE:
            for event in ("INSERT", "UPDATE", "DELETE"):
                execute(
                    f"CREATE TRIGGER {table}_scope_stamp_{event.lower()} AFTER {event} "
                    f"ON {table} FOR EACH ROW BEGIN {SQLITE_RENEW}; END"
                )
        execute(
            "INSERT INTO schools_scopestamp (id, token) VALUES (1, lower(hex(randomblob(16))))"
        )
    # Another database: no triggers and no row, so no token, and memberships_of reads
    # the memberships on every request as before.


def drop_triggers(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in TREE:
            execute(f"DROP TRIGGER IF EXISTS {table}_scope_stamp ON {table}")
        execute("DROP FUNCTION IF EXISTS schools_scope_stamp_renew()")
    elif schema_editor.connection.vendor == "sqlite":
        for table in TREE:
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER IF EXISTS {table}_scope_stamp_{event}")


class Migration(migrations.Migration):

    dependencies = [
        ("schools", "0006_changerecord_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScopeStamp",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("token", models.CharField(max_length=32, verbose_name="метка изменения")),
            ],
            options={
                "verbose_name": "метка изменения членств и дерева",
                "verbose_name_plural": "метки изменения членств и дерева",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
