"""Fill the natural key of every learning route from its result (#16.8); its own
migration, so PostgreSQL runs the data change apart from the schema changes."""

from django.db import migrations


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
        ("assessments", "0006_learning_route_natural_key"),
    ]

    operations = [
        migrations.RunPython(copy_keys, copy_back),
    ]
