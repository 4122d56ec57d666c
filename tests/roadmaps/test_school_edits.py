"""A school is edited outside the roadmaps' services (the admin, the import of the
region's list). Its name shows in the roadmaps' cached figures, which follow at once;
a school that has measures (hence the evidence of their reports) is not deleted."""

from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from reports.dashboard.blocks import dashboard
from roadmaps.models import Assignment
from schools.models import School
from schools.selectors import membership_list
from tests import factories as f
from tests.security.test_admin_history import form_data

TODAY = date(2026, 1, 15)


@pytest.fixture
def roadmap(world):
    cache.clear()
    return f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[("1.1.", "Анализ результатов ВПР на педагогических советах", "октябрь 2025")],
    )


def school_names_in_the_chart(user):
    (block,) = dashboard(user=user, memberships=list(membership_list(user=user)), today=TODAY)
    return {row["school"].short_name for row in block["execution"]["by_school"]}


@pytest.fixture
def root(client):
    user = f.user("root", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def test_a_school_renamed_in_the_admin_shows_its_new_name_in_the_execution_figures(
    client, world, roadmap, root
):
    assert world.school_a1.short_name in school_names_in_the_chart(world.bob)
    url = reverse("admin:schools_school_change", args=[world.school_a1.pk])
    data = form_data(client.get(url))
    data["short_name"] = "Гимназия на Морской"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    names = school_names_in_the_chart(world.bob)
    assert "Гимназия на Морской" in names
    assert world.school_a1.short_name not in names


def test_a_school_renamed_by_code_elsewhere_shows_its_new_name(world, roadmap):
    """Any save of the school (the import of the region's list saves each changed row)."""
    school_names_in_the_chart(world.bob)
    school = School.objects.get(pk=world.school_a2.pk)
    school.short_name = "Школа на Лесной"
    school.save()
    assert "Школа на Лесной" in school_names_in_the_chart(world.bob)


def test_a_school_with_measures_is_not_deleted_in_the_admin(client, world, roadmap, root):
    assigned = Assignment.objects.filter(school=world.school_a1).count()
    assert assigned >= 1
    url = reverse("admin:schools_school_delete", args=[world.school_a1.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "защищённых" in page.content.decode() or "защищенных" in page.content.decode()
    client.post(url, {"post": "yes"})
    assert School.objects.filter(pk=world.school_a1.pk).exists()
    assert Assignment.objects.filter(school=world.school_a1).count() == assigned


def test_a_school_without_measures_is_deleted_in_the_admin(client, world, roadmap, root):
    school = f.school(municipality=world.muni_a, code="990001", name="Новая школа")
    url = reverse("admin:schools_school_delete", args=[school.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not School.objects.filter(pk=school.pk).exists()


def test_the_admin_refuses_an_assignment_outside_the_roadmaps_municipality(
    client, world, roadmap, root
):
    """The overdue lists and figures of a municipality read its own roadmaps: a measure
    of Альфаград's roadmap given by hand to a school of Бетаград is refused, not
    written."""
    measure = roadmap.measures.get(number="1.1.")
    before = Assignment.objects.count()
    response = client.post(
        reverse("admin:roadmaps_assignment_add"),
        {
            "measure": measure.pk,
            "region": world.region.pk,
            "municipality": world.muni_b.pk,
            "school": world.school_b1.pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Альфаград" in str(errors["__all__"])
    assert Assignment.objects.count() == before
    # Inside the owner it is accepted.
    school = f.school(municipality=world.muni_a, code="990002", name="Школа на Садовой")
    response = client.post(
        reverse("admin:roadmaps_assignment_add"),
        {
            "measure": measure.pk,
            "region": world.region.pk,
            "municipality": world.muni_a.pk,
            "school": school.pk,
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(measure=measure, school=school).exists()


def test_the_admin_refuses_a_school_of_another_municipality_than_the_one_chosen(
    client, world, roadmap, root
):
    measure = roadmap.measures.get(number="1.1.")
    response = client.post(
        reverse("admin:roadmaps_assignment_add"),
        {
            "measure": measure.pk,
            "region": world.region.pk,
            "municipality": world.muni_a.pk,
            "school": world.school_b1.pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "муниципалитету" in str(errors["school"])
