"""HTML → PDF with WeasyPrint. The same template is the browser preview."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass
class Pdf:
    content: bytes
    pages: int


def html_to_pdf(html: str) -> Pdf:
    """Render a document page to PDF; print CSS comes with the template."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return Pdf(content=document.write_pdf(), pages=len(document.pages))
