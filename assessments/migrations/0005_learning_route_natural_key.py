"""Learning routes keyed by (school, procedure, participant code) instead of a
cascading link to a result row, so a corrected re-import keeps them (#16.8)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_keys(apps, schema_editor):
    LearningRoute = apps.get_model("assessments", "LearningRoute")
    for route in LearningRoute.objects.select_related("result").iterator():
        route.procedure_id = route.result.procedure_id
        route.participant_code = route.result.participant_code
        route.save(update_fields=["procedure", "participant_code"])


def copy_back(apps, schema_editor):
    LearningRoute = apps.get_model("assessments", "LearningRoute")
    Result = apps.get_model("assessments", "Result")
    for route in LearningRoute.objects.iterator():
        result = Result.objects.filter(
            school_id=route.school_id,
            procedure_id=route.procedure_id,
            participant_code=route.participant_code,
        ).first()
        if result is None:
            route.delete()
        else:
            route.result_id = result.pk
            route.save(update_fields=["result"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_objectivity_runs"),
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
        migrations.RunPython(copy_keys, copy_back),
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
