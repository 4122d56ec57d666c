"""Backup and restore of the whole product: the database and the uploaded files.

A backup is one folder: `database.dump` (pg_dump custom format on PostgreSQL,
a SQLite copy otherwise), `media.tar.gz` (evidence files, documents; the local media folder or every object
of the S3 bucket) and
`manifest.json` (when, what, row counts to check a restore against).
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection
from django.utils import timezone


class BackupError(RuntimeError):
    """The message is Russian, for the operator."""


def _pg_env() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = [
        "-h",
        db.get("HOST") or "localhost",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
    ]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def row_counts() -> dict[str, int]:
    """Rows per model of the product, to compare a restore with its backup."""
    counts = {}
    for app_label in ("schools", "roadmaps", "assessments", "reports", "auth"):
        for model in apps.get_app_config(app_label).get_models():
            counts[model._meta.label] = model._base_manager.count()
    return counts


def _stored_names(storage, folder: str = ""):
    """Every file name in `storage` under `folder` (objects of a bucket, files on disk)."""
    folders, files = storage.listdir(folder)
    for name in files:
        yield posixpath.join(folder, name) if folder else name
    for sub in folders:
        yield from _stored_names(storage, posixpath.join(folder, sub) if folder else sub)


def _archive_stored_files(archive: tarfile.TarFile) -> None:
    """The stored files into `archive` under `media/`: the folder as it is on a local
    disk, or every object of the bucket when the files are in object storage."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            archive.add(media, arcname="media")
        return
    for name in _stored_names(storage):
        member = tarfile.TarInfo(f"media/{name}")
        member.size = storage.size(name)
        member.mtime = int(storage.get_modified_time(name).timestamp())
        with storage.open(name, "rb") as handle:
            archive.addfile(member, handle)


def _restore_stored_files(archive: tarfile.TarFile) -> None:
    """Put the files of `archive`'s `media/` back under their own names: into the
    media folder, or as objects of the bucket when the files are in object storage."""
    members = [m for m in archive.getmembers() if m.name == "media" or m.name.startswith("media/")]
    for member in members:
        member.name = member.name[len("media") :].lstrip("/") or "."
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        media = Path(settings.MEDIA_ROOT)
        media.mkdir(parents=True, exist_ok=True)
        archive.extractall(media, members=members, filter="data")
        return
    for member in members:
        if member.isfile():
            # tarfile's "data" filter refuses what escapes the folder or is not a
            # plain file; the storage refuses a name that climbs out of its root.
            member = tarfile.data_filter(member, "/media")
            storage.restore(member.name, File(archive.extractfile(member)))


def backup_create(*, target: Path) -> dict:
    """Write a backup into the empty or new folder `target`; returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"Папка {target} не пуста: укажите новую папку для резервной копии.")
    target.mkdir(parents=True, exist_ok=True)
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        result = subprocess.run(
            [
                "pg_dump",
                "-Fc",
                "--no-owner",
                "--no-acl",
                "-f",
                str(target / "database.dump"),
                *args,
                db["NAME"],
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise BackupError(f"pg_dump не сработал: {result.stderr.strip()}")
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(db["NAME"])
        with sqlite3.connect(target / "database.dump") as copy:
            source.backup(copy)
        source.close()
    else:
        raise BackupError(f"Резервное копирование базы {connection.vendor} не поддерживается.")
    with tarfile.open(target / "media.tar.gz", "w:gz") as archive:
        _archive_stored_files(archive)
    manifest = {
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "counts": row_counts(),
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def backup_restore(*, source: Path) -> dict:
    """Restore a backup into the (empty) configured database and media folder.

    Returns the row counts after the restore; raises BackupError when they differ
    from the backup's manifest.
    """
    source = Path(source)
    manifest_path = source / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"В папке {source} нет manifest.json: это не резервная копия.")
    manifest = json.loads(manifest_path.read_text())
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"Копия сделана для {manifest['vendor']}, а база — {connection.vendor}.")
    db = settings.DATABASES["default"]
    connection.close()
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        result = subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "-d",
                db["NAME"],
                *args,
                str(source / "database.dump"),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise BackupError(f"pg_restore не сработал: {result.stderr.strip()}")
    else:
        shutil.copyfile(source / "database.dump", db["NAME"])
    with tarfile.open(source / "media.tar.gz", "r:gz") as archive:
        _restore_stored_files(archive)
    counts = row_counts()
    if counts != manifest["counts"]:
        differ = {
            k: (manifest["counts"].get(k), counts.get(k))
            for k in set(counts) | set(manifest["counts"])
            if counts.get(k) != manifest["counts"].get(k)
        }
        raise BackupError(f"После восстановления не совпадает число строк: {differ}")
    return counts


def backup_verify(*, source: Path) -> None:
    """Read a backup back without restoring it: the dump is a readable archive
    (pg_restore --list, or SQLite's integrity check), the files' archive opens, and
    the checksums in the manifest match. Raises BackupError with what is wrong."""
    import hashlib

    source = Path(source)
    manifest_path = source / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"В папке {source} нет manifest.json: это не резервная копия.")
    manifest = json.loads(manifest_path.read_text())
    for name, expected in manifest.get("sha256", {}).items():
        digest = hashlib.sha256()
        with open(source / name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            raise BackupError(f"Файл {name} резервной копии {source} повреждён.")
    dump = source / "database.dump"
    if manifest["vendor"] == "postgresql":
        result = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
        if result.returncode or "TABLE DATA" not in result.stdout:
            raise BackupError(f"Дамп базы {dump} не читается: {result.stderr.strip()[:300]}")
    else:
        try:
            with sqlite3.connect(f"file:{dump}?mode=ro", uri=True) as copy:
                ok = copy.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            ok = str(exc)
        if ok != "ok":
            raise BackupError(f"Копия базы {dump} повреждена: {ok}")
    try:
        with tarfile.open(source / "media.tar.gz", "r:gz") as archive:
            archive.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"Архив файлов резервной копии {source} не читается: {exc}") from exc


def backup_scheduled(*, root: Path, keep: int, now=None) -> dict:
    """The nightly job: a new backup in `root`/<time>, verified, then the oldest
    verified ones beyond `keep` removed. A backup that fails verification is removed
    and the error raised (the task fails loudly: logs, Sentry); older ones stay."""
    import hashlib

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    stamp = (now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    target = root / stamp
    try:
        manifest = backup_create(target=target)
        manifest["sha256"] = {
            name: hashlib.sha256((target / name).read_bytes()).hexdigest()
            for name in ("database.dump", "media.tar.gz")
        }
        (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        backup_verify(source=target)
    except Exception:
        shutil.rmtree(target, ignore_errors=True)
        raise
    (target / "VERIFIED").write_text(timezone.now().isoformat())
    kept = sorted(p for p in root.iterdir() if p.is_dir() and (p / "VERIFIED").exists())
    removed = []
    for old in kept[: max(len(kept) - keep, 0)]:
        shutil.rmtree(old)
        removed.append(old.name)
    return {"created": stamp, "removed": removed, "kept": len(kept) - len(removed)}
