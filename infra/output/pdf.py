"""HTML → PDF with WeasyPrint. The same template is the browser preview.

The print CSS is a static file (static/css/print/), linked from the template as
the browser preview links it (no inline styles: the CSP allows none). WeasyPrint
reads those links from the static files themselves, never over the network; it
fetches nothing else but `data:` URLs.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

# Rendering documents resolves "/static/…" against this base: file:///static/…
BASE_URL = "file:///"


@dataclass
class Pdf:
    content: bytes
    pages: int


def _static_bytes(name: str) -> bytes | None:
    """A static file by its URL name: collected (hashed names) or from the finders."""
    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as handle:
            return handle.read()
    found = finders.find(name)
    if found:
        with open(found, "rb") as handle:
            return handle.read()
    return None


@cache
def static_files_fetcher_class():
    """WeasyPrint's fetcher that serves the document's stylesheets from the static
    files and refuses every other URL but data:. Built on first use: importing
    WeasyPrint costs a command's start-up."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            prefix = "/" + settings.STATIC_URL.strip("/") + "/"
            if parts.scheme == "file" and parts.path.startswith(prefix):
                name = unquote(parts.path.removeprefix(prefix))
                if ".." not in name.split("/"):
                    body = _static_bytes(name)
                    if body is not None:
                        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                        return URLFetcherResponse(url, body, {"Content-Type": kind})
            raise ValueError(f"not fetched while rendering a document: {url}")

    return StaticFilesFetcher


def html_to_pdf(html: str) -> Pdf:
    """Render a document page to PDF; print CSS comes from the static files."""
    from weasyprint import HTML

    document = HTML(
        string=html, base_url=BASE_URL, url_fetcher=static_files_fetcher_class()()
    ).render()
    return Pdf(content=document.write_pdf(), pages=len(document.pages))
