"""Roadmap services: workflow, history, stale edits, revisions, the cascade,
assignments, progress reports with evidence, the figures and the proof pack."""

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from roadmaps.importers.parsed import ParsedMeasure, ParsedOrder, ParsedRoadmap, ParsedSection
from roadmaps.models import (
    Assignment,
    DocumentKind,
    Evidence,
    Measure,
    ProgressReport,
    Revision,
    Roadmap,
)
from roadmaps.selectors.assignment import my_assignments
from roadmaps.selectors.execution import cascade_status, reporting_rate, roadmap_execution
from roadmaps.selectors.period import reporting_periods
from roadmaps.selectors.report import report_changes
from roadmaps.services import matching
from roadmaps.services.assignment import assignments_create
from roadmaps.services.base import StaleEdit
from roadmaps.services.cascade import roadmap_cascade, school_roadmap_start_from
from roadmaps.services.evidence import proof_pack_build, sanitise_filename
from roadmaps.services.importing import parsed_roadmap_json, resolve_owner, roadmap_import
from roadmaps.services.matching import (
    document_kind_from_text,
    indicators_from_text,
    match_responsible,
    responsible_candidates,
)
from roadmaps.services.measure import measure_create, measure_delete, measure_update
from roadmaps.services.report import (
    progress_report_accept,
    progress_report_return,
    progress_report_submit,
)
from roadmaps.services.revision import revision_diff, roadmap_revise
from roadmaps.services.roadmap import (
    roadmap_approve,
    roadmap_close,
    roadmap_create,
    roadmap_put_in_force,
)
from roadmaps.services.section import section_create
from schools.history import ChangeRecord
from tests.roadmaps.world import PDF

PERIOD = {"period_start": date(2025, 9, 1), "period_end": date(2026, 8, 31)}
Q1 = {"period_start": date(2025, 9, 1), "period_end": date(2025, 9, 30)}


def draft(
    world, *, owner=None, by=None, measures=(("1.1.", "Анализ ВПР", "ОО", "В течение года"),)
):
    owner = owner or world.muni_a
    by = by or world.bob
    roadmap = roadmap_create(owner=owner, title="План мероприятий", by=by, **PERIOD)
    section = section_create(roadmap=roadmap, number="1.", title="Организация", by=by)
    for number, text, responsible, deadline in measures:
        measure_create(
            roadmap=roadmap,
            section=section,
            number=number,
            text=text,
            responsible_text=responsible,
            deadline_text=deadline,
            by=by,
        )
    return roadmap


# ---------------------------------------------------------------- workflow and history


def test_a_roadmap_goes_from_draft_to_approved_in_force_and_closed(world):
    roadmap = draft(world)
    assert roadmap.status == Roadmap.Status.DRAFT
    roadmap = roadmap_approve(
        roadmap=roadmap,
        by=world.bob,
        order_number="1081",
        order_date=date(2023, 12, 29),
        order_place="г. Балтийск",
        order_signatory="О.И. Матасова",
        order_signatory_position="начальник Управления образования",
    )
    assert roadmap.status == Roadmap.Status.APPROVED
    assert (roadmap.order_number, roadmap.order_signatory) == ("1081", "О.И. Матасова")
    assert roadmap.revisions.get().number == 1
    roadmap = roadmap_put_in_force(roadmap=roadmap, by=world.bob)
    assert roadmap.status == Roadmap.Status.IN_FORCE
    roadmap = roadmap_close(roadmap=roadmap, by=world.bob)
    assert roadmap.status == Roadmap.Status.CLOSED
    with pytest.raises(ValidationError, match="закрыта"):
        measure_create(roadmap=roadmap, text="Ещё одно", by=world.bob)
    actions = list(
        ChangeRecord.objects.filter(roadmap=roadmap, object_type="roadmap").values_list(
            "action", flat=True
        )
    )
    assert {"create", "approve", "in_force", "close"} <= set(actions)


def test_it_refuses_to_approve_twice_or_an_empty_roadmap(world):
    empty = roadmap_create(owner=world.muni_a, title="Пустая", by=world.bob)
    with pytest.raises(ValidationError, match="нет ни одного мероприятия"):
        roadmap_approve(roadmap=empty, by=world.bob)
    roadmap = draft(world)
    roadmap_approve(roadmap=roadmap, by=world.bob)
    with pytest.raises(ValidationError, match="только проект"):
        roadmap_approve(roadmap=roadmap, by=world.bob)


