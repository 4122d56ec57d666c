"""Factories that keep the tree consistent: a school's region is its municipality's."""

import itertools

from django.contrib.auth import get_user_model

from schools.models import Body, Membership, Municipality, Region, Role, School

_counter = itertools.count(1)

PASSWORD = "Test-pass-2026!"


def region(*, code=None, name=None):
    """A region by code; the directory ships every subject of the federation (a data
    migration), so the code's row is taken and renamed for the test."""
    n = next(_counter)
    region, _created = Region.objects.update_or_create(
        code=code or f"{n % 90 + 10:02d}", defaults={"name": name or f"Регион {n}"}
    )
    return region


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


def approved_roadmap(*, municipality, by, measures, title="Дорожная карта объективности"):
    """An approved municipal roadmap with one section, `measures` as (number, text,
    deadline) given to every school ("ОО"), and the assignments made."""
    from datetime import date

    from roadmaps.models import Roadmap
    from roadmaps.services.assignment import assignments_create
    from roadmaps.services.measure import measure_create
    from roadmaps.services.roadmap import roadmap_approve, roadmap_create
    from roadmaps.services.section import section_create

    roadmap = roadmap_create(
        owner=municipality,
        title=title,
        by=by,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 5, 31),
    )
    section = section_create(
        roadmap=roadmap, title="Организационные мероприятия", number="1.", by=by
    )
    for number, text, deadline in measures:
        measure_create(
            roadmap=roadmap,
            section=section,
            number=number,
            by=by,
            text=text,
            deadline_text=deadline,
            responsible_text="ОО",
        )
    roadmap_approve(roadmap=roadmap, by=by, order_number="12", order_date=date(2025, 9, 1))
    assignments_create(roadmap=roadmap, by=by)
    return Roadmap.objects.get(pk=roadmap.pk)


def cascaded_roadmap(world):
    """Bob's approved roadmap of municipality A with two measures for every school
    (deadlines «Май» and «Апрель»), cascaded to its schools: due 1 April 2026."""
    from datetime import date

    from roadmaps.services.cascade import roadmap_cascade

    roadmap = approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[
            ("1.1.", "Анализ результатов ВПР", "Май"),
            ("1.2.", "Семинар для учителей", "Апрель"),
        ],
    )
    roadmap_cascade(roadmap=roadmap, due=date(2026, 4, 1), by=world.bob)
    return roadmap


def report_progress(*, roadmap, number, school, by, status="done", when=None):
    """A report for the first quarter of the school year on one measure of `roadmap`."""
    from datetime import date, datetime

    from django.utils import timezone

    from roadmaps.models import Assignment
    from roadmaps.services.report import progress_report_submit

    assignment = Assignment.objects.get(
        measure__roadmap=roadmap, measure__number=number, school=school
    )
    return progress_report_submit(
        assignment=assignment,
        period_start=date(2025, 9, 1),
        period_end=date(2025, 11, 30),
        status=status,
        by=by,
        comment="Проведено",
        now=when or timezone.make_aware(datetime(2025, 10, 20, 12)),
    )
