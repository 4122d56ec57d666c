"""Backup and restore round trip, as an operator runs it: into an empty database."""

import os
import subprocess
import sys
import uuid
from datetime import UTC
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result


def fresh_database_url(tmp_path, label):
    """A new empty database of the kind the suite runs on."""
    if connection.vendor == "postgresql":
        name = f"roadmaps_{label}_{uuid.uuid4().hex[:8]}"
        settings_dict = connection.settings_dict
        user = settings_dict.get("USER") or "postgres"
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        return f"postgres://{user}@{host}:{port}/{name}", name
    return f"sqlite:///{tmp_path / f'{label}.sqlite3'}", None


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_everything_in_it(tmp_path):
    created = []
    try:
        source_url, name = fresh_database_url(tmp_path, "source")
        created.append(name)
        base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        source = dict(base, DATABASE_URL=source_url, MEDIA_ROOT=str(tmp_path / "media-source"))
        assert manage("migrate", "--noinput", env=source).returncode == 0
        assert manage("load_demo", env=source).returncode == 0
        evidence = tmp_path / "media-source" / "evidence" / "протокол.pdf"
        evidence.parent.mkdir(parents=True)
        evidence.write_bytes(b"%PDF-1.4 evidence")
        backup = manage("backup", "create", str(tmp_path / "backup"), env=source)
        assert backup.returncode == 0, backup.stderr

        target_url, name = fresh_database_url(tmp_path, "target")
        created.append(name)
        target = dict(base, DATABASE_URL=target_url, MEDIA_ROOT=str(tmp_path / "media-target"))
        if name is None:  # SQLite: an empty file is the empty database
            Path(target_url.removeprefix("sqlite:///")).touch()
        restore = manage("backup", "restore", str(tmp_path / "backup"), env=target)
        assert restore.returncode == 0, restore.stderr
        assert "всё сходится" in restore.stdout
        assert (
            tmp_path / "media-target" / "evidence" / "протокол.pdf"
        ).read_bytes() == b"%PDF-1.4 evidence"
        check = manage(
            "shell",
            "-c",
            "from schools.models import School; print(School.objects.get(short_name='МБОУ СОШ №5').fis_login)",
            env=target,
        )
        assert check.stdout.strip().splitlines()[-1] == "edu390102"
    finally:
        connection.close()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for name in filter(None, created):
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    result = manage("backup", "restore", str(tmp_path), env=dict(os.environ))
    assert result.returncode != 0
    assert "это не резервная копия" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_the_nightly_backup_dumps_verifies_and_keeps_the_newest(tmp_path, settings):
    """What beat runs at night (schools.backup): each backup is read back, the oldest
    beyond BACKUP_KEEP go, and a damaged one is caught by the check."""
    from datetime import datetime, timedelta

    from schools.backup import BackupError, backup_scheduled, backup_verify
    from schools.tasks import backup as backup_task
    from tests import factories as f

    f.region(code="39", name="Калининградская область")
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "documents").mkdir(parents=True)
    (tmp_path / "media" / "documents" / "a.pdf").write_bytes(b"%PDF-1.4 a")
    start = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    results = [
        backup_scheduled(root=tmp_path / "backups", keep=2, now=start + timedelta(days=day))
        for day in range(3)
    ]
    assert results[-1] == {"created": "20261203-023000", "removed": ["20261201-023000"], "kept": 2}
    folders = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert folders == ["20261202-023000", "20261203-023000"]
    newest = tmp_path / "backups" / "20261203-023000"
    backup_verify(source=newest)

    dump = newest / "database.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    with pytest.raises(BackupError, match="повреждён"):
        backup_verify(source=newest)

    settings.BACKUP_DIR = str(tmp_path / "scheduled")
    assert backup_task.apply().get()["created"]
    assert (tmp_path / "scheduled").exists()
    assert "backup-nightly" not in settings.CELERY_BEAT_SCHEDULE  # only with BACKUP_DIR in the env
