"""What each role may do: the one policy table of the product.

A permission is granted to a set of roles. Without an object, `user.has_perm`
answers whether the user holds one of those roles anywhere (used for menus);
with an object, whether one of those memberships reaches the object's node.
Views, API views and services ask `user.has_perm(...)`; none of them tests
roles by hand.
"""

import rules

from schools.models import Role
from schools.scoping import acts_for, bodies_of, home_nodes, is_tenant_model

ALL_ROLES = frozenset(Role.values)
OFFICIALS = frozenset({Role.REGIONAL_ANALYST, Role.MUNICIPAL_OFFICIAL})
ANALYSTS = frozenset({Role.REGIONAL_ANALYST, Role.MUNICIPAL_OFFICIAL, Role.METHODIST})

# permission → roles that hold it. Keep it in one table so it can be read whole.
POLICY: dict[str, frozenset[str]] = {
    # the tree
    "schools.view_tree": ALL_ROLES,
    "schools.view_municipalities": frozenset(ALL_ROLES - {Role.SCHOOL_DEPUTY}),
    "schools.import_schools": frozenset({Role.REGIONAL_ANALYST}),
    "schools.manage_bodies": OFFICIALS,
    # roadmaps
    "roadmaps.view_roadmap": ALL_ROLES,
    "roadmaps.edit_roadmap": frozenset(
        {Role.MUNICIPAL_OFFICIAL, Role.SCHOOL_DEPUTY, Role.REGIONAL_ANALYST}
    ),
    "roadmaps.approve_roadmap": frozenset(
        {Role.MUNICIPAL_OFFICIAL, Role.SCHOOL_DEPUTY, Role.REGIONAL_ANALYST}
    ),
    "roadmaps.report_progress": frozenset({Role.SCHOOL_DEPUTY, Role.MUNICIPAL_OFFICIAL}),
    "roadmaps.review_report": OFFICIALS,
    # assessments
    "assessments.view_results": ALL_ROLES,
    "assessments.import_results": frozenset(
        {Role.REGIONAL_ANALYST, Role.MUNICIPAL_OFFICIAL, Role.SCHOOL_DEPUTY}
    ),
    "assessments.run_checks": ANALYSTS,
    "assessments.edit_learning_route": frozenset({Role.SCHOOL_DEPUTY}),
    "assessments.answer_flag": OFFICIALS,
    # documents
    "reports.view_document": ALL_ROLES,
    "reports.build_document": frozenset(ALL_ROLES - {Role.VIEWER}),
    "reports.write_recommendations": ANALYSTS,
}


def _roles_reach(roles: frozenset[str]):
    @rules.predicate(name=f"holds one of {sorted(roles)}")
    def predicate(user, obj=None):
        if obj is None:
            return bool(home_nodes(user, roles).levels)
        if not is_tenant_model(type(obj)):
            return False
        return acts_for(user, obj, roles)

    return predicate


@rules.predicate(name="works in the responsible body")
def _body_member(user, obj=None):
    """A body's people report on the measures their body answers for."""
    bodies = bodies_of(user)
    if obj is None:
        return bool(bodies)
    body_id = getattr(obj, "body_id", None)
    if body_id is None and hasattr(obj, "assignment"):
        body_id = obj.assignment.body_id
    return body_id is not None and body_id in bodies


# Permissions that the people of a responsible body hold for their body's assignments.
BODY_PERMISSIONS = {"roadmaps.report_progress"}

for _permission, _roles in POLICY.items():
    _predicate = _roles_reach(_roles)
    if _permission in BODY_PERMISSIONS:
        _predicate = _predicate | _body_member
    rules.add_perm(_permission, _predicate)


def roles_for(permission: str) -> frozenset[str]:
    """The roles that hold `permission` (to scope a queryset to what a user may change)."""
    return POLICY[permission]
