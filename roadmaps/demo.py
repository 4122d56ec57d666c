"""Demo roadmaps from the three seed documents, for the demo tree of schools/demo.py.

`build_demo_roadmaps()` imports each seed for its municipality, approves the
Baltiysk roadmap (assignments follow), requires its schools to adopt their own,
moved to the current school year so that the demo shows work in progress
rather than a plan long past (its years are shifted before it is parsed; the
other two seeds stay as written, as drafts),
and lets the demo deputy of МБОУ СОШ №5 report: one report accepted, one
returned with a reason, one waiting for review. Idempotent: a second run finds
everything in place and changes nothing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from roadmaps.importers import parse_roadmap_document
from roadmaps.models import Assignment, ProgressReport, Roadmap
from roadmaps.selectors.period import reporting_periods
from roadmaps.services.base import ACTIVE, SYSTEM
from roadmaps.services.cascade import roadmap_cascade
from roadmaps.services.importing import roadmap_import
from roadmaps.services.report import (
    progress_report_accept,
    progress_report_return,
    progress_report_submit,
)
from roadmaps.services.roadmap import roadmap_approve, roadmap_put_in_force
from schools.models import Municipality, School

SEEDS_DIR = Path(settings.BASE_DIR) / "tests" / "data" / "seeds"

# seed file → (region code, municipality code) of the demo tree, and the school
# year the seed starts in when it is to be moved to the current one
SEEDS = [
    ("baltiysk-2023-order-1081.txt", ("39", "01"), 2023),
    ("krasnoturansk-2020-order-26.txt", ("24", "01"), None),
    ("spb-kirovsky-2019-roadmap.txt", ("78", "01"), None),
]


def current_school_year(today: date | None = None) -> int:
    today = today or date.today()
    return today.year if today.month >= 9 else today.year - 1


def shift_years(text: str, years: int) -> str:
    """Every year from 2015 to 2029 written in the text, moved by `years`."""
    return re.sub(r"(?<!\d)(20[12]\d)(?!\d)", lambda m: str(int(m.group(1)) + years), text)


DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _import_seed(
    filename: str, municipality: Municipality, base_year: int | None
) -> tuple[Roadmap, bool]:
    path = SEEDS_DIR / filename
    data = path.read_bytes()
    if base_year is not None:
        data = shift_years(data.decode("utf-8"), current_school_year() - base_year).encode("utf-8")
    parsed = parse_roadmap_document(data, path.name)
    title = (parsed.title or parsed.order.title or "Дорожная карта").strip()[:1000]
    existing = Roadmap.objects.filter(
        municipality=municipality, school__isnull=True, title=title
    ).first()
    if existing is not None:
        return existing, False
    return roadmap_import(parsed, owner=municipality, by=SYSTEM).roadmap, True


def _demo_reports(roadmap: Roadmap) -> int:
    """Reports of the demo deputy; none are added once the school has any."""
    User = get_user_model()
    deputy = User.objects.filter(username="deputy").first()
    official = User.objects.filter(username="official").first()
    school = School.objects.filter(
        municipality=roadmap.municipality, short_name="МБОУ СОШ №5"
    ).first()
    if deputy is None or official is None or school is None:
        return 0
    assignments = list(
        Assignment.objects.filter(measure__roadmap=roadmap, school=school).order_by(
            "measure__position", "measure__section__position", "pk"
        )
    )
    if not assignments or ProgressReport.objects.filter(assignment__in=assignments).exists():
        return 0
    start, end = reporting_periods(roadmap)[0]
    made = 0
    plan = [
        ("done", "Аналитическая справка подготовлена и рассмотрена на педсовете.", "accept"),
        ("in_progress", "Работа начата, протокол будет приложен позже.", "return"),
        ("in_progress", "Мероприятие выполняется по графику.", None),
    ]
    for assignment, (status, comment, review) in zip(assignments, plan, strict=False):
        measure = assignment.measure
        files = []
        kind = measure.document_kind or "certificate"
        if status == "done":
            files = [("Справка о выполнении.pdf", DEMO_PDF)]
        if status == "done" and measure.requires_evidence and not measure.document_kind:
            kind = "other"
        report = progress_report_submit(
            assignment=assignment,
            period_start=start,
            period_end=end,
            status=status,
            comment=comment,
            files=files,
            evidence_kind=kind,
            by=deputy,
        )
        if review == "accept":
            progress_report_accept(report=report, by=official)
        elif review == "return":
            progress_report_return(
                report=report,
                reason="Приложите протокол педагогического совета с решением по итогам анализа.",
                by=official,
            )
        made += 1
    return made


@transaction.atomic
def build_demo_roadmaps() -> dict:
    """Import the seeds for their demo municipalities; see the module docstring."""
    summary = {"imported": 0, "approved": 0, "reports": 0}
    roadmaps = {}
    for filename, (region_code, municipality_code), base_year in SEEDS:
        municipality = Municipality.objects.filter(
            region__code=region_code, code=municipality_code
        ).first()
        if municipality is None:
            continue  # the demo tree is not there: schools.demo.build_demo_tree() first
        roadmap, created = _import_seed(filename, municipality, base_year)
        summary["imported"] += int(created)
        roadmaps[filename] = roadmap
    baltiysk = roadmaps.get("baltiysk-2023-order-1081.txt")
    if baltiysk is not None and baltiysk.status == Roadmap.Status.DRAFT:
        # Approved early in the school year, so the first quarter has been reported on.
        approved_on = min(date.today(), date(current_school_year(), 9, 25))
        roadmap_approve(
            roadmap=baltiysk,
            by=SYSTEM,
            order_date=approved_on,
            order_signatory=baltiysk.order_signatory or "О.И. Матасова",
            order_signatory_position=baltiysk.order_signatory_position
            or "Заместитель главы администрации – начальник Управления образования администрации БГО",
        )
        roadmap_put_in_force(roadmap=baltiysk, by=SYSTEM)
        roadmap_cascade(roadmap=baltiysk, due=approved_on + timedelta(days=45), by=SYSTEM)
        summary["approved"] += 1
    if baltiysk is not None and baltiysk.status in ACTIVE:
        summary["reports"] = _demo_reports(baltiysk)
    return summary
