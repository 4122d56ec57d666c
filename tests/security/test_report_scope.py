"""Progress reports are scoped by the region and municipality they carry (copied from
their assignment, so that the API list counts a region's reports without joining each
one to its assignment). The set each person sees must be the one the assignment's own
node gives: for every role, for a report of a regional assignment (no municipality),
after the admin moves an assignment, and in the API list's count."""

from datetime import date

import pytest
from django.urls import reverse

from roadmaps.models import Assignment, ProgressReport
from roadmaps.services.base import SYSTEM
from roadmaps.services.measure import measure_create
from roadmaps.services.report import progress_report_submit
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from schools.scoping import ScopePaths, reach_of, reach_q
from tests import factories as f
from tests.api.helpers import client_for
from tests.security.test_admin_history import form_data

# The rule as it reads through the assignment: what the reports' own columns must give.
THROUGH_ASSIGNMENT = ScopePaths(
    region="assignment__region",
    municipality="assignment__municipality",
    school="assignment__school",
)


def through_assignment(user) -> set[int]:
    q = reach_q(THROUGH_ASSIGNMENT, reach_of(user))
    return set(ProgressReport.objects.filter(q).values_list("pk", flat=True))


def visible(user) -> set[int]:
    return set(ProgressReport.objects.visible_to(user).values_list("pk", flat=True))


def regional_report(region, marker):
    """A report on a regional roadmap's measure given to the region's own people: an
    assignment with no municipality and no school."""
    roadmap = roadmap_create(
        owner=region,
        title=f"Региональная карта {marker}",
        by=SYSTEM,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 8, 31),
    )
    measure = measure_create(
        roadmap=roadmap,
        text=f"Семинар {marker}",
        responsible_text="Министерство образования",
        by=SYSTEM,
    )
    roadmap_approve(roadmap=roadmap, by=SYSTEM, order_number=f"{marker}-р")
    assignment = measure.assignments.first() or Assignment.objects.create(
        measure=measure, region=region, assignee_text="Министерство образования"
    )
    return progress_report_submit(
        assignment=assignment,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 12, 31),
        status=ProgressReport.Status.IN_PROGRESS,
        by=SYSTEM,
    )


@pytest.fixture
def people(world):
    regional = regional_report(world.region, "77")
    regional_report(world.other_region, "66")
    assert regional.municipality_id is None and regional.region_id == world.region.pk
    both = f.user("both", role=f.Role.SCHOOL_DEPUTY, node=world.school_b1)
    f.membership(both, role=f.Role.VIEWER, node=world.muni_a)
    return {
        "alice (регион)": world.alice,
        "gina (другой регион)": world.gina,
        "bob (муниципалитет А)": world.bob,
        "dan (муниципалитет Б)": world.dan,
        "mia (методист А)": world.mia,
        "victor (наблюдатель А)": world.victor,
        "carol (школа А1)": world.carol,
        "both (школа Б1 и наблюдатель А)": both,
        "root": f.user("root", is_superuser=True, is_staff=True),
        "nobody": f.user("nobody"),
        "inactive": _inactive(world),
    }


def _inactive(world):
    person = f.user("inactive", role=f.Role.REGIONAL_ANALYST, node=world.region)
    person.is_active = False
    person.save()
    return person


def test_every_role_sees_the_reports_its_assignments_node_gives(people, world):
    seen = {}
    for name, person in people.items():
        assert visible(person) == through_assignment(person), name
        seen[name] = visible(person)
    # Not a comparison of empty sets: each kind of reach finds what it should.
    regional = set(
        ProgressReport.objects.filter(municipality__isnull=True, region=world.region).values_list(
            "pk", flat=True
        )
    )
    assert regional and regional <= seen["alice (регион)"]
    assert not regional & seen["bob (муниципалитет А)"]
    assert not seen["alice (регион)"] & seen["gina (другой регион)"]
    assert seen["carol (школа А1)"] and seen["carol (школа А1)"] <= seen["bob (муниципалитет А)"]
    assert seen["root"] == set(ProgressReport.objects.values_list("pk", flat=True))
    assert not seen["nobody"] and not seen["inactive"]


def test_the_api_list_counts_the_same_reports_for_every_role(people):
    for name, person in people.items():
        if not person.is_active or person.username == "nobody":
            continue
        answer = client_for(person).get("/api/v1/progress-reports/")
        assert answer.status_code == 200, name
        assert answer.json()["count"] == len(through_assignment(person)), name
        ids = {row["id"] for row in answer.json()["results"]}
        assert ids == through_assignment(person), name


def test_an_assignment_moved_in_the_admin_takes_its_reports_along(client, world):
    root = f.user("root", is_superuser=True, is_staff=True)
    report = world.extra["roadmap_report_a"]
    assert report.pk in visible(world.bob) and report.pk not in visible(world.dan)
    client.force_login(root)
    url = reverse("admin:roadmaps_assignment_change", args=[report.assignment_id])
    data = form_data(client.get(url))
    # To a measure of Бетаград's roadmap, for a school of Бетаград (an assignment stays
    # inside its roadmap's owner: tests/roadmaps/test_school_edits.py).
    data["measure"] = str(world.extra["roadmap_report_b"].assignment.measure_id)
    data["municipality"] = str(world.muni_b.pk)
    data["school"] = str(f.school(municipality=world.muni_b, name="Бета-школа №7").pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert report.pk in visible(world.dan) and report.pk not in visible(world.bob)
    for person in (world.alice, world.bob, world.dan, world.carol, world.gina):
        assert visible(person) == through_assignment(person)


def test_a_report_moved_to_another_assignment_in_the_admin_follows_it(client, world):
    root = f.user("root", is_superuser=True, is_staff=True)
    report = world.extra["roadmap_report_a"]
    other = world.extra["roadmap_report_b"].assignment
    client.force_login(root)
    url = reverse("admin:roadmaps_progressreport_change", args=[report.pk])
    page = client.get(url)
    # The copied node is not a field anyone fills in by hand.
    assert "region" not in page.context["adminform"].form.fields
    assert "municipality" not in page.context["adminform"].form.fields
    data = form_data(page)
    data["assignment"] = str(other.pk)
    data["period_start"] = "01.01.2025"
    # The admin splits a date and time in two inputs.
    data.pop("submitted_at")
    data.update(submitted_at_0="01.12.2025", submitted_at_1="10:00:00")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    report.refresh_from_db()
    assert (report.region_id, report.municipality_id) == (other.region_id, other.municipality_id)
    assert report.pk in visible(world.dan) and report.pk not in visible(world.bob)
