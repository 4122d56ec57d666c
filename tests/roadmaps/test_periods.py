"""Periods (issue #14 item 3): every roadmap is named with its owner, period and
order; approving one whose period has ended asks first and gives nobody overdue
items; one roadmap is in force per owner, and the dashboard shows that one."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reports.dashboard.blocks import dashboard
from roadmaps.models import Assignment, Roadmap
from roadmaps.services.measure import measure_create
from roadmaps.services.roadmap import roadmap_approve, roadmap_create, roadmap_put_in_force
from schools.selectors import membership_list


def url(name, **kwargs):
    return reverse(f"roadmaps:{name}", kwargs=kwargs)


def draft(world, *, start, end, title="План мероприятий по объективности", academic_year=""):
    roadmap = roadmap_create(
        owner=world.muni_a,
        title=title,
        by=world.bob,
        period_start=start,
        period_end=end,
        academic_year=academic_year,
    )
    measure_create(
        roadmap=roadmap,
        number="1.",
        text="Анализ результатов ВПР",
        responsible_text="ОО",
        deadline_text="октябрь",
        by=world.bob,
    )
    return roadmap


def current_period():
    today = timezone.localdate()
    return today - timedelta(days=60), today + timedelta(days=300)


def test_a_roadmap_is_named_by_owner_period_and_order(world):
    roadmap = draft(world, start=date(2023, 9, 1), end=date(2024, 8, 31))
    assert str(roadmap) == "Альфаград: ДК 2023/24, проект"
    roadmap.order_number, roadmap.order_date = "215-од", date(2023, 9, 1)
    assert roadmap.label == "Альфаград: ДК 2023/24, приказ № 215-од от 01.09.2023"
    roadmap.academic_year = "2024/2025"
    assert roadmap.short_label == "ДК 2024/25, приказ № 215-од от 01.09.2023"


def test_roadmaps_of_two_years_with_one_title_are_told_apart_in_the_list_and_the_selector(
    client, world
):
    draft(world, start=date(2023, 9, 1), end=date(2024, 8, 31))
    draft(world, start=date(2024, 9, 1), end=date(2025, 8, 31))
    client.force_login(world.bob)
    page = client.get(url("roadmap-list")).content.decode()
    assert "Альфаград: ДК 2023/24, проект" in page and "Альфаград: ДК 2024/25, проект" in page
    from reports.builders.order import OrderParamsForm

    labels = [label for _value, label in OrderParamsForm(user=world.bob).fields["roadmap"].choices]
    assert "Альфаград: ДК 2023/24, проект" in labels and "Альфаград: ДК 2024/25, проект" in labels


def test_approving_a_past_roadmap_asks_first_and_gives_no_overdue_assignments(client, world):
    roadmap = draft(world, start=date(2023, 9, 1), end=date(2024, 8, 31))
    client.force_login(world.bob)
    order = {"order_number": "215-од", "order_date": "2023-09-01"}
    response = client.post(url("roadmap-approve", roadmap_pk=roadmap.pk), order, follow=True)
    assert "Период дорожной карты закончился 31.08.2024" in response.content.decode()
    roadmap.refresh_from_db()
    assert roadmap.status == Roadmap.Status.DRAFT
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap.pk)).content.decode()
    assert "Понятно, утвердить" in page
    client.post(url("roadmap-approve", roadmap_pk=roadmap.pk), dict(order, confirmed="1"))
    roadmap.refresh_from_db()
    assert roadmap.status == Roadmap.Status.APPROVED
    assert not Assignment.objects.filter(measure__roadmap=roadmap).exists()


def test_a_past_roadmap_approved_today_does_not_displace_the_one_in_force(client, world):
    start, end = current_period()
    current = draft(world, start=start, end=end)
    roadmap_approve(roadmap=current, by=world.bob, order_number="7")
    roadmap_put_in_force(roadmap=current, by=world.bob)
    old = draft(world, start=date(2023, 9, 1), end=date(2024, 8, 31))
    roadmap_approve(roadmap=old, by=world.bob, order_number="215-од", as_record=True)
    blocks = dashboard(
        user=world.bob,
        memberships=list(membership_list(user=world.bob)),
        today=timezone.localdate(),
    )
    assert blocks[0]["roadmap"] == current
    client.force_login(world.bob)
    assert current.label in client.get("/").content.decode()


def test_approving_a_new_roadmap_for_the_same_period_asks_and_closes_the_old_one(client, world):
    start, end = current_period()
    first = draft(world, start=start, end=end)
    roadmap_approve(roadmap=first, by=world.bob, order_number="7")
    second = draft(world, start=start, end=end)
    client.force_login(world.bob)
    order = {"order_number": "8", "order_date": timezone.localdate().isoformat()}
    response = client.post(url("roadmap-approve", roadmap_pk=second.pk), order, follow=True)
    assert "заменит действующую" in response.content.decode()
    client.post(url("roadmap-approve", roadmap_pk=second.pk), dict(order, confirmed="1"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == Roadmap.Status.APPROVED and first.status == Roadmap.Status.CLOSED
    assert Assignment.objects.filter(measure__roadmap=second).count() == 2


def test_only_one_roadmap_of_an_owner_is_in_force(world):
    start, end = current_period()
    first, second = draft(world, start=start, end=end), draft(world, start=start, end=end)
    roadmap_approve(roadmap=first, by=world.bob, order_number="7")
    roadmap_put_in_force(roadmap=first, by=world.bob)
    roadmap_approve(roadmap=second, by=world.bob, order_number="8")
    with pytest.raises(ValidationError, match="Уже действует «Альфаград: ДК"):
        roadmap_put_in_force(roadmap=second, by=world.bob)
    roadmap_put_in_force(roadmap=second, by=world.bob, supersede=True)
    first.refresh_from_db()
    assert first.status == Roadmap.Status.CLOSED
    assert list(Roadmap.objects.filter(status=Roadmap.Status.IN_FORCE)) == [
        Roadmap.objects.get(pk=second.pk)
    ]


def test_the_api_names_a_roadmap_as_the_pages_do(client, world):
    roadmap = draft(world, start=date(2023, 9, 1), end=date(2024, 8, 31))
    client.force_login(world.bob)
    data = client.get(f"/api/v1/roadmaps/{roadmap.pk}/").json()
    assert data["label"] == "Альфаград: ДК 2023/24, проект"