def test_a_school_deputy_cannot_edit_the_municipal_roadmap_nor_an_outsider_review(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    with pytest.raises(PermissionDenied):
        measure_create(roadmap=roadmap, text="Чужое", by=world.carol)
    with pytest.raises(PermissionDenied):
        progress_report_accept(report=world.extra["roadmap_report_a"], by=world.dan)
    with pytest.raises(PermissionDenied):
        roadmap_create(owner=world.muni_b, title="Чужая", by=world.bob)


def test_every_measure_change_is_kept_in_history_with_before_and_after(world):
    roadmap = draft(world)
    measure = roadmap.measures.get()
    measure_update(
        measure=measure, version=measure.version, deadline_text="Декабрь 2025", by=world.bob
    )
    record = ChangeRecord.objects.filter(
        object_type="measure", object_id=measure.pk, action="update"
    ).get()
    assert record.by == world.bob
    assert record.before["deadline_text"] == "В течение года"
    assert record.after["deadline_text"] == "Декабрь 2025"


# ---------------------------------------------------------------- stale edits


def test_a_stale_measure_save_is_refused_with_who_changed_it(world):
    roadmap = draft(world)
    measure = roadmap.measures.get()
    seen_by_bob = measure.version
    measure_update(measure=measure, version=seen_by_bob, text="Правка Алисы", by=world.alice)
    with pytest.raises(StaleEdit) as refused:
        measure_update(measure=measure, version=seen_by_bob, text="Правка Боба", by=world.bob)
    message = refused.value.messages[0]
    assert message.startswith("Мероприятие уже изменил(а) alice в ")
    assert message.endswith("обновите страницу.")
    assert Measure.objects.get(pk=measure.pk).text == "Правка Алисы"


# ---------------------------------------------------------------- deadlines and responsible


def test_an_unparsable_deadline_is_kept_flagged_and_never_blocks_a_save(world, monkeypatch):
    def broken(text, **kwargs):
        raise NotImplementedError

    monkeypatch.setattr(matching, "parse_deadline", broken)
    roadmap = draft(world, measures=(("1.", "Совещание", "ОО", "По плану отдела образования"),))
    measure = roadmap.measures.get()
    assert measure.deadline_text == "По плану отдела образования"
    assert measure.deadline_kind == "unparsed"
    assert measure.deadline_dates == []


def test_the_deadline_is_read_in_the_roadmaps_period(world, monkeypatch):
    seen = {}

    def fake(text, *, period_start, period_end, plan_start=None):
        from roadmaps.deadlines import Schedule

        seen.update(start=period_start, end=period_end)
        return Schedule(text=text, kind="month", dates=(date(2025, 12, 31),))

    monkeypatch.setattr(matching, "parse_deadline", fake)
    measure = draft(world, measures=(("1.", "Утверждение", "ОО", "Декабрь"),)).measures.get()
    assert seen == {"start": date(2025, 9, 1), "end": date(2026, 8, 31)}
    assert (measure.deadline_kind, measure.deadline_dates) == ("month", ["2025-12-31"])


def test_responsible_text_is_matched_to_bodies_and_oo_means_every_school(world):
    world.body_a.short_name = "Управление образования"
    world.body_a.aliases = "УО\nметодический кабинет"
    world.body_a.save()
    bodies, schools = responsible_candidates(world.muni_a)
    assert world.body_b not in bodies
    found = match_responsible("Управление образования ОО", bodies=bodies, schools=schools)
    assert found.bodies == [world.body_a] and found.all_schools
    only_body = match_responsible("Управление образования", bodies=bodies, schools=schools)
    assert only_body.bodies == [world.body_a] and not only_body.all_schools
    named = match_responsible("Альфа-школа №2, ШМО", bodies=bodies, schools=schools)
    assert named.schools == [world.school_a2] and not named.all_schools


def test_oo_is_a_body_where_the_education_department_is_called_so(world):
    """In the Saint Petersburg seed «ОО» is the education department, not the schools."""
    world.body_a.aliases = "ОО\nотдел образования"
    world.body_a.save()
    bodies, schools = responsible_candidates(world.muni_a)
    found = match_responsible("ОО", bodies=bodies, schools=schools)
    assert found.bodies == [world.body_a] and not found.all_schools
    both = match_responsible("ИМЦ ОУ", bodies=bodies, schools=schools)
    assert both.all_schools


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Протокол педагогического совета", DocumentKind.PROTOCOL),
        ("Аналитическая справка", DocumentKind.CERTIFICATE),
        ("Приказ", DocumentKind.ORDER),
        ("Аналитический отчёт", DocumentKind.ANALYTIC_REPORT),
        ("План-график", DocumentKind.PLAN),
        ("Фотоотчёт на сайте", DocumentKind.ANALYTIC_REPORT),
        ("Размещение на сайте", DocumentKind.OTHER),
        ("", ""),
    ],
)
def test_the_document_kind_is_read_from_the_wording(text, kind):
    assert document_kind_from_text(text) == kind


