"""ChangeRecord leaves roadmaps for schools (schools.0006_changerecord_moved): state
only, the table `roadmaps_changerecord` and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('roadmaps', '0001_initial'),
        ('schools', '0006_changerecord_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ChangeRecord')],
            database_operations=[],
        ),
    ]
