"""The official's home page counts the schools by the state of their roadmap made from
the municipal one («Дорожные карты школ: не начаты, в работе, утверждены»): the same
schools and states as the roadmap's cascade table (cascade_status), read without a
measure, and every change made through the services, the admin or a queryset shows
at once."""

import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmaps.models import Roadmap
from roadmaps.selectors.execution import cascade_state_counts, cascade_status
from roadmaps.services.cascade import school_roadmap_start_from
from roadmaps.services.roadmap import roadmap_approve
from schools.models import School
from tests import factories as f
from tests.roadmaps.test_outline_cache import admin_change


@pytest.fixture
def roadmap(world):
    cache.clear()
    return f.cascaded_roadmap(world)


@pytest.fixture
def root():
    return f.user("root", is_superuser=True, is_staff=True)


def states(client, user) -> dict[str, int]:
    """The home page's counts, {state's words: n} ({} when it shows none)."""
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    found = re.search(
        r"<h3>Дорожные карты школ</h3>\s*<p>(.*?)</p>", response.content.decode(), re.S
    )
    if not found:
        return {}
    return {
        words.strip(): int(n) for words, n in re.findall(r"([а-я ]+): <b>(\d+)</b>", found.group(1))
    }


def test_the_counts_are_those_of_the_cascade_table(world, roadmap):
    for n in range(3):
        f.school(municipality=world.muni_a, name=f"Школа №{n + 10}")
    draft = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    approved = school_roadmap_start_from(municipal=roadmap, school=world.school_a2, by=world.bob)
    roadmap_approve(roadmap=Roadmap.objects.get(pk=approved.pk), by=world.bob)
    # A closed roadmap of a school and its newer draft: the draft is the school's.
    Roadmap.objects.filter(pk=draft.pk).update(status=Roadmap.Status.CLOSED)
    school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    for user in (world.bob, world.victor):
        expected = Counter(row["state"] for row in cascade_status(roadmap=roadmap, user=user))
        assert cascade_state_counts(roadmap=roadmap, user=user) == expected
    assert cascade_state_counts(roadmap=roadmap, user=world.bob) == {
        "not_started": 3,
        "draft": 1,
        "approved": 1,
    }
    assert list(cascade_state_counts(roadmap=roadmap, user=world.bob)) == [
        "not_started",
        "draft",
        "approved",
    ]


def test_the_home_page_reads_no_measure_and_one_query_for_any_number_of_schools(
    client, world, roadmap
):
    school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    client.force_login(world.bob)
    client.get("/")

    def cascade_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return [
            q["sql"]
            for q in queries.captured_queries
            if 'FROM "schools_school"' in q["sql"] and "parent_id" in q["sql"]
        ]

    assert len(cascade_queries()) == 1
    for n in range(5):
        school = f.school(municipality=world.muni_a, name=f"Школа №{n + 10}")
        school_roadmap_start_from(municipal=roadmap, school=school, by=world.bob)
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert len(cascade_queries()) == 1
    assert not any(
        'FROM "roadmaps_measure"' in q["sql"] and "source_measure_id" in q["sql"]
        for q in queries.captured_queries
    )


def test_changes_through_the_services_show_at_once(client, world, roadmap):
    assert states(client, world.bob) == {"не начаты": 2}
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    assert states(client, world.bob) == {"не начаты": 1, "в работе": 1}
    roadmap_approve(roadmap=Roadmap.objects.get(pk=child.pk), by=world.carol)
    assert states(client, world.bob) == {"не начаты": 1, "утверждены": 1}
    new = f.school(municipality=world.muni_a, name="Новая школа")
    assert states(client, world.bob) == {"не начаты": 2, "утверждены": 1}
    school_roadmap_start_from(municipal=roadmap, school=new, by=world.bob)
    assert states(client, world.bob) == {"не начаты": 1, "в работе": 1, "утверждены": 1}


def test_changes_in_the_admin_show_at_once(client, world, roadmap, root):
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    assert states(client, world.bob) == {"не начаты": 1, "в работе": 1}
    admin_change(client, root, Roadmap, Roadmap.objects.get(pk=child.pk), status="approved")
    assert states(client, world.bob) == {"не начаты": 1, "утверждены": 1}
    admin_change(client, root, School, School.objects.get(pk=world.school_a2.pk), is_active="")
    assert states(client, world.bob) == {"утверждены": 1}


def test_changes_by_a_queryset_update_show_at_once(client, world, roadmap):
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    assert states(client, world.bob) == {"не начаты": 1, "в работе": 1}
    Roadmap.objects.filter(pk=child.pk).update(status=Roadmap.Status.IN_FORCE)
    assert states(client, world.bob) == {"не начаты": 1, "утверждены": 1}
    Roadmap.objects.filter(pk=child.pk).update(status=Roadmap.Status.CLOSED)
    assert states(client, world.bob) == {"не начаты": 2}
    School.objects.filter(pk=world.school_a2.pk).update(is_active=False)
    assert states(client, world.bob) == {"не начаты": 1}


def test_a_roadmap_that_requires_no_school_roadmaps_shows_no_counts(client, world):
    f.approved_roadmap(
        municipality=world.muni_a, by=world.bob, measures=[("1.1.", "Анализ ВПР", "Май")]
    )
    assert states(client, world.bob) == {}
