"""People of a responsible body (ИМЦ, РМК, УО) get the measures their body answers for."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from roadmaps.models import Assignment, ProgressReport
from roadmaps.selectors.assignment import my_assignments
from roadmaps.services.assignment import assignments_create
from roadmaps.services.measure import measure_create
from roadmaps.services.report import progress_report_submit
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from schools.models import Membership
from schools.scoping import forget_reach


@pytest.fixture
def roadmap(world):
    roadmap = roadmap_create(
        owner=world.muni_a,
        title="Дорожная карта с методистами",
        by=world.bob,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 5, 31),
    )
    measure_create(
        roadmap=roadmap,
        number="1.",
        text="Методические рекомендации по объективному оцениванию",
        deadline_text="декабрь 2025",
        responsible_text=world.body_a.name,
        by=world.bob,
    )
    measure_create(
        roadmap=roadmap,
        number="2.",
        text="Анализ результатов ВПР на педсоветах",
        deadline_text="октябрь 2025",
        responsible_text="ОО",
        by=world.bob,
    )
    roadmap_approve(roadmap=roadmap, by=world.bob, order_number="3")
    assignments_create(roadmap=roadmap, by=world.bob)
    return roadmap


def works_in(user, body):
    Membership.objects.filter(user=user).update(body=body)
    forget_reach(user)


def body_assignment(roadmap, body):
    return Assignment.objects.get(measure__roadmap=roadmap, body=body)


def test_a_methodist_of_the_body_sees_its_measures_in_her_list_and_dashboard(
    client, world, roadmap
):
    works_in(world.mia, world.body_a)
    rows = my_assignments(user=world.mia, own=True)
    assert [
        r["assignment"].measure.number for r in rows if r["assignment"].measure.roadmap == roadmap
    ] == ["1."]
    client.force_login(world.mia)
    home = client.get("/").content.decode()
    assert 'href="/roadmaps/my/"' in home  # «Мои мероприятия» in her menu
    assert "Мероприятия, за которые отвечает" in home
    assert "Методические рекомендации по объективному оцениванию" in home
    page = client.get("/roadmaps/my/").content.decode()
    assert "Методические рекомендации по объективному оцениванию" in page
    assert "Анализ результатов ВПР на педсоветах" not in page  # the schools' work, not hers


def test_a_methodist_without_a_body_has_no_tasks(client, world, roadmap):
    assert my_assignments(user=world.mia, own=True) == []
    client.force_login(world.mia)
    assert 'href="/roadmaps/my/"' not in client.get("/").content.decode()
    assignment = body_assignment(roadmap, world.body_a)
    assert client.get(f"/roadmaps/assignments/{assignment.pk}/report/").status_code == 403


def test_a_body_member_reports_on_her_body_measure_only(client, world, roadmap):
    works_in(world.mia, world.body_a)
    assignment = body_assignment(roadmap, world.body_a)
    client.force_login(world.mia)
    assert client.get(f"/roadmaps/assignments/{assignment.pk}/report/").status_code == 200
    report = progress_report_submit(
        assignment=assignment,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 12, 31),
        status=ProgressReport.Status.IN_PROGRESS,
        comment="Рекомендации в работе",
        by=world.mia,
    )
    assert report.submitted_by == world.mia
    school_assignment = Assignment.objects.get(measure__roadmap=roadmap, school=world.school_a1)
    with pytest.raises(PermissionDenied):
        progress_report_submit(
            assignment=school_assignment,
            period_start=date(2025, 9, 1),
            period_end=date(2025, 12, 31),
            status=ProgressReport.Status.DONE,
            by=world.mia,
        )


def test_a_read_only_viewer_in_a_body_still_cannot_report(client, world, roadmap):
    works_in(world.victor, world.body_a)
    assignment = body_assignment(roadmap, world.body_a)
    client.force_login(world.victor)
    assert client.get(f"/roadmaps/assignments/{assignment.pk}/report/").status_code == 403


def test_a_body_of_another_municipality_is_refused_in_russian(world):
    membership = Membership.objects.get(user=world.mia)
    membership.body = world.body_b
    with pytest.raises(ValidationError) as refused:
        membership.full_clean()
    assert "Орган должен относиться к тому же" in str(refused.value)


def test_the_demo_methodist_gets_her_bodys_measures(client, db):
    call_command("load_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    methodist = get_user_model().objects.get(username="methodist")
    membership = Membership.objects.get(user=methodist)
    assert membership.body.short_name == "Методический кабинет"
    rows = my_assignments(user=methodist, own=True)
    assert rows and all(r["assignment"].body_id == membership.body_id for r in rows)
    client.force_login(methodist)
    page = client.get("/roadmaps/my/").content.decode()
    assert rows[0]["assignment"].measure.text[:40] in page
    home = client.get("/").content.decode()
    assert "Мероприятия, за которые отвечает Методический кабинет" in home
    assert methodist.notifications.filter(kind="assigned").exists()


def test_an_official_working_in_the_authority_sees_its_measures_on_her_dashboard(
    client, world, roadmap
):
    works_in(world.bob, world.body_a)
    client.force_login(world.bob)
    home = client.get("/").content.decode()
    assert f"Мероприятия, за которые отвечает {world.body_a}" in home
    assert "Методические рекомендации по объективному оцениванию" in home
