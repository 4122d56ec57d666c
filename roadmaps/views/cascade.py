"""The cascade table of a municipal roadmap's page («Школьные дорожные карты») kept as
HTML in the cache, and the school roadmaps made from the roadmap read once for it and
for the list at the page's foot.

The table is made of: the municipal measures (the outline's entry, under the roadmap's
stamp), the municipality's schools the user sees (their names and whether they are
active: every change to a school, a membership or the tree renews the scope stamp,
schools.models.ScopeStamp, read with the user), and each school roadmap made from
this one: its state and its measures, which every write of the services and the admin
to it renews with its activity token (roadmaps.services.base.roadmap_touch). The key
holds all three, read by the page's own queries: the roadmap's stamp, the scope stamp
and each school roadmap's id, school, status, version, last change and activity token,
read with the school roadmaps themselves. An approver's rows carry forms with the
request's CSRF token: the entry holds a random mark in its place, put in at serve time.
"""

from __future__ import annotations

import hashlib
from uuid import uuid4

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from roadmaps.models import Roadmap, RoadmapActivity
from roadmaps.selectors.execution import cascade_status
from roadmaps.views.roadmap_blocks import cascade_rows_html
from schools.backends import STAMP_ATTRIBUTE
from schools.scoping import _holder

CASCADE_CACHE_SECONDS = 600


def school_roadmaps_read(*, roadmap: Roadmap, user) -> list[Roadmap]:
    """The school roadmaps made from `roadmap` that the user sees, newest first, with
    their school and their activity token (`activity_token`) in the same query."""
    token = RoadmapActivity.objects.of_scoped(roadmap=OuterRef("pk")).values("token")[:1]
    return list(
        roadmap.school_roadmaps.visible_to(user)
        .select_related("school")
        .annotate(activity_token=Subquery(token))
    )


def cascade_key(*, stamp: str, scope: str, children, can_approve: bool) -> str:
    parts = repr(
        (
            stamp,
            scope,
            [
                (c.pk, c.school_id, c.status, c.version, str(c.updated_at), c.activity_token)
                for c in children
            ],
            translation.get_language() or "",
            can_approve,
        )
    )
    return "roadmaps:cascade:" + hashlib.sha256(parts.encode()).hexdigest()


def cascade_html_cached(
    *,
    roadmap: Roadmap,
    user,
    stamp: str,
    measures,
    children: list[Roadmap],
    can_approve: bool,
    csrf_token: str | None,
) -> SafeString:
    """The rows of the cascade table (cascade_status written by cascade_rows_html) from
    the cache or built and kept; "" when the table has no rows. `measures`: the
    outline's cascade measures; `children`: `school_roadmaps_read` of this request.
    A user read without the scope stamp (none in the session's query) gets the rows
    built afresh, uncached."""
    scope = _holder(user).__dict__.get(STAMP_ATTRIBUTE)
    key = (
        cascade_key(stamp=stamp, scope=scope, children=children, can_approve=can_approve)
        if scope
        else None
    )
    entry = cache.get(key) if key else None
    if entry is None:
        mark = "csrf" + uuid4().hex
        rows = cascade_status(roadmap=roadmap, user=user, measures=measures, children=children)
        html = (
            cascade_rows_html(rows, roadmap=roadmap, can_approve=can_approve, csrf_token=mark)
            if rows
            else ""
        )
        entry = {"mark": mark, "html": str(html)}
        if key:
            cache.set(key, entry, CASCADE_CACHE_SECONDS)
    html = entry["html"]
    if can_approve:
        html = html.replace(entry["mark"], csrf_token or "")
    # Written by cascade_rows_html, every value escaped there; the mark is random hex
    # and the token Django's alphanumeric string.
    return mark_safe(html)  # noqa: S308
