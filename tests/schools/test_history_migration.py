"""The history log moved from roadmaps to schools in Django's state only (issue #18):
its table keeps its name and its rows, migrating forward and back, on PostgreSQL."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("schools", "0005_notifications_and_body_members"), ("roadmaps", "0001_initial")]
AFTER = [("schools", "0006_changerecord_moved"), ("roadmaps", "0002_changerecord_moved")]


def migrate(targets):
    """Migrate to `targets`; the models of every app as the database now is."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor._create_project_state(with_applied_migrations=True).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_history_rows_survive_the_move_to_schools_and_back():
    try:
        old = migrate(BEFORE)
        region = old.get_model("schools", "Region").objects.create(code="99", name="Тестовая")
        roadmap = old.get_model("roadmaps", "Roadmap").objects.create(
            region=region, title="План", period_start="2025-09-01", period_end="2026-08-31"
        )
        old.get_model("roadmaps", "ChangeRecord").objects.create(
            region=region,
            roadmap=roadmap,
            object_type="roadmap",
            object_id=roadmap.pk,
            action="create",
        )
        content_types = old.get_model("contenttypes", "ContentType").objects
        content_types.get_or_create(app_label="roadmaps", model="changerecord")

        new = migrate(AFTER)
        moved = new.get_model("schools", "ChangeRecord")
        assert moved._meta.db_table == "roadmaps_changerecord"
        record = moved.objects.get(roadmap_id=roadmap.pk)
        assert (record.object_type, record.action, record.region_id) == (
            "roadmap",
            "create",
            region.pk,
        )
        content_types = new.get_model("contenttypes", "ContentType").objects
        assert content_types.filter(app_label="schools", model="changerecord").exists()
        assert not content_types.filter(app_label="roadmaps", model="changerecord").exists()

        back = migrate(BEFORE)
        assert (
            back.get_model("roadmaps", "ChangeRecord").objects.filter(roadmap_id=roadmap.pk).count()
            == 1
        )
        content_types = back.get_model("contenttypes", "ContentType").objects
        assert content_types.filter(app_label="roadmaps", model="changerecord").exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
