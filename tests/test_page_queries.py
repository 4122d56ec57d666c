"""The pages of the load mix (bench/load/locustfile.py) run a fixed, small number of
SQL queries, whatever the number of roadmaps, measures, schools, reports and documents
(issue #17, item 1). The limits are today's counts: a change that adds a query to one
of these pages, or a query per row, fails here; lower a limit when a page gets cheaper.
"""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Document
from roadmaps.services.base import SYSTEM
from tests import factories as f

# (user of the cast, page, most queries it may run), measured on a warm page: the
# session (read from Redis when the cache is Redis, a query a page without it) and the
# user with the scope stamp come with every page, the memberships from the cache
# (schools.scoping.memberships_of); the bell's count is remembered from the first.
PAGES = [
    ("bob", "/", 12),  # official's dashboard
    ("bob", "/roadmaps/reports/", 4),
    ("bob", "/documents/", 11),  # each form's choices read once (schools.widgets)
    ("carol", "/", 8),  # deputy's dashboard
    ("carol", "/roadmaps/my/", 5),  # the roadmaps of the rows: one query, not a join a row
    ("alice", "/", 8),  # regional analyst's dashboard
    ("alice", "/roadmaps/", 4),  # a page of 50 and the count of all the pages
    ("alice", "/schools/", 4),
    ("alice", "/api/v1/measures/", 6),
]
_serial = itertools.count(1)


def grow(world):
    """More of everything the pages list, in municipality A: a school, an approved
    roadmap whose three measures go to every school, reports from school A1 on each,
    and a document; and in the region, a municipality with a school and its roadmap."""
    n = next(_serial)
    elsewhere = f.municipality(region=world.region, name=f"Муниципалитет {n}", code=f"M{n}")
    f.school(municipality=elsewhere, name=f"Школа {n}", code=f"99{n:04d}")
    f.approved_roadmap(
        municipality=elsewhere,
        by=SYSTEM,
        title=f"Дорожная карта М{n}",
        measures=[("1.", f"Мероприятие М{n}", "до 1 декабря 2025 г.")],
    )
    f.school(municipality=world.muni_a, name=f"Альфа-школа доп. {n}", code=f"88{n:04d}")
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title=f"Дорожная карта {n}",
        measures=[(f"{i}.", f"Мероприятие {n}.{i}", "до 1 декабря 2025 г.") for i in (1, 2, 3)],
    )
    for i in (1, 2, 3):
        f.report_progress(roadmap=roadmap, number=f"{i}.", school=world.school_a1, by=world.carol)
    Document.objects.create(
        kind=Document.Kind.ORDER,
        format=Document.Format.PDF,
        inputs_key=f"{n}".ljust(64, "x"),
        title=f"Приказ {n}",
        region=world.region,
        municipality=world.muni_a,
        requested_by=world.bob,
    )


def queries(client, url):
    """The queries of a warm page (the first request fills the caches)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("who", "url", "limit"), PAGES)
def test_a_page_of_the_load_mix_runs_few_queries_however_many_rows(client, world, who, url, limit):
    client.force_login(getattr(world, who))
    grow(world)
    at_n = queries(client, url)
    grow(world)
    grow(world)
    at_3n = queries(client, url)
    assert at_3n == at_n, f"{url}: {at_n} queries, then {at_3n} with more rows"
    assert at_n <= limit, f"{url}: {at_n} queries, more than {limit}"
