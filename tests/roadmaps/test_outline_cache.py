"""The roadmap page's outline (sections and measure rows) is kept as HTML in the cache
(roadmaps/views/outline.py). A page served from it equals the page rendered afresh,
for an editor, a reader and a deputy, with execution states; every change made
through the services or the admin shows at once."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from roadmaps.models import Indicator, Measure, Section
from roadmaps.services.measure import indicator_create, measure_update
from roadmaps.services.report import progress_report_accept
from roadmaps.services.section import section_update
from schools.models import Body, School
from tests import factories as f
from tests.security.test_admin_history import form_data

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def roadmap(world):
    cache.clear()
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[
            ("1.1.", "Анализ результатов ВПР", "до 1 октября 2025 г."),
            ("1.2.", "Семинар для учителей", "как решит методист"),
        ],
    )
    measure = roadmap.measures.get(number="1.1.")
    measure.responsible_bodies.add(world.body_a)
    measure_update(measure=measure, by=world.bob, version=None, participants="учителя")
    report = f.report_progress(
        roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol
    )
    progress_report_accept(report=report, by=world.bob)
    return roadmap


@pytest.fixture
def root(client):
    return f.user("root", is_superuser=True, is_staff=True)


def page(client, user, roadmap) -> str:
    client.force_login(user)
    response = client.get(f"/roadmaps/{roadmap.pk}/")
    assert response.status_code == 200
    return TOKEN.sub('name="csrfmiddlewaretoken" value="*"', response.content.decode())


@pytest.mark.parametrize("who", ["bob", "victor", "carol"])
def test_the_cached_outline_equals_the_fresh_one(client, world, roadmap, who):
    user = getattr(world, who)
    cache.clear()
    fresh = page(client, user, roadmap)
    assert "выполнено" in fresh  # the execution states are in the rows
    assert "Альфа-орган управления образованием" in fresh
    assert ('data-action="move"' in fresh) is (who == "bob")
    assert page(client, user, roadmap) == fresh


def test_an_editor_posts_a_row_form_of_the_cached_page(world, roadmap):
    """The token put in the cached rows is the request's: a move posted with it (CSRF
    checks on) is accepted."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bob)
    client.get(f"/roadmaps/{roadmap.pk}/")
    html = client.get(f"/roadmaps/{roadmap.pk}/").content.decode()
    measure = roadmap.measures.get(number="1.1.")
    move = reverse("roadmaps:measure-move", kwargs={"measure_pk": measure.pk})
    form = re.search(r'action="' + re.escape(move) + r'">(<input[^>]+>)', html).group(1)
    token = re.search(r'value="([^"]+)"', form).group(1)
    response = client.post(move, {"direction": "down", "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert (
        roadmap.measures.get(number="1.1.").position > roadmap.measures.get(number="1.2.").position
    )


def test_changes_through_the_services_show_at_once(client, world, roadmap):
    page(client, world.victor, roadmap)
    measure = roadmap.measures.get(number="1.2.")
    measure_update(measure=measure, by=world.bob, version=None, text="Новый семинар")
    assert "Новый семинар" in page(client, world.victor, roadmap)
    section = Section.objects.get(roadmap=roadmap)
    section_update(section=section, by=world.bob, title="Переименованный раздел")
    assert "Переименованный раздел" in page(client, world.victor, roadmap)
    indicator_create(measure=measure, text="Доля учителей на семинаре", by=world.bob)
    assert "Доля учителей на семинаре" in page(client, world.victor, roadmap)


def test_an_accepted_report_shows_its_state_at_once(client, world, roadmap):
    """Measure 1.1 is done by school A1; the report of A2, the other school, once
    accepted, makes it done."""
    before = outline(page(client, world.bob, roadmap))
    deputy = f.user("dina", role=f.Role.SCHOOL_DEPUTY, node=world.school_a2)
    report = f.report_progress(roadmap=roadmap, number="1.1.", school=world.school_a2, by=deputy)
    assert outline(page(client, world.bob, roadmap)) == before  # submitted, not accepted yet
    progress_report_accept(report=report, by=world.bob)
    after = outline(page(client, world.bob, roadmap))
    assert after != before
    assert after.count("выполнено") > before.count("выполнено")


def admin_change(client, root, model, obj, **changes):
    client.force_login(root)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    data = form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Measure, "text", "Мероприятие из админки"),
        (Section, "title", "Раздел из админки"),
        (Indicator, "text", "Показатель из админки"),
        (Body, "name", "Управление образования (из админки)"),
        (School, "short_name", "Гимназия на Морской"),
    ],
)
def test_changes_in_the_admin_show_at_once(client, world, roadmap, root, model, field, value):
    measure = roadmap.measures.get(number="1.1.")
    measure.responsible_schools.add(world.school_a2)
    indicator_create(measure=measure, text="Доля", by=world.bob)
    objects = {
        Measure: measure,
        Section: Section.objects.get(roadmap=roadmap),
        Indicator: Indicator.objects.get(measure=measure),
        Body: Body.objects.get(pk=world.body_a.pk),
        School: School.objects.get(pk=world.school_a2.pk),
    }
    assert value not in outline(page(client, world.bob, roadmap))
    admin_change(client, root, model, objects[model], **{field: value})
    assert value in outline(page(client, world.bob, roadmap))


