"""A person checks a results file in the browser, sees how each column was read,
corrects the one the importer took for the wrong thing, and the file lands."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.results.models import ImportBatch, Instrument, Procedure, Result, Scale, Subject
from tests import factories as f
from tests.assessments.test_import_plausibility import RANGES, pupils, write
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_term_mark_read_as_the_tests_is_corrected_in_the_preview(
    page, live_server, world, tmp_path, screenshot
):
    Scale.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        year=2024,
        grade=6,
        subject=Subject.MATH,
        kind=Scale.Kind.MARK,
        max_score=10,
        ranges=RANGES,
    )
    procedure = Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=6, year=2024
    )
    rows = pupils()
    path = write(tmp_path, rows, journal_header=None, mark=lambda r: r["journal"])
    login(page, live_server, "alice", f.PASSWORD)
    page.goto(f"{live_server.url}{reverse('assessments:import-list')}")
    page.get_by_label("Файл результатов").set_input_files(str(path))
    page.get_by_label("Процедура").select_option(str(procedure.pk))
    page.get_by_label("Только проверить").check()
    page.get_by_role("button", name="Загрузить").click()
    expect(page.locator("#batch-status")).to_have_text("отклонён")
    expect(page.get_by_text("Столбец «Отметка» взят за отметку за работу")).to_be_visible()
    select = page.get_by_label("Отметка", exact=True)
    expect(select).to_have_value("file_mark")
    screenshot("import-columns-refused")

    select.select_option("journal_mark")
    page.get_by_role("button", name="Загрузить с этими столбцами").click()
    expect(page.locator("#batch-status")).to_have_text("загружен")
    expect(page.get_by_label("Отметка", exact=True)).to_have_value("journal_mark")
    screenshot("import-columns-corrected")
    batch = ImportBatch.objects.get(status=ImportBatch.Status.DONE, file_name="svod.csv")
    assert Result.objects.filter(import_batch=batch).count() == len(rows)
