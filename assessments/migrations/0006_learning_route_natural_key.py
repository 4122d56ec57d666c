"""Learning routes keyed by (school, procedure, participant code) instead of a
cascading link to a result row, so a corrected re-import keeps them (#16.8)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_large_table_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="learningroute",
            name="procedure",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="assessments.procedure",
                verbose_name="процедура",
            ),
        ),
        migrations.AddField(
            model_name="learningroute",
            name="participant_code",
            field=models.CharField(default="", max_length=64, verbose_name="код участника"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="learningroute",
            name="detached",
            field=models.BooleanField(
                default=False,
                help_text="Маршрут сохранён, но в последнем загруженном файле такого кода нет.",
                verbose_name="участника нет в последней загрузке",
            ),
        ),
        migrations.AlterField(
            model_name="learningroute",
            name="result",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="learning_route",
                to="assessments.result",
                verbose_name="результат",
            ),
        ),
    ]
