"""An outside system against a running server, over real HTTP, with nothing but
the standard library: it gets a key from the token page as a person would,
pages through results by cursor, filters them by school code, orders a
document, polls until it is built and downloads the PDF."""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from assessments.results.models import Result
from tests import factories as f
from tests.api.test_assessments_api import add_results

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_RE = re.compile(r"rk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


class Browser:
    """A person at the token page: cookies, CSRF, forms."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def submit(self, path, fields):
        token = CSRF_RE.search(self.get(path)).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return response.read().decode()


class Client:
    """The outside system: a key in the Authorization header, JSON in and out."""

    def __init__(self, base, key):
        self.base, self.key = base, key

    def call(self, url, payload=None):
        if url.startswith("/"):
            url = self.base + url
        request = urllib.request.Request(  # noqa: S310  our own live server
            url,
            data=None if payload is None else json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, url, payload=None, expect=200):
        status, _, body = self.call(url, payload)
        assert status == expect, (status, body[:500])
        return json.loads(body)


def key_from_the_token_page(base, username):
    person = Browser(base)
    person.submit("/login/", {"username": username, "password": f.PASSWORD})
    page = person.submit("/account/tokens/", {"name": "РЦОИ: выгрузка", "days": "30"})
    found = KEY_RE.search(page)
    assert found, "the token page shows the new key once"
    return found.group(0)


@pytest.mark.django_db(transaction=True)
def test_an_outside_system_pages_filters_orders_and_downloads_over_http(
    live_server, world, settings
):
    base = live_server.url
    settings.SITE_URL = base  # download_url starts with the site's address
    add_results(world, 24)  # school A1
    add_results(world, 3, school=world.school_a2)
    key = key_from_the_token_page(base, "bob")
    api = Client(base, key)

    # Without the key there is nothing, in the one error format.
    status, headers, body = Client(base, "rk_00000000_wrong").call("/api/v1/results/")
    assert status == 401 and json.loads(body)["error"]["message"] == "Неизвестный API-токен."

    # Keyset pages: follow `next` until it runs out; no row twice, none missing.
    seen, url, pages = [], "/api/v1/results/?page_size=10", 0
    while url:
        page = api.json(url)
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1
    mine = Result.objects.filter(municipality=world.muni_a).order_by("procedure_id", "id")
    assert seen == list(mine.values_list("id", flat=True)) and pages == 3

    # The same pages, by the school's code as the outside system knows it.
    school_ids, url = set(), "/api/v1/results/?school_code=770001&page_size=10"
    count = 0
    while url:
        page = api.json(url)
        school_ids |= {row["school"] for row in page["results"]}
        count += len(page["results"])
        url = page["next"]
    assert school_ids == {world.school_a1.pk} and count == 25

    # Order the roadmap's order (приказ), found by the municipality's code; poll; download.
    roadmaps = api.json("/api/v1/roadmaps/?municipality_code=A&status=approved")["results"]
    assert len(roadmaps) == 1
    order = {"kind": "order", "format": "pdf", "params": {"roadmap": roadmaps[0]["id"]}}
    document = api.json("/api/v1/documents/", order, expect=202)
    deadline = time.monotonic() + 90
    while document["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, document
        time.sleep(0.5)
        document = api.json(f"/api/v1/documents/{document['id']}/")
    assert document["status"] == "done", document["error"]
    status, headers, pdf = api.call(document["download_url"])
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF") and len(pdf) == document["size"]
