"""The objectivity check in the browser: the regional analyst runs it over a
region with planted manipulation and downloads the official-style list; the
municipal official puts the flagged schools into the municipal roadmap and
answers a marker with a dismissal; the school's deputy sees the answer."""

from datetime import date

import pytest
from playwright.sync_api import expect

from assessments.objectivity.models import CheckRun, CheckSchool, FlagAnswer
from roadmaps.models import Measure
from roadmaps.services.base import SYSTEM
from roadmaps.services.measure import measure_create
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from tests import factories as f
from tests.e2e.conftest import login
from tests.generators.first import RegionSpec, generate_region
from tests.generators.objectivity_store import generated_region_store

pytestmark = pytest.mark.django_db(transaction=True)


def log_in_as(page, live_server, username):
    page.context.clear_cookies()
    login(page, live_server, username, f.PASSWORD)
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()


def test_a_check_from_the_page_to_the_roadmap(page, live_server, screenshot):
    spec = RegionSpec(
        n_schools=70, n_municipalities=2, years=(2024, 2025), target_year_index=1, cheat_share=0.2
    )
    region = generated_region_store(generate_region(spec, seed=5), code="92", name="Край проверки")
    f.user("analyst92", role=f.Role.REGIONAL_ANALYST, node=region)
    roadmaps = {}
    for municipality in region.municipalities.all():
        roadmap = roadmap_create(
            owner=municipality,
            title=f"Дорожная карта по объективности: {municipality.name}",
            by=SYSTEM,
            period_start=date(2025, 9, 1),
            period_end=date(2026, 8, 31),
        )
        measure_create(
            roadmap=roadmap,
            text="Анализ результатов ВПР по каждой школе",
            deadline_text="до 1 октября",
            responsible_text="Отдел образования",
            by=SYSTEM,
        )
        roadmap_approve(roadmap=roadmap, by=SYSTEM, order_number="1")
        roadmaps[municipality.pk] = roadmap

    # The analyst runs the check for the whole region from the page.
    log_in_as(page, live_server, "analyst92")
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name="Объективность", exact=True
    ).click()
    page.get_by_label("Год").fill("2025")
    page.get_by_label("Где проверить").select_option(label="Весь регион: Край проверки")
    page.get_by_role("button", name="Запустить проверку").click()
    expect(
        page.get_by_role("heading", name="Школы с признаками необъективных результатов, 2025")
    ).to_be_visible()
    run = CheckRun.objects.get(region=region, year=2025)
    assert run.status == CheckRun.Status.DONE, run.error
    flagged = CheckSchool.objects.filter(run=run, markers__gt=0).select_related(
        "school", "municipality"
    )
    assert flagged.exists()
    first = flagged.order_by("-markers", "municipality__name", "school__short_name").first()
    expect(page.locator("#flag-table")).to_contain_text(first.school.short_name)
    screenshot("objectivity-run-analyst")
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать перечень (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # The official of the first flagged school's municipality feeds the roadmap.
    municipality = first.municipality
    official = f.user("official92", role=f.Role.MUNICIPAL_OFFICIAL, node=municipality)
    assert official.username == "official92"
    log_in_as(page, live_server, "official92")
    page.goto(f"{live_server.url}/assessments/objectivity/runs/{run.pk}/")
    page.get_by_label("Дорожная карта").select_option(label=str(roadmaps[municipality.pk]))
    page.get_by_role("button", name="Внести в дорожную карту").click()
    expect(page.get_by_text("В дорожную карту внесено школ")).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Контроль общеобразовательных организаций с признаками"
    )
    flagged_here = {r.school_id for r in flagged if r.municipality_id == municipality.pk}
    for measure in Measure.objects.filter(
        roadmap=roadmaps[municipality.pk], extra__flag_measure__isnull=False
    ):
        assert set(measure.responsible_schools.values_list("pk", flat=True)) == flagged_here

    # A marker answered by a dismissal, with its reason.
    page.goto(f"{live_server.url}/assessments/objectivity/runs/{run.pk}/")
    page.locator("a.flag").first.click()
    expect(page.get_by_role("heading", name="Показатели")).to_be_visible()
    page.get_by_label("Почему признак снимается").fill("Перепроверка комиссией подтвердила отметки")
    page.get_by_role("button", name="Снять признак с обоснованием").click()
    expect(page.get_by_text("Ответ на признак записан.")).to_be_visible()
    answers = page.locator("main ul").filter(has_text="Признак снят: Перепроверка комиссией")
    expect(answers.first).to_be_visible()
    # The history: the four roadmap measures of the feed and the dismissal.
    expect(page.locator("li", has_text="ответ дан")).to_have_count(5)
    assert FlagAnswer.objects.filter(kind=FlagAnswer.Kind.DISMISSED).count() == 1
    screenshot("objectivity-finding-official")
