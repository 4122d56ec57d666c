"""Isolation of municipalities, over every route the project has.

Routes are found by walking the URL configuration, so a route added later is
swept without anyone remembering to add it here. A route's object kwargs must
be named `<model>_pk` (or be a REST `pk`, whose model is the viewset's), so the
sweep can put an object of municipality A into it; a route it cannot fill
fails the test.
"""

import itertools
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from schools.scoping import is_tenant_model

# Routes without tenant data, or with their own gate (the admin is staff-only).
EXEMPT_NAMESPACES = {"admin"}
EXEMPT_NAMES = {"login", "logout", "set_language", "api-schema", "api-docs", "api-root", "healthz"}


@dataclass
class Route:
    name: str
    kwargs: tuple[str, ...]
    callback: object


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            kwargs = tuple(k for k in pattern.pattern.regex.groupindex if k != "format")
            yield Route(name=name, kwargs=kwargs, callback=pattern.callback)


def all_routes():
    seen = {}
    for route in _walk(get_resolver().url_patterns):
        if route.name.split(":")[0] in EXEMPT_NAMESPACES or route.name in EXEMPT_NAMES:
            continue
        seen.setdefault(route.name, route)
    return sorted(seen.values(), key=lambda r: r.name)


# Models private to one user rather than to a node of the tree: their owner field.
USER_OWNED = {"schools.ApiToken": "user", "schools.Notification": "user"}


def model_for_kwarg(route: Route, kwarg: str):
    if kwarg.endswith("_pk"):
        wanted = kwarg[: -len("_pk")].replace("_", "")
        for model in apps.get_models():
            if model._meta.model_name == wanted and (
                is_tenant_model(model) or model._meta.label in USER_OWNED
            ):
                return model
    if kwarg == "pk" and hasattr(route.callback, "cls"):
        serializer = getattr(route.callback.cls, "serializer_class", None)
        return serializer.Meta.model if serializer else None
    return None


def objects_of_a(world, model, limit=6):
    """Objects of `model` inside A, each with who must not reach it and who must.

    Objects of municipality A come with Dan (municipality B) as the outsider and
    Bob as the insider; region-level objects of A's region with Gina (another
    region) and Alice. A user-owned object is Bob's, and Dan must not reach it.
    """
    if model._meta.label in USER_OWNED:
        owner = USER_OWNED[model._meta.label]
        if not model.objects.filter(**{owner: world.bob}).exists():
            make_user_owned(model, world.bob)
        return [
            (o, world.dan, world.bob) for o in model.objects.filter(**{owner: world.bob})[:limit]
        ]
    found = []
    for insider, outsider in ((world.bob, world.dan), (world.alice, world.gina)):
        seen = {o.pk for o, _, _ in found}
        objects = (
            model.objects.visible_to(insider)
            .exclude(pk__in=model.objects.visible_to(outsider).values("pk"))
            .exclude(pk__in=seen)
            .order_by("pk")[:limit]
        )
        found.extend((o, outsider, insider) for o in objects)
    return found


def make_user_owned(model, user):
    if model._meta.label == "schools.ApiToken":
        from schools.tokens import api_token_issue

        api_token_issue(user=user, name="sweep")
    elif model._meta.label == "schools.Notification":
        model.objects.create(
            user=user, kind="overdue", key="sweep", title="Альфа-школа №1: просрочено"
        )


ROUTES = all_routes()


def test_the_sweep_finds_the_routes_it_must_cover():
    names = {r.name for r in ROUTES}
    assert {"schools:school-detail", "schools:school-list", "school-detail", "school-list"} <= names


def _combinations(world, route):
    """Fillings of the route's kwargs, most restricted first: (kwargs, outsider, insider)."""
    choices = []
    for kwarg in route.kwargs:
        model = model_for_kwarg(route, kwarg)
        assert model is not None, f"{route.name}: cannot tell which model «{kwarg}» names"
        options = objects_of_a(world, model)
        assert options, f"{route.name}: the sweep's world has no {model.__name__} inside A"
        choices.append((kwarg, options))
    for combo in itertools.islice(itertools.product(*(opts for _, opts in choices)), 60):
        municipal = any(outsider is world.dan for _, outsider, _ in combo)
        kwargs = {kwarg: obj.pk for (kwarg, _), (obj, _, _) in zip(choices, combo, strict=True)}
        # Some pages open only to the school's own deputy (a pupil's route, say).
        insiders = (world.bob, world.carol) if municipal else (world.alice, world.bob, world.carol)
        for insider in insiders:
            yield kwargs, (world.dan if municipal else world.gina), insider


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_other_municipality_and_other_region_get_nothing(client, world, route):
    if route.kwargs:

        def opens(combination):
            client.force_login(combination[2])
            return client.get(reverse(route.name, kwargs=combination[0])).status_code != 404

        found = next(filter(opens, _combinations(world, route)), None)
        if found is None:
            pytest.fail(f"{route.name}: no objects of A that its owner can open; extend the world")
        kwargs, outsider, _insider = found
        url = reverse(route.name, kwargs=kwargs)
        client.logout()
        assert client.get(url).status_code in (302, 401, 403), f"{url} answers anonymous users"
        client.force_login(outsider)
        statuses = {client.get(url).status_code, client.post(url).status_code}
        assert statuses <= {404, 405} and 404 in statuses, f"{url} reveals A's object: {statuses}"
        return
    url = reverse(route.name)
    assert client.get(url).status_code in (302, 401, 403), f"{url} answers anonymous users"
    for outsider, markers in (
        (world.dan, world.municipality_markers),
        (world.gina, world.municipality_markers + world.region_markers),
    ):
        client.force_login(outsider)
        response = client.get(url)
        assert response.status_code < 500, f"{url} fails for {outsider.username}"
        body = response.content.decode("utf-8", "replace")
        leaked = [m for m in markers if m in body]
        assert not leaked, f"{url} shows {outsider.username} data it must not see: {leaked}"
