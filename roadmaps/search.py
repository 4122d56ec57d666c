"""Search across what a user may see: roadmaps, sections, measures and schools.

`search(user=..., query=...)` reads every kind through `visible_to(user)`, so
a word that only another municipality's roadmap carries finds nothing. The
results are one lazily sliced sequence (roadmaps, then sections, measures,
schools) that Django's Paginator pages through: a count per kind and one query
per kind that falls on the page, whatever the number of rows.

Case-insensitive matching of Cyrillic. PostgreSQL's UPPER folds Cyrillic
under the UTF-8 locales we deploy with (C.UTF-8 here). SQLite's LIKE
folds ASCII only («План» does not match «план»), and we may not add a
normalised column to the models, so on SQLite every connection gets a
deterministic SQL function, `py_fold` (Python's `str.casefold`, and «ё» read
as «е»), and the filter compares the folded column with the folded query; on
PostgreSQL the same comparison is UPPER with «Ё» replaced. Filtering
stays in the database (and so does paging), rather than folding a capped
candidate set in Python, which would silently miss rows past the cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Replace, Upper
from django.db.models.lookups import Contains
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from infra.text import fold
from roadmaps.models import Measure, Roadmap, Section
from schools.models import School

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 200
SNIPPET_CHARS = 180
PER_PAGE = 20

KIND_LABELS = {
    "roadmap": _("Дорожные карты"),
    "section": _("Разделы"),
    "measure": _("Мероприятия"),
    "school": _("Школы"),
}
KINDS = tuple(KIND_LABELS)


# --------------------------------------------------------------------------- folding


def _fold_or_none(value):
    return fold(value) if isinstance(value, str) else value


def register_sqlite_functions(sender, connection, **kwargs):
    """connection_created handler (roadmaps.apps): give SQLite `py_fold`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("py_fold", 1, _fold_or_none, deterministic=True)


class SqliteFold(Func):
    function = "py_fold"
    output_field = TextField()


def _matches(field: str, query: str):
    """A condition: `field` contains `query`, ignoring case and ё/е (Cyrillic included)."""
    if connection.vendor == "sqlite":
        return Contains(SqliteFold(F(field)), fold(query))
    # UPPER folds Cyrillic under PostgreSQL's UTF-8 locales; «Ё» is then read as «Е».
    folded = Replace(Upper(F(field)), Value("Ё"), Value("Е"), output_field=TextField())
    return Contains(folded, query.upper().replace("Ё", "Е"))


def _any_matches(fields, query: str) -> Q:
    condition = Q()
    for field in fields:
        condition |= Q(_matches(field, query))
    return condition


# --------------------------------------------------------------------------- hits


@dataclass
class Hit:
    kind: str
    url: str
    title: str  # safe HTML, the match marked
    context: str  # plain text: where the object sits
    details: list  # (label, safe HTML) pairs of the other fields that matched

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _pattern(query: str) -> re.Pattern:
    """`query` as a regular expression that, like the database filter, ignores
    case and does not tell «е» from «ё»."""
    pieces = ("[её]" if c in "её" else re.escape(c) for c in fold(query))
    return re.compile("".join(pieces), re.IGNORECASE)


def highlight(text: str, query: str, limit: int | None = None) -> str:
    """`text` escaped, every case-insensitive occurrence of `query` in <mark>;
    with `limit`, cut to a window of about that many characters around the first."""
    text = text or ""
    pattern = _pattern(query)
    if limit and len(text) > limit:
        found = pattern.search(text)
        start = max(0, (found.start() if found else 0) - limit // 3)
        end = min(len(text), start + limit)
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    pairs, last = [], 0
    for found in pattern.finditer(text):
        pairs.append((text[last : found.start()], found.group()))
        last = found.end()
    # format_html* escape every piece of the user's text; only <mark> is ours.
    return format_html_join("", "{}<mark>{}</mark>", pairs) + format_html("{}", text[last:])


def _contains(text: str, query: str) -> bool:
    return fold(query) in fold(text or "")


def _where(roadmap: Roadmap) -> str:
    """Which roadmap a section or measure is in: its owner, period and order, since
    the titles of one owner's roadmaps of different years are often the same."""
    return roadmap.label


def _roadmap_hit(roadmap: Roadmap, query: str) -> Hit:
    details = []
    if roadmap.order_number:
        details.append((_("приказ №"), highlight(roadmap.order_number, query)))
    return Hit(
        kind="roadmap",
        url=reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk}),
        title=highlight(roadmap.title, query, SNIPPET_CHARS),
        context=roadmap.label,
        details=details,
    )


