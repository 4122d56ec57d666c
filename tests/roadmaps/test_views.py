"""The roadmap pages as each role uses them: an official writes and approves, a
school deputy reports with a file, the official accepts and the figures move."""

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roadmaps.models import Assignment, Measure, ProgressReport, Roadmap
from tests.roadmaps.world import PDF

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seeds"


def url(name, **kwargs):
    return reverse(f"roadmaps:{name}", kwargs=kwargs)


@pytest.fixture
def roadmap_a(world):
    return world.extra["roadmap_roadmap_a"]


def test_anonymous_users_are_sent_to_login(client, roadmap_a):
    response = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_list_shows_own_roadmaps_only(client, world):
    client.force_login(world.dan)
    body = client.get(url("roadmap-list")).content.decode()
    assert "Дорожная карта Бетаград" in body and "Альфаград" not in body


def test_the_list_pages_a_region_of_roadmaps_and_keeps_the_filters(client, world):
    from roadmaps.views.roadmap import ROADMAPS_PER_PAGE

    Roadmap.objects.bulk_create(
        Roadmap(region=world.region, municipality=world.muni_a, title=f"Карта страницы {n:03d}")
        for n in range(ROADMAPS_PER_PAGE + 5)
    )
    client.force_login(world.alice)
    first = client.get(url("roadmap-list"), {"q": "Карта страницы"}).content.decode()
    row = 'class="muted">Карта страницы'
    assert first.count(row) == ROADMAPS_PER_PAGE
    assert "страница 1 из 2" in first and "?q=%D0%9A" in first and "page=2" in first
    second = client.get(url("roadmap-list"), {"q": "Карта страницы", "page": 2}).content.decode()
    assert second.count(row) == 5
    assert "Карта страницы 000" in second  # the oldest come last


def test_an_official_writes_and_approves_a_roadmap_in_the_browser(client, world):
    client.force_login(world.bob)
    response = client.post(
        url("roadmap-create"),
        {
            "owner": f"m:{world.muni_a.pk}",
            "title": "План по объективности ВПР",
            # A period that holds today: approving it gives the schools their assignments.
            "period_start": (date.today() - timedelta(days=90)).isoformat(),
            "period_end": (date.today() + timedelta(days=270)).isoformat(),
            "reporting_period": "quarter",
        },
    )
    roadmap = Roadmap.objects.get(title="План по объективности ВПР")
    assert response.status_code == 302 and roadmap.municipality == world.muni_a
    client.post(
        url("section-create", roadmap_pk=roadmap.pk), {"number": "1.", "title": "Организация"}
    )
    section = roadmap.sections.get()
    client.post(
        url("measure-create", roadmap_pk=roadmap.pk),
        {
            "section": section.pk,
            "number": "1.1.",
            "text": "Анализ результатов ВПР",
            "deadline_text": "В течение года",
            "responsible_text": "ОО",
            "document_text": "Аналитическая справка",
            "requires_evidence": "on",
        },
    )
    measure = roadmap.measures.get()
    assert measure.for_all_schools and measure.document_kind == "certificate"
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap.pk)).content.decode()
    assert "Анализ результатов ВПР" in page and "В течение года" in page
    response = client.post(
        url("roadmap-approve", roadmap_pk=roadmap.pk),
        {"order_number": "15", "order_date": "2025-09-10", "order_items": "Утвердить\nКонтроль"},
    )
    roadmap.refresh_from_db()
    assert roadmap.status == Roadmap.Status.APPROVED
    assert roadmap.order_items == ["Утвердить", "Контроль"]
    assert Assignment.objects.filter(measure=measure).count() == 2


def test_a_viewer_and_a_deputy_read_the_municipal_roadmap_but_cannot_edit_it(
    client, world, roadmap_a
):
    client.force_login(world.victor)
    assert client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk)).status_code == 200
    assert client.get(url("roadmap-edit", roadmap_pk=roadmap_a.pk)).status_code == 403
    assert client.post(url("roadmap-close", roadmap_pk=roadmap_a.pk)).status_code == 403
    client.force_login(world.carol)
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk))
    assert page.status_code == 200
    assert "Альфа-школа №2" not in page.content.decode()  # figures of her school only
    assert client.get(url("roadmap-edit", roadmap_pk=roadmap_a.pk)).status_code == 403


