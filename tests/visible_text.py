"""What a person reads on a page, and the English or internal tokens that must
not be in it (identifiers with a colon, dict dumps, ISO timestamps, None/True/False)."""

import re
from html.parser import HTMLParser

ENGLISH_TOKENS = [
    # snake_case before a colon; a lone word is left alone (user names like «bob:»).
    (re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\s*:"), "identifier with a colon"),
    (re.compile(r"\{'|'\}|\{\""), "dict dump"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "ISO timestamp"),
    (re.compile(r"\b(?:None|True|False)\b"), "Python value"),
]
INVISIBLE = {"script", "style", "template", "noscript"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE:
            self._skip += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in INVISIBLE and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def read_page(html: str) -> tuple[str, list[str]]:
    """(visible text, hrefs of the page's links)."""
    page = _Page()
    page.feed(html)
    return "\n".join(page.text), page.links


def english_tokens(text: str) -> list[str]:
    """Each offending token with a little of its surroundings."""
    found = []
    for pattern, what in ENGLISH_TOKENS:
        for match in pattern.finditer(text):
            start, end = max(0, match.start() - 40), min(len(text), match.end() + 40)
            found.append(f"{what}: …{text[start:end]}…".replace("\n", " "))
    return found
