"""Factories that keep the tree consistent: a school's region is its municipality's."""

import itertools

from django.contrib.auth import get_user_model

from schools.models import Body, Membership, Municipality, Region, Role, School

_counter = itertools.count(1)

PASSWORD = "Test-pass-2026!"


def region(*, code=None, name=None):
    n = next(_counter)
    return Region.objects.create(code=code or f"{n % 90 + 10:02d}", name=name or f"Регион {n}")


def municipality(*, region, name=None, code=None, kind=Municipality.Kind.DISTRICT):
    n = next(_counter)
    return Municipality.objects.create(
        region=region, code=code or f"m{n}", name=name or f"Муниципалитет {n}", kind=kind
    )


def school(
    *,
    municipality,
    name=None,
    code=None,
    fis_login=None,
    kind=School.Kind.SECONDARY,
    locality=School.Locality.URBAN,
):
    n = next(_counter)
    name = name or f"Школа {n}"
    return School.objects.create(
        region=municipality.region,
        municipality=municipality,
        code=code or f"s{n}",
        fis_login=fis_login or "",
        full_name=f"Муниципальное общеобразовательное учреждение «{name}»",
        short_name=name,
        kind=kind,
        locality=locality,
    )


def body(*, municipality, name=None, short_name=""):
    n = next(_counter)
    return Body.objects.create(
        region=municipality.region,
        municipality=municipality,
        name=name or f"Орган {n}",
        short_name=short_name,
        kind=Body.Kind.AUTHORITY,
    )


def user(username, *, role=None, node=None, **extra):
    person = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role is not None:
        membership(person, role=role, node=node)
    return person


def membership(person, *, role, node):
    fields = {"region": None, "municipality": None, "school": None}
    if isinstance(node, School):
        fields.update(school=node, municipality=node.municipality, region=node.region)
    elif isinstance(node, Municipality):
        fields.update(municipality=node, region=node.region)
    else:
        fields.update(region=node)
    return Membership.objects.create(user=person, role=role, **fields)


__all__ = ["Role", "body", "membership", "municipality", "region", "school", "user", "PASSWORD"]