def test_target_indicators_are_found_in_the_text():
    found = indicators_from_text(
        "Обучение на курсах: не менее 70% учителей; доля занятий не менее 30 процентов"
    )
    assert [(i["comparator"], i["target_value"], i["unit"]) for i in found] == [
        (">=", 70, "%"),
        (">=", 30, "%"),
    ]


# ---------------------------------------------------------------- revisions


def test_a_correction_after_approval_is_a_new_revision_and_the_diff_lists_changes(world):
    roadmap = draft(
        world,
        measures=(
            ("1.1.", "Анализ ВПР", "ОО", "В течение года"),
            ("1.2.", "Семинар", "ОО", "Декабрь"),
        ),
    )
    roadmap_approve(roadmap=roadmap, by=world.bob)
    first, second = roadmap.measures.order_by("position")
    measure_update(measure=first, version=first.version, deadline_text="Май", by=world.bob)
    measure_delete(measure=second, by=world.bob)
    measure_create(
        roadmap=roadmap,
        section=first.section,
        number="1.3.",
        text="Перепроверка работ",
        responsible_text="ОО",
        by=world.bob,
    )
    with pytest.raises(ValidationError, match="основание"):
        roadmap_revise(roadmap=roadmap, reason=" ", by=world.bob)
    revision = roadmap_revise(roadmap=roadmap, reason="Приказ № 12 от 01.02.2026", by=world.bob)
    assert revision.number == 2
    diff = revision_diff(Revision.objects.get(roadmap=roadmap, number=1), revision)
    assert [m["text"] for m in diff["added"]] == ["Перепроверка работ"]
    assert [m["text"] for m in diff["removed"]] == ["Семинар"]
    assert diff["changed"] == [
        {
            "id": first.pk,
            "number": "1.1.",
            "text": "Анализ ВПР",
            "fields": [
                {
                    "field": "deadline_text",
                    "label": "срок",
                    "before": "В течение года",
                    "after": "Май",
                }
            ],
        }
    ]
    # The new measure of the correction is assigned to the schools too.
    assert Assignment.objects.filter(measure__text="Перепроверка работ").count() == 2


def test_a_draft_is_not_revised(world):
    with pytest.raises(ValidationError, match="утверждённой"):
        roadmap_revise(roadmap=draft(world), reason="x", by=world.bob)


# ---------------------------------------------------------------- assignments


def test_an_oo_measure_is_one_assignment_per_school_and_a_body_measure_one(world):
    roadmap = draft(
        world,
        measures=(
            ("1.", "Анализ", "ОО", "Май"),
            ("2.", "Совещание", "Альфа-орган управления образованием", "Май"),
            ("3.", "Консультации", "Педагог-психолог Иванова", "Май"),
        ),
    )
    roadmap_approve(roadmap=roadmap, by=world.bob)
    first, second, third = roadmap.measures.order_by("position")
    assert set(first.assignments.values_list("school", flat=True)) == {
        world.school_a1.pk,
        world.school_a2.pk,
    }
    assert list(second.assignments.values_list("body", "school")) == [(world.body_a.pk, None)]
    assert third.assignments.get().assignee_text == "Педагог-психолог Иванова"
    assert assignments_create(roadmap=roadmap, by=world.bob) == 0