def _section_hit(section: Section, query: str) -> Hit:
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": section.roadmap_id})
    return Hit(
        kind="section",
        url=f"{url}#section-{section.pk}",
        title=highlight(" ".join(p for p in (section.number, section.title) if p), query),
        context=_where(section.roadmap),
        details=[],
    )


def _measure_hit(measure: Measure, query: str) -> Hit:
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": measure.roadmap_id})
    details = [
        (label, highlight(value, query, SNIPPET_CHARS))
        for label, value in (
            (_("ответственные"), measure.responsible_text),
            (_("ожидаемый результат"), measure.result),
        )
        if _contains(value, query)
    ]
    text = f"{measure.number} {measure.text}".strip()
    return Hit(
        kind="measure",
        url=f"{url}#measure-{measure.pk}",
        title=highlight(text, query, SNIPPET_CHARS),
        context=_where(measure.roadmap),
        details=details,
    )


def _school_hit(school: School, query: str) -> Hit:
    details = [(_("код"), highlight(school.code, query))]
    if school.full_name != school.short_name and _contains(school.full_name, query):
        details.append((_("полное наименование"), highlight(school.full_name, query)))
    return Hit(
        kind="school",
        url=reverse("schools:school-detail", kwargs={"school_pk": school.pk}),
        title=highlight(school.short_name, query),
        context=str(school.municipality),
        details=details,
    )


# --------------------------------------------------------------------------- search


def _querysets(user, query: str) -> dict:
    roadmap_owner = ("roadmap__region", "roadmap__municipality", "roadmap__school")
    return {
        "roadmap": (
            Roadmap.objects.visible_to(user)
            .filter(_any_matches(("title", "order_number"), query))
            .select_related("region", "municipality", "school")
            .order_by("-created_at", "-pk"),
            _roadmap_hit,
        ),
        "section": (
            Section.objects.visible_to(user)
            .filter(_any_matches(("title",), query))
            .select_related("roadmap", *roadmap_owner)
            .order_by("roadmap_id", "position", "pk"),
            _section_hit,
        ),
        "measure": (
            Measure.objects.visible_to(user)
            .filter(_any_matches(("text", "responsible_text", "result"), query))
            .select_related("roadmap", *roadmap_owner)
            .order_by("roadmap_id", "position", "pk"),
            _measure_hit,
        ),
        "school": (
            School.objects.visible_to(user)
            .filter(_any_matches(("short_name", "full_name", "code"), query))
            .select_related("municipality")
            .order_by("municipality__name", "short_name", "pk"),
            _school_hit,
        ),
    }


class SearchResults:
    """The hits of every kind as one sequence the Paginator can count and slice.

    `counts` holds the number of hits of each kind (one COUNT per kind), also
    when `kind` narrows the sequence to one; a slice runs one query for each
    kind it overlaps.
    """

    def __init__(self, user, query: str, kind: str = ""):
        self.query = query
        self.kind = kind if kind in KIND_LABELS else ""
        querysets = _querysets(user, query)
        self.counts = {name: qs.count() for name, (qs, _) in querysets.items()}
        self._parts = [
            (name, qs, make)
            for name, (qs, make) in querysets.items()
            if not self.kind or name == self.kind
        ]

    @property
    def tabs(self) -> list[tuple[str, str, int]]:
        """(kind, label, count) of every kind, for the links that narrow the results."""
        return [(name, KIND_LABELS[name], self.counts[name]) for name in KIND_LABELS]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self) -> int:
        return sum(self.counts[name] for name, _, _ in self._parts)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window):
        if not isinstance(window, slice):
            raise TypeError("SearchResults supports slices only")
        start, stop = window.start or 0, window.stop
        hits, offset = [], 0
        for kind, qs, make in self._parts:
            size = self.counts[kind]
            lo, hi = max(start - offset, 0), min(stop - offset, size)
            if lo < hi:
                hits.extend(make(obj, self.query) for obj in qs[lo:hi])
            offset += size
        return hits


def search(*, user, query: str, kind: str = "") -> SearchResults | None:
    """Everything `user` may see that matches `query`; None for a query too
    short to search (the page then explains what to type)."""
    query = " ".join((query or "").split())[:MAX_QUERY_LENGTH]
    if len(query) < MIN_QUERY_LENGTH:
        return None
    return SearchResults(user, query, kind)
