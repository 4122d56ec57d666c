"""Roadmaps in municipalities A and B, for the isolation sweep and the app's tests.

Each municipality gets an approved municipal roadmap with a section, a measure
for its schools (with an indicator), the assignments approval makes, a progress
report with an evidence file from a school, a revision and change records.
"""

from datetime import date

from roadmaps.models import ProgressReport
from roadmaps.services.base import SYSTEM
from roadmaps.services.measure import indicator_create, measure_create
from roadmaps.services.report import progress_report_submit
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from roadmaps.services.section import section_create

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _roadmap(world, municipality, school, reporter, marker):
    roadmap = roadmap_create(
        owner=municipality,
        title=f"Дорожная карта {municipality.name}",
        by=SYSTEM,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 8, 31),
    )
    section = section_create(
        roadmap=roadmap, number="1.", title=f"Организационные мероприятия {marker}", by=SYSTEM
    )
    measure = measure_create(
        roadmap=roadmap,
        section=section,
        number="1.1.",
        text=f"Анализ результатов ВПР ({marker})",
        deadline_text="В течение года",
        responsible_text="ОО",
        result="Аналитическая справка",
        document_text="справка",
        requires_evidence=True,
        by=SYSTEM,
    )
    indicator_create(
        measure=measure, text="Доля учителей, прошедших курсы", target_value=70, unit="%", by=SYSTEM
    )
    roadmap_approve(roadmap=roadmap, by=SYSTEM, order_number=f"{marker}-1")
    assignment = measure.assignments.get(school=school)
    report = progress_report_submit(
        assignment=assignment,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 12, 31),
        status=ProgressReport.Status.DONE,
        comment=f"Справка подготовлена ({marker})",
        files=[(f"справка-{marker}.pdf", PDF)],
        by=reporter,
    )
    return {"roadmap": roadmap, "section": section, "measure": measure, "report": report}


def populate(world):
    a = _roadmap(world, world.muni_a, world.school_a1, world.carol, "Альфа")
    b = _roadmap(world, world.muni_b, world.school_b1, SYSTEM, "Бета")
    world.extra.update({f"roadmap_{k}_a": v for k, v in a.items()})
    world.extra.update({f"roadmap_{k}_b": v for k, v in b.items()})
