"""The review queue of a municipal official: the reports of their municipality waiting
for review, read by the municipality each report carries (its assignment's)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmaps.models import ProgressReport
from roadmaps.selectors.report import review_queue
from roadmaps.services.report import progress_report_accept
from tests import factories as f


def test_a_report_sent_carries_its_assignments_municipality(world):
    report = world.extra["roadmap_report_a"]
    report.refresh_from_db()
    assert report.municipality_id == report.assignment.municipality_id == world.muni_a.pk


def test_each_official_reviews_only_their_municipalitys_reports(client, world):
    roadmap_b = f.approved_roadmap(
        municipality=world.muni_b,
        by=world.dan,
        measures=[("1.1.", "Анализ результатов ВПР", "октябрь 2025")],
    )
    school_b = roadmap_b.measures.get().assignments.first().school
    sent_b = f.report_progress(roadmap=roadmap_b, number="1.1.", school=school_b, by=world.dan)
    sent_a = world.extra["roadmap_report_a"]
    queue_a, queue_b = list(review_queue(user=world.bob)), list(review_queue(user=world.dan))
    assert sent_a in queue_a and sent_b not in queue_a
    assert sent_b in queue_b and sent_a not in queue_b
    assert {r.assignment.municipality for r in queue_a} == {world.muni_a}
    assert {r.assignment.municipality for r in queue_b} == {world.muni_b}
    client.force_login(world.dan)
    page = client.get("/roadmaps/reports/").content.decode()
    assert f"/roadmaps/reports/{sent_b.pk}/" in page
    assert f"/roadmaps/reports/{sent_a.pk}/" not in page
    progress_report_accept(report=sent_b, by=world.dan)
    assert sent_b not in list(review_queue(user=world.dan))
    assert ProgressReport.objects.visible_to(world.dan).filter(pk=sent_a.pk).count() == 0


def test_the_queue_count_reads_the_reports_alone(world):
    """The count of a municipality's waiting reports joins no assignment: the index
    on the report's municipality serves it."""
    listed = len(review_queue(user=world.bob))
    with CaptureQueriesContext(connection) as captured:
        assert review_queue(user=world.bob).count() == listed > 0
    (query,) = captured
    assert "roadmaps_assignment" not in query["sql"], query["sql"]
