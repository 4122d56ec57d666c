"""The stamps of a roadmap's figures (roadmaps.selectors.execution.roadmap_stamps) read
its activity token with the roadmap where the page read it (the official's and the
analyst's home, the roadmap's page) instead of in a query of their own: the same stamp,
renewed by every change, with or without a token row."""

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmaps.models import Roadmap, RoadmapActivity
from roadmaps.selectors.assignment import STAMP_COLUMNS, StampedRoadmap
from roadmaps.selectors.execution import roadmap_stamps
from roadmaps.selectors.roadmap import roadmap_get
from roadmaps.services.cascade import roadmap_cascade, school_roadmap_start_from
from roadmaps.services.measure import measure_update
from tests import factories as f

TODAY = date(2026, 1, 15)


@pytest.fixture
def municipal(world):
    roadmap = f.approved_roadmap(
        municipality=world.muni_a, by=world.bob, measures=[("1.", "Семинар", "май 2026")]
    )
    roadmap_cascade(roadmap=roadmap, due=date(2026, 4, 1), by=world.bob)
    return roadmap


def _apart(roadmaps, user):
    """The stamps with the tokens read in a query of their own (plain Roadmaps)."""
    plain = list(Roadmap.objects.filter(pk__in=[r.pk for r in roadmaps]))
    return roadmap_stamps(roadmaps=plain, user=user, today=TODAY)


def _stamped_rows(pks):
    return [
        StampedRoadmap(*row)
        for row in Roadmap.objects.filter(pk__in=pks).order_by("pk").values_list(*STAMP_COLUMNS)
    ]


def test_tokens_read_with_the_roadmaps_give_the_same_stamps_and_no_query(world, municipal):
    child = school_roadmap_start_from(municipal=municipal, school=world.school_a1, by=world.carol)
    RoadmapActivity.objects.filter(roadmap=municipal).delete()  # a roadmap with no token yet
    read = roadmap_get(user=world.bob, pk=child.pk, stamped=True)
    rows = _stamped_rows([municipal.pk, child.pk])
    with CaptureQueriesContext(connection) as captured:
        joined = roadmap_stamps(roadmaps=[read, read.parent], user=world.bob, today=TODAY)
        from_rows = roadmap_stamps(roadmaps=rows, user=world.bob, today=TODAY)
    assert not [q for q in captured.captured_queries if "roadmapactivity" in q["sql"]]
    assert joined == from_rows == _apart([municipal, child], world.bob)
    assert rows[0].token is None and rows[1].token


def test_a_change_gives_a_new_stamp_read_either_way(world, municipal):
    child = school_roadmap_start_from(municipal=municipal, school=world.school_a1, by=world.carol)
    before = roadmap_stamps(roadmaps=_stamped_rows([child.pk]), user=world.carol, today=TODAY)
    copy = child.measures.get()
    measure_update(measure=copy, version=copy.version, deadline_text="Июнь", by=world.carol)
    after_rows = roadmap_stamps(roadmaps=_stamped_rows([child.pk]), user=world.carol, today=TODAY)
    read = roadmap_get(user=world.carol, pk=child.pk, stamped=True)
    after_joined = roadmap_stamps(roadmaps=[read], user=world.carol, today=TODAY)
    assert after_rows != before
    assert after_rows == after_joined == _apart([child], world.carol)


def test_a_roadmap_read_without_its_token_is_stamped_by_a_query(world, municipal):
    read = roadmap_get(user=world.bob, pk=municipal.pk)
    with CaptureQueriesContext(connection) as captured:
        stamps = roadmap_stamps(roadmaps=[read], user=world.bob, today=TODAY)
    assert [q for q in captured.captured_queries if "roadmapactivity" in q["sql"]]
    assert stamps == _apart([municipal], world.bob)


@pytest.mark.parametrize("who", ["bob", "alice"])
def test_the_home_page_and_the_roadmap_page_read_no_token_apart(client, world, municipal, who):
    cache.clear()
    client.force_login(getattr(world, who))
    for url in ("/", f"/roadmaps/{municipal.pk}/"):
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        # A query of the tokens alone selects from their table first.
        apart = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].startswith('SELECT "roadmaps_roadmapactivity".')
        ]
        assert apart == [], url