def test_a_deputy_sees_her_schools_assignment_of_the_municipal_roadmap(world):
    mine = Assignment.objects.visible_to(world.carol)
    assert mine.filter(school=world.school_a1).exists()
    assert not mine.filter(school=world.school_a2).exists()
    # The municipal roadmap is shared down: she reads it, never edits it.
    municipal = world.extra["roadmap_roadmap_a"]
    assert Roadmap.objects.visible_to(world.carol).filter(pk=municipal.pk).exists()
    assert not world.carol.has_perm("roadmaps.edit_roadmap", municipal)
    assert not Roadmap.objects.visible_to(world.carol).filter(municipality=world.muni_b).exists()
    rows = my_assignments(user=world.carol, today=date(2026, 1, 10))
    assert {r["assignment"].school for r in rows} == {world.school_a1}


# ---------------------------------------------------------------- progress reports


def approved_with_evidence_rule(world):
    roadmap = draft(world)
    measure = roadmap.measures.get()
    measure_update(
        measure=measure,
        version=measure.version,
        document_text="Протокол",
        requires_evidence=True,
        by=world.bob,
    )
    roadmap_approve(roadmap=roadmap, by=world.bob)
    return roadmap, Assignment.objects.get(measure=measure, school=world.school_a1)


def test_done_needs_evidence_of_the_declared_kind(world):
    _roadmap, assignment = approved_with_evidence_rule(world)
    with pytest.raises(ValidationError, match="приложите документ: протокол"):
        progress_report_submit(assignment=assignment, status="done", by=world.carol, **Q1)
    with pytest.raises(ValidationError, match="протокол"):
        progress_report_submit(
            assignment=assignment,
            status="done",
            files=[("справка.pdf", PDF)],
            evidence_kind=DocumentKind.CERTIFICATE,
            by=world.carol,
            **Q1,
        )
    report = progress_report_submit(
        assignment=assignment, status="done", files=[("протокол.pdf", PDF)], by=world.carol, **Q1
    )
    assert report.evidence.get().kind == DocumentKind.PROTOCOL
    assert ProgressReport.objects.filter(assignment=assignment).count() == 1


def test_a_returned_report_is_resubmitted_with_a_link_and_the_changes_shown(world):
    _roadmap, assignment = approved_with_evidence_rule(world)
    first = progress_report_submit(
        assignment=assignment, status="in_progress", comment="Начали", by=world.carol, **Q1
    )
    with pytest.raises(ValidationError, match="причину"):
        progress_report_return(report=first, reason="", by=world.bob)
    progress_report_return(report=first, reason="Нет протокола педсовета", by=world.bob)
    first.refresh_from_db()
    assert (first.review_state, first.review_reason) == ("returned", "Нет протокола педсовета")
    second = progress_report_submit(
        assignment=assignment,
        status="done",
        comment="Протокол приложен",
        files=[("Протокол №3.pdf", PDF)],
        by=world.carol,
        **Q1,
    )
    first.refresh_from_db()
    assert second.previous == first and not first.is_current and second.is_current
    changes = {c["label"]: (c["before"], c["after"]) for c in report_changes(second)}
    assert changes["Состояние"] == ("выполняется", "выполнено")
    assert changes["Комментарий"] == ("Начали", "Протокол приложен")
    assert changes["Файлы"] == ("", "Протокол №3.pdf")
    progress_report_accept(report=second, by=world.bob)
    with pytest.raises(ValidationError, match="уже принят"):
        progress_report_submit(assignment=assignment, status="done", by=world.carol, **Q1)
    with pytest.raises(ValidationError, match="уже проверен"):
        progress_report_accept(report=second, by=world.bob)


