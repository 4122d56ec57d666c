"""The API lists keep their count in the cache (infra.api.pagination) under the stamps
of the tables the count reads (schools.models.TableStamp, written by the database's
triggers): the next page of a list reads no COUNT, and whatever changes the rows (a
service, the admin's forms and bulk deletions, `bulk_create`, `update()`, a change of
the person's memberships or of a setting that widens their scope) shows in the very
next answer's count."""

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from infra.api.pagination import count_key
from roadmaps.models import Assignment, Measure, ProgressReport, Roadmap
from roadmaps.services.base import SYSTEM
from roadmaps.services.measure import measure_create, measure_delete
from roadmaps.services.roadmap import roadmap_create
from schools.models import TableStamp
from tests import factories as f
from tests.api.helpers import client_for

STAMPED = (
    "roadmaps_roadmap",
    "roadmaps_section",
    "roadmaps_measure",
    "roadmaps_assignment",
    "roadmaps_progressreport",
    "schools_region",
    "schools_municipality",
    "schools_school",
    "schools_body",
)
LISTS = ["/api/v1/measures/", "/api/v1/assignments/", "/api/v1/progress-reports/"]


@pytest.fixture
def root(world):
    client = Client()
    client.force_login(f.user("root", is_superuser=True, is_staff=True))
    return client


