"""What the product does when Redis is down, a worker dies, or a task's limits
would let Redis deliver it twice. Redis is really unreachable here (conftest.py's
`redis_down`: a port where nothing listens), nothing is mocked."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.results.models import ImportBatch, Result
from config.cache import TolerantRedisCache
from config.celery import app
from infra import jobs
from reports.models import Document

CSV = "Логин ФИС ОКО;Код;Класс;1 (1б);2 (2б)\nedu770001;1;4а;1;2\nedu770001;2;4а;0;1\n".encode()


def timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def test_with_redis_down_pages_and_the_api_still_answer_quickly(client, world, redis_down):
    from django.core.cache import cache

    assert cache.get("anything", "miss") == "miss"  # the real connection failed, quietly
    client.force_login(world.alice)
    client.get("/")  # the first request of a process imports and compiles: not what we time
    procedure = world.extra["assessments"]["procedure"]
    for url in (
        "/",
        f"/assessments/analytics/{procedure.pk}/region/",
        "/api/v1/schools/",
    ):
        TolerantRedisCache.reset()  # each page meets the connection failure itself
        response, seconds = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        assert seconds < 2, (url, seconds)


def test_with_redis_down_a_document_order_is_kept_and_the_user_told(
    client, world, redis_down, django_capture_on_commit_callbacks
):
    roadmap = world.extra["roadmap_roadmap_a"]
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = timed(
            lambda: client.post(
                "/documents/new/", {"kind": "order", "format": "docx", "roadmap": roadmap.pk}
            )
        )
    assert seconds < 10
    document = Document.objects.get(kind="order", requested_by=world.bob)
    assert response.status_code == 302 and response.url == f"/documents/{document.pk}/"
    assert document.status == Document.Status.QUEUED
    page = client.get(response.url).content.decode()
    assert "Фоновая очередь сейчас недоступна" in page
    status = client.get(f"/documents/{document.pk}/status/").json()
    assert status["status"] == "queued" and "недоступна" in status["error"]

    # Still down: the sweep leaves it queued; back up: the sweep sends it and it is built.
    assert jobs.sweep()["requeued"] == 0
    app.conf.task_always_eager = True
    assert jobs.sweep()["requeued"] == 1
    document.refresh_from_db()
    assert document.status == Document.Status.DONE and document.error == ""


@pytest.mark.django_db(transaction=True)  # on_commit runs as in production, before the reply
def test_with_redis_down_an_upload_is_kept_queued_and_the_user_told(client, world, redis_down):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.carol)
    procedure = world.extra["assessments"]["procedure"]
    response, seconds = timed(
        lambda: client.post(
            reverse("assessments:import-list"),
            {"file": SimpleUploadedFile("итоги.csv", CSV), "procedure": procedure.pk},
            follow=True,
        )
    )
    assert seconds < 10
    assert response.status_code == 200
    assert "Фоновая очередь сейчас недоступна" in response.content.decode()
    batch = ImportBatch.objects.get(file_name="итоги.csv")
    assert batch.status == ImportBatch.Status.QUEUED and batch.queue_unavailable

    app.conf.task_always_eager = True  # Redis is back
    assert jobs.sweep()["requeued"] == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, batch.problems
    assert Result.objects.filter(import_batch=batch).count() == 2


def test_work_whose_worker_died_is_failed_with_a_message_not_left_spinning(world):
    document = world.extra["document_a"]
    long_ago = timezone.now() - timedelta(hours=1)
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.RUNNING, started_at=long_ago
    )
    fresh = world.extra["document_b"]
    Document.objects.filter(pk=fresh.pk).update(
        status=Document.Status.RUNNING, started_at=timezone.now() - timedelta(minutes=5)
    )
    batch = ImportBatch.objects.filter(school=world.school_a1).first()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, started_at=long_ago
    )

    assert jobs.sweep() == {
        "documents_failed": 1,
        "imports_failed": 1,
        "checks_failed": 0,
        "requeued": 0,
    }
    document.refresh_from_db()
    fresh.refresh_from_db()
    batch.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "фоновый обработчик остановился" in document.error
    assert fresh.status == Document.Status.RUNNING  # still within its time limit
    assert batch.status == ImportBatch.Status.FAILED
    assert "ничего не записано" in batch.problems[0]["message"]
    assert jobs.sweep()["documents_failed"] == 0  # idempotent


def test_a_check_run_whose_worker_died_is_failed_and_one_never_queued_is_sent(world):
    from assessments.objectivity.models import CheckRun

    dead = CheckRun.objects.create(
        region=world.region,
        year=2026,
        status=CheckRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
    )
    unqueued = CheckRun.objects.create(
        region=world.region,
        year=2025,
        queue_unavailable=True,
        error=jobs.queue_unavailable_message(),
    )
    counts = jobs.sweep()
    dead.refresh_from_db()
    unqueued.refresh_from_db()
    assert counts["checks_failed"] == 1 and counts["requeued"] == 1
    assert dead.status == CheckRun.Status.FAILED and "Проверка прервана" in dead.error
    assert unqueued.status != CheckRun.Status.QUEUED  # sent, and run (to its own verdict)
    assert unqueued.error != jobs.queue_unavailable_message()


def test_enqueue_answers_fast_with_redis_down_even_for_a_task_that_keeps_results(redis_down):
    from config.celery import ping

    assert not ping.ignore_result
    sent, seconds = timed(lambda: jobs.enqueue(ping))
    assert sent is False and seconds < 3


def test_the_sweep_is_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "config.sweep_background_work" in tasks
    assert "config.sweep_background_work" in app.tasks


def test_every_task_has_limits_below_the_visibility_timeout():
    """Redis re-delivers a task still running after the visibility timeout: every
    task's hard limit must stay below it, and its soft limit below the hard one."""
    from django.conf import settings

    app.loader.import_default_modules()
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    ours = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) >= 6
    for task in ours:
        hard = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
        assert hard and soft and soft < hard < visibility, task.name
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


@pytest.mark.parametrize(
    "name", ["reports.build_document", "assessments.import_batch", "config.sweep_background_work"]
)
def test_long_tasks_ack_late_and_ignore_results(name):
    app.loader.import_default_modules()
    task = app.tasks[name]
    assert task.acks_late and task.ignore_result


def test_a_document_built_twice_is_built_once(world, roadmap_document):
    from reports.tasks import build_document

    build_document(roadmap_document.pk)
    roadmap_document.refresh_from_db()
    first = (roadmap_document.file.name, roadmap_document.finished_at)
    assert roadmap_document.status == Document.Status.DONE
    build_document(roadmap_document.pk)  # a redelivery
    roadmap_document.refresh_from_db()
    assert (roadmap_document.file.name, roadmap_document.finished_at) == first


def test_an_import_run_twice_writes_its_rows_once(world, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.results.services.batches import import_batch_create
    from assessments.results.tasks import import_batch_task

    procedure = world.extra["assessments"]["procedure"]
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(
            user=world.carol, upload=SimpleUploadedFile("итоги.csv", CSV), procedure=procedure
        )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    import_batch_task(batch.pk)  # a redelivery
    assert Result.objects.filter(procedure=procedure, participant_code__in=["1", "2"]).count() == 2


@pytest.fixture
def roadmap_document(world):
    return Document.objects.create(
        kind="order",
        format="docx",
        params={"roadmap": world.extra["roadmap_roadmap_a"].pk},
        inputs_key="x" * 64,
        title="Приказ",
        region=world.region,
        municipality=world.muni_a,
        requested_by=world.bob,
    )