def test_only_accepted_reports_count_in_the_execution(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    report = world.extra["roadmap_report_a"]
    today = date(2026, 1, 15)
    before = roadmap_execution(roadmap=roadmap, today=today)
    assert before["assignments"]["done"] == 0
    assert before["measures"]["share_done"] == 0
    progress_report_accept(report=report, by=world.bob)
    after = roadmap_execution(roadmap=roadmap, today=today)
    assert after["assignments"]["done"] == 1 and after["assignments"]["total"] == 2
    by_school = {row["school"]: row for row in after["by_school"]}
    assert by_school[world.school_a1]["share_done"] == 100.0
    assert by_school[world.school_a2]["share_done"] == 0.0
    # The measure is done only when every school has done it.
    assert after["measures"]["done"] == 0
    assert [row["total"] for row in after["by_section"]] == [1]


def test_a_measure_past_its_due_date_without_an_accepted_report_is_overdue(world, monkeypatch):
    from roadmaps.deadlines import Schedule

    monkeypatch.setattr(
        matching,
        "parse_deadline",
        lambda text, **kw: Schedule(text=text, kind="month", dates=(date(2025, 12, 31),)),
    )
    roadmap = draft(world, measures=(("1.", "Анализ", "Альфа-школа №1", "Декабрь"),))
    roadmap_approve(roadmap=roadmap, by=world.bob)
    assert roadmap_execution(roadmap=roadmap, today=date(2025, 12, 1))["measures"]["overdue"] == 0
    late = roadmap_execution(roadmap=roadmap, today=date(2026, 1, 10))
    assert late["measures"]["overdue"] == 1 and late["measures"]["share_overdue"] == 100.0


def test_the_reporting_rate_tells_on_time_late_and_missing_per_school(world):
    roadmap = draft(world, measures=(("1.", "Анализ", "ОО", "В течение года"),))
    roadmap = roadmap_approve(roadmap=roadmap, by=world.bob)
    Roadmap.objects.filter(pk=roadmap.pk).update(approved_at=datetime(2025, 9, 1, tzinfo=UTC))
    roadmap.refresh_from_db()
    a1 = Assignment.objects.get(measure__roadmap=roadmap, school=world.school_a1)
    q3 = {"period_start": date(2025, 9, 1), "period_end": date(2025, 9, 30)}
    q4 = {"period_start": date(2025, 10, 1), "period_end": date(2025, 12, 31)}
    progress_report_submit(
        assignment=a1,
        status="in_progress",
        by=world.carol,
        now=datetime(2025, 10, 5, 12, tzinfo=UTC),
        **q3,
    )
    progress_report_submit(
        assignment=a1,
        status="in_progress",
        by=world.carol,
        now=datetime(2026, 2, 1, 12, tzinfo=UTC),
        **q4,
    )
    rates = reporting_rate(roadmap=roadmap, today=date(2026, 2, 15))
    assert rates[world.school_a1.pk] == {
        "due": 2,
        "on_time": 1,
        "late": 1,
        "missing": 0,
        "share_on_time": 50.0,
        "share_missing": 0.0,
    }
    assert rates[world.school_a2.pk]["missing"] == 2


def test_reporting_periods_are_calendar_quarters_clipped_to_the_period(world):
    roadmap = draft(world)
    assert reporting_periods(roadmap)[:2] == [
        (date(2025, 9, 1), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 12, 31)),
    ]
    assert reporting_periods(roadmap)[-1] == (date(2026, 7, 1), date(2026, 8, 31))
    roadmap.reporting_period = Roadmap.ReportingPeriod.MONTH
    assert len(reporting_periods(roadmap)) == 12


# ---------------------------------------------------------------- evidence files


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("virus.exe", b"MZ\x90\x00" + b"\x00" * 100, "PDF, DOCX, XLSX, PNG или JPEG"),
        ("протокол.pdf", b"just text pretending to be a pdf", "PDF, DOCX, XLSX, PNG или JPEG"),
        ("empty.pdf", b"", "пуст"),
        ("old.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "PDF, DOCX, XLSX, PNG или JPEG"),
    ],
)
def test_evidence_of_a_wrong_type_is_refused_and_nothing_written(world, name, data, message):
    _roadmap, assignment = approved_with_evidence_rule(world)
    with pytest.raises(ValidationError, match=message) as refused:
        progress_report_submit(
            assignment=assignment, status="in_progress", files=[(name, data)], by=world.carol, **Q1
        )
    assert name in refused.value.messages[0]
    assert not ProgressReport.objects.filter(assignment=assignment).exists()


