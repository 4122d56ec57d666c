"""A person's memberships are kept in the cache under the scope stamp (schools.models.
ScopeStamp), which the database's triggers write afresh with every change to a
membership or to the tree. Whatever makes the change (the admin's forms, its
deletions and bulk deletions, a deleted school or municipality, the schools import,
`update()`), the person's very next request sees it: their reach widens and narrows,
their menu follows their role, their home page the new names. Deactivation and a new
password still end a session at once: the user's row is read on every request."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from schools.models import Membership, Municipality, Region, School, ScopeStamp
from schools.services import schools_import
from tests import factories as f
from tests.security.test_admin_history import form_data

MY_MEASURES = 'href="/roadmaps/my/"'


@pytest.fixture
def root(world):
    client = Client()
    client.force_login(f.user("root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def carol(client, world):
    client.force_login(world.carol)
    return client


def stamp():
    return ScopeStamp.objects.get().token


def school_page(client, school):
    return client.get(reverse("schools:school-detail", args=[school.pk])).status_code


def membership_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured if '"schools_membership"' in q["sql"]]


def test_a_warm_page_reads_no_membership_and_a_change_reads_them_once(carol, world):
    url = reverse("schools:school-detail", args=[world.school_a1.pk])
    membership_queries(carol, url)
    assert membership_queries(carol, url) == []
    world.school_a1.short_name = "Альфа-школа №1 имени Пушкина"
    world.school_a1.save()
    assert len(membership_queries(carol, url)) == 1
    assert membership_queries(carol, url) == []


@pytest.mark.parametrize(
    "change",
    [
        "membership created",
        "membership saved",
        "membership update()",
        "membership deleted",
        "memberships bulk-deleted",
        "school renamed",
        "school update()",
        "school deleted",
        "municipality renamed",
        "municipality deleted",
        "region renamed",
    ],
)
def test_every_change_to_memberships_or_the_tree_writes_a_new_stamp(world, change):
    membership = Membership.objects.get(user=world.carol)
    before = stamp()
    if change == "membership created":
        f.membership(world.carol, role=f.Role.SCHOOL_DEPUTY, node=world.school_a2)
    elif change == "membership saved":
        membership.position = "заместитель директора по УВР"
        membership.save()
    elif change == "membership update()":
        Membership.objects.filter(pk=membership.pk).update(role=f.Role.VIEWER)
    elif change == "membership deleted":
        membership.delete()
    elif change == "memberships bulk-deleted":
        Membership.objects.filter(municipality=world.muni_a).delete()
    elif change == "school renamed":
        world.school_a1.short_name = "Новое имя"
        world.school_a1.save()
    elif change == "school update()":
        School.objects.filter(pk=world.school_a1.pk).update(short_name="Новое имя")
    elif change == "school deleted":
        School.objects.filter(pk=f.school(municipality=world.muni_b).pk).delete()
    elif change == "municipality renamed":
        Municipality.objects.filter(pk=world.muni_b.pk).update(name="Новый Бетаград")
    elif change == "municipality deleted":
        Municipality.objects.filter(pk=f.municipality(region=world.region).pk).delete()
    elif change == "region renamed":
        Region.objects.filter(pk=world.region.pk).update(name="Новый край")
    assert stamp() != before


def test_a_membership_added_in_the_admin_widens_the_reach_at_the_next_request(carol, root, world):
    assert school_page(carol, world.school_a2) == 404
    response = root.post(
        reverse("admin:schools_membership_add"),
        {
            "user": world.carol.pk,
            "role": f.Role.SCHOOL_DEPUTY,
            "region": world.region.pk,
            "municipality": world.muni_a.pk,
            "school": world.school_a2.pk,
            "position": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert school_page(carol, world.school_a2) == 200


def test_a_membership_moved_in_the_admin_narrows_and_widens_at_once(carol, root, world):
    membership = Membership.objects.get(user=world.carol)
    assert school_page(carol, world.school_a1) == 200
    url = reverse("admin:schools_membership_change", args=[membership.pk])
    data = form_data(root.get(url))
    data["school"] = str(world.school_a2.pk)
    assert root.post(url, data).status_code == 302
    assert school_page(carol, world.school_a1) == 404
    assert school_page(carol, world.school_a2) == 200


def test_a_role_changed_in_the_admin_changes_the_menu_at_once(carol, root, world):
    membership = Membership.objects.get(user=world.carol)
    assert MY_MEASURES in carol.get("/").content.decode()
    url = reverse("admin:schools_membership_change", args=[membership.pk])
    data = form_data(root.get(url))
    data["role"] = f.Role.VIEWER
    assert root.post(url, data).status_code == 302
    assert MY_MEASURES not in carol.get("/").content.decode()
    data["role"] = f.Role.SCHOOL_DEPUTY
    assert root.post(url, data).status_code == 302
    assert MY_MEASURES in carol.get("/").content.decode()


def test_a_membership_deleted_in_the_admin_ends_the_reach_at_once(carol, root, world):
    membership = Membership.objects.get(user=world.carol)
    assert school_page(carol, world.school_a1) == 200
    url = reverse("admin:schools_membership_delete", args=[membership.pk])
    assert root.post(url, {"post": "yes"}).status_code == 302
    assert school_page(carol, world.school_a1) == 404


def test_memberships_bulk_deleted_in_the_admin_end_the_reach_at_once(client, root, world):
    client.force_login(world.bob)
    assert school_page(client, world.school_a1) == 200
    ids = [str(m.pk) for m in Membership.objects.filter(municipality=world.muni_a)]
    response = root.post(
        reverse("admin:schools_membership_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(user=world.bob).exists()
    assert school_page(client, world.school_a1) == 404


@pytest.mark.parametrize("node", ["school", "municipality"])
def test_a_node_deleted_in_the_admin_takes_its_memberships_at_once(carol, root, world, node):
    """The memberships go by the database's cascade; the person's kept list with them."""
    if node == "school":
        target = f.school(municipality=world.muni_a, name="Альфа-школа №3")
        f.membership(world.carol, role=f.Role.SCHOOL_DEPUTY, node=target)
    else:
        target = f.municipality(region=world.region, name="Дельтаград")
        f.membership(world.carol, role=f.Role.MUNICIPAL_OFFICIAL, node=target)
    kept = carol.get("/").context["memberships"]
    assert target.pk in {m.school_id if node == "school" else m.municipality_id for m in kept}
    assert carol.get("/").context["memberships"] == kept  # the second from the cache
    url = reverse(f"admin:schools_{node}_delete", args=[target.pk])
    assert root.post(url, {"post": "yes"}).status_code == 302
    left = carol.get("/").context["memberships"]
    assert [m.pk for m in left] == [Membership.objects.get(user=world.carol).pk]


def test_a_school_renamed_by_the_schools_import_shows_on_the_home_page_at_once(carol, world):
    assert "Альфа-школа №1" in carol.get("/").content.decode()
    header = "Код региона;Код МО;Муниципалитет;Код ОО;Логин ФИС ОКО;Полное наименование;"
    header += "Краткое наименование;Адрес;Местность;Тип ОО\n"
    row = "77;A;Альфаград;770001;edu770001;Школа имени Гагарина;Школа имени Гагарина;;город;СОШ\n"
    upload = SimpleUploadedFile("schools.csv", (header + row).encode("utf-8"))
    assert schools_import(source=upload).schools_updated == 1
    page = carol.get("/").content.decode()
    assert "Школа имени Гагарина" in page


def test_a_user_deactivated_in_the_admin_is_refused_at_once(carol, root, world):
    assert school_page(carol, world.school_a1) == 200
    url = reverse("admin:auth_user_change", args=[world.carol.pk])
    data = form_data(root.get(url))
    data.pop("is_active", None)
    # The admin's date and time of joining come as two fields.
    joined = timezone.localtime(data.pop("date_joined", None) and world.carol.date_joined)
    data.update(date_joined_0=joined.date().isoformat(), date_joined_1=joined.strftime("%H:%M:%S"))
    response = root.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    response = carol.get(reverse("schools:school-detail", args=[world.school_a1.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_password_changed_in_the_admin_ends_the_other_sessions_at_once(carol, root, world):
    assert school_page(carol, world.school_a1) == 200
    url = reverse("admin:auth_user_password_change", args=[world.carol.pk])
    new = "Совсем-новый-пароль-2026"
    response = root.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    response = carol.get(reverse("schools:school-detail", args=[world.school_a1.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_api_token_reads_memberships_from_the_cache_and_sees_a_change_at_once(world):
    """A REST client's requests keep the reach under the same stamp as a browser's: a
    warm request reads no membership, and a membership added anywhere widens the
    token's reach at its very next request."""
    from tests.api.helpers import client_for

    api = client_for(world.dan)

    def names_and_membership_reads():
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/api/v1/schools/")
        assert response.status_code == 200
        names = sorted(s["short_name"] for s in response.json()["results"])
        reads = [q for q in captured if '"schools_membership"' in q["sql"]]
        return names, len(reads)

    names_and_membership_reads()
    assert names_and_membership_reads() == (["Бета-школа №1"], 0)
    Membership.objects.create(
        user=world.dan,
        role=f.Role.MUNICIPAL_OFFICIAL,
        region=world.region,
        municipality=world.muni_a,
    )
    names, reads = names_and_membership_reads()
    assert reads == 1
    assert {"Альфа-школа №1", "Бета-школа №1"} <= set(names)
    assert names_and_membership_reads()[1] == 0
