"""Learning routes no longer link to a result row (#16.8)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_learning_route_keys_filled"),
    ]

    operations = [
        migrations.RemoveField(model_name="learningroute", name="result"),
        migrations.AlterField(
            model_name="learningroute",
            name="procedure",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="assessments.procedure",
                verbose_name="процедура",
            ),
        ),
        migrations.AddConstraint(
            model_name="learningroute",
            constraint=models.UniqueConstraint(
                fields=("school", "procedure", "participant_code"),
                name="learning_route_participant_unique",
                violation_error_message="Маршрут участника с таким кодом уже есть.",
            ),
        ),
    ]
