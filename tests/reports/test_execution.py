"""The execution report: only accepted reports count, by section and by school."""

import io
from datetime import date, datetime

import openpyxl
import pytest
from django.utils import timezone
from docx import Document as WordDocument

from reports.models import Document
from reports.services import document_request
from roadmaps.models import Assignment, Roadmap
from roadmaps.services.assignment import assignments_create
from roadmaps.services.measure import measure_create
from roadmaps.services.report import progress_report_accept, progress_report_submit
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from roadmaps.services.section import section_create


@pytest.fixture
def roadmap(world):
    roadmap = roadmap_create(
        owner=world.muni_a,
        title="Дорожная карта объективности Альфаграда",
        by=world.bob,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 5, 31),
    )
    section = section_create(
        roadmap=roadmap, title="Организационные мероприятия", number="1.", by=world.bob
    )
    measure_create(
        roadmap=roadmap,
        section=section,
        number="1.1.",
        by=world.bob,
        text="Анализ результатов ВПР на педагогических советах",
        deadline_text="октябрь 2025",
        responsible_text="ОО",
    )
    measure_create(
        roadmap=roadmap,
        section=section,
        number="1.2.",
        by=world.bob,
        text="Перекрёстная проверка работ",
        deadline_text="декабрь 2025",
        responsible_text="ОО",
    )
    roadmap_approve(roadmap=roadmap, by=world.bob, order_number="12", order_date=date(2025, 9, 1))
    assignments_create(roadmap=roadmap, by=world.bob)
    return Roadmap.objects.get(pk=roadmap.pk)


def report(world, roadmap, number, school, *, accept):
    assignment = Assignment.objects.get(
        measure__roadmap=roadmap, measure__number=number, school=school
    )
    sent = progress_report_submit(
        assignment=assignment,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 11, 30),
        now=timezone.make_aware(datetime(2025, 10, 20, 12, 0)),
        status="done",
        by=world.carol if school == world.school_a1 else world.bob,
        comment="Проведено",
    )
    if accept:
        progress_report_accept(report=sent, by=world.bob)
    return sent


def build(fmt, roadmap, user, capture, as_of="2026-01-15"):
    with capture(execute=True):
        document = document_request(
            kind="execution", fmt=fmt, params={"roadmap": roadmap.pk, "as_of": as_of}, user=user
        )
    document.refresh_from_db()
    assert document.status == Document.Status.DONE, document.error
    return document


def test_only_accepted_reports_count_and_a_new_acceptance_gives_a_new_report(
    world, roadmap, django_capture_on_commit_callbacks
):
    report(world, roadmap, "1.1.", world.school_a1, accept=True)
    pending = report(world, roadmap, "1.1.", world.school_a2, accept=False)
    first = build("xlsx", roadmap, world.bob, django_capture_on_commit_callbacks)
    book = openpyxl.load_workbook(io.BytesIO(first.file.read()))
    schools = {row[0]: row for row in book["По школам"].iter_rows(min_row=2, values_only=True)}
    assert schools["Альфа-школа №1"][1:5] == (
        2,
        1,
        1,
        1,
    )  # assigned, done, on time, overdue (1.2 due in December)
    assert schools["Альфа-школа №2"][2] == 0
    assert schools["Альфа-школа №1"][5] == 0.5  # a share of one, shown as a percent by Excel
    progress_report_accept(report=pending, by=world.bob)
    second = build("xlsx", roadmap, world.bob, django_capture_on_commit_callbacks)
    assert second.pk != first.pk
    book = openpyxl.load_workbook(io.BytesIO(second.file.read()))
    schools = {row[0]: row for row in book["По школам"].iter_rows(min_row=2, values_only=True)}
    assert schools["Альфа-школа №2"][2] == 1


def test_the_pdf_and_docx_name_the_state_of_every_measure(
    world, roadmap, django_capture_on_commit_callbacks
):
    report(world, roadmap, "1.1.", world.school_a1, accept=True)
    report(world, roadmap, "1.1.", world.school_a2, accept=True)
    pdf = build("pdf", roadmap, world.bob, django_capture_on_commit_callbacks)
    assert pdf.pages >= 2
    docx = build("docx", roadmap, world.bob, django_capture_on_commit_callbacks)
    word = WordDocument(io.BytesIO(docx.file.read()))
    measures = word.tables[1]
    section_rows_are_merged = lambda row: len({id(cell._tc) for cell in row.cells}) == 1  # noqa: E731
    states = {
        r.cells[0].text: r.cells[3].text
        for r in measures.rows[1:]
        if not section_rows_are_merged(r)
    }
    assert states == {"1.1.": "выполнено в срок", "1.2.": "просрочено"}


def test_a_school_deputy_sees_an_execution_report_of_the_own_school_only(
    world, roadmap, django_capture_on_commit_callbacks
):
    from django.http import Http404

    with pytest.raises(Http404):
        document_request(
            kind="execution", fmt="pdf", params={"roadmap": roadmap.pk}, user=world.dan
        )
