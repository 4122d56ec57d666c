"""After a return the deputy corrects the report: the form starts from the
returned one (period, status, comment, files), and its files are kept once."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roadmaps.models import ProgressReport
from roadmaps.services.report import progress_report_return, progress_report_submit
from tests import factories as f
from tests.roadmaps.world import PDF


@pytest.fixture
def returned(world):
    report = world.extra["roadmap_report_a"]
    progress_report_return(report=report, reason="Приложите протокол.", by=world.bob)
    return report


def _selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else None


def test_the_form_after_a_return_starts_from_the_returned_report(client, world, returned):
    client.force_login(world.carol)
    detail = client.get(
        reverse("roadmaps:report-detail", kwargs={"progress_report_pk": returned.pk})
    ).content.decode()
    link = re.search(r'href="([^"]*/report/[^"]*)"', detail).group(1).replace("&amp;", "&")
    page = client.get(link).content.decode()
    # The returned period (autumn 2025), not the one containing today.
    assert _selected(page, "period") == "2025-09-01:2025-12-31"
    assert _selected(page, "status") == ProgressReport.Status.DONE
    assert "Справка подготовлена (Альфа)</textarea>" in page
    assert "Приложите протокол." in page
    assert "справка-Альфа.pdf" in page  # the files that stay with the report


def test_the_form_without_a_return_starts_on_the_current_period(client, world):
    assignment = world.extra["roadmap_measure_a"].assignments.get(school=world.school_a2)
    client.force_login(f.user("deputy2", role=f.Role.SCHOOL_DEPUTY, node=world.school_a2))
    page = client.get(
        reverse("roadmaps:report-create", kwargs={"assignment_pk": assignment.pk})
    ).content.decode()
    assert "Исправленный отчёт" not in page
    assert _selected(page, "status") is None


def test_a_resubmission_with_the_same_file_again_keeps_it_once(client, world, returned):
    client.force_login(world.carol)
    url = reverse("roadmaps:report-create", kwargs={"assignment_pk": returned.assignment_id})
    response = client.post(
        url,
        {
            "report": returned.pk,
            "period": "2025-09-01:2025-12-31",
            "status": ProgressReport.Status.DONE,
            "comment": "Протокол приложен.",
            "evidence_kind": "certificate",
            "files": [
                SimpleUploadedFile("справка-Альфа.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("протокол.pdf", PDF + b"%protocol\n"),
            ],
        },
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(assignment=returned.assignment, is_current=True)
    assert report.previous_id == returned.pk
    assert (report.period_start, report.review_state) == (
        returned.period_start,
        ProgressReport.Review.SUBMITTED,
    )
    names = sorted(e.original_name for e in report.evidence.all())
    assert names == ["протокол.pdf", "справка-Альфа.pdf"]
    page = client.get(response["Location"]).content.decode()
    assert page.count("справка-Альфа.pdf") == 1


def test_the_service_keeps_a_file_given_again_once(world, returned):
    report = progress_report_submit(
        assignment=returned.assignment,
        period_start=returned.period_start,
        period_end=returned.period_end,
        status=ProgressReport.Status.DONE,
        files=[("справка-Альфа.pdf", PDF), ("копия справки.pdf", PDF)],
        by=world.carol,
    )
    assert [e.original_name for e in report.evidence.all()] == ["справка-Альфа.pdf"]
