"""Files in object storage (S3 protocol), as production with MinIO keeps them.

A real S3-protocol server runs here (moto's standalone server, a subprocess); the
product is pointed at it the way settings.py does when S3_BUCKET is set. Uploads,
evidence and documents go into the bucket under random names, the workers read
them from there, only the scope-checked views hand them out, nothing lands in
MEDIA_ROOT, and the backup carries the bucket's objects.
"""

import io
import os
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.results.models import ImportBatch, Instrument, Procedure, Result, Subject
from config.storage import PrivateS3Storage
from reports.models import Document
from schools import backup
from tests.conftest import IN_CI
from tests.roadmaps.world import PDF

FORM = Path(__file__).resolve().parent / "data" / "vpr-result-form-example.xlsx"
BUCKET = "roadmaps-test"
KEY, SECRET = "test-access", "test-secret"  # moto takes any pair
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def _free_port() -> int:
    base = int(os.environ.get("HELPER_PORT_BASE", "0") or 0)
    for port in range(base + 60, base + 100) if base else [0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port for the S3 server")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto_server on a free port; fails under CI=true when it cannot start."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    moto = Path(sys.executable).with_name("moto_server")
    try:
        process = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
    except OSError as exc:
        (pytest.fail if IN_CI else pytest.skip)(f"moto_server does not start: {exc}")
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                message = f"moto_server did not answer on {endpoint}: {log.read_text()[-500:]}"
                (pytest.fail if IN_CI else pytest.skip)(message)
            time.sleep(0.3)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


def _client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )


@pytest.fixture
def s3(s3_server, settings):
    """The default storage is the bucket, configured as settings.py does from S3_*."""
    client = _client(s3_server)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "config.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "access_key": KEY,
                "secret_key": SECRET,
                "region_name": "us-east-1",
                "location": "",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def nothing_on_disk(settings):
    media = Path(settings.MEDIA_ROOT)
    return not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_settings_choose_the_bucket_when_s3_is_configured():
    """S3_BUCKET in the environment switches the default storage to the bucket."""
    code = (
        "import django; django.setup();"
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, getattr(s, 'bucket_name', ''), getattr(s, 'endpoint_url', ''),"
        " getattr(s, 'default_acl', ''), s.url('x'))"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        S3_BUCKET="roadmaps",
        S3_ENDPOINT_URL="http://minio:9000",
        S3_ACCESS_KEY="key",
        S3_SECRET_KEY="secret",
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["PrivateS3Storage", "roadmaps", "http://minio:9000", "None", "None"]
    env.pop("S3_BUCKET")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "PrivateFileSystemStorage"


def test_an_upload_goes_to_the_bucket_under_a_random_name_and_the_import_reads_it(
    s3, world, client, settings, django_capture_on_commit_callbacks
):
    assert isinstance(storages["default"], PrivateS3Storage)
    procedure = Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )
    client.force_login(world.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments:import-list"),
            {
                "file": SimpleUploadedFile("форма.xlsx", FORM.read_bytes()),
                "procedure": procedure.pk,
            },
        )
    assert response.status_code == 302
    batch = ImportBatch.objects.get(file_name="форма.xlsx")
    # The worker read the file back from the bucket and imported every row.
    assert batch.status == ImportBatch.Status.DONE, batch.problems
    assert Result.objects.filter(procedure=procedure, school=world.school_a1).count() == 18
    stored = batch.file.name
    assert stored in keys(s3)
    assert "форма" not in stored and stored.endswith(".xlsx")
    assert len(Path(stored).stem) == 32  # random hex, not the upload's name
    assert s3.get_object(Bucket=BUCKET, Key=stored)["Body"].read() == FORM.read_bytes()
    # Private: no grant to everyone on the object, no bucket address in the page.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=stored)["Grants"]
    assert all(g["Grantee"].get("URI") != ALL_USERS for g in grants)
    page = client.get(
        reverse("assessments:import-detail", kwargs={"importbatch_pk": batch.pk})
    ).content.decode()
    assert "127.0.0.1:" not in page and BUCKET not in page
    assert nothing_on_disk(settings)


def test_evidence_and_documents_come_from_the_bucket_through_the_scoped_views(
    s3, world, client, settings, django_capture_on_commit_callbacks
):
    evidence = world.extra["roadmap_report_a"].evidence.get()
    assert evidence.file.name in keys(s3)
    download = reverse("roadmaps:evidence-download", kwargs={"evidence_pk": evidence.pk})
    client.force_login(world.bob)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/documents/new/",
            {"kind": "order", "format": "docx", "roadmap": world.extra["roadmap_roadmap_a"].pk},
        )
    document = Document.objects.get(kind="order")
    assert document.status == Document.Status.DONE, document.error
    assert document.file.name in keys(s3)
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    # Another municipality's official gets nothing, not even that the file exists.
    client.force_login(world.dan)
    assert client.get(download).status_code == 404
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404
    assert nothing_on_disk(settings)


def test_readiness_writes_reads_and_deletes_in_the_bucket(s3, client, settings, db):
    response = client.get("/health/ready")
    assert response.json()["checks"]["storage"]["status"] == "ok"
    assert keys(s3) == []  # the probe is deleted
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "missing"},
        },
    }
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "error"


def test_the_backup_carries_the_buckets_objects_and_restores_them(s3, world, settings, tmp_path):
    stored = keys(s3)
    evidence = world.extra["roadmap_report_a"].evidence.get()
    assert evidence.file.name in stored
    # What backup_create writes as media.tar.gz (its database dump is tested in
    # tests/test_backup.py; SQLite's in-memory test database cannot be copied here).
    target = tmp_path / "media.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        backup._archive_stored_files(archive)
    with tarfile.open(target, "r:gz") as archive:
        assert sorted(m.name for m in archive.getmembers()) == [f"media/{k}" for k in stored]
        assert archive.extractfile(f"media/{evidence.file.name}").read() == PDF
    for key in stored:
        s3.delete_object(Bucket=BUCKET, Key=key)
    with tarfile.open(target, "r:gz") as archive:
        backup._restore_stored_files(archive)
    assert keys(s3) == stored
    with evidence.file.open("rb") as handle:
        assert handle.read() == PDF
    assert nothing_on_disk(settings)


def test_a_restore_refuses_names_that_climb_out_of_the_bucket(s3, tmp_path, db):
    target = tmp_path / "evil.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        member = tarfile.TarInfo("media/../../etc/evil.txt")
        member.size = 4
        archive.addfile(member, io.BytesIO(b"evil"))
    with tarfile.open(target, "r:gz") as archive, pytest.raises(tarfile.FilterError):
        backup._restore_stored_files(archive)
    assert keys(s3) == []