def test_evidence_with_macros_is_refused(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"macro")
    _roadmap, assignment = approved_with_evidence_rule(world)
    with pytest.raises(ValidationError, match="«протокол.docx» содержит макросы"):
        progress_report_submit(
            assignment=assignment,
            status="in_progress",
            files=[("протокол.docx", buffer.getvalue())],
            by=world.carol,
            **Q1,
        )


def test_evidence_over_the_size_limit_is_refused(world, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    _roadmap, assignment = approved_with_evidence_rule(world)
    with pytest.raises(ValidationError, match="больше"):
        progress_report_submit(
            assignment=assignment,
            status="in_progress",
            files=[("big.pdf", PDF + b"0" * 2000)],
            by=world.carol,
            **Q1,
        )


def test_evidence_is_stored_with_a_safe_name_its_size_and_hash(world):
    report = world.extra["roadmap_report_a"]
    evidence = report.evidence.get()
    assert evidence.original_name == "справка-Альфа.pdf"
    assert evidence.size == len(PDF) and evidence.content_type == "application/pdf"
    assert len(evidence.sha256) == 64
    assert evidence.file.read() == PDF


@pytest.mark.parametrize(
    "name, ext, expected",
    [
        ("../../etc/passwd", ".pdf", "passwd.pdf"),
        ("C:\\Users\\zam\\Протокол №1.docx", ".docx", "Протокол №1.docx"),
        ("отчёт\x00\n.pdf.exe", ".pdf", "отчёт.pdf.pdf"),
        ("", ".png", "файл.png"),
    ],
)
def test_file_names_are_sanitised(name, ext, expected):
    assert sanitise_filename(name, ext) == expected


# ---------------------------------------------------------------- cascade


def test_a_school_roadmap_is_named_by_the_school_full_name_when_its_short_name_is_empty(world):
    municipal = draft(world, measures=(("1.", "Анализ ВПР", "ОО", "Май"),))
    roadmap_approve(roadmap=municipal, by=world.bob)
    roadmap_cascade(roadmap=municipal, due=date(2026, 4, 1), by=world.bob)
    school_roadmap = school_roadmap_start_from(
        municipal=municipal, school=world.school_a1, by=world.carol
    )
    assert school_roadmap.owner_name == world.school_a1.short_name
    type(world.school_a1).objects.filter(pk=world.school_a1.pk).update(short_name="")
    school_roadmap = Roadmap.objects.get(pk=school_roadmap.pk)
    assert school_roadmap.owner_name == world.school_a1.full_name


def test_a_school_roadmap_started_from_the_municipal_keeps_links_and_divergence_is_seen(world):
    municipal = draft(
        world,
        measures=(
            ("1.", "Анализ ВПР", "ОО", "Май"),
            ("2.", "Перепроверка", "ОО", "Апрель"),
            ("3.", "Совещание УО", "Альфа-орган управления образованием", "Март"),
        ),
    )
    roadmap_approve(roadmap=municipal, by=world.bob)
    with pytest.raises(ValidationError, match="срок"):
        roadmap_cascade(roadmap=municipal, due=None, by=world.bob)
    roadmap_cascade(roadmap=municipal, due=date(2026, 4, 1), by=world.bob)
    school_roadmap = school_roadmap_start_from(
        municipal=municipal, school=world.school_a1, by=world.carol
    )
    assert school_roadmap.parent == municipal and school_roadmap.school == world.school_a1
    copies = list(school_roadmap.measures.order_by("position"))
    assert [m.text for m in copies] == ["Анализ ВПР", "Перепроверка"]
    assert all(m.source_measure.roadmap == municipal for m in copies)
    measure_update(
        measure=copies[0], version=copies[0].version, deadline_text="Июнь", by=world.carol
    )
    measure_delete(measure=copies[1], by=world.carol)
    rows = {row["school"]: row for row in cascade_status(roadmap=municipal)}
    assert rows[world.school_a2]["state"] == "not_started"
    mine = rows[world.school_a1]
    assert mine["state"] == "draft"
    assert [m.text for m in mine["missing"]] == ["Перепроверка"]
    assert mine["changed"][0]["fields"] == [{"label": "срок", "before": "Май", "after": "Июнь"}]
    roadmap_approve(roadmap=school_roadmap, by=world.carol)
    rows = {row["school"]: row for row in cascade_status(roadmap=municipal)}
    assert rows[world.school_a1]["state"] == "approved"
    with pytest.raises(ValidationError, match="уже есть"):
        school_roadmap_start_from(municipal=municipal, school=world.school_a1, by=world.carol)


def test_a_started_school_roadmap_copies_sections_measures_and_indicators_in_few_queries(world):
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from roadmaps.services.measure import indicator_create

    def started(count, school):
        municipal = draft(
            world,
            measures=[(f"1.{n}.", f"Мероприятие {n}", "ОО", "Май") for n in range(count)],
        )
        for measure in municipal.measures.all():
            indicator_create(
                measure=measure, text=f"Доля {measure.number}", target_value=90, by=world.bob
            )
        roadmap_approve(roadmap=municipal, by=world.bob)
        with CaptureQueriesContext(connection) as queries:
            child = school_roadmap_start_from(municipal=municipal, school=school, by=world.bob)
        return municipal, child, len(queries.captured_queries)

    municipal, child, few = started(2, world.school_a1)
    copies = list(child.measures.order_by("position", "pk").prefetch_related("indicators"))
    assert [(m.number, m.source_measure.number) for m in copies] == [
        ("1.0.", "1.0."),
        ("1.1.", "1.1."),
    ]
    assert [m.section.title for m in copies] == ["Организация"] * 2
    assert copies[0].section.roadmap_id == child.pk
    assert [[(i.text, i.target_value) for i in m.indicators.all()] for m in copies] == [
        [("Доля 1.0.", Decimal(90))],
        [("Доля 1.1.", Decimal(90))],
    ]
    _municipal, _child, many = started(12, world.school_a2)
    assert many == few


def test_a_school_outside_the_municipality_cannot_start_from_it(world):
    municipal = draft(world)
    with pytest.raises(ValidationError):
        school_roadmap_start_from(municipal=municipal, school=world.school_b1, by=world.dan)


# ---------------------------------------------------------------- proof pack


def test_the_proof_pack_holds_an_index_pdf_and_every_evidence_file(world):
    pack = proof_pack_build(
        school=world.school_a1,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 12, 31),
        user=world.bob,
    )
    archive = zipfile.ZipFile(io.BytesIO(pack))
    names = archive.namelist()
    assert "index.pdf" in names
    assert archive.read("index.pdf").startswith(b"%PDF")
    assert "files/1.1_справка-Альфа.pdf" in names
    assert archive.read("files/1.1_справка-Альфа.pdf") == PDF


