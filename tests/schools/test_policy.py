"""The policy table, read as sentences."""

import pytest

from tests import factories as f


@pytest.mark.parametrize(
    ("who", "permission", "target", "allowed"),
    [
        ("bob", "roadmaps.edit_roadmap", "muni_a", True),
        ("bob", "roadmaps.edit_roadmap", "muni_b", False),
        ("bob", "roadmaps.review_report", "school_a1", True),
        ("bob", "roadmaps.review_report", "school_b1", False),
        ("carol", "roadmaps.report_progress", "school_a1", True),
        ("carol", "roadmaps.report_progress", "school_a2", False),
        ("carol", "roadmaps.review_report", "school_a1", False),
        ("victor", "roadmaps.view_roadmap", "school_a1", True),
        ("victor", "roadmaps.edit_roadmap", "school_a1", False),
        ("victor", "reports.build_document", "muni_a", False),
        ("mia", "reports.write_recommendations", "muni_a", True),
        ("mia", "roadmaps.approve_roadmap", "muni_a", False),
        ("alice", "assessments.run_checks", "muni_b", True),
        ("alice", "schools.import_schools", "region", True),
        ("bob", "schools.import_schools", "region", False),
        ("dan", "assessments.import_results", "school_a1", False),
    ],
)
def test_role_permissions_on_objects(world, who, permission, target, allowed):
    assert getattr(world, who).has_perm(permission, getattr(world, target)) is allowed


def test_without_an_object_a_permission_means_holding_the_role_somewhere(world):
    assert world.carol.has_perm("roadmaps.report_progress")
    assert not world.victor.has_perm("roadmaps.report_progress")
    assert not f.user("nobody").has_perm("schools.view_tree")


def test_unknown_objects_are_never_permitted(world):
    assert not world.alice.has_perm("roadmaps.view_roadmap", object())
