"""The history log (ChangeRecord) moves from roadmaps to schools in Django's state
only: the table stays `roadmaps_changerecord`, no row moves (issue #18). Its content
type is renamed with it, so that permissions given on it are kept.
Paired with roadmaps.0002_changerecord_moved, which drops the old state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _rename_content_type(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=new, model="changerecord").exists():
        return
    ContentType.objects.filter(app_label=old, model="changerecord").update(app_label=new)


def content_type_to_schools(apps, schema_editor):
    _rename_content_type(apps, "roadmaps", "schools")


def content_type_to_roadmaps(apps, schema_editor):
    _rename_content_type(apps, "schools", "roadmaps")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('roadmaps', '0001_initial'),
        ('schools', '0005_notifications_and_body_members'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='ChangeRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_type', models.CharField(max_length=30, verbose_name='объект')),
                ('object_id', models.PositiveBigIntegerField(null=True, verbose_name='id объекта')),
                ('action', models.CharField(max_length=30, verbose_name='действие')),
                ('before', models.JSONField(blank=True, null=True, verbose_name='было')),
                ('after', models.JSONField(blank=True, null=True, verbose_name='стало')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='когда')),
                ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто')),
                ('municipality', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='schools.municipality')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='schools.region')),
                ('roadmap', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='roadmaps.roadmap')),
                ('school', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='schools.school')),
            ],
            options={
                'verbose_name': 'запись истории',
                'verbose_name_plural': 'история изменений',
                'db_table': 'roadmaps_changerecord',
                'ordering': ['-at', '-pk'],
            },
        ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_schools, content_type_to_roadmaps),
    ]