def test_the_proof_pack_of_another_municipality_is_empty_for_an_outsider(world):
    pack = proof_pack_build(
        school=world.school_a1,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 12, 31),
        user=world.dan,
    )
    assert zipfile.ZipFile(io.BytesIO(pack)).namelist() == ["index.pdf"]


# ---------------------------------------------------------------- import


def parsed_example() -> ParsedRoadmap:
    return ParsedRoadmap(
        title="План мероприятий (Дорожная карта)",
        order=ParsedOrder(
            number="1081", date=date(2023, 12, 29), place="г. Балтийск", signatory="О.И. Матасова"
        ),
        sections=[
            ParsedSection(
                number="",
                title="Организационные мероприятия",
                measures=[
                    ParsedMeasure(
                        number="1.1.",
                        text="Утверждение Дорожной карты",
                        deadline_text="Декабрь 2023 г.",
                        responsible_text="Альфа-орган управления образованием",
                        result="Создание Дорожной карты",
                    ),
                    ParsedMeasure(
                        number="1.3.",
                        text="Корректировка Дорожной карты",
                        deadline_text="по мере необходимости",
                        responsible_text="Альфа-орган управления образованием",
                    ),
                ],
            ),
            ParsedSection(
                number="2.",
                title="Организационно – методические мероприятия",
                sections=[
                    ParsedSection(
                        number="2.1.",
                        title="Подраздел",
                        measures=[
                            ParsedMeasure(
                                number="2.7.",
                                text="Подготовка адресных рекомендаций",
                                deadline_text="в течение года",
                                responsible_text="ОО",
                                document="Протокол",
                            ),
                        ],
                    )
                ],
            ),
        ],
        warnings=["Строки 12 и 13 соединены: разрыв страницы."],
    )


