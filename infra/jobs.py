"""Background jobs: one shape for every model whose row stands for work done by a
Celery worker (an import batch, a check run, a document), and the sweep that
keeps them honest.

A job model inherits `BackgroundJob` and declares, as its own fields (their
Russian labels differ from one kind to the next), `status` with the choices
queued / running / done / failed as `Status.QUEUED` … `Status.FAILED`,
`progress` and `finished_at`. The base adds when it started and whether the
broker refused it, and the behaviour every kind shares:

- `send()` queues the job, or marks it not queued when the broker is down: a
  request that orders work is saved and the user is told so, instead of a 500
  after a long wait;
- the sweep (Celery beat, every five minutes) fails, with a Russian message,
  the jobs running past their task's hard time limit (the worker died), and
  queues again those the broker refused, once it is back.

The apps register their job models in `AppConfig.ready` (`register`), with the
task that runs a job by its id and who to tell when the sweep fails one; this
module knows no model of any app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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


@dataclass(frozen=True)
class JobKind:
    """What the sweep needs of one registered job model."""

    model: type[BackgroundJob]
    task: object  # the Celery task that runs one job, given its id
    notify: Callable[[BackgroundJob], None]  # tells who asked that the sweep failed it
    counter: str  # the sweep's count of failed jobs of this kind, for the log


_KINDS: dict[type, JobKind] = {}


def register(model, *, task, notify, counter: str) -> None:
    """Declare a job model (from its app's `AppConfig.ready`). Idempotent."""
    _KINDS[model] = JobKind(model=model, task=task, notify=notify, counter=counter)


def kinds() -> list[JobKind]:
    return list(_KINDS.values())


def kind_of(model) -> JobKind:
    try:
        return _KINDS[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not a registered background job") from None


class BackgroundJob(models.Model):
    """A row that stands for work a worker does: see the module's docstring."""

    started_at = models.DateTimeField(gettext_lazy("начато"), null=True, blank=True)
    queue_unavailable = models.BooleanField(
        gettext_lazy("очередь была недоступна"),
        default=False,
        help_text=gettext_lazy(
            "Заказ сохранён; фоновая проверка отправит его, когда очередь восстановится."
        ),
    )

    class Meta:
        abstract = True

    # --- what a kind says; overridden where it says more -------------------------------

    def unqueued_fields(self) -> dict:
        """Fields set, beside the flag, when the broker refuses the job."""
        return {}

    def requeued_fields(self) -> dict:
        """Fields set, beside clearing the flag, when the sweep sends the job again."""
        return {}

    def stale_fields(self) -> dict:
        """Fields set, beside the failed state, when the sweep fails the job."""
        raise NotImplementedError

    # --- the shared behaviour ----------------------------------------------------------

    def send(self) -> bool:
        """Queue the job; with the broker down, keep it queued and marked not queued
        (the sweep sends it later). True when the broker took it."""
        model = type(self)
        if enqueue(kind_of(model).task, self.pk):
            return True
        fields = {"queue_unavailable": True, **self.unqueued_fields()}
        for name, value in fields.items():
            setattr(self, name, value)
        model.objects.filter(pk=self.pk, status=model.Status.QUEUED).update(**fields)
        return False

    @classmethod
    def time_limit(cls) -> timedelta:
        """How long a running job may take before the sweep calls it dead."""
        return hard_limit(kind_of(cls).task) + SWEEP_MARGIN

    @classmethod
    def fail_stale(cls, *, now) -> int:
        """Fail the jobs running past their time limit and tell who asked; how many."""
        notify = kind_of(cls).notify
        running = cls.Status.RUNNING
        failed = 0
        stale = cls.objects.filter(status=running, started_at__lt=now - cls.time_limit())
        for job in stale.order_by("pk"):
            done = cls.objects.filter(pk=job.pk, status=running).update(
                status=cls.Status.FAILED, finished_at=now, **job.stale_fields()
            )
            if done:
                failed += 1
                job.refresh_from_db()
                notify(job)
        return failed

    @classmethod
    def requeue(cls) -> int:
        """Send again the jobs the broker refused; how many it took."""
        task = kind_of(cls).task
        sent = 0
        for job in cls.objects.filter(status=cls.Status.QUEUED, queue_unavailable=True):
            # The flag goes first: a worker may start the job before enqueue returns.
            cls.objects.filter(pk=job.pk).update(queue_unavailable=False, **job.requeued_fields())
            if enqueue(task, job.pk):
                sent += 1
            else:
                cls.objects.filter(pk=job.pk, status=cls.Status.QUEUED).update(
                    queue_unavailable=True, **job.unqueued_fields()
                )
        return sent


def sweep(*, now=None) -> dict:
    """Fail the jobs of every registered kind running past their task's hard limit;
    queue again the ones that could not be queued. Returns how many, for the log."""
    now = now or timezone.now()
    counts = {kind.counter: kind.model.fail_stale(now=now) for kind in kinds()}
    counts["requeued"] = sum(kind.model.requeue() for kind in kinds())
    return counts
