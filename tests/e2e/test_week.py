"""A week of each role, in the browser, on one world.

The official imports a roadmap from the text of a real order and edits a
measure; the school's deputy reports progress with a file and uploads the
school's ВПР results; the official accepts the report and builds the order as
a PDF; every role's home page is kept as a screenshot in test-artifacts/.
Waits are on conditions the user would see, never on time.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.results.models import ImportBatch, Instrument, Procedure, Result, Subject
from roadmaps.models import Measure, ProgressReport, Roadmap
from tests import factories as f
from tests.e2e.conftest import login
from tests.roadmaps.world import PDF

pytestmark = pytest.mark.django_db(transaction=True)

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = DATA / "seeds" / "baltiysk-2023-order-1081.txt"
VPR_FORM = DATA / "vpr-result-form-example.xlsx"

HEADINGS = {
    "bob": "Специалист органа управления образованием",
    "carol": "Заместитель директора",
    "alice": "Региональный аналитик",
}


def log_in_as(page, live_server, username):
    page.context.clear_cookies()
    login(page, live_server, username, f.PASSWORD)
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()


def open_menu_item(page, label):
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=label, exact=True
    ).click()
    page.wait_for_load_state()


def messages(page):
    return page.locator("ul.messages")


def test_a_week_of_each_role(page, live_server, world, screenshot):
    procedure = Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )

    # Monday. The official opens the day on the dashboard.
    log_in_as(page, live_server, "bob")
    expect(page.get_by_role("heading", name=HEADINGS["bob"])).to_be_visible()
    screenshot("week-dashboard-bob")

    # … imports the municipality's roadmap from the text of the order,
    open_menu_item(page, "Дорожные карты")
    page.get_by_role("link", name="Импорт из DOCX, XLSX или текста").click()
    page.get_by_label("Чья дорожная карта").select_option(label="Альфаград")
    page.get_by_label("Файл").set_input_files(SEED)
    page.get_by_role("button", name="Разобрать и показать").click()
    save = page.get_by_role("button", name="Сохранить дорожную карту")
    expect(save).to_be_visible()
    assert Roadmap.objects.filter(municipality=world.muni_a).count() == 1  # nothing yet
    save.click()
    expect(messages(page)).to_contain_text("Импортировано: разделов")
    imported = Roadmap.objects.filter(municipality=world.muni_a).latest("pk")
    measures = imported.measures.count()
    sections = imported.sections.count()
    assert measures >= 20 and imported.status == Roadmap.Status.DRAFT
    expect(messages(page)).to_contain_text(f"разделов {sections}, мероприятий {measures}")
    assert page.url.endswith(f"/roadmaps/{imported.pk}/")

    # … and rewrites one measure of it.
    measure = imported.measures.order_by("section__position", "position").first()
    page.locator(f"#measure-{measure.pk}").get_by_role("link", name="Править").click()
    page.locator("textarea#id_text").fill("Анализ объективности результатов ВПР 2026 года")
    page.get_by_role("button", name="Сохранить").first.click()
    expect(page.locator(f"#measure-{measure.pk}")).to_contain_text(
        "Анализ объективности результатов ВПР 2026 года"
    )
    measure = Measure.objects.get(pk=measure.pk)
    assert measure.text == "Анализ объективности результатов ВПР 2026 года"
    assert measure.version == 2 and measure.updated_by == world.bob

    # Tuesday. The deputy reports the measure given to her school, with the certificate.
    log_in_as(page, live_server, "carol")
    expect(page.get_by_role("heading", name=HEADINGS["carol"])).to_be_visible()
    screenshot("week-dashboard-carol")
    open_menu_item(page, "Мои мероприятия")
    row = page.locator("tr", has_text="Анализ результатов ВПР (Альфа)")
    row.get_by_role("link", name="Отчитаться").click()
    page.get_by_label("Состояние").select_option("done")
    page.get_by_label("Комментарий").fill("Справка по итогам анализа ВПР рассмотрена на педсовете")
    page.get_by_label("Подтверждающие документы").set_input_files(
        files=[{"name": "справка-педсовет.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Отправить на проверку").click()
    expect(messages(page)).to_be_visible()
    report = ProgressReport.objects.get(comment__startswith="Справка по итогам анализа")
    assert report.status == ProgressReport.Status.DONE
    assert [e.original_name for e in report.evidence.all()] == ["справка-педсовет.pdf"]

    # … and uploads the school's ВПР results, watching the upload to its end.
    open_menu_item(page, "Загрузка результатов")
    page.get_by_label("Файл результатов").set_input_files(VPR_FORM)
    page.get_by_label("Процедура").select_option(str(procedure.pk))
    page.get_by_role("button", name="Загрузить").click()
    expect(page.locator("#batch-progress")).to_have_attribute("value", "100")
    batch = ImportBatch.objects.get(file_name=VPR_FORM.name)
    expect(page.locator("#batch-status")).to_have_text(batch.get_status_display())
    assert batch.status == ImportBatch.Status.DONE
    expect(page.locator("main")).to_contain_text("Участников: 18")
    assert Result.objects.filter(procedure=procedure, school=world.school_a1).count() == 18

    # Wednesday. The official reviews the queue and accepts the deputy's report.
    log_in_as(page, live_server, "bob")
    open_menu_item(page, "Отчёты на проверке")
    review = page.locator(f'a[href="/roadmaps/reports/{report.pk}/"]')
    row = page.locator("tr", has=review)
    expect(row).to_contain_text("Анализ результатов ВПР (Альфа)")
    expect(row).to_contain_text(f"{report.period_start:%d.%m.%Y}–{report.period_end:%d.%m.%Y}")
    review.click()
    expect(page.locator("main")).to_contain_text("рассмотрена на педсовете")
    page.get_by_role("button", name="Принять").click()
    expect(messages(page)).to_be_visible()
    report.refresh_from_db()
    assert report.review_state == "accepted" and report.reviewed_by == world.bob

    # Thursday. The official builds the approving order as a PDF and downloads it.
    roadmap = world.extra["roadmap_roadmap_a"]
    open_menu_item(page, "Документы")
    card = page.locator("article", has=page.get_by_role("heading", name="Приказ об утверждении"))
    card.get_by_role("combobox").first.select_option(str(roadmap.pk))
    card.get_by_label("Формат").select_option("pdf")
    card.get_by_role("button", name="Построить").click()
    download_link = page.locator("#job-download a")
    expect(download_link).to_be_visible(timeout=60000)
    with page.expect_download() as info:
        download_link.click()
    content = Path(info.value.path()).read_bytes()
    assert content.startswith(b"%PDF-") and b"%%EOF" in content[-1024:]

    # Friday. The regional analyst, the methodist and the viewer look in too.
    for username in ("alice", "mia", "victor"):
        log_in_as(page, live_server, username)
        expect(page.locator("main h1")).to_be_visible()
        if username in HEADINGS:
            expect(page.get_by_role("heading", name=HEADINGS[username])).to_be_visible()
        screenshot(f"week-dashboard-{username}")
