"""The outline of the roadmap page (its sections with their measure rows) kept as HTML
in the cache, so that a page opened again builds no Measure objects.

The entry is keyed by the roadmap's stamp (roadmaps.selectors.execution.roadmap_stamp:
its version, its activity token that every roadmap service and admin write renews, a
school's or a body's save renews (roadmaps/receivers.py), the day and the user's reach),
the parent roadmap's stamp (a school roadmap's rows show the numbers of the municipal
measures they come from), the language, whether the user edits it and whether the
rows carry execution states (those come from the same stamp). The editor's forms need
the request's CSRF token: the entry holds a random mark in its place, put in at serve
time. Beside the HTML the entry keeps, as plain values, what the rest of the page needs
of the measures: the unparsed deadlines and the cascade's measures.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple
from uuid import uuid4

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from infra.cache_once import spread
from roadmaps.selectors.roadmap import roadmap_outline
from roadmaps.services.revision import revision_diff, roadmap_snapshot
from roadmaps.views.base import _url_patterns
from roadmaps.views.measure_rows import measure_rows_html

OUTLINE_CACHE_SECONDS = 600


class SchoolRef(NamedTuple):
    pk: int


class CascadeMeasure(NamedTuple):
    """What cascade_status and its rows read of a municipal measure."""

    pk: int
    position: int
    number: str
    text: str
    deadline_text: str
    for_all_schools: bool
    school_list: tuple


def outline_key(*, stamps: list[str], can_edit: bool, states: bool) -> str:
    parts = repr((stamps, translation.get_language() or "", can_edit, states))
    return "roadmaps:outline:" + hashlib.sha256(parts.encode()).hexdigest()


def outline_build(*, roadmap, states: dict, can_edit: bool, mark: str) -> dict:
    """The entry: the outline's HTML with `mark` for the CSRF token, the unparsed
    deadlines and the measures for the cascade, as plain values."""
    outline = roadmap_outline(roadmap)
    measure_urls = _url_patterns("measure", ("edit", "move", "delete"))
    section_urls = _url_patterns("section", ("edit", "move", "delete"))
    for block in outline:
        if block["section"] is not None:
            block["section"].urls = {k: p % block["section"].pk for k, p in section_urls.items()}
        for measure in block["measures"]:
            measure.exec_state = states.get(measure.pk, "")
            measure.urls = {k: p % measure.pk for k, p in measure_urls.items()}
        # The rows are written in Python, an editor's with the column of buttons.
        block["rows_html"] = measure_rows_html(
            block["measures"], states=bool(states), csrf_token=mark if can_edit else None
        )
    html = render_to_string(
        "roadmaps/includes/_outline.html",
        {
            "roadmap": roadmap,
            "outline": outline,
            "measure_states": states,
            "can_edit": can_edit,
            "csrf_token": mark,
        },
    )
    measures = [m for block in outline for m in block["measures"]]
    return {
        "mark": mark,
        "html": html,
        "unparsed": [
            {
                "pk": m.pk,
                "number": m.number,
                "deadline_text": m.deadline_text,
                "urls": {"edit": m.urls["edit"]},
            }
            for m in measures
            if m.deadline_kind == "unparsed" and m.deadline_text.strip()
        ],
        "cascade_measures": [
            CascadeMeasure(
                m.pk,
                m.position,
                m.number,
                m.text,
                m.deadline_text,
                m.for_all_schools,
                tuple(SchoolRef(s.pk) for s in m.school_list),
            )
            for m in measures
        ],
    }


def outline_cached(
    *, roadmap, stamps: list[str], states: dict, can_edit: bool, csrf_token: str | None
) -> dict:
    """The outline entry (outline_build) from the cache or built and kept, its HTML
    with the request's CSRF token in place of the mark."""
    key = outline_key(stamps=stamps, can_edit=can_edit, states=bool(states))
    entry = cache.get(key)
    if entry is None:
        entry = outline_build(
            roadmap=roadmap, states=states, can_edit=can_edit, mark="csrf" + uuid4().hex
        )
        cache.set(key, entry, spread(OUTLINE_CACHE_SECONDS))
    html = entry["html"]
    if can_edit:
        html = html.replace(entry["mark"], csrf_token or "")
    # The HTML was rendered by the template and measure_rows_html, everything escaped
    # there; the mark is random hex and the token Django's alphanumeric string.
    return {**entry, "html": mark_safe(html)}  # noqa: S308


def uncommitted_diff_cached(*, roadmap, last, stamp: str) -> dict:
    """What changed since the last revision (revision_diff of its snapshot and the
    roadmap now), kept under the roadmap's stamp and the revision: the snapshot reads
    every measure, and any write to the roadmap renews the stamp."""
    key = f"roadmaps:uncommitted:{stamp}:{last.pk}"
    diff = cache.get(key)
    if diff is None:
        diff = revision_diff(last.snapshot, roadmap_snapshot(roadmap))
        cache.set(key, diff, spread(OUTLINE_CACHE_SECONDS))
    return diff
