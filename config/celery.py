"""The Celery application. Tasks are thin wrappers around service functions."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("roadmaps")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping():
    """Answers 'pong'; used to check that a worker is reachable."""
    return "pong"