def test_an_import_creates_the_roadmap_sections_and_measures_in_one_go(world):
    result = roadmap_import(parsed_example(), owner=world.muni_a, by=world.bob)
    roadmap = result.roadmap
    assert (result.sections, result.measures) == (3, 3)
    assert roadmap.order_number == "1081" and roadmap.order_signatory == "О.И. Матасова"
    assert (roadmap.period_start, roadmap.period_end) == (date(2023, 9, 1), date(2024, 8, 31))
    sub = roadmap.sections.get(number="2.1.")
    assert sub.parent.number == "2."
    measure = roadmap.measures.get(number="2.7.")
    assert measure.section == sub and measure.for_all_schools
    assert measure.document_kind == DocumentKind.PROTOCOL and measure.requires_evidence
    assert list(roadmap.measures.get(number="1.1.").responsible_bodies.all()) == [world.body_a]
    assert "Строки 12 и 13 соединены: разрыв страницы." in result.warnings


def test_a_dry_run_import_writes_nothing(world):
    counts = (Roadmap.objects.count(), Measure.objects.count(), ChangeRecord.objects.count())
    result = roadmap_import(parsed_example(), owner=world.muni_a, by=world.bob, dry_run=True)
    assert result.measures == 3
    assert (
        Roadmap.objects.count(),
        Measure.objects.count(),
        ChangeRecord.objects.count(),
    ) == counts


def test_an_import_without_measures_is_refused(world):
    with pytest.raises(ValidationError, match="ни одного мероприятия"):
        roadmap_import(ParsedRoadmap(), owner=world.muni_a, by=world.bob)


def test_import_json_fills_matched_responsible_parties(world):
    data = parsed_roadmap_json(parsed_example(), owner=world.muni_a)
    first = data["sections"][0]["measures"][0]
    assert first["responsible"]["matched"] == [
        {"type": "body", "id": world.body_a.pk, "name": str(world.body_a)}
    ]
    nested = data["sections"][1]["sections"][0]["measures"][0]
    assert nested["responsible"]["matched"][0]["type"] == "all_schools"


@pytest.mark.parametrize(
    "code, attr",
    [
        ("77", "region"),
        ("77:A", "muni_a"),
        ("77:770001", "school_a1"),
        ("edu770001", "school_a1"),
        ("EDU770101", "school_b1"),
    ],
)
def test_the_owner_code_names_a_region_a_municipality_or_a_school(world, code, attr):
    assert resolve_owner(code) == getattr(world, attr)


def test_an_unknown_owner_code_is_none(world):
    assert resolve_owner("77:нет") is None
    assert resolve_owner("что-то") is None


def test_evidence_rows_and_history_are_scoped_to_the_school(world):
    assert Evidence.objects.visible_to(world.carol).exists()
    assert (
        not Evidence.objects.visible_to(world.dan)
        .filter(report__assignment__school=world.school_a1)
        .exists()
    )
    assert (
        ChangeRecord.objects.visible_to(world.carol).filter(object_type="progressreport").exists()
    )


def test_a_school_copy_keeps_nested_sections_three_levels_deep(world):
    municipal = roadmap_create(owner=world.muni_a, title="План", by=world.bob, **PERIOD)
    top = section_create(roadmap=municipal, number="1.", title="Результаты", by=world.bob)
    mid = section_create(
        roadmap=municipal, number="1.1.", title="Минимум", parent=top, by=world.bob
    )
    low = section_create(roadmap=municipal, number="1.1.1.", title="ВПР", parent=mid, by=world.bob)
    section_create(roadmap=municipal, number="2.", title="Пустой", by=world.bob)
    measure_create(
        roadmap=municipal, section=low, text="Анализ", responsible_text="ОО", by=world.bob
    )
    roadmap_approve(roadmap=municipal, by=world.bob)
    copy = school_roadmap_start_from(municipal=municipal, school=world.school_a1, by=world.carol)
    chain = []
    section = copy.measures.get().section
    while section is not None:
        chain.append(section.number)
        section = section.parent
    assert chain == ["1.1.1.", "1.1.", "1."]
    assert copy.sections.count() == 3
