"""Reads of the tree, always through the scoping rule."""

from django.db.models import Count, Q

from schools.models import Body, Municipality, Region, School, parse_fis_login
from schools.scoping import memberships_of


def region_list(*, user):
    return (
        Region.objects.visible_to(user)
        .annotate(
            municipality_count=Count("municipalities", distinct=True),
            school_count=Count("schools", distinct=True),
        )
        .order_by("code")
    )


def municipality_list(*, user, region=None):
    qs = (
        Municipality.objects.visible_to(user)
        .select_related("region")
        .annotate(school_count=Count("schools"))
        .order_by("region__code", "name")
    )
    if region is not None:
        qs = qs.filter(region=region)
    return qs


def municipality_get(*, user, pk):
    return Municipality.objects.select_related("region").get_visible_or_404(user, pk=pk)


def school_list(*, user, municipality=None, search: str = ""):
    qs = School.objects.visible_to(user).select_related("municipality", "region")
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if search:
        qs = qs.filter(
            Q(short_name__icontains=search)
            | Q(full_name__icontains=search)
            | Q(code__iexact=search)
            | Q(fis_login__iexact=search)
        )
    return qs


def school_get(*, user, pk):
    return School.objects.select_related("municipality", "region").get_visible_or_404(user, pk=pk)


def body_list(*, user):
    return Body.objects.visible_to(user).select_related("region", "municipality", "school")


def membership_list(*, user):
    """The user's own memberships, with their nodes, for the home page and menus (the
    list the scoping rule read for this user object: no second query)."""
    return memberships_of(user)


def school_resolve_codes(*, codes, queryset) -> dict[str, School]:
    """Map each code as written (school code or ФИС ОКО login) to a school.

    One query for the whole set of codes; codes that match nothing are absent
    from the result. `queryset` is the scoped set the codes may point into;
    school codes are unique within a region, so pass one region's schools.
    """
    wanted = {str(code).strip() for code in codes if str(code).strip()}
    logins = {code.lower(): code for code in wanted if parse_fis_login(code)}
    plain = wanted - set(logins.values())
    found: dict[str, School] = {}
    for school in queryset.filter(Q(fis_login__in=list(logins)) | Q(code__in=plain)):
        if school.fis_login in logins:
            found[logins[school.fis_login]] = school
        if school.code in plain:
            found[school.code] = school
    return found
