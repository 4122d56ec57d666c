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
EXEMPT_NAMES = {"login", "logout", "api-schema", "api-docs", "api-root", "healthz"}


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
    assert {"analytics:learning-route", "analytics:procedure-list"} <= names


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
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode("utf-8", "replace")
        leaked = [m for m in markers if m in body]
        assert not leaked, f"{url} shows {outsider.username} data it must not see: {leaked}"


# --------------------------------------------------------------------------- writes
#
# Writes are swept like reads: every route with an object of A in its address gets
# PATCH, PUT and DELETE from the outsider too; every API operation that creates gets
# a body naming A's objects (foreign ids) from the outsider; every document kind is
# ordered with A's objects by an outsider and by a deputy of A (who reads her
# municipality's objects but may not act for it). Nothing may land outside the
# requester's own reach, and A's objects stay as they were.


def outside_of(user) -> dict[str, int]:
    """Rows of every tenant-owned model that `user` does not see, by model."""
    counts = {}
    for model in apps.get_models():
        if is_tenant_model(model):
            visible = model.objects.visible_to(user).values("pk")
            counts[model._meta.label] = model.objects.exclude(pk__in=visible).count()
    return counts


def _state(obj):
    fresh = type(obj).objects.filter(pk=obj.pk).values().first()
    if fresh is not None:
        for name in ("updated_at", "last_used_at"):
            fresh.pop(name, None)
    return fresh


WRITE_ROUTES = [r for r in ROUTES if r.kwargs]


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=lambda r: r.name)
def test_other_municipality_and_other_region_cannot_write_to_a(client, world, route):
    def opens(combination):
        client.force_login(combination[2])
        return client.get(reverse(route.name, kwargs=combination[0])).status_code != 404

    found = next(filter(opens, _combinations(world, route)), None)
    if found is None:
        pytest.fail(f"{route.name}: no objects of A that its owner can open; extend the world")
    kwargs, outsider, _insider = found
    objects = [model_for_kwarg(route, k).objects.get(pk=v) for k, v in kwargs.items()]
    before = [_state(o) for o in objects]
    outside = outside_of(outsider)
    url = reverse(route.name, kwargs=kwargs)
    client.force_login(outsider)
    body = '{"title": "Взлом", "text": "Взлом", "status": "done", "comment": "Взлом"}'
    statuses = {
        client.post(url, {"title": "Взлом", "reason": "Взлом"}).status_code,
        client.patch(url, body, content_type="application/json").status_code,
        client.put(url, body, content_type="application/json").status_code,
        client.delete(url).status_code,
    }
    assert statuses <= {404, 405}, f"{url} lets {outsider.username} write: {statuses}"
    assert [_state(o) for o in objects] == before, f"{url} changed A's object"
    assert outside_of(outsider) == outside, f"{url} wrote outside {outsider.username}'s reach"


def _api_schema():
    from django.test import Client

    return Client().get("/api/v1/schema/", {"format": "json"}).json()


def _create_operations():
    schema = _api_schema()
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("post")
        if operation is None or "{" in path:
            continue
        content = operation.get("requestBody", {}).get("content", {})
        media, spec = next(iter(content.items()), (None, {}))
        ref = spec.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
        properties = schema["components"]["schemas"].get(ref, {}).get("properties", {})
        # An operation that takes no ids of tenant objects has none to make foreign
        # (documents take theirs in `params`: the document sweep below orders them).
        if any(
            spec.get("type") == "integer" and _tenant_model_named(name)
            for name, spec in properties.items()
        ):
            found.append(pytest.param(path, media, properties, id=path))
    return found


def _tenant_model_named(name):
    for model in apps.get_models():
        if is_tenant_model(model) and model._meta.model_name == name.replace("_", ""):
            return model
    return None


def _plain_value(spec):
    if "enum" in spec:
        return spec["enum"][0]
    kind, fmt = spec.get("type"), spec.get("format")
    if fmt == "date":
        return "2025-10-01"
    if fmt == "uri" or kind == "array":
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile(
            "foreign.csv", "Логин ФИС ОКО;Код;1 (1б)\nedu770001;1;1\n".encode()
        )
    if kind == "integer":
        return 2026
    if kind == "boolean":
        return False
    if kind == "object":
        return {}
    return "Взлом"


