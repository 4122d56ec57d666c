"""The Celery application. Tasks are thin wrappers around service functions."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

from config import logs, metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("roadmaps")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Log lines of a task carry its id; the workers count their tasks for /metrics.
task_prerun.connect(logs.task_started, weak=False)
task_postrun.connect(logs.task_finished, weak=False)
task_prerun.connect(metrics.task_started, weak=False)
task_postrun.connect(metrics.task_finished, weak=False)


@app.task(name="config.ping")
def ping():
    """Answers 'pong'; used to check that a worker is reachable."""
    return "pong"


@app.task(
    name="config.sweep_background_work",
    acks_late=True,
    ignore_result=True,
    time_limit=5 * 60,
    soft_time_limit=4 * 60,
)
def sweep_background_work() -> dict:
    """Every five minutes (beat): fail documents and imports whose worker died, queue
    again those Redis refused. Idempotent."""
    from infra.jobs import sweep

    return sweep()
