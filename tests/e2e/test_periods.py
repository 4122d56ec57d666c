"""Approving a roadmap of a past year in Chromium: the form says so and asks first."""

from datetime import date

import pytest
from playwright.sync_api import expect

from roadmaps.models import Assignment, Roadmap
from roadmaps.services.measure import measure_create
from roadmaps.services.roadmap import roadmap_create
from tests import factories as f
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_approve_form_of_a_past_roadmap_asks_and_approves_it_as_a_record(
    page, live_server, world, screenshot
):
    roadmap = roadmap_create(
        owner=world.muni_a,
        title="План 2023/24",
        by=world.bob,
        period_start=date(2023, 9, 1),
        period_end=date(2024, 8, 31),
    )
    measure_create(
        roadmap=roadmap, number="1.", text="Анализ ВПР", responsible_text="ОО", by=world.bob
    )
    login(page, live_server, "bob", f.PASSWORD)
    page.goto(f"{live_server.url}/roadmaps/{roadmap.pk}/")
    expect(page.locator("h1 + p")).to_have_text("Альфаград: ДК 2023/24, проект")
    page.get_by_text("Утвердить (приказ об утверждении)").click()
    page.get_by_label("Номер приказа").fill("215-од")
    page.get_by_label("Дата приказа").fill("2023-09-01")
    expect(page.get_by_text("Период этой дорожной карты закончился 31.08.2024")).to_be_visible()
    screenshot("approve-past-roadmap")
    page.get_by_role("button", name="Утвердить", exact=True).click()
    assert Roadmap.objects.get(pk=roadmap.pk).status == Roadmap.Status.DRAFT  # not confirmed
    page.get_by_label("Понятно, утвердить").check()
    page.get_by_role("button", name="Утвердить", exact=True).click()
    expect(page.get_by_text("утверждена как документ прошедшего периода")).to_be_visible()
    expect(page.locator("h1 + p")).to_have_text(
        "Альфаград: ДК 2023/24, приказ № 215-од от 01.09.2023"
    )
    assert not Assignment.objects.filter(measure__roadmap=roadmap).exists()
