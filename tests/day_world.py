"""The test world after a working week, shared by the tests that walk or look at
every role's pages: flagged schools put into the roadmap, a report returned and
sent again, a deadline changed, the order and an execution report built."""

from contextlib import nullcontext
from datetime import date

from assessments.objectivity.services.flags import flags_into_roadmap
from reports.models import Document
from reports.services import document_request
from roadmaps.models import ProgressReport
from roadmaps.services.measure import measure_update
from roadmaps.services.report import progress_report_return, progress_report_submit
from tests.roadmaps.world import PDF


def make_busy(world, capture=None):
    """`capture` is pytest-django's django_capture_on_commit_callbacks in a test
    inside a transaction; without it (a transactional test) builds run at once."""
    roadmap = world.extra["roadmap_roadmap_a"]
    flags_into_roadmap(
        run=world.extra["assessments"]["a"]["run"],
        roadmap=roadmap,
        schools=[world.school_a1],
        by=world.bob,
    )
    measure = world.extra["roadmap_measure_a"]
    measure_update(
        measure=measure, by=world.bob, version=measure.version, deadline_text="ежемесячно"
    )
    report = world.extra["roadmap_report_a"]
    progress_report_return(report=report, reason="Приложите протокол.", by=world.bob)
    progress_report_submit(
        assignment=report.assignment,
        period_start=report.period_start,
        period_end=report.period_end,
        status=ProgressReport.Status.DONE,
        comment="Протокол приложен.",
        files=[("протокол.pdf", PDF)],
        by=world.carol,
    )
    requested = []
    with capture(execute=True) if capture else nullcontext():
        for kind, fmt, params in (
            ("order", "pdf", {"roadmap": roadmap.pk}),
            ("execution", "pdf", {"roadmap": roadmap.pk, "as_of": date(2026, 12, 4).isoformat()}),
            ("execution", "xlsx", {"roadmap": roadmap.pk, "as_of": date(2026, 12, 4).isoformat()}),
        ):
            requested.append(document_request(kind=kind, fmt=fmt, params=params, user=world.bob).pk)
    world.extra["documents"] = list(Document.objects.filter(pk__in=requested))
    return world
