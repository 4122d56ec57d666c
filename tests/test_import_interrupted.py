"""A results import whose database write fails after most of its rows leaves
nothing behind (not even the removal of the rows it was replacing), and the
same file imports whole afterwards. The failures are real: a trigger refuses
the very last row of a large file after the earlier rows were sent (COPY on
PostgreSQL, bulk inserts on SQLite), and the importing process is SIGKILLed
in the middle of its COPY (PostgreSQL only)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from assessments.results.models import ImportBatch, Result
from assessments.results.services.batches import import_batch_create, import_batch_run
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent

ROWS = 20_000
# The COPY goes through psycopg's own cursor, whose errors Django does not wrap.
try:
    import psycopg

    DATABASE_ERRORS = (DatabaseError, psycopg.Error)
except ImportError:  # pragma: no cover - psycopg is a dependency
    DATABASE_ERRORS = (DatabaseError,)
TABLE = Result._meta.db_table


def _csv(rows: int, last_code: str) -> bytes:
    lines = ["Логин ФИС ОКО;Код;Класс;1 (1б);2 (2б)"]
    lines += [f"edu770001;p{i};4а;{i % 2};{i % 3}" for i in range(1, rows)]
    lines.append(f"edu770001;{last_code};4а;1;1")
    return "\n".join(lines).encode()


@pytest.fixture
def refuse_code():
    """A trigger that makes the database refuse a row with participant code 'boom'."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                "IF NEW.participant_code = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_boom BEFORE INSERT ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_boom BEFORE INSERT ON {TABLE} "
                "WHEN NEW.participant_code = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS refuse_boom ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS refuse_boom()")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS refuse_boom")


def _batch(world, content: bytes) -> ImportBatch:
    """A queued batch (the test's transaction keeps on_commit from running it)."""
    return import_batch_create(
        user=world.carol,
        upload=SimpleUploadedFile("итоги.csv", content),
        procedure=world.extra["assessments"]["procedure"],
    )


def test_an_import_failing_at_its_last_row_leaves_nothing_and_runs_again(world, refuse_code):
    procedure = world.extra["assessments"]["procedure"]
    school_rows = Result.objects.filter(procedure=procedure, school=world.school_a1)
    kept = sorted(school_rows.values_list("pk", flat=True))
    assert kept  # the school already has results, which the import would replace

    failing = _batch(world, _csv(ROWS, "boom"))
    with pytest.raises(DATABASE_ERRORS):
        import_batch_run(batch_id=failing.pk)
    failing.refresh_from_db()
    assert failing.status == ImportBatch.Status.FAILED
    assert "ничего не записано" in failing.problems[0]["message"]
    assert not Result.objects.filter(import_batch=failing).exists()
    assert sorted(school_rows.values_list("pk", flat=True)) == kept  # the old rows stay

    # Fixed file, same import: everything lands, once.
    again = _batch(world, _csv(ROWS, "p-last"))
    assert import_batch_run(batch_id=again.pk).status == ImportBatch.Status.DONE
    assert school_rows.count() == ROWS
    assert not Result.objects.filter(pk__in=kept).exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # the importer is another process: it sees committed rows
def test_an_import_killed_during_its_copy_leaves_nothing_and_runs_again(world, tmp_path):
    """`import_results` in its own process, SIGKILLed while PostgreSQL receives its
    COPY: the transaction dies with it; the same command then imports the file whole."""
    require_service(
        "PostgreSQL", connection.vendor == "postgresql", f"DATABASE_URL gives {connection.vendor}"
    )
    procedure = world.extra["assessments"]["procedure"]
    school_rows = Result.objects.filter(procedure=procedure, school=world.school_a1)
    kept = sorted(school_rows.values_list("pk", flat=True))
    rows = 150_000
    path = tmp_path / "итоги.csv"
    path.write_bytes(_csv(rows, "p-last"))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": "",
    }
    command = [
        sys.executable,
        "manage.py",
        "import_results",
        str(path),
        "--procedure",
        str(procedure.pk),
    ]
    importer = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 180
        while not _copy_running():
            assert importer.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import never reached its COPY"
            time.sleep(0.02)
    finally:
        importer.send_signal(signal.SIGKILL)
        importer.wait()
    assert importer.returncode == -signal.SIGKILL
    assert sorted(school_rows.values_list("pk", flat=True)) == kept
    assert not ImportBatch.objects.filter(file_name="итоги.csv").exists()

    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    assert school_rows.count() == rows
    assert ImportBatch.objects.filter(file_name="итоги.csv").count() == 1


def _copy_running() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND state = 'active' AND query LIKE %s",
            [f"COPY {TABLE} %"],
        )
        return cursor.fetchone()[0] > 0
