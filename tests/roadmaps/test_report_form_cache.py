"""The progress report form of an assignment is kept in the cache as HTML under
everything it is made of (infra.formcache): the page is the one Django writes, and a
change to the roadmap's periods, the measure's document or the report being corrected,
made through the services or the admin, shows at the next look."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from roadmaps.models import Assignment, ProgressReport
from roadmaps.services.measure import measure_update
from roadmaps.services.report import progress_report_return, progress_report_submit
from tests import factories as f


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def _assignment(world):
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[("1.", "Семинар «итоги»", "до 1 мая 2026 г.")],
    )
    return Assignment.objects.get(measure__roadmap=roadmap, school=world.school_a1)


def _form(client, assignment, query="") -> str:
    """The form of the page, without the per-request CSRF token."""
    response = client.get(reverse("roadmaps:report-create", args=[assignment.pk]) + query)
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('<form method="post" enctype')
    form = page[start : page.index("</form>", start)]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", form)


def _selected(form: str, name: str) -> str:
    select = re.search(rf'<select name="{name}".*?</select>', form, re.S).group(0)
    return re.search(r'<option value="([^"]*)"[^>]* selected>', select).group(1)


def _periods(form: str) -> list[str]:
    select = re.search(r'<select name="period".*?</select>', form, re.S).group(0)
    return re.findall(r"<option [^>]*>([^<]*)</option>", select)


def test_the_cached_form_is_the_one_django_writes(client, world):
    assignment = _assignment(world)
    client.force_login(world.carol)
    written = _form(client, assignment)
    assert "Подтверждающие документы" in written and 'name="files"' in written
    assert _form(client, assignment) == written  # from the cache
    cache.clear()
    assert _form(client, assignment) == written


def test_a_returned_report_is_corrected_from_its_own_answers(client, world):
    assignment = _assignment(world)
    client.force_login(world.carol)
    fresh = _form(client, assignment)
    report = progress_report_submit(
        assignment=assignment,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 11, 30),
        status=ProgressReport.Status.IN_PROGRESS,
        comment="Провели <семинар> & разбор",
        by=world.carol,
    )
    progress_report_return(report=report, reason="Нет протокола", by=world.bob)
    corrected = _form(client, assignment, f"?report={report.pk}")
    assert "Провели &lt;семинар&gt; &amp; разбор</textarea>" in corrected
    assert corrected != fresh
    # The latest returned report is the one corrected when none is named.
    assert _form(client, assignment) == corrected
    progress_report_submit(
        assignment=assignment,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 11, 30),
        status=ProgressReport.Status.DONE,
        comment="Исправили",
        by=world.carol,
    )
    assert _form(client, assignment) == fresh


def test_a_measure_document_changed_by_the_service_shows_at_once(client, world):
    assignment = _assignment(world)
    client.force_login(world.carol)
    before = _selected(_form(client, assignment), "evidence_kind")
    measure = assignment.measure
    measure_update(measure=measure, version=measure.version, document_kind="order", by=world.bob)
    assert before != "order"
    assert _selected(_form(client, assignment), "evidence_kind") == "order"


def test_the_roadmap_reporting_period_changed_in_the_admin_shows_at_once(client, world):
    from tests.security.test_admin_history import form_data

    assignment = _assignment(world)
    client.force_login(world.carol)
    quarters = _periods(_form(client, assignment))
    root = f.user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:roadmaps_roadmap_change", args=[assignment.measure.roadmap_id])
    data = form_data(client.get(url))
    data["reporting_period"] = "month"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.force_login(world.carol)
    months = _periods(_form(client, assignment))
    assert len(months) > len(quarters)
    assert "01.09.2025 — 30.09.2025" in months
