"""Results tells the apps above it about an import by signals
(`assessments.results.signals`), so that it imports none of them: a finished
background import warms the analytic tables and checks again the scopes someone
checked; a dry run does neither."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.results.models import ImportBatch
from assessments.results.services.batches import import_batch_create

CSV = "Логин ФИС ОКО;Код;Класс;1 (1б);2 (2б)\nedu770001;1;4а;1;2\nedu770001;2;4а;0;1\n".encode()


@pytest.fixture
def followups(monkeypatch):
    """What the receivers ask for, instead of doing it."""
    asked = []
    monkeypatch.setattr(
        "assessments.analytics.receivers.enqueue",
        lambda task, *args: asked.append((task.name, args)),
    )
    monkeypatch.setattr(
        "assessments.objectivity.services.runs.reruns_after_import",
        lambda *, procedure: asked.append(("reruns_after_import", (procedure.pk,))),
    )
    return asked


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_finished_import_warms_the_tables_then_checks_again_and_a_dry_run_neither(
    world, followups, django_capture_on_commit_callbacks, dry_run
):
    procedure = world.extra["assessments"]["procedure"]
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(
            user=world.carol,
            upload=SimpleUploadedFile("итоги.csv", CSV),
            procedure=procedure,
            dry_run=dry_run,
        )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    expected = [
        ("assessments.warm_reference_tables", (procedure.pk,)),
        ("reruns_after_import", (procedure.pk,)),
    ]
    assert followups == ([] if dry_run else expected)
