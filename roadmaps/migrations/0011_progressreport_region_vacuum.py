from django.db import migrations


def vacuum_reports(apps, schema_editor):
    """On PostgreSQL, VACUUM ANALYZE the reports after 0008 rewrote every row (see 0007:
    without it the planner misjudges the new column and the visibility map is unset)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE roadmaps_progressreport")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("roadmaps", "0010_progressreport_region"),
    ]

    operations = [
        migrations.RunPython(vacuum_reports, migrations.RunPython.noop),
    ]
