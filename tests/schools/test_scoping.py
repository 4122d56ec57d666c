import pytest

from schools.models import Body, Membership, Municipality, Region, School
from schools.scoping import reach_of
from tests import factories as f


def names(qs):
    return sorted(str(o) for o in qs)


def test_regional_analyst_reaches_every_school_of_the_region_and_no_other(world):
    visible = School.objects.visible_to(world.alice)
    assert names(visible) == ["Альфа-школа №1", "Альфа-школа №2", "Бета-школа №1"]


def test_municipal_official_reaches_only_the_schools_of_the_municipality(world):
    assert names(School.objects.visible_to(world.bob)) == ["Альфа-школа №1", "Альфа-школа №2"]
    assert names(School.objects.visible_to(world.dan)) == ["Бета-школа №1"]


def test_school_deputy_reaches_only_the_own_school(world):
    assert names(School.objects.visible_to(world.carol)) == ["Альфа-школа №1"]
    assert not Municipality.objects.visible_to(world.carol).exists()


def test_municipal_official_does_not_reach_the_region_node_itself(world):
    assert not Region.objects.visible_to(world.bob).exists()
    assert names(Municipality.objects.visible_to(world.bob)) == ["Альфаград"]


def test_bodies_follow_the_same_rule(world):
    assert names(Body.objects.visible_to(world.bob)) == [str(world.body_a)]
    assert names(Body.objects.visible_to(world.alice)) == sorted(
        [str(world.body_a), str(world.body_b)]
    )


def test_several_memberships_add_up(world):
    f.membership(world.carol, role=f.Role.VIEWER, node=world.muni_b)
    carol = type(world.carol).objects.get(pk=world.carol.pk)
    assert names(School.objects.visible_to(carol)) == ["Альфа-школа №1", "Бета-школа №1"]


def test_user_without_membership_reaches_nothing(world):
    nobody = f.user("nobody")
    for model in (Region, Municipality, School, Body, Membership):
        assert not model.objects.visible_to(nobody).exists()


def test_inactive_user_reaches_nothing(world):
    world.bob.is_active = False
    world.bob.save()
    assert reach_of(world.bob).nothing
    assert not School.objects.visible_to(world.bob).exists()


def test_superuser_reaches_everything(world):
    root = f.user("root", is_superuser=True)
    assert School.objects.visible_to(root).count() == School.objects.count() == 4


def test_reach_can_be_narrowed_to_roles(world):
    f.membership(world.bob, role=f.Role.VIEWER, node=world.muni_b)
    bob = type(world.bob).objects.get(pk=world.bob.pk)
    officials_reach = School.objects.visible_to(bob, roles=[f.Role.MUNICIPAL_OFFICIAL])
    assert names(officials_reach) == ["Альфа-школа №1", "Альфа-школа №2"]
    assert School.objects.visible_to(bob).count() == 3


def test_get_visible_or_404_treats_out_of_scope_as_missing(world):
    from django.http import Http404

    assert School.objects.get_visible_or_404(world.bob, pk=world.school_a1.pk) == world.school_a1
    with pytest.raises(Http404):
        School.objects.get_visible_or_404(world.bob, pk=world.school_b1.pk)
    with pytest.raises(Http404):
        School.objects.get_visible_or_404(world.bob, pk=999999)


def test_every_model_of_the_product_declares_its_place_in_the_tree():
    """A tenant-owned model without scope_paths or the scoped manager would bypass the rule."""
    from django.apps import apps

    from schools.scoping import GLOBAL_MODELS, ScopedQuerySet, is_tenant_model

    offenders = []
    for app_label in ("schools", "roadmaps", "assessments", "reports"):
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.label in GLOBAL_MODELS:
                continue
            if not is_tenant_model(model) or not isinstance(
                model._default_manager.all(), ScopedQuerySet
            ):
                offenders.append(model._meta.label)
    assert offenders == []


def test_rows_shared_down_are_readable_below_their_owner_but_not_beside_it(world):
    """Bodies are shared down: a school's deputy reads its municipality's and region's bodies."""
    region_body = Body.objects.create(
        region=world.region, name="Альфа-краевой институт развития образования"
    )

    def readable(user):
        return names(Body.objects.visible_to(user))

    assert readable(world.carol) == sorted([str(world.body_a), str(region_body)])
    assert readable(world.dan) == sorted([str(world.body_b), str(region_body)])
    assert readable(world.gina) == []
    # Models that are not shared stay strictly within the subtree.
    assert not Municipality.objects.visible_to(world.carol).exists()


def test_sharing_down_never_grants_a_permission(world):
    body = world.body_a
    assert world.carol.has_perm("roadmaps.view_roadmap", world.school_a1)
    assert not world.carol.has_perm("roadmaps.edit_roadmap", body)
