"""Static files and the CSP: every page's scripts and styles come from our own static
files, so `script-src 'self'` and `style-src 'self'` (no 'unsafe-inline') hold, and
stored files have no public address."""

import importlib
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.urls import clear_url_caches

from config.storage import random_name

ROOT = Path(__file__).resolve().parent.parent

# An inline script is a <script> element with a body; one with src= and nothing
# inside is fine. Event-handler attributes (onclick=…) are inline scripts too.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
SCRIPT_WITH_BODY = re.compile(r"<script\b[^>]*>\s*[^<\s]", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def template_files():
    folders = [ROOT / "templates"] + [
        ROOT / app / "templates" for app in ("schools", "roadmaps", "assessments", "reports")
    ]
    return sorted(p for folder in folders if folder.exists() for p in folder.rglob("*.html"))


def inline_code(text: str) -> list[str]:
    found = []
    for pattern, what in (
        (INLINE_SCRIPT, "inline <script>"),
        (SCRIPT_WITH_BODY, "<script> with a body"),
        (INLINE_STYLE, "<style> or style="),
        (EVENT_HANDLER, "on…= handler"),
    ):
        found += [f"{what}: {m.group(0)[:60]!r}" for m in pattern.finditer(text)]
    return found


def test_the_scanner_finds_each_kind_of_inline_code():
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<script type="module">\nx()</script>')
    assert inline_code("<style>p{}</style>")
    assert inline_code('<col style="width:7%">')
    assert inline_code('<button onclick="go()">')
    assert not inline_code('<script src="/static/js/menu.js" defer></script>')
    assert not inline_code('<col class="w-7"><p data-style="x">')


def test_no_template_carries_inline_scripts_or_styles():
    files = template_files()
    assert len(files) > 50
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := inline_code(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_csp_allows_nothing_inline():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]


def test_charts_carry_no_style_attribute():
    from infra.output.charts import grouped_bars

    svg = grouped_bars(["2", "3"], {"школа": [0.2, 0.8]}, title="Отметки")
    assert svg.startswith("<svg") and "style=" not in svg


def test_the_progress_bars_poll_from_a_static_script(client, world):
    """The import's and the check run's bars are moved by static/js/poll.js."""
    from assessments.objectivity.models import CheckRun
    from assessments.results.models import ImportBatch

    batch = ImportBatch.objects.get(school=world.school_a1)
    run = CheckRun.objects.get(municipality=world.muni_a)
    assert batch is not None and run is not None
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, progress=40)
    CheckRun.objects.filter(pk=run.pk).update(status=CheckRun.Status.RUNNING, progress=40)
    client.force_login(world.alice)
    for url in (f"/assessments/imports/{batch.pk}/", f"/assessments/objectivity/runs/{run.pk}/"):
        html = client.get(url).content.decode()
        assert "/static/js/poll.js" in html, url
        assert re.search(r"<progress[^>]*data-url=[^>]*data-running=\"1\"", html), url
        assert not inline_code(html), url
    assert (ROOT / "static/js/poll.js").exists()


def test_print_stylesheets_reach_the_pdf():
    """Document CSS is a static file now; WeasyPrint must still apply it. A page of
    A4 landscape (print/base.css, class "landscape") is wider than it is tall."""
    from pypdf import PdfReader

    from infra.output.pdf import html_to_pdf

    html = (
        engines["django"]
        .from_string(
            '{% extends "reports/base_print.html" %}{% block document %}'
            '<div class="sheet landscape"><p>Альбомный лист</p></div>{% endblock %}'
        )
        .render({"title": "t"})
    )
    page = PdfReader(io.BytesIO(html_to_pdf(html).content)).pages[0]
    assert page.mediabox.width > page.mediabox.height


def test_rendering_a_document_fetches_nothing_but_static_files():
    from infra.output.pdf import static_files_fetcher_class

    fetcher = static_files_fetcher_class()()
    assert b"@page" in fetcher("file:///static/css/print/base.css").read()
    for url in (
        "file:///etc/passwd",
        "file:///static/../config/settings.py",
        "http://127.0.0.1:9/x.css",
    ):
        with pytest.raises(ValueError):
            fetcher(url)


def test_stored_names_are_random_and_keep_only_the_extension():
    one, two = random_name("imports/2026/12/fx.csv"), random_name("imports/2026/12/fx.csv")
    assert one != two
    assert one.startswith("imports/2026/12/") and one.endswith(".csv") and "fx" not in one
    assert random_name("a/отчёт.PDF").endswith(".pdf")
    assert "." not in random_name("a/name.c$v").rsplit("/", 1)[1]


@pytest.fixture
def urls_as_under_debug(settings):
    """The URL configuration as the development profile (DEBUG on) builds it."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_stored_files_have_no_public_address(urls_as_under_debug, client, world, settings):
    """No /media/ route in any profile: an uploaded file is reached only through the
    views that check scope (tests/reports, tests/roadmaps: downloads by scope)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.MEDIA_URL = "/media/"
    name = default_storage.save("imports/2026/12/fx.csv", ContentFile(b"code;mark\n1;5\n"))
    assert "fx" not in name and name.endswith(".csv")
    assert default_storage.url(name) is None
    for path in (f"/media/{name}", "/media/imports/2026/12/fx.csv"):
        assert client.get(path).status_code == 404
    client.force_login(world.alice)
    assert client.get(f"/media/{name}").status_code == 404