def test_a_stale_measure_save_in_the_browser_is_refused(client, world):
    client.force_login(world.bob)
    measure = world.extra["roadmap_measure_a"]
    form = {
        "section": measure.section_id,
        "number": measure.number,
        "text": "Правка первая",
        "deadline_text": measure.deadline_text,
        "responsible_text": "ОО",
        "version": measure.version,
    }
    assert client.post(url("measure-edit", measure_pk=measure.pk), form).status_code == 302
    response = client.post(
        url("measure-edit", measure_pk=measure.pk), dict(form, text="Правка вторая")
    )
    assert response.status_code == 200
    assert "Мероприятие уже изменил(а) bob" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).text == "Правка первая"


def test_the_deadline_preview_answers_json(client, world, roadmap_a):
    client.force_login(world.bob)
    data = client.get(
        url("measure-deadline-preview", roadmap_pk=roadmap_a.pk), {"text": "абракадабра"}
    ).json()
    assert data == {
        "text": "абракадабра",
        "kind": "unparsed",
        "kind_display": "не распознан",
        "dates": [],
        "dates_display": [],
        "event": "",
        "parsed": False,
    }


def test_a_deputy_reports_with_a_file_bob_accepts_and_the_figures_change(client, world, roadmap_a):
    measure = world.extra["roadmap_measure_a"]
    # School A2 has not reported yet; Carol's deputy colleague is absent, so Bob
    # looks at A1: the world's report waits for review.
    client.force_login(world.carol)
    my = client.get(url("assignment-list")).content.decode()
    assert "Анализ результатов ВПР (Альфа)" in my
    assignment = Assignment.objects.get(measure=measure, school=world.school_a1)
    first = world.extra["roadmap_report_a"]
    client.force_login(world.bob)
    response = client.post(
        url("report-return", progress_report_pk=first.pk), {"reason": "Нет подписи директора"}
    )
    assert response.status_code == 302
    client.force_login(world.carol)
    assert "Нет подписи директора" in client.get(url("assignment-list")).content.decode()
    response = client.post(
        url("report-create", assignment_pk=assignment.pk),
        {
            "period": "2025-09-01:2025-09-30",
            "status": "done",
            "comment": "Справка подписана",
            "evidence_kind": "certificate",
            "files": [
                # Signed, so not the same bytes as the returned file (that one is kept once).
                SimpleUploadedFile(
                    "Справка с подписью.pdf", PDF + b"%signed\n", content_type="application/pdf"
                )
            ],
        },
    )
    assert response.status_code == 302, response.content.decode()
    report = ProgressReport.objects.get(
        assignment=assignment, is_current=True, period_start="2025-09-01"
    )
    # The returned report's file stays with the re-submission beside the new one.
    assert sorted(report.evidence.values_list("original_name", flat=True)) == [
        "Справка с подписью.pdf",
        "справка-Альфа.pdf",
    ]
    assert report.previous == first
    detail = client.get(response["Location"]).content.decode()
    assert "Справка с подписью.pdf" in detail

    client.force_login(world.bob)
    queue = client.get(url("report-queue")).content.decode()
    assert "Анализ результатов ВПР (Альфа)" in queue
    assert "<td>2</td>" in queue  # the re-submission's two files counted in the queue
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk)).content.decode()
    assert "0.0%" in page or "0,0%" in page
    assert client.post(url("report-accept", progress_report_pk=report.pk)).status_code == 302
    report.refresh_from_db()
    assert report.review_state == "accepted"
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk)).content.decode()
    assert "50.0%" in page or "50,0%" in page  # one of two schools done: half the assignments


def test_a_report_form_with_a_bad_file_says_why_and_saves_nothing(client, world):
    assignment = Assignment.objects.get(
        measure=world.extra["roadmap_measure_a"], school=world.school_a1
    )
    client.force_login(world.carol)
    before = ProgressReport.objects.count()
    response = client.post(
        url("report-create", assignment_pk=assignment.pk),
        {
            "period": "2025-10-01:2025-12-31",
            "status": "in_progress",
            "files": [SimpleUploadedFile("script.pdf", b"#!/bin/sh\nrm -rf /\n")],
        },
    )
    assert response.status_code == 200
    assert "«script.pdf» не принят" in response.content.decode()
    assert ProgressReport.objects.count() == before


