"""Findings carry their run's year, and their unique key leads with the region and
ends with the year (docs/scale.md); no partitions yet."""

from django.db import migrations, models


def year_fill(apps, schema_editor):
    finding = apps.get_model("assessments", "CheckFinding")._meta.db_table
    run = apps.get_model("assessments", "CheckRun")._meta.db_table
    schema_editor.execute(
        f"UPDATE {finding} SET year = (SELECT r.year FROM {run} r WHERE r.id = {finding}.run_id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0011_result_year_partitions"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="checkfinding", name="check_finding_unique"),
        migrations.AddField(
            model_name="checkfinding",
            name="year",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="год"),
            preserve_default=False,
        ),
        migrations.RunPython(year_fill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="checkfinding",
            constraint=models.UniqueConstraint(
                fields=("region", "run", "school", "procedure", "year"),
                name="check_finding_unique",
            ),
        ),
    ]
