import django.db.models.deletion
from django.db import migrations, models


def fill_region(apps, schema_editor):
    """Every report takes its assignment's region (and municipality), in one UPDATE."""
    from django.db.models import OuterRef, Subquery

    ProgressReport = apps.get_model("roadmaps", "ProgressReport")
    Assignment = apps.get_model("roadmaps", "Assignment")
    assignment = Assignment.objects.filter(pk=OuterRef("assignment_id"))
    ProgressReport.objects.update(
        region_id=Subquery(assignment.values("region_id")[:1]),
        municipality_id=Subquery(assignment.values("municipality_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("roadmaps", "0009_assignment_school_protect"),
        ("schools", "0006_changerecord_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="progressreport",
            name="region",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="schools.region",
                verbose_name="регион",
            ),
        ),
        migrations.RunPython(fill_region, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="progressreport",
            name="region",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="schools.region",
                verbose_name="регион",
            ),
        ),
        migrations.AlterField(
            model_name="progressreport",
            name="municipality",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="schools.municipality",
                verbose_name="муниципалитет",
            ),
        ),
    ]