def test_evidence_is_served_to_who_reaches_the_report_only(client, world):
    evidence = world.extra["roadmap_report_a"].evidence.get()
    for user, status in (
        (world.carol, 200),
        (world.bob, 200),
        (world.victor, 200),
        (world.dan, 404),
        (world.gina, 404),
    ):
        client.force_login(user)
        response = client.get(url("evidence-download", evidence_pk=evidence.pk))
        assert response.status_code == status, user
        if status == 200:
            assert b"".join(response.streaming_content) == PDF


def test_a_deputy_of_another_school_gets_404_for_the_report(client, world):
    from tests import factories as f

    other = f.user("olga", role=f.Role.SCHOOL_DEPUTY, node=world.school_a2)
    client.force_login(other)
    report = world.extra["roadmap_report_a"]
    assert client.get(url("report-detail", progress_report_pk=report.pk)).status_code == 404


def test_the_proof_pack_downloads_as_a_zip(client, world):
    client.force_login(world.bob)
    response = client.get(
        url("proof-pack", school_pk=world.school_a1.pk),
        {"start": "2025-09-01", "end": "2026-08-31"},
    )
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "index.pdf" in names and any(n.endswith("справка-Альфа.pdf") for n in names)


def test_inline_move_and_delete_answer_json(client, world, roadmap_a):
    client.force_login(world.bob)
    section = world.extra["roadmap_section_a"]
    extra = Measure.objects.create(
        roadmap=roadmap_a, section=section, number="1.2.", text="Второе", position=5
    )
    response = client.post(
        url("measure-move", measure_pk=extra.pk),
        {"direction": "up"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"ok": True, "message": "", "moved": True}
    assert list(roadmap_a.measures.order_by("position").values_list("number", flat=True)) == [
        "1.2.",
        "1.1.",
    ]
    response = client.post(
        url("measure-delete", measure_pk=extra.pk), HTTP_ACCEPT="application/json"
    )
    assert response.json()["ok"] is True
    reported = world.extra["roadmap_measure_a"]
    response = client.post(
        url("measure-delete", measure_pk=reported.pk), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and "уже есть отчёты" in response.json()["message"]


def test_import_shows_a_preview_and_saves_only_on_confirm(client, world):
    client.force_login(world.bob)
    seed = (SEEDS / "krasnoturansk-2020-order-26.txt").read_bytes()
    before = Roadmap.objects.count()
    response = client.post(
        url("roadmap-import"),
        {"owner": f"m:{world.muni_a.pk}", "file": SimpleUploadedFile("приказ 26.txt", seed)},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Подготовка аналитических материалов" in page and "мероприятий: 16" in page
    assert Roadmap.objects.count() == before
    token = client.session["roadmap_import"]["token"]
    response = client.post(url("roadmap-import"), {"confirm": "1", "token": token})
    roadmap = Roadmap.objects.get(order_number="26")
    assert response["Location"] == url("roadmap-detail", roadmap_pk=roadmap.pk)
    assert roadmap.measures.count() == 16 and roadmap.municipality == world.muni_a


def test_import_of_a_pdf_shows_the_same_preview_and_saves_its_dates(client, world):
    client.force_login(world.bob)
    page = client.get(url("roadmap-import")).content.decode()
    assert "PDF с текстом" in page and "сохраните его как .docx" not in page
    name = "order-2022-novolesk.pdf"
    data = (Path(__file__).resolve().parent.parent / "data" / "plans" / name).read_bytes()
    response = client.post(
        url("roadmap-import"),
        {"owner": f"m:{world.muni_a.pk}", "file": SimpleUploadedFile(name, data)},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "мероприятий: 23" in page and "245-од" in page and "Е.В. Соколова" in page
    assert "Заседания муниципальной рабочей группы" in page
    assert "разорвана переносом страницы" in page
    token = client.session["roadmap_import"]["token"]
    client.post(url("roadmap-import"), {"confirm": "1", "token": token})
    roadmap = Roadmap.objects.get(order_number="245-од")
    assert roadmap.order_date.isoformat() == "2022-06-27"
    meetings = roadmap.measures.get(number="1.3")
    assert meetings.deadline_dates == ["2022-10-31", "2022-12-31", "2023-02-28", "2023-05-31"]


def test_import_of_a_file_without_a_table_shows_the_reason(client, world):
    client.force_login(world.bob)
    response = client.post(
        url("roadmap-import"),
        {
            "owner": f"m:{world.muni_a.pk}",
            "file": SimpleUploadedFile("письмо.txt", "Просим представить".encode()),
        },
    )
    assert "не найдена таблица мероприятий" in response.content.decode()


def test_the_cascade_lets_a_school_start_its_own_roadmap(client, world, roadmap_a):
    client.force_login(world.bob)
    client.post(url("roadmap-cascade", roadmap_pk=roadmap_a.pk), {"due": "2026-03-01"})
    roadmap_a.refresh_from_db()
    assert roadmap_a.requires_school_roadmaps
    client.force_login(world.carol)
    my = client.get(url("assignment-list")).content.decode()
    assert "Начать на основе муниципальной" in my
    response = client.post(
        url("roadmap-start-school", roadmap_pk=roadmap_a.pk, school_pk=world.school_a1.pk)
    )
    school_roadmap = Roadmap.objects.get(school=world.school_a1)
    assert response["Location"] == url("roadmap-detail", roadmap_pk=school_roadmap.pk)
    assert school_roadmap.measures.get().source_measure == world.extra["roadmap_measure_a"]
    # Started: «Мои мероприятия» no longer asks for it, and still links the proof pack.
    my = client.get(url("assignment-list")).content.decode()
    assert "Начать на основе муниципальной" not in my
    assert url("proof-pack", school_pk=world.school_a1.pk) in my
    client.force_login(world.bob)
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk)).content.decode()
    assert "Альфа-школа №2" in page and "не начата" in page


def test_a_revision_page_shows_the_difference(client, world, roadmap_a):
    from roadmaps.services.measure import measure_update
    from roadmaps.services.revision import roadmap_revise

    measure = world.extra["roadmap_measure_a"]
    measure_update(measure=measure, version=measure.version, deadline_text="Май 2026", by=world.bob)
    revision = roadmap_revise(roadmap=roadmap_a, reason="Перенос срока", by=world.bob)
    client.force_login(world.victor)
    page = client.get(
        url("revision-detail", roadmap_pk=roadmap_a.pk, revision_pk=revision.pk)
    ).content.decode()
    assert "Перенос срока" in page and "Май 2026" in page and "В течение года" in page


def test_the_history_page_lists_changes(client, world, roadmap_a):
    client.force_login(world.bob)
    page = client.get(url("roadmap-history", roadmap_pk=roadmap_a.pk)).content.decode()
    assert "утверждение" in page and "Мероприятие #" in page


def test_an_official_picks_responsible_parties_by_hand_within_the_tree(client, world, roadmap_a):
    measure = Measure.objects.create(
        roadmap=roadmap_a,
        section=world.extra["roadmap_section_a"],
        number="1.9.",
        text="Совещание",
        responsible_text="Руководитель",
        position=9,
    )
    client.force_login(world.bob)
    form = {
        "section": measure.section_id,
        "number": "1.9.",
        "text": "Совещание",
        "responsible_text": "Руководитель",
        "version": measure.version,
        "responsible_bodies": [world.body_a.pk],
        "responsible_schools": [world.school_a2.pk],
    }
    assert client.post(url("measure-edit", measure_pk=measure.pk), form).status_code == 302
    measure.refresh_from_db()
    assert list(measure.responsible_bodies.all()) == [world.body_a]
    assert list(measure.responsible_schools.all()) == [world.school_a2]
    outside = dict(form, version=measure.version, responsible_bodies=[world.body_b.pk])
    response = client.post(url("measure-edit", measure_pk=measure.pk), outside)
    assert (
        response.status_code == 200 and "Выберите корректный вариант" in response.content.decode()
    )
    # Editing the text alone matches it afresh.
    form = dict(form, version=measure.version, responsible_text="ОО")
    client.post(url("measure-edit", measure_pk=measure.pk), form)
    measure.refresh_from_db()
    assert measure.for_all_schools


def test_my_measures_of_an_official_are_the_authoritys_not_every_schools(client, world, roadmap_a):
    from roadmaps.services.assignment import assignments_create
    from roadmaps.services.measure import measure_create

    measure = measure_create(
        roadmap=roadmap_a,
        section=world.extra["roadmap_section_a"],
        number="1.5.",
        text="Совещание руководителей",
        responsible_text="Альфа-орган управления образованием",
        by=world.bob,
    )
    assignments_create(roadmap=roadmap_a, by=world.bob)
    client.force_login(world.bob)
    page = client.get(url("assignment-list")).content.decode()
    assert "Совещание руководителей" in page
    assert "Анализ результатов ВПР (Альфа)" not in page  # the schools' own measure
    client.force_login(world.carol)
    page = client.get(url("assignment-list")).content.decode()
    assert "Совещание руководителей" not in page and "Анализ результатов ВПР (Альфа)" in page
    assert url("proof-pack", school_pk=world.school_a1.pk) in page
    assert measure.assignments.get().body == world.body_a


@pytest.mark.django_db(transaction=True)
def test_in_the_browser_the_deadline_is_read_as_typed_and_a_measure_moves_without_reload(
    browser,
    live_server,
    world,
):
    from tests import factories as f
    from tests.e2e.conftest import login

    roadmap = world.extra["roadmap_roadmap_a"]
    Measure.objects.create(
        roadmap=roadmap,
        section=world.extra["roadmap_section_a"],
        number="1.2.",
        text="Второе мероприятие",
        position=5,
    )
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server, "bob", f.PASSWORD)
    page.goto(f"{live_server.url}{url('measure-create', roadmap_pk=roadmap.pk)}")
    page.get_by_label("Срок (как написан)").fill("непонятный срок")
    preview = page.locator("#deadline-preview")
    preview.filter(has_text="Разобрано как").wait_for()
    assert "не распознан" in preview.inner_text()

    page.goto(f"{live_server.url}{url('roadmap-detail', roadmap_pk=roadmap.pk)}")
    page.evaluate("window.__marker = 'same page'")
    row = page.locator("#measures tr[data-measure]").nth(1)
    assert "Второе мероприятие" in row.inner_text()
    row.get_by_role("button", name="Выше").click()
    page.locator("#measures tr[data-measure]").first.filter(
        has_text="Второе мероприятие"
    ).wait_for()
    assert page.evaluate("window.__marker") == "same page"  # no reload
    assert list(roadmap.measures.order_by("position").values_list("number", flat=True))[0] == "1.2."
    context.close()


def test_the_roadmap_page_lists_deadlines_left_for_a_person_to_fix(client, world, roadmap_a):
    from roadmaps.services.measure import measure_create

    measure_create(
        roadmap=roadmap_a,
        section=world.extra["roadmap_section_a"],
        number="1.7.",
        text="Совещание",
        deadline_text="когда-нибудь потом",
        by=world.bob,
    )
    client.force_login(world.bob)
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk)).content.decode()
    assert "Срок 1 мероприятия не распознан" in page and "«когда-нибудь потом»" in page