def count(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["count"]


def counts_read(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum("COUNT(" in q["sql"].upper() for q in captured)


def token(table):
    return TableStamp.objects.get(name=table).token


@pytest.mark.parametrize("url", LISTS)
def test_a_list_opened_again_reads_no_count_and_says_the_same(world, url):
    client = client_for(world.alice)
    first = client.get(url).json()
    assert counts_read(client, url) == 0
    again = client.get(url).json()
    assert again == first


@pytest.mark.parametrize("url", LISTS)
def test_the_count_is_the_rows_the_person_sees(world, url):
    model = {
        "/api/v1/measures/": Measure,
        "/api/v1/assignments/": Assignment,
        "/api/v1/progress-reports/": ProgressReport,
    }[url]
    for user in (world.alice, world.bob, world.carol, world.dan):
        client = client_for(user)
        expected = model.objects.visible_to(user).count()
        assert count(client, url) == expected
        assert count(client, url) == expected


def test_each_person_and_each_filter_has_a_count_of_its_own(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    extra = roadmap_create(owner=world.muni_a, title="Вторая карта", by=SYSTEM)
    for text in ("Первое", "Второе"):
        measure_create(roadmap=extra, text=text, by=SYSTEM)
    bob, dan = client_for(world.bob), client_for(world.dan)
    assert count(bob, "/api/v1/measures/") == 3
    assert count(dan, "/api/v1/measures/") == 1
    assert count(bob, f"/api/v1/measures/?roadmap={extra.pk}") == 2
    assert count(bob, f"/api/v1/measures/?roadmap={roadmap.pk}") == 1
    assert count(bob, f"/api/v1/measures/?roadmap={extra.pk}&page=1") == 2


def test_a_membership_that_widens_the_reach_counts_at_once(world):
    bob = client_for(world.bob)
    before = count(bob, "/api/v1/assignments/")
    of_b = Assignment.objects.filter(municipality=world.muni_b).count()
    assert before and of_b
    f.membership(world.bob, role=f.Role.MUNICIPAL_OFFICIAL, node=world.muni_b)
    assert count(bob, "/api/v1/assignments/") == before + of_b


def test_a_setting_that_shares_drafts_down_counts_at_once(world):
    draft = roadmap_create(owner=world.muni_a, title="Проект", by=SYSTEM)
    measure_create(roadmap=draft, text="В проекте", by=SYSTEM)
    carol = client_for(world.carol)
    assert count(carol, "/api/v1/measures/") == 1
    with override_settings(ROADMAP_DRAFTS_SHARED_DOWN=True):
        assert count(carol, "/api/v1/measures/") == 2
    assert count(carol, "/api/v1/measures/") == 1


def _measure_created(world):
    measure_create(roadmap=world.extra["roadmap_roadmap_a"], text="Новое", by=SYSTEM)
    return +1


def _measures_bulk_created(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    Measure.objects.bulk_create(
        [Measure(roadmap=roadmap, text=f"Пакет {n}", position=100 + n) for n in range(3)]
    )
    return +3


def _measure_moved_by_update(world):
    moved = Measure.objects.filter(pk=world.extra["roadmap_measure_a"].pk)
    moved.update(roadmap=world.extra["roadmap_roadmap_b"])
    return -1


def _roadmap_moved_by_update(world):
    Roadmap.objects.filter(pk=world.extra["roadmap_roadmap_a"].pk).update(municipality=world.muni_b)
    return -1


def _measures_deleted_by_queryset(world):
    Measure.objects.filter(roadmap=world.extra["roadmap_roadmap_a"]).delete()
    return -1


MEASURE_CHANGES = {
    "created by the service": _measure_created,
    "bulk_create": _measures_bulk_created,
    "moved by update()": _measure_moved_by_update,
    "its roadmap moved by update()": _roadmap_moved_by_update,
    "deleted by a queryset": _measures_deleted_by_queryset,
}


@pytest.mark.parametrize("change", MEASURE_CHANGES)
def test_every_change_to_the_measures_shows_in_the_next_count(world, change):
    bob = client_for(world.bob)
    before = count(bob, "/api/v1/measures/?page=1")
    assert count(bob, "/api/v1/measures/") == before
    delta = MEASURE_CHANGES[change](world)
    assert count(bob, "/api/v1/measures/") == before + delta
    assert count(bob, "/api/v1/measures/?page=1") == before + delta


def test_a_measure_deleted_by_the_service_leaves_the_count_at_once(world):
    bob = client_for(world.bob)
    measure = measure_create(roadmap=world.extra["roadmap_roadmap_a"], text="Лишнее", by=SYSTEM)
    assert count(bob, "/api/v1/measures/") == 2
    measure_delete(measure=measure, by=SYSTEM)
    assert count(bob, "/api/v1/measures/") == 1


def test_a_measure_deleted_in_the_admin_leaves_the_count_at_once(world, root):
    bob = client_for(world.bob)
    measure = measure_create(roadmap=world.extra["roadmap_roadmap_a"], text="Лишнее", by=SYSTEM)
    assert count(bob, "/api/v1/measures/") == 2
    url = reverse("admin:roadmaps_measure_delete", args=[measure.pk])
    assert root.post(url, {"post": "yes"}).status_code == 302
    assert count(bob, "/api/v1/measures/") == 1


def test_assignments_bulk_deleted_in_the_admin_leave_the_count_at_once(world, root):
    bob = client_for(world.bob)
    ids = [str(a.pk) for a in Assignment.objects.filter(municipality=world.muni_a)]
    assert count(bob, "/api/v1/assignments/") == len(ids) > 0
    response = root.post(
        reverse("admin:roadmaps_assignment_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert count(bob, "/api/v1/assignments/") == 0


def test_a_progress_report_moved_by_update_leaves_the_count_at_once(world):
    bob, dan = client_for(world.bob), client_for(world.dan)
    assert count(bob, "/api/v1/progress-reports/") == 1
    assert count(dan, "/api/v1/progress-reports/") == 1
    report = world.extra["roadmap_report_a"]
    ProgressReport.objects.filter(pk=report.pk).update(municipality=world.muni_b)
    Assignment.objects.filter(pk=report.assignment_id).update(municipality=world.muni_b)
    assert count(bob, "/api/v1/progress-reports/") == 0
    assert count(dan, "/api/v1/progress-reports/") == 2


def test_a_progress_report_deleted_in_the_admin_leaves_the_count_at_once(world, root):
    bob = client_for(world.bob)
    assert count(bob, "/api/v1/progress-reports/") == 1
    url = reverse("admin:roadmaps_progressreport_delete", args=[world.extra["roadmap_report_a"].pk])
    assert root.post(url, {"post": "yes"}).status_code == 302
    assert count(bob, "/api/v1/progress-reports/") == 0


@pytest.mark.parametrize("table", STAMPED)
def test_every_statement_on_a_stamped_table_writes_its_new_token(world, table):
    """On SQLite a migration that rebuilds a table drops its triggers: this fails then."""
    before = {name: token(name) for name in STAMPED}
    quoted = connection.ops.quote_name(table)  # one of STAMPED, never input
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quoted} SET id = id")  # noqa: S608
    after = {name: token(name) for name in STAMPED}
    assert after[table] != before[table]
    assert {n: t for n, t in after.items() if n != table} == {
        n: t for n, t in before.items() if n != table
    }


def test_counts_differ_in_their_sql_and_their_database_though_alike_in_all_else(world):
    by_position = count_key(Measure.objects.filter(position=1))
    by_version = count_key(Measure.objects.filter(version=1))
    assert by_position and by_version and by_position != by_version
    settings = connection.settings_dict
    name = settings["NAME"]
    try:
        settings["NAME"] = f"{name}_copy"
        assert count_key(Measure.objects.filter(position=1)) != by_position
    finally:
        settings["NAME"] = name


def test_a_table_without_a_stamp_is_counted_every_time(world):
    bob = client_for(world.bob)
    TableStamp.objects.filter(name="roadmaps_assignment").delete()
    assert count_key(Assignment.objects.all()) is None
    assert counts_read(bob, "/api/v1/assignments/") == 1
    assert counts_read(bob, "/api/v1/assignments/") == 1


def test_a_filter_that_can_match_nothing_counts_nothing(world):
    nobody = f.user("nobody")
    assert count(client_for(nobody), "/api/v1/assignments/") == 0


@pytest.fixture
def many_measures(world):
    """Measures in three roadmaps of municipality A, sections numbered against their
    order of creation, so that the list's order is not the ids' order."""
    from roadmaps.services.section import section_create

    for title, sizes in (("Первая", (3, 0)), ("Вторая", (1, 4)), ("Третья", (2, 2))):
        roadmap = roadmap_create(owner=world.muni_a, title=title, by=SYSTEM)
        later = section_create(roadmap=roadmap, number="2.", title="Позже", by=SYSTEM)
        earlier = section_create(roadmap=roadmap, number="1.", title="Раньше", by=SYSTEM)
        earlier.position, later.position = 1, 2
        earlier.save(update_fields=["position"])
        later.save(update_fields=["position"])
        for section, size in zip((later, earlier), sizes, strict=True):
            for n in range(size):
                measure_create(roadmap=roadmap, section=section, text=f"{title} {n}", by=SYSTEM)
    return world


def _measure_queryset(user):
    from roadmaps.api import MeasureEditViewSet
    from tests.api.test_query_counts import list_queryset

    return list_queryset(MeasureEditViewSet, user)


def test_every_window_of_the_measures_is_the_one_the_plain_offset_gives(many_measures):
    from roadmaps.api_rows import MEASURE_COLUMNS, CountedRows, RoadmapOrderedRows

    queryset = _measure_queryset(many_measures.bob)
    total = queryset.count()
    assert total >= 13
    plain = CountedRows(queryset, *MEASURE_COLUMNS)
    spanned = RoadmapOrderedRows(queryset, *MEASURE_COLUMNS)
    assert spanned.by_roadmap
    assert spanned.cached_count() == total
    for start in range(total + 2):
        for size in (1, 2, 3, 7, 50):
            window = slice(start, start + size)
            assert spanned[window] == plain[window], window


def test_the_measures_pages_walk_the_list_in_its_order(many_measures, monkeypatch):
    from infra.api.pagination import StampedPageNumberPagination

    monkeypatch.setattr(StampedPageNumberPagination, "page_size", 2)
    bob = client_for(many_measures.bob)
    expected = list(_measure_queryset(many_measures.bob).values_list("pk", flat=True))
    seen, url = [], "/api/v1/measures/"
    while url:
        page = bob.get(url).json()
        assert page["count"] == len(expected)
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == expected
    measure_create(roadmap=many_measures.extra["roadmap_roadmap_a"], text="Новое", by=SYSTEM)
    expected = list(_measure_queryset(many_measures.bob).values_list("pk", flat=True))
    last = bob.get(f"/api/v1/measures/?page={(len(expected) + 1) // 2}").json()
    assert last["count"] == len(expected)
    assert [row["id"] for row in last["results"]] == expected[(len(expected) - 1) // 2 * 2 :]


def test_the_measures_in_another_order_page_as_before(many_measures, monkeypatch):
    from infra.api.pagination import StampedPageNumberPagination

    monkeypatch.setattr(StampedPageNumberPagination, "page_size", 3)
    bob = client_for(many_measures.bob)
    response = bob.get("/api/v1/measures/?ordering=-id&page=2")
    if response.status_code == 400:
        pytest.skip("the measures list takes no ?ordering=")
    expected = list(
        _measure_queryset(many_measures.bob).order_by("-id").values_list("pk", flat=True)
    )
    assert response.json()["count"] == len(expected)
    assert [row["id"] for row in response.json()["results"]] == expected[3:6]
