"""The cascade table of a municipal roadmap's page («Школьные дорожные карты») and the
list of school roadmaps at its foot, kept as HTML in the cache; the school roadmaps
made from the roadmap are read as the key's plain values, and whole on a miss.

The table is made of: the municipal measures (the outline's entry, under the roadmap's
stamp), the municipality's schools the user sees (their names and whether they are
active: every change to a school, a membership or the tree renews the scope stamp,
schools.models.ScopeStamp, read with the user), and each school roadmap made from
this one: its state and its measures, which every write of the services and the admin
to it renews with its activity token (roadmaps.services.base.roadmap_touch). The key
holds all three, read by the page's own queries: the roadmap's stamp, the scope stamp
and each school roadmap's id, school, status, version, last change and activity token,
read in one query of plain values. An approver's rows carry forms with the
request's CSRF token: the entry holds a random mark in its place, put in at serve time.
"""

from __future__ import annotations

import hashlib
from uuid import uuid4

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from infra.cache_once import spread
from infra.urls import url_pattern
from roadmaps.models import Roadmap, RoadmapActivity
from roadmaps.selectors.execution import cascade_status
from roadmaps.views.base import choice_labels
from roadmaps.views.roadmap_blocks import cascade_rows_html
from schools.backends import STAMP_ATTRIBUTE

CASCADE_CACHE_SECONDS = 600


def school_roadmaps_read(*, roadmap: Roadmap, user) -> list[Roadmap]:
    """The school roadmaps made from `roadmap` that the user sees, newest first, with
    their school's name: only the fields the cascade and the list read of them."""
    return list(
        roadmap.school_roadmaps.visible_to(user)
        .select_related("school")
        .only(
            "parent",
            "school",
            "status",
            "version",
            "updated_at",
            "created_at",
            "school__short_name",
        )
    )


def school_roadmap_marks(*, roadmap: Roadmap, user) -> list[tuple]:
    """What the key holds of each school roadmap of `school_roadmaps_read`, as plain
    values in one query: its id, school, status, version, last change and activity
    token (RoadmapActivity, renewed by every write to it or its measures)."""
    token = RoadmapActivity.objects.of_scoped(roadmap=OuterRef("pk")).values("token")[:1]
    return [
        (pk, school_id, status, version, str(updated_at), activity)
        for pk, school_id, status, version, updated_at, activity in (
            roadmap.school_roadmaps.visible_to(user)
            .annotate(activity_token=Subquery(token))
            .values_list("pk", "school_id", "status", "version", "updated_at", "activity_token")
        )
    ]


def blocks_key(*, stamp: str, scope: str, marks, cascade: bool, can_approve: bool) -> str:
    parts = repr((stamp, scope, marks, translation.get_language() or "", cascade, can_approve))
    return "roadmaps:school-roadmaps:" + hashlib.sha256(parts.encode()).hexdigest()


def school_roadmap_list_html(children) -> SafeString:
    """The `<li>` of each school roadmap of the list at the page's foot: its school as
    a link, and its state (what the template's loop wrote)."""
    detail = url_pattern("roadmaps:roadmap-detail", "roadmap_pk")
    status = choice_labels(Roadmap, "status")
    return mark_safe(  # noqa: S308 - every row is escaped by format_html
        "".join(
            format_html(
                '<li><a href="{}">{}</a> — {}</li>',
                detail % child.pk,
                child.school,
                status.get(child.status, child.status),
            )
            for child in children
        )
    )


def school_roadmap_blocks_cached(
    *,
    roadmap: Roadmap,
    user,
    stamp: str,
    measures,
    cascade: bool,
    can_approve: bool,
    csrf_token: str | None,
) -> dict:
    """{"cascade_html": the rows of the cascade table (cascade_status written by
    cascade_rows_html; "" when it has none or `cascade` is false), "list_html": the
    list of the school roadmaps made from the roadmap}, from the cache or built and
    kept: a page whose key is found reads the school roadmaps' marks only
    (`school_roadmap_marks`), one that builds reads them whole. `measures`: the
    outline's cascade measures. A user read without the scope stamp (none in the
    session's query) gets them built afresh."""
    scope = getattr(user, STAMP_ATTRIBUTE, None)
    key = (
        blocks_key(
            stamp=stamp,
            scope=scope,
            marks=school_roadmap_marks(roadmap=roadmap, user=user),
            cascade=cascade,
            can_approve=can_approve,
        )
        if scope
        else None
    )
    entry = cache.get(key) if key else None
    if entry is None:
        # Read after the marks: an entry is never older than its key.
        children = school_roadmaps_read(roadmap=roadmap, user=user)
        mark = "csrf" + uuid4().hex
        rows = (
            cascade_status(roadmap=roadmap, user=user, measures=measures, children=children)
            if cascade
            else []
        )
        entry = {
            "mark": mark,
            "cascade_html": str(
                cascade_rows_html(rows, roadmap=roadmap, can_approve=can_approve, csrf_token=mark)
                if rows
                else ""
            ),
            "list_html": str(school_roadmap_list_html(children)),
        }
        if key:
            cache.set(key, entry, spread(CASCADE_CACHE_SECONDS))
    html = entry["cascade_html"]
    if can_approve:
        html = html.replace(entry["mark"], csrf_token or "")
    # Written by cascade_rows_html and format_html, every value escaped there; the
    # mark is random hex and the token Django's alphanumeric string.
    return {
        "cascade_html": mark_safe(html),  # noqa: S308
        "list_html": mark_safe(entry["list_html"]),  # noqa: S308
    }
