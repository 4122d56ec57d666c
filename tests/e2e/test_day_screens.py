"""Each role's working day at 1366 px and at 390 px, and every page of the PDFs
they build, kept in test-artifacts/day/ to be looked at by eye. The walk also
fails on an error, a page wider than a phone, or English in what is shown."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from reports.models import Document
from tests import factories as f
from tests.browser import ARTIFACTS
from tests.conftest import require_service
from tests.day_world import make_busy
from tests.e2e.conftest import login
from tests.visible_text import english_tokens

pytestmark = pytest.mark.django_db(transaction=True)

DAY = ARTIFACTS / "day"
WIDTHS = (1366, 390)


def day_of(world) -> dict[str, list[tuple[str, str]]]:
    """(name, address) of what each role opens in a day."""
    roadmap = world.extra["roadmap_roadmap_a"]
    report = world.extra["roadmap_report_a"].assignment.reports.get(is_current=True)
    run = world.extra["assessments"]["a"]["run"]
    order = next(d for d in world.extra["documents"] if d.kind == Document.Kind.ORDER)
    roadmap_pages = [
        ("roadmaps", reverse("roadmaps:roadmap-list")),
        ("roadmap", reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk})),
        ("history", reverse("roadmaps:roadmap-history", kwargs={"roadmap_pk": roadmap.pk})),
        ("documents", reverse("reports:document-list")),
        ("document", reverse("reports:document-detail", kwargs={"document_pk": order.pk})),
    ]
    home = [("home", reverse("home"))]
    return {
        "bob": home
        + roadmap_pages
        + [
            ("queue", reverse("roadmaps:report-queue")),
            ("report", reverse("roadmaps:report-detail", kwargs={"progress_report_pk": report.pk})),
            ("my", reverse("roadmaps:assignment-list")),
            ("objectivity", reverse("objectivity:run-detail", kwargs={"checkrun_pk": run.pk})),
        ],
        "carol": home
        + [
            ("my", reverse("roadmaps:assignment-list")),
            ("report", reverse("roadmaps:report-detail", kwargs={"progress_report_pk": report.pk})),
            (
                "report-form",
                reverse("roadmaps:report-create", kwargs={"assignment_pk": report.assignment_id}),
            ),
        ]
        + roadmap_pages[:3],
        "mia": home
        + roadmap_pages
        + [
            ("my", reverse("roadmaps:assignment-list")),
            # A pupil's deficits are the school's own: the Russian 403 with the menu.
            (
                "error-403",
                reverse(
                    "analytics:procedure-deficits",
                    kwargs={
                        "procedure_pk": world.extra["assessments"]["procedure"].pk,
                        "school_pk": world.school_a1.pk,
                    },
                ),
            ),
            ("error-404", reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": 999999})),
        ],
        "alice": home + roadmap_pages + [("municipalities", reverse("schools:municipality-list"))],
        "victor": home + roadmap_pages[:3],
    }


def test_each_roles_day_and_every_pdf_page_are_kept_to_look_at(browser, live_server, world):
    make_busy(world)
    if DAY.exists():
        shutil.rmtree(DAY)
    DAY.mkdir(parents=True)
    problems = []
    for width in WIDTHS:
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale="ru-RU", has_touch=width < 600
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            for username, pages in day_of(world).items():
                context.clear_cookies()
                login(page, live_server, username, f.PASSWORD)
                for name, address in pages:
                    response = page.goto(f"{live_server.url}{address}")
                    page.screenshot(
                        path=str(DAY / f"{username}-{width}-{name}.png"), full_page=True
                    )
                    expected = int(name[-3:]) if name.startswith("error-") else 200
                    if response.status != expected:
                        problems.append(f"{username} {address}: {response.status}")
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    if scroll > width:
                        problems.append(f"{username} {address} at {width} px is {scroll} px wide")
                    text = page.inner_text("body")
                    problems.extend(f"{username} {address}: {t}" for t in english_tokens(text))
        finally:
            context.close()
    assert not problems, "\n".join(problems)

    require_service(
        "pdftoppm", shutil.which("pdftoppm") is not None, "apt-get install poppler-utils"
    )
    pdfs = [d for d in world.extra["documents"] if d.format == Document.Format.PDF]
    assert pdfs and all(d.status == Document.Status.DONE for d in pdfs), pdfs
    for document in pdfs:
        prefix = DAY / f"pdf-{document.kind}-{document.pk}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", document.file.path, str(prefix)], check=True
        )
    assert len(list(DAY.glob("pdf-*.png"))) >= sum(d.pages or 1 for d in pdfs)