@pytest.mark.parametrize(("path", "media", "properties"), _create_operations())
def test_foreign_ids_in_a_create_write_nothing_outside_the_callers_reach(
    world, path, media, properties
):
    from tests.api.helpers import client_for

    body, foreign = {}, []
    for name, spec in properties.items():
        if spec.get("readOnly"):
            continue
        model = _tenant_model_named(name) if spec.get("type") == "integer" else None
        options = objects_of_a(world, model, limit=1) if model is not None else []
        if options:
            obj, outsider, _insider = options[0]
            body[name] = obj.pk
            foreign.append(outsider)
        else:
            body[name] = _plain_value(spec)
    assert foreign, f"{path}: the sweep's world has no objects of A for its ids"
    outsider = world.dan if world.dan in foreign else world.gina
    outside = outside_of(outsider)
    if media == "multipart/form-data":
        body = {k: v for k, v in body.items() if v not in ({}, None)}
        response = client_for(outsider).post(path, body, format="multipart")
    else:
        response = client_for(outsider).post(path, body, format="json")
    assert response.status_code in (400, 403, 404), (path, response.status_code, response.content)
    assert outside_of(outsider) == outside, f"{path} wrote outside {outsider.username}'s reach"


def _document_params(world, builder, insider, limit=8):
    """Parameters of `builder`'s form that `insider` may choose, A's objects first."""
    form = builder.params_form(user=insider)
    choices = []
    for name, field in form.fields.items():
        if hasattr(field, "queryset"):
            rows = list(field.queryset[:50])
            a_first = sorted(rows, key=lambda o: "Альфа" not in str(o))[:3]
            values = [o.pk for o in a_first] or [""]
        elif getattr(field, "choices", None):
            values = [v for v, _label in field.choices if v != ""][:4] or [""]
        elif name == "year":
            values = [2026]
        elif "date" in type(field).__name__.lower():
            values = ["2026-01-15"]
        else:
            values = [""]
        choices.append((name, values))
    found = []
    for combo in itertools.product(*(values for _, values in choices)):
        data = {name: value for (name, _), value in zip(choices, combo, strict=True)}
        bound = builder.params_form(user=insider, data=data)
        if bound.is_valid():
            found.append((data, builder.params_from_form(bound.cleaned_data)))
        if len(found) >= limit:
            break
    return found


def _document_kinds():
    from reports.builders import REGISTRY
    from reports.services import _load_builders

    _load_builders()
    return [pytest.param(k, id=k) for k, b in sorted(REGISTRY.items()) if hasattr(b, "params_form")]


@pytest.mark.parametrize("kind", _document_kinds())
def test_documents_ordered_with_as_objects_land_nowhere_outside_the_requesters_reach(
    client, world, kind
):
    from reports.builders import REGISTRY
    from reports.models import Document
    from tests.api.helpers import client_for

    builder = REGISTRY[kind]
    tried = 0
    for insider in (world.bob, world.alice):
        for data, params in _document_params(world, builder, insider):
            for requester in (world.dan, world.gina, world.carol):
                outside = outside_of(requester)
                mine = Document.objects.visible_to(requester).count()
                response = client_for(requester).post(
                    "/api/v1/documents/",
                    {"kind": kind, "format": builder.formats[0], "params": params},
                    format="json",
                )
                assert response.status_code < 500, (kind, params, response.content)
                client.force_login(requester)
                web = client.post(
                    "/documents/new/", {"kind": kind, "format": builder.formats[0], **data}
                )
                assert web.status_code < 500, (kind, data)
                assert outside_of(requester) == outside, (
                    f"{kind} {params} by {requester.username} landed outside their reach"
                )
                made = Document.objects.visible_to(requester).count() - mine
                assert made <= 1, f"{kind} {params} by {requester.username} built twice"
                tried += 1
    assert tried, f"{kind}: no parameters of A to try; extend the world"
