"""HTML → PDF with WeasyPrint. The same template is the browser preview."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass
class Pdf:
    content: bytes
    pages: int


def html_to_pdf(html: str) -> Pdf:
    """Render a document page to PDF; print CSS comes with the template."""
    from weasyprint import HTML

    # WeasyPrint logs every unsupported CSS property at WARNING; keep its noise out.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return Pdf(content=document.write_pdf(), pages=len(document.pages))
