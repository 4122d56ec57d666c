"""Finding 2 of issue #16: an upload of any size up to UPLOAD_MAX_BYTES goes through
the API as through the web form (files over 5 MB are spooled to disk by Django)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from roadmaps.models import Assignment, ProgressReport
from roadmaps.selectors.period import reporting_periods
from tests.api.helpers import client_for

MB = 1024 * 1024


def pdf_of(size):
    head = b"%PDF-1.4\n1 0 obj <<>> endobj\n"
    tail = b"\ntrailer <<>>\n%%EOF\n"
    return head + b"%" + b"0" * (size - len(head) - len(tail) - 1) + tail


@pytest.fixture
def limit(settings):
    settings.UPLOAD_MAX_BYTES = 8 * MB
    return settings.UPLOAD_MAX_BYTES


def _assignment(world):
    return Assignment.objects.get(measure=world.extra["roadmap_measure_a"], school=world.school_a1)


def _period(world):
    return reporting_periods(world.extra["roadmap_roadmap_a"])[1]


def _api_submit(world, data):
    period = _period(world)
    return client_for(world.carol).post(
        "/api/v1/progress-reports/",
        {
            "assignment": _assignment(world).pk,
            "period_start": period[0].isoformat(),
            "period_end": period[1].isoformat(),
            "status": "done",
            "comment": "Справка",
            "files": [SimpleUploadedFile("справка.pdf", data, content_type="application/pdf")],
        },
        format="multipart",
    )


@pytest.mark.parametrize("size", [6 * MB, 8 * MB], ids=["6MB", "at-the-limit"])
def test_the_api_takes_a_file_over_5_mb_up_to_the_limit(world, limit, size):
    response = _api_submit(world, pdf_of(size))
    assert response.status_code == 201, response.content[:500]
    report = ProgressReport.objects.get(pk=response.json()["id"])
    assert [e.size for e in report.evidence.all()] == [size]


def test_the_api_refuses_a_file_over_the_limit_in_russian_and_saves_nothing(world, limit):
    before = ProgressReport.objects.count()
    response = _api_submit(world, pdf_of(limit + 1))
    assert response.status_code == 400
    assert "больше 8 МБ" in str(response.json()["error"]["fields"])
    assert ProgressReport.objects.count() == before


@pytest.mark.parametrize("size", [6 * MB, 8 * MB], ids=["6MB", "at-the-limit"])
def test_the_web_form_takes_the_same_files(client, world, limit, size):
    client.force_login(world.carol)
    period = _period(world)
    response = client.post(
        f"/roadmaps/assignments/{_assignment(world).pk}/report/",
        {
            "period": f"{period[0].isoformat()}:{period[1].isoformat()}",
            "status": "done",
            "comment": "Справка",
            "evidence_kind": "certificate",
            "files": [SimpleUploadedFile("справка.pdf", pdf_of(size))],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = ProgressReport.objects.get(
        assignment=_assignment(world), is_current=True, period_start=period[0]
    )
    assert [e.size for e in report.evidence.all()] == [size]
