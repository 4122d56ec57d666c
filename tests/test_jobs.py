"""The one background-job shape (infra/jobs.py): every job model is registered with
the sweep, the shared infrastructure knows no app, and the migration that made the
old marks into fields keeps every existing row's meaning."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from infra import jobs
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
APPS = ("assessments", "reports", "roadmaps", "schools")


def test_every_job_model_is_registered_with_the_sweep():
    concrete = {model for model in apps.get_models() if issubclass(model, jobs.BackgroundJob)}
    assert concrete == {kind.model for kind in jobs.kinds()}
    assert {m._meta.label for m in concrete} == {
        "assessments.ImportBatch",
        "assessments.CheckRun",
        "reports.Document",
    }
    counters = [kind.counter for kind in jobs.kinds()]
    assert len(set(counters)) == len(counters) and "requeued" not in counters


@pytest.mark.parametrize("path", ["infra/jobs.py", "config/celery.py"])
def test_the_job_infrastructure_imports_no_app(path):
    tree = ast.parse((ROOT / path).read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.split(".")[0] in APPS]


BEFORE = [("assessments", "0009_checkrun_request_key"), ("reports", "0001_initial")]
UNQUEUED = (
    "Фоновая очередь сейчас недоступна: заказ сохранён и будет выполнен "
    "автоматически, когда она восстановится."
)


def _migrate(targets=None):
    """Migrate to `targets`, or forward to the newest state of every app."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_old_marks_into_fields_and_back():
    region = f.region(code="77", name="Альфа-край")
    old = _migrate(BEFORE)
    try:
        batch_model = old.get_model("assessments", "ImportBatch")
        run_model = old.get_model("assessments", "CheckRun")
        document_model = old.get_model("reports", "Document")
        started = timezone.now() - timedelta(hours=1)
        refused = batch_model.objects.create(
            region_id=region.pk, file_name="a.csv", sha256="a", options={"queue_unavailable": True}
        )
        running = batch_model.objects.create(
            region_id=region.pk,
            file_name="b.csv",
            sha256="b",
            status="running",
            options={"started_at": started.isoformat(), "school_id": 5},
        )
        legacy = batch_model.objects.create(
            region_id=region.pk, file_name="c.csv", sha256="c", status="running"
        )
        waiting = run_model.objects.create(region_id=region.pk, year=2025, error=UNQUEUED)
        failed = run_model.objects.create(
            region_id=region.pk, year=2024, status="failed", error="Другая ошибка"
        )
        document = document_model.objects.create(
            kind="order", format="pdf", title="Приказ", region_id=region.pk, error=UNQUEUED
        )
    finally:
        new = _migrate()

    batch_model = new.get_model("assessments", "ImportBatch")
    run_model = new.get_model("assessments", "CheckRun")
    document_model = new.get_model("reports", "Document")
    refused = batch_model.objects.get(pk=refused.pk)
    assert refused.queue_unavailable and refused.started_at is None and refused.options == {}
    running = batch_model.objects.get(pk=running.pk)
    assert running.started_at == started and not running.queue_unavailable
    assert running.options == {"school_id": 5}
    legacy = batch_model.objects.get(pk=legacy.pk)
    assert legacy.started_at == legacy.created_at  # what the sweep used to take
    assert run_model.objects.get(pk=waiting.pk).queue_unavailable
    assert not run_model.objects.get(pk=failed.pk).queue_unavailable
    assert document_model.objects.get(pk=document.pk).queue_unavailable

    old = _migrate(BEFORE)
    try:
        batch_model = old.get_model("assessments", "ImportBatch")
        assert batch_model.objects.get(pk=refused.pk).options == {"queue_unavailable": True}
        assert batch_model.objects.get(pk=running.pk).options["school_id"] == 5
        assert old.get_model("assessments", "CheckRun").objects.get(pk=waiting.pk).error == UNQUEUED
    finally:
        _migrate()