def test_an_official_adds_and_removes_a_target_indicator(client, world):
    measure = world.extra["roadmap_measure_a"]
    client.force_login(world.bob)
    response = client.post(
        url("indicator-create", measure_pk=measure.pk),
        {
            "text": "Доля учителей, прошедших КПК",
            "comparator": ">=",
            "target_value": "70",
            "unit": "%",
        },
    )
    assert response.status_code == 302
    indicator = measure.indicators.get(text="Доля учителей, прошедших КПК")
    assert indicator.target_value == 70 and indicator.unit == "%"
    assert (
        "Доля учителей, прошедших КПК"
        in client.get(url("measure-edit", measure_pk=measure.pk)).content.decode()
    )
    client.post(url("indicator-delete", indicator_pk=indicator.pk))
    assert not measure.indicators.filter(pk=indicator.pk).exists()
    client.force_login(world.dan)
    other = measure.indicators.first()
    assert client.post(url("indicator-delete", indicator_pk=other.pk)).status_code == 404


def test_changes_after_the_last_revision_are_announced_until_fixed(client, world, roadmap_a):
    from roadmaps.services.measure import measure_update

    measure = world.extra["roadmap_measure_a"]
    client.force_login(world.bob)
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk)).content.decode()
    assert "После редакции" not in page
    measure_update(measure=measure, version=measure.version, text="Новый текст", by=world.bob)
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk)).content.decode()
    assert (
        "После редакции 1 внесены изменения: добавлено мероприятий — 0, исключено — 0, изменено — 1."
        in page
    )
    client.post(
        url("roadmap-revise", roadmap_pk=roadmap_a.pk), {"reason": "Уточнение формулировки"}
    )
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap_a.pk)).content.decode()
    assert "После редакции" not in page and "Редакция 2" in page
