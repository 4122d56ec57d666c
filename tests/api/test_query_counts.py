"""Every list of the API runs as many SQL queries for 3N rows as for N.

The endpoints are read from the router's registry, so an endpoint added later
is swept without anyone remembering to add it here. Rows are made by copying
a row the caller already sees (unique fields made unique, many-to-many links
kept, a foreign key of a unique set copied in turn); an endpoint whose rows
cannot be made that way fails the sweep until it can.
"""

import copy
import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.urls import router
from schools.models import Region
from tests import factories as f
from tests.api.helpers import client_for

LISTS = [(prefix, viewset, basename) for prefix, viewset, basename in router.registry]
N = 4
# Tables partitioned by year on PostgreSQL: a row of a year without a partition is refused.
PARTITIONED = {"assessments_result", "assessments_checkfinding"}
_serial = itertools.count(1)


def list_queryset(viewset, user):
    """What the endpoint lists for `user`, through the viewset's own get_queryset."""
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    view = viewset(action="list", action_map={"get": "list"}, request=request, kwargs={})
    view.format_kwarg = None
    return view.get_queryset()


def _unique_sets(model):
    sets = [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    sets += [tuple(fields) for fields in model._meta.unique_together]
    sets += [
        tuple(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    return sets


def _vary(obj, name, serial):
    """Give field `name` of `obj` a value no other row has; False if it cannot."""
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    if name == "year" and type(obj)._meta.db_table in PARTITIONED:
        return None  # the partition key: a copy is a row of the same year
    if isinstance(field, models.ForeignKey):
        if value is None:
            return None
        setattr(obj, name, clone(getattr(obj, name)))
        return True
    if isinstance(field, models.CharField | models.TextField):
        if not value:
            return None  # nothing to vary; empty values sit outside conditional constraints
        tag = f"~{serial}"
        limit = field.max_length or 200
        if len(tag) >= limit:
            # A short code (a region's is two characters): letters, which no
            # row of the world uses there, enforced on PostgreSQL as on paper.
            letters = ""
            for _ in range(limit):
                letters = chr(ord("A") + serial % 26) + letters
                serial //= 26
            setattr(obj, name, letters)
            return True
        setattr(obj, name, f"{value[: limit - len(tag)]}{tag}")
        return True
    if isinstance(field, models.DateField):
        setattr(obj, name, value + datetime.timedelta(days=serial))
        return True
    if isinstance(field, models.IntegerField) and not field.choices:
        setattr(obj, name, value + 1000 + serial)
        return True
    return False


def clone(obj):
    """A saved copy of `obj`, its unique fields varied, its many-to-many links kept."""
    serial = next(_serial)
    made = copy.copy(obj)
    made.pk = made.id = None
    made._state = copy.copy(obj._state)
    made._state.adding = True
    made._state.fields_cache = {}
    made._prefetched_objects_cache = {}
    for fields in _unique_sets(type(obj)):
        # Vary a plain field of the set if there is one, else copy a related object.
        ordered = sorted(
            fields, key=lambda n: isinstance(obj._meta.get_field(n), models.ForeignKey)
        )
        outcomes = []
        for name in ordered:
            outcomes.append(_vary(made, name, serial))
            if outcomes[-1]:
                break
        assert outcomes[-1] or all(o is None for o in outcomes), (
            f"cannot make {type(obj).__name__}.{fields} unique"
        )
    made.save(force_insert=True)
    for field in obj._meta.many_to_many:
        getattr(made, field.name).set(getattr(obj, field.name).all())
    return made


def _filler(world, viewset):
    """A user who sees rows of the endpoint, and a row of theirs whose copies they see too."""
    # The official and the analyst see their municipality's and region's rows; a new
    # region or one outside any membership shows only to a superuser.
    root = get_user_model().objects.filter(username="root").first() or f.user(
        "root", is_superuser=True, is_staff=True
    )
    for user in (world.bob, world.alice, world.carol, root):
        queryset = list_queryset(viewset, user)
        seed = queryset.order_by("pk").first()
        if seed is None:
            continue
        before = queryset.count()
        clone(seed)
        if list_queryset(viewset, user).count() == before + 1:
            return user, seed
    pytest.fail(f"{viewset.__name__}: no user of the world sees a row whose copy they also see")


def test_the_sweep_covers_every_list_of_the_router():
    names = {basename for _, _, basename in LISTS}
    assert {"school", "result", "document", "progress-report", "measure"} <= names


@pytest.mark.parametrize(("prefix", "viewset", "basename"), LISTS, ids=[p for p, _, _ in LISTS])
def test_a_list_runs_the_same_number_of_queries_for_3n_rows_as_for_n(
    world, prefix, viewset, basename
):
    # The directory of the federation's subjects ships with the product and fills
    # a page by itself; the regions nobody works in are not what this test counts.
    Region.objects.filter(
        municipalities__isnull=True, schools__isnull=True, bodies__isnull=True
    ).delete()
    user, seed = _filler(world, viewset)
    client = client_for(user)
    url = reverse(f"{basename}-list")

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content
        rows = len(response.json()["results"])
        return len(queries), rows

    count()  # the first call also records when the token was last used
    for _ in range(N):
        clone(seed)
    at_n, rows_n = count()
    for _ in range(2 * N):
        clone(seed)
    at_3n, rows_3n = count()
    assert rows_3n == rows_n + 2 * N, "the copies must show in the list"
    assert at_3n == at_n, f"{prefix}: {at_n} queries for {rows_n} rows, {at_3n} for {rows_3n}"
