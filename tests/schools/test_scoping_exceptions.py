"""The named exceptions of schools/scoping.py: the node a user may pick (a typed
form field), the node that owns a new object, the parents a user may compare
with, and where a user acts."""

import pytest
from django import forms

from schools.models import Municipality, Region, School
from schools.scoping import (
    OwnerUnclear,
    ScopeNodeField,
    acts_for,
    aggregate_scope,
    forget_reach,
    home_nodes,
    owner_for_new,
)
from tests import factories as f


class PickForm(forms.Form):
    node = ScopeNodeField(label="Где")

    def __init__(self, *args, user, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if levels:
            self.fields["node"].levels = levels
        self.fields["node"].set_user(user)


def _clean(user, value, **kwargs):
    form = PickForm({"node": value}, user=user, **kwargs)
    return form, form.is_valid()


# --- ScopeNodeField -------------------------------------------------------------------------


def test_the_field_offers_the_users_region_and_municipalities(world):
    choices = PickForm(user=world.alice).fields["node"].choices
    assert [value for value, _label in choices] == [
        f"r{world.region.pk}",
        f"m{world.muni_a.pk}",
        f"m{world.muni_b.pk}",
    ]
    assert choices[0][1] == "Весь регион: Альфа-край"
    assert PickForm(user=world.bob).fields["node"].choices == [(f"m{world.muni_a.pk}", "Альфаград")]
    assert PickForm(user=world.carol).fields["node"].choices == []


def test_the_field_cleans_to_a_model_instance(world):
    form, valid = _clean(world.bob, f"m{world.muni_a.pk}")
    assert valid
    assert form.cleaned_data["node"] == world.muni_a
    assert isinstance(form.cleaned_data["node"], Municipality)
    form, valid = _clean(world.alice, f"r{world.region.pk}")
    assert valid
    assert isinstance(form.cleaned_data["node"], Region)


@pytest.mark.parametrize(
    "value",
    ["m{muni_b}", "r{region}", "r{other_region}", "s{school_a1}", "x1", "m", "m12abc", "m-1", "1"],
)
def test_the_field_refuses_out_of_scope_and_junk_in_russian(world, value):
    value = value.format(
        muni_b=world.muni_b.pk,
        region=world.region.pk,
        other_region=world.other_region.pk,
        school_a1=world.school_a1.pk,
    )
    form, valid = _clean(world.bob, value)
    assert not valid
    assert form.errors["node"] == ["Выберите вариант из списка: такого здесь нет."]


def test_the_field_refuses_a_missing_node_like_an_out_of_scope_one(world):
    form, valid = _clean(world.alice, "m999999")
    assert not valid
    assert form.errors["node"] == ["Выберите вариант из списка: такого здесь нет."]


def test_the_field_offers_schools_when_asked(world):
    form, valid = _clean(world.carol, f"s{world.school_a1.pk}", levels=("school",))
    assert valid
    assert form.cleaned_data["node"] == world.school_a1
    form, valid = _clean(world.carol, f"s{world.school_a2.pk}", levels=("school",))
    assert not valid


def test_the_key_of_a_node_is_what_the_field_reads(world):
    assert ScopeNodeField.key_of(world.muni_a) == f"m{world.muni_a.pk}"
    assert ScopeNodeField.key_of(world.region) == f"r{world.region.pk}"
    assert ScopeNodeField.key_of(world.school_a1) == f"s{world.school_a1.pk}"


# --- owner_for_new --------------------------------------------------------------------------


def test_a_given_school_owns_the_new_object(world):
    owner = owner_for_new(world.alice, school=world.school_b1)
    assert owner == (world.region.pk, world.muni_b.pk, world.school_b1.pk)


def test_the_users_one_node_owns_the_new_object(world):
    assert owner_for_new(world.alice) == (world.region.pk, None, None)
    assert owner_for_new(world.bob) == (world.region.pk, world.muni_a.pk, None)
    assert owner_for_new(world.carol) == (world.region.pk, world.muni_a.pk, world.school_a1.pk)


def test_a_user_with_two_municipalities_must_say_which(world):
    f.membership(world.bob, role=f.Role.MUNICIPAL_OFFICIAL, node=world.muni_b)
    forget_reach(world.bob)
    with pytest.raises(OwnerUnclear) as refused:
        owner_for_new(world.bob)
    assert "Не ясно, от чьего имени" in refused.value.messages[0]
    assert owner_for_new(world.bob, school=world.school_b1)[2] == world.school_b1.pk


def test_a_user_with_two_regions_must_say_which_unless_the_region_is_given(world):
    f.membership(world.alice, role=f.Role.REGIONAL_ANALYST, node=world.other_region)
    forget_reach(world.alice)
    with pytest.raises(OwnerUnclear):
        owner_for_new(world.alice)
    assert owner_for_new(world.alice, region=world.other_region) == (
        world.other_region.pk,
        None,
        None,
    )


def test_a_superuser_must_name_the_region(world, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    with pytest.raises(OwnerUnclear) as refused:
        owner_for_new(root)
    assert "Укажите" in refused.value.messages[0]
    assert owner_for_new(root, region=world.region) == (world.region.pk, None, None)


def test_a_user_without_a_membership_owns_nothing(world, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    with pytest.raises(OwnerUnclear):
        owner_for_new(nobody)


def test_the_import_refuses_an_unclear_owner_instead_of_taking_the_first_region(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.results.services.batches import import_batch_create

    f.membership(world.bob, role=f.Role.MUNICIPAL_OFFICIAL, node=world.muni_b)
    forget_reach(world.bob)
    upload = SimpleUploadedFile("results.csv", b"a;b\n1;2\n")
    with pytest.raises(OwnerUnclear):
        import_batch_create(user=world.bob, upload=upload)


# --- the parents a user compares with, where a user acts ------------------------------------


def test_a_school_compares_with_its_municipality_and_region_only(world):
    scope = aggregate_scope(world.carol)
    assert scope.regions == {world.region.pk}
    assert scope.municipalities == {world.muni_a.pk}
    assert list(Municipality.objects.aggregate_visible_to(world.carol, level="municipality")) == [
        world.muni_a
    ]
    assert not Municipality.objects.visible_to(world.carol).exists()
    # The region's schools, for counting only; not another region's.
    region_schools = School.objects.aggregate_visible_to(world.carol, level="region")
    assert set(region_schools) == {world.school_a1, world.school_a2, world.school_b1}


def test_acting_for_a_node_needs_a_membership_that_reaches_it(world):
    assert acts_for(world.bob, world.muni_a)
    assert acts_for(world.bob, world.school_a2)
    assert not acts_for(world.bob, world.region)
    assert not acts_for(world.bob, world.muni_b)
    assert acts_for(world.bob, {"region_id": world.region.pk, "municipality_id": world.muni_a.pk})


def test_home_nodes_say_where_a_user_works(world):
    assert home_nodes(world.alice).levels == {"region"}
    assert home_nodes(world.carol).levels == {"school"}
    assert home_nodes(world.carol).owns_school(world.school_a1.pk)
    assert not home_nodes(world.carol).owns_school(world.school_a2.pk)


def test_aggregate_of_refuses_a_level_the_model_is_not_filed_by(world):
    with pytest.raises(TypeError):
        Region.objects.aggregate_of(world.muni_a)
    assert list(School.objects.aggregate_of(world.muni_a).order_by("pk")) == [
        world.school_a1,
        world.school_a2,
    ]


def test_the_upload_page_asks_a_user_of_two_municipalities_for_the_school(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from assessments.results.models import ImportBatch

    f.membership(world.bob, role=f.Role.MUNICIPAL_OFFICIAL, node=world.muni_b)
    client.force_login(world.bob)
    before = ImportBatch.objects.count()
    response = client.post(
        reverse("assessments:import-list"),
        {"file": SimpleUploadedFile("results.csv", b"a;b\n1;2\n")},
    )
    assert response.status_code == 200
    assert "Не ясно, от чьего имени" in response.content.decode()
    assert ImportBatch.objects.count() == before
