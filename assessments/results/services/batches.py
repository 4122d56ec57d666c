"""Import batches run in the background: kept on upload, queued after commit, run
by the worker, and the uploader told how it went.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.results.models import (
    ImportBatch,
)
from assessments.results.services.imports import results_import
from infra.problems import ImportFailed, Problem
from schools.models import School
from schools.policy import roles_for


def import_batch_create(
    *, user, upload, procedure=None, school=None, dry_run=False, columns=None
) -> ImportBatch:
    """Keep the uploaded file on a queued batch and run it after commit (Celery).

    `columns` maps headers as written to meanings, as a person chose them in the
    preview of an earlier batch of the same file."""
    from schools.scoping import owner_for_new

    # Raises OwnerUnclear (a message in Russian) when the user must name the school.
    region_id, municipality_id, school_id = owner_for_new(
        user,
        roles=roles_for("assessments.import_results"),
        school=school,
        region=procedure.region_id if procedure is not None else None,
    )
    batch = ImportBatch(
        region_id=region_id,
        municipality_id=municipality_id,
        school_id=school_id,
        created_by=user,
        file_name=Path(upload.name).name[:255],
        sha256="",
        procedure=procedure,
        dry_run=dry_run,
        options={"school_id": school.pk if school else None, "columns": dict(columns or {})},
    )
    batch.file.save(Path(upload.name).name, upload, save=False)
    batch.save()
    transaction.on_commit(batch.send)
    return batch


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Run a queued batch: idempotent (a finished batch is left as it is)."""
    batch = ImportBatch.objects.select_related("created_by", "procedure").get(pk=batch_id)
    if batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.FAILED):
        return batch
    # When it started, for the sweep that fails imports whose worker died.
    batch.started_at = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, progress=5, started_at=batch.started_at
    )
    school_id = (batch.options or {}).get("school_id")
    school = School.objects.filter(pk=school_id).first() if school_id else None
    try:
        with batch.file.open("rb") as handle:
            outcome = results_import(
                source=handle,
                filename=batch.file_name,
                user=batch.created_by,
                procedure=batch.procedure,
                school=school,
                dry_run=batch.dry_run,
                batch=batch,
                columns=(batch.options or {}).get("columns") or None,
            )
    except ImportFailed as failed:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            progress=100,
            counts=failed.details,  # the columns as understood, for the preview
            problems=[p.as_dict() for p in failed.problems],
            finished_at=timezone.now(),
        )
    except Exception:
        # Nothing was written (the write is one transaction); say so, then let it be logged.
        message = _("Файл не загружен из-за внутренней ошибки; ничего не записано.")
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            progress=100,
            problems=[Problem(file=batch.file_name, message=message).as_dict()],
            finished_at=timezone.now(),
        )
        batch.refresh_from_db()
        import_notify(batch=batch)
        raise
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.DONE,
            progress=100,
            counts=outcome.counts(),
            warnings=[w.as_dict() for w in outcome.warnings],
            procedure_id=outcome.procedure_id,
            # What kind of file it was, also when it writes nothing (the same file again).
            format=outcome.format,
            finished_at=timezone.now(),
        )
    batch.refresh_from_db()
    import_notify(batch=batch)
    return batch


def import_notify(*, batch: ImportBatch) -> None:
    """Tell the person who uploaded a file how its import ended."""
    from django.urls import reverse

    from schools.models import Notification
    from schools.notifications import notify

    done = batch.status == ImportBatch.Status.DONE
    if done:
        title = (
            _("Файл проверен, ошибок нет: %s") if batch.dry_run else _("Результаты загружены: %s")
        )
    else:
        title = _("Загрузка не удалась: %s")
    problems = batch.problems or []
    body = ""
    if not done and problems:
        body = "\n".join(str(p.get("message", "")) for p in problems[:3])
        if len(problems) > 3:
            body += "\n" + _("…всего замечаний: %d") % len(problems)
    notify(
        [batch.created_by],
        kind=Notification.Kind.IMPORT_DONE if done else Notification.Kind.IMPORT_FAILED,
        key=f"import:{batch.pk}:{batch.status}",
        title=title % batch.file_name,
        body=body,
        url=reverse("assessments:import-detail", args=[batch.pk]),
    )


def results_announce(*, procedure_id: int, batch_id: int | None) -> None:
    """Tell the apps above results that an import of `procedure_id` is committed
    (`results_imported`): the analytic tables are warmed and the checks of its year
    asked for again. Called after the transaction, by the worker's task and by the
    import command alike, so an import from the command line leaves nothing stale."""
    from assessments.results.models import Procedure
    from assessments.results.signals import results_imported

    procedure = Procedure.objects.filter(pk=procedure_id).first()
    if procedure is None:
        return
    batch = ImportBatch.objects.filter(pk=batch_id).first() if batch_id else None
    results_imported.send(sender=ImportBatch, procedure=procedure, batch=batch)