def test_a_body_saved_renews_the_roadmaps_that_name_it(world, roadmap):
    """The roadmap names the body as responsible for a measure; another does not."""
    from roadmaps.models import RoadmapActivity

    token = RoadmapActivity.objects.get(roadmap=roadmap).token
    body = Body.objects.get(pk=world.body_a.pk)
    body.name = "Новое имя органа"
    body.save()
    assert RoadmapActivity.objects.get(roadmap=roadmap).token != token
    other = f.approved_roadmap(municipality=world.muni_b, by=world.dan, measures=[("1.", "Б", "")])
    other_token = RoadmapActivity.objects.get(roadmap=other).token
    body.save()
    assert RoadmapActivity.objects.get(roadmap=other).token == other_token


def test_another_day_builds_the_outline_afresh(client, world, roadmap, monkeypatch):
    """Measure 1.1 is due on 1 October 2025: not overdue on the 15th of September, overdue
    a month later for the schools that have not done it."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2025, 9, 15))
    before = page(client, world.bob, roadmap)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2025, 10, 15))
    after = page(client, world.bob, roadmap)
    assert "data-measure" in after and outline(after) != outline(before)
    cache.clear()
    assert outline(page(client, world.bob, roadmap)) == outline(after)


def outline(html: str) -> str:
    return re.search(r'<table class="rm-table" id="measures">.*?</table>', html, re.S).group(0)


def test_a_school_roadmap_shows_the_new_number_of_its_municipal_measure(client, world, roadmap):
    """A school roadmap's rows name the municipal measure each comes from: the entry is
    kept under the municipal roadmap's stamp too."""
    from roadmaps.services.cascade import roadmap_cascade, school_roadmap_start_from

    roadmap_cascade(roadmap=roadmap, due=date(2026, 4, 1), by=world.bob)
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    assert "из муниципальной карты, 1.1." in page(client, world.carol, child)
    measure = roadmap.measures.get(number="1.1.")
    measure_update(measure=measure, by=world.bob, version=None, number="1.9.")
    assert "из муниципальной карты, 1.9." in page(client, world.carol, child)


def test_a_school_renamed_shows_in_a_draft_roadmap_naming_it(client, world, root):
    """A draft roadmap has no assignments: the school is named responsible for a measure."""
    from roadmaps.services.roadmap import roadmap_create

    draft = roadmap_create(owner=world.muni_a, title="Черновик", by=world.bob)
    from roadmaps.services.measure import measure_create

    measure = measure_create(roadmap=draft, number="1.", by=world.bob, text="Семинар")
    measure.responsible_schools.add(world.school_a2)
    measure_update(measure=measure, by=world.bob, version=None, text="Семинар для школы")
    assert world.school_a2.short_name in outline(page(client, world.bob, draft))
    admin_change(
        client, root, School, School.objects.get(pk=world.school_a2.pk), short_name="Лицей у моря"
    )
    assert "Лицей у моря" in outline(page(client, world.bob, draft))
