"""Finding 3 of issue #16: a malformed query parameter gets the API's Russian 400,
never a server error.

The sweep reads every operation and every query parameter from the served
OpenAPI schema (plus the ones every list takes), so an endpoint or a filter added
later is probed without anyone remembering to add it here. Each parameter gets
each junk value alone; detail routes get an id the caller really sees.
"""

import base64
import re

import pytest
from django.test import Client

from config.urls import router
from tests.api.helpers import client_for
from tests.api.test_query_counts import list_queryset


def _cursor(text):
    return base64.b64encode(text.encode()).decode()


JUNK = [
    "abc",
    "-1",
    "99999999999999999999999",
    "2026-13-45",
    "' OR 1=1 --",
    "%00",
    "\u202e<script>",
    "x" * 3000,
    "1.5",
]
# Cursors: not base64, base64 of junk, a position that is not an id, a bad offset.
CURSOR_JUNK = [
    "!!!",
    _cursor("p=abc"),
    _cursor("o=-5&p=1"),
    _cursor("o=abc"),
    _cursor("o=999999"),
    _cursor("r=1&p=" + "9" * 40),
    _cursor("p=1.5"),
]
EXTRA_PARAMS = ["cursor", "page", "page_size", "ordering", "search", "format"]


def _schema():
    response = Client().get("/api/v1/schema/", {"format": "json"})
    if response.status_code != 200:  # served as YAML only
        import yaml

        response = Client().get("/api/v1/schema/")
        return yaml.safe_load(response.content)
    return response.json()


def _operations():
    found = []
    for path, item in _schema()["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
        names = sorted(set(names) | set(EXTRA_PARAMS))
        found.append(pytest.param(path, names, id=path))
    return found


def _a_row_of(path, user):
    prefix = path.split("/")[3]
    for registered, viewset, _ in router.registry:
        if registered == prefix:
            row = list_queryset(viewset, user).order_by("pk").first()
            return row.pk if row else None
    return None


def test_a_crafted_cursor_gets_a_russian_400(world):
    response = client_for(world.bob).get("/api/v1/results/", {"cursor": "cD1hYmM="})
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"]["cursor"] == [
        "Неверный курсор страницы: возьмите ссылку next или previous из ответа."
    ]


def test_a_real_cursor_still_pages(world):
    client = client_for(world.alice)  # she sees the results of A and of B
    first = client.get("/api/v1/results/", {"page_size": 1}).json()
    assert first["next"]
    second = client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] != [r["id"] for r in first["results"]]


@pytest.mark.parametrize(("path", "names"), _operations())
def test_junk_in_any_query_parameter_gets_no_server_error(world, path, names):
    client = client_for(world.bob)
    if "{" in path:
        row = _a_row_of(path, world.bob)
        url = re.sub(r"\{[^}]+\}", str(row or 1), path)
    else:
        url = path
    failures = []
    for name in names:
        for value in JUNK + (CURSOR_JUNK if name == "cursor" else []):
            response = client.get(url, {name: value})
            if response.status_code >= 500:
                failures.append(f"{name}={value[:30]!r}: {response.status_code}")
            elif response.status_code == 400 and response["Content-Type"].startswith(
                "application/json"
            ):
                error = response.json().get("error", {})
                if not re.search("[а-яА-Я]", error.get("message", "")):
                    failures.append(f"{name}={value[:30]!r}: 400 not in Russian: {error}")
    assert not failures, f"{url}: " + "; ".join(failures)
