"""Queueing background work, and the sweep that keeps it honest.

`enqueue` sends a task and reports whether the broker took it: with Redis
down, a request that orders a document or an import is saved as queued and
the user is told so, instead of a 500 after a long wait. The sweep (Celery
beat, every five minutes) queues such work again once Redis is back, and fails
with a Russian message the work whose worker died, so nothing spins forever.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Past the hard time limit a task is dead (Celery killed it, or its worker died).
SWEEP_MARGIN = timedelta(minutes=5)


def queue_unavailable_message() -> str:
    return _(
        "Фоновая очередь сейчас недоступна: заказ сохранён и будет выполнен "
        "автоматически, когда она восстановится."
    )


def enqueue(task, *args) -> bool:
    """Send `task(*args)` to the workers; False when the broker cannot be reached.
    Inline (no Redis) the task runs here and its errors propagate as before."""
    if task.app.conf.task_always_eager:
        task.apply_async(args)
        return True
    try:
        # The state lives in the database: no result, so no wait on the result store
        # (with Redis down, subscribing to it retries for twenty seconds).
        task.apply_async(args, ignore_result=True)
    except OperationalError as exc:
        logger.warning("could not queue %s%r: %s", task.name, args, exc)
        return False
    return True


def hard_limit(task) -> timedelta:
    return timedelta(seconds=task.time_limit or task.app.conf.task_time_limit)


def _started(batch) -> datetime:
    started = (batch.options or {}).get("started_at")
    return datetime.fromisoformat(started) if started else batch.created_at


def sweep(*, now=None) -> dict:
    """Fail documents, imports and check runs running past their task's hard limit;
    queue again the ones that could not be queued. Returns how many, for the log."""
    from assessments.objectivity.models import CheckRun
    from assessments.objectivity.services.runs import check_run_notify
    from assessments.objectivity.tasks import run_checks_task
    from assessments.results.models import ImportBatch
    from assessments.results.services.batches import import_notify
    from assessments.results.tasks import import_batch_task
    from reports.models import Document
    from reports.services import document_notify
    from reports.tasks import build_document
    from schools.importing import Problem

    now = now or timezone.now()
    counts = {"documents_failed": 0, "imports_failed": 0, "checks_failed": 0, "requeued": 0}

    cutoff = now - hard_limit(build_document) - SWEEP_MARGIN
    dead = list(
        Document.objects.filter(status=Document.Status.RUNNING, started_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    counts["documents_failed"] = Document.objects.filter(
        pk__in=dead, status=Document.Status.RUNNING
    ).update(
        status=Document.Status.FAILED,
        error=_(
            "Построение документа прервано: фоновый обработчик остановился. "
            "Закажите документ ещё раз."
        ),
        finished_at=now,
        progress=100,
    )
    for document in Document.objects.filter(pk__in=dead, status=Document.Status.FAILED):
        document_notify(document=document)

    cutoff = now - hard_limit(import_batch_task) - SWEEP_MARGIN
    message = _(
        "Загрузка прервана: фоновый обработчик остановился; ничего не записано. "
        "Загрузите файл ещё раз."
    )
    for batch in ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING):
        if _started(batch) < cutoff:
            failed = ImportBatch.objects.filter(
                pk=batch.pk, status=ImportBatch.Status.RUNNING
            ).update(
                status=ImportBatch.Status.FAILED,
                progress=100,
                problems=[Problem(file=batch.file_name, message=message).as_dict()],
                finished_at=now,
            )
            counts["imports_failed"] += failed
            if failed:
                batch.refresh_from_db()
                import_notify(batch=batch)

    cutoff = now - hard_limit(run_checks_task) - SWEEP_MARGIN
    dead = list(
        CheckRun.objects.filter(status=CheckRun.Status.RUNNING, started_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    counts["checks_failed"] = CheckRun.objects.filter(
        pk__in=dead, status=CheckRun.Status.RUNNING
    ).update(
        status=CheckRun.Status.FAILED,
        error=_("Проверка прервана: фоновый обработчик остановился. Запустите проверку ещё раз."),
        finished_at=now,
    )
    for run in CheckRun.objects.filter(pk__in=dead, status=CheckRun.Status.FAILED).select_related(
        "region", "municipality"
    ):
        check_run_notify(run=run)

    unqueued = queue_unavailable_message()
    for run in CheckRun.objects.filter(status=CheckRun.Status.QUEUED, error=unqueued):
        if enqueue(run_checks_task, run.pk):
            CheckRun.objects.filter(pk=run.pk, error=unqueued).update(error="")
            counts["requeued"] += 1
    for document in Document.objects.filter(status=Document.Status.QUEUED, error=unqueued):
        if enqueue(build_document, document.pk):
            Document.objects.filter(pk=document.pk, error=unqueued).update(error="")
            counts["requeued"] += 1
    for batch in ImportBatch.objects.filter(
        status=ImportBatch.Status.QUEUED, options__queue_unavailable=True
    ):
        # The flag goes first: a worker may start the batch (and write its
        # options) before enqueue returns.
        options = {k: v for k, v in batch.options.items() if k != "queue_unavailable"}
        ImportBatch.objects.filter(pk=batch.pk).update(options=options)
        if enqueue(import_batch_task, batch.pk):
            counts["requeued"] += 1
        else:
            ImportBatch.objects.filter(pk=batch.pk).update(options=batch.options)
    return counts
