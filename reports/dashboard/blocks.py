"""What each person sees first: one block per membership, built from the
selectors of the other apps. Reads only, through the scoping rule."""

from __future__ import annotations

import math
import re
from datetime import date

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from infra.cache_once import spread
from infra.urls import url_pattern
from schools.models import Role


def _fraction(percent):
    """Execution figures come in percent; charts take shares of one."""
    return None if percent is None else percent / 100


def _current_roadmap(user, *, municipality=None, school=None, today=None):
    """The roadmap in force at a node (roadmaps.selectors.roadmap.roadmap_in_force)."""
    from roadmaps.selectors.roadmap import roadmap_in_force

    return roadmap_in_force(user=user, municipality=municipality, school=school, today=today)


def _execution_block(user, roadmap, today, stamp=None):
    from infra.output.charts import horizontal_bars
    from reports.dashboard.rows import school_rows_html
    from roadmaps.selectors.execution import (
        cascade_state_counts,
        roadmap_execution_cached,
        roadmap_stamp,
    )

    stamp = stamp or roadmap_stamp(roadmap=roadmap, user=user, today=today)
    execution = roadmap_execution_cached(roadmap=roadmap, user=user, today=today, stamp=stamp)
    sections = [
        (str(r["section"]) if r["section"] else _("Без раздела"), _fraction(r["share_done"]))
        for r in execution["by_section"]
    ]
    schools = [(r["school"].short_name, _fraction(r["share_done"])) for r in execution["by_school"]]
    # Counts of the schools by the state of their roadmap, as the roadmap's page lists
    # them (cascade_status): read in one query of a value a school, no measure.
    states = (
        cascade_state_counts(roadmap=roadmap, user=user) if roadmap.requires_school_roadmaps else {}
    )
    return {
        "roadmap": roadmap,
        "execution": execution,
        "section_chart": horizontal_bars(sections, title=_("Выполнение по разделам"))
        if sections
        else "",
        "school_chart": horizontal_bars(schools, title=_("Выполнение по школам"))
        if schools
        else "",
        "school_rows_html": school_rows_html(execution["by_school"]),
        **_queue(user, roadmap, stamp),
        "cascade_states": states,
    }


def _queue(user, roadmap, stamp, shown=10):
    """The reports of the roadmap waiting for the user's review: the oldest `shown`
    (as `queue_rows` dicts, and their `<li>` as HTML) and how many, from the entry the
    roadmap's page shares (roadmaps.selectors.report.review_queue_head_cached)."""
    from reports.dashboard.rows import queue_items_html
    from roadmaps.selectors.report import review_queue_head_cached

    queue = review_queue_head_cached(user=user, roadmap=roadmap, stamp=stamp, shown=shown)
    return {**queue, "queue_html": queue_items_html(queue["queue"])}


def _overdue(user, today, limit=15):
    from roadmaps.selectors.assignment import overdue_assignments

    return overdue_assignments(user=user, today=today, limit=limit)


def official_block(user, membership, today):
    from reports.dashboard.rows import overdue_rows_html

    roadmap = _current_roadmap(user, municipality=membership.municipality, today=today)
    overdue, overdue_count, stamps = _overdue(user, today)
    block = {
        "kind": "official",
        "membership": membership,
        "overdue": overdue,
        "overdue_html": overdue_rows_html(overdue),
        "overdue_count": overdue_count,
        "body_tasks": _body_tasks(user, membership, today),
    }
    if roadmap is not None:
        # The roadmap in force is one of the active ones the overdue list stamped.
        block.update(_execution_block(user, roadmap, today, stamps.get(roadmap.pk)))
    block["objectivity"] = _official_flags(user, membership.municipality)
    return block


def deputy_block(user, membership, today):
    from roadmaps.models import ProgressReport

    school = membership.school
    # The returned reports as the block prints them (link, measure's number and text,
    # reason): no roadmap, reviewer or report columns it does not print.
    returned = (
        ProgressReport.objects.visible_to(user)
        .filter(
            assignment__school=school, is_current=True, review_state=ProgressReport.Review.RETURNED
        )
        .select_related("assignment__measure")
        .only("review_reason", "assignment__measure__number", "assignment__measure__text")
        .order_by("-reviewed_at")
    )
    # No roadmap in force here: the deputy's block does not show one (it read a
    # roadmap and its owners on every open of the home page for nothing).
    return {
        "kind": "deputy",
        "membership": membership,
        **_deputy_due(user, school, today),
        "returned": list(returned[:10]),
        "school": school,
        "objectivity": _school_flags(user, school),
    }


DUE_CACHE_SECONDS = 600


def _deputy_due(user, school, today):
    """The deputy's «overdue» and «due this month» lists as HTML, and their rows.

    The HTML is kept in the cache under a digest of everything it is made of (each
    assignment of the school in an active roadmap, its measure's number, text, dates
    and position, whether it is done, as the user sees them), the day and the
    language: a page opened again reads one short string instead of a hundred rows
    and writes no HTML, and a report accepted, an assignment added, a deadline or a
    roadmap's status changed computes it afresh. The rows themselves (with their
    assignments and measures) are not kept: the page prints only the HTML, and
    unpickling a hundred rows' model instances on every open of it cost about half a
    millisecond of its ten (bench/results/load-pgload.txt). `due_soon` and `overdue`
    are read from the database when someone asks for them."""
    from django.core.cache import cache
    from django.utils.functional import SimpleLazyObject
    from django.utils.translation import get_language

    from roadmaps.selectors.assignment import school_assignments_due_digest

    rows = SimpleLazyObject(lambda: _deputy_due_rows(user, school, today))
    digest = school_assignments_due_digest(user=user, school=school)
    key = f"dashboard:due-html:{school.pk}:{today.isoformat()}:{get_language()}:{digest}"
    html = cache.get(key)
    if html is None:
        html = {
            "due_soon_html": due_items_html(rows["due_soon"]),
            "overdue_html": due_items_html(rows["overdue"]),
        }
        cache.set(key, html, spread(DUE_CACHE_SECONDS))
    return {
        **html,
        "due_soon": SimpleLazyObject(lambda: rows["due_soon"]),
        "overdue": SimpleLazyObject(lambda: rows["overdue"]),
    }


def _deputy_due_rows(user, school, today) -> dict:
    from roadmaps.selectors.assignment import school_assignments_due

    rows = school_assignments_due(user=user, today=today, school=school)
    month_end = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return {
        "due_soon": [
            r for r in rows if not r["done"] and r["due"] and today <= r["due"] < month_end
        ],
        "overdue": [r for r in rows if r["overdue"]],
    }


def due_items_html(rows) -> str:
    """The `<li>` of each row of the deputy's «overdue» and «due this month» lists,
    written in Python: the HTML the template's loop wrote (tests/reports/
    test_dashboard_rows.py compares them), with the «report» link from one reverse();
    a school lists a hundred rows, which the template took a fifth of the page to write."""
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    from roadmaps.templatetags.roadmap_text import shortened

    pattern = url_pattern("roadmaps:report-create", "assignment_pk")
    return mark_safe(  # noqa: S308 - every item is escaped by format_html
        "".join(
            format_html(
                '<li>{} — <a href="{}">{} {}</a></li>',
                row["due"].strftime("%d.%m.%Y") if row["due"] else "",
                pattern % row["assignment"].pk,
                row["assignment"].measure.number,
                shortened(row["assignment"].measure.text, 90),
            )
            for row in rows
        )
    )


def _body_tasks(user, membership, today, limit=10):
    """The measures of the body the person works in: open ones by due date."""
    if not membership.body_id:
        return None
    from roadmaps.selectors.assignment import my_assignments

    rows = my_assignments(user=user, today=today, body=membership.body, own=True)
    open_rows = [r for r in rows if not r["done"]]
    return {
        "body": membership.body,
        "rows": open_rows[:limit],
        "open": len(open_rows),
        "overdue": sum(1 for r in open_rows if r["overdue"]),
        "total": len(rows),
    }


def methodist_block(user, membership, today):
    from reports.models import Document

    documents = (
        Document.objects.visible_to(user)
        .filter(status=Document.Status.DONE)
        .select_related("region", "municipality", "school")[:8]
    )
    return {
        "kind": "methodist",
        "membership": membership,
        "body_tasks": _body_tasks(user, membership, today),
        "documents": list(documents),
        "procedures": _latest_procedures(user),
        "objectivity": _scope_flag_count(user, membership),
    }


def _latest_procedures(user, limit=8):
    try:
        from assessments.results.models import Procedure
    except ImportError:
        return []
    return list(Procedure.objects.visible_to(user).order_by("-year", "grade", "subject")[:limit])


# The analyst compares every municipality's execution, which reads every
# assignment of the region. Each municipal roadmap's share is kept in the cache
# under that roadmap's stamp (roadmaps.selectors.execution.roadmap_stamps: its
# activity token, the day, the reach): a report sent or reviewed, a measure or an
# assignment changed makes a new stamp for its own roadmap only, so the comparison
# is never stale and a change in one municipality computes one share again.
SHARES_CACHE_SECONDS = 600


def _shares(user, roadmaps, today) -> dict[int, float | None]:
    """The share of measures done of each roadmap, by id, from the cache where its
    stamp is there (one round trip for all), computed for the others: each by one
    request when several miss it at once (`infra.cache_once`)."""
    from infra.cache_once import get_many_once
    from roadmaps.selectors.execution import roadmap_execution, roadmap_stamps

    keys = {
        pk: "dashboard:share:" + stamp
        for pk, stamp in roadmap_stamps(roadmaps=roadmaps, user=user, today=today).items()
    }
    by_pk = {roadmap.pk: roadmap for roadmap in roadmaps}

    def share(pk):
        execution = roadmap_execution(roadmap=by_pk[pk], user=user, today=today)
        return execution["measures"]["share_done"]

    return get_many_once(keys, share, SHARES_CACHE_SECONDS)


def analyst_block(user, membership, today):
    from infra.output.charts import horizontal_bars
    from reports.dashboard.rows import municipality_rows_html
    from roadmaps.selectors.roadmap import municipal_roadmaps_in_force
    from schools.selectors import municipality_list

    municipalities = list(municipality_list(user=user, region=membership.region))
    current = municipal_roadmaps_in_force(user=user, municipalities=municipalities, today=today)
    shares = _shares(user, list(current.values()), today)
    rows = []
    for municipality in municipalities:
        roadmap = current.get(municipality.pk)
        rows.append(
            {
                "municipality": municipality,
                "roadmap": roadmap,
                "share_done": shares[roadmap.pk] if roadmap is not None else None,
            }
        )
    chart = (
        horizontal_bars(
            [(r["municipality"].name, _fraction(r["share_done"])) for r in rows],
            title=_("Выполнение муниципальных дорожных карт"),
        )
        if rows
        else ""
    )
    return {
        "kind": "analyst",
        "membership": membership,
        "municipalities": rows,
        "municipalities_html": municipality_rows_html(rows),
        "chart": chart,
        "procedures": _latest_procedures(user),
        "objectivity": _flags_by_municipality(user, membership.region, municipalities),
    }


# --- objectivity flags -------------------------------------------------------------------
# Each block reads the stored check runs through the objectivity selectors, so a
# municipality's block never shows a school of another one, even from a
# region-wide run.

# Years of region-wide runs the analyst's table and chart compare.
FLAG_YEARS_SHOWN = 5
# Flagged schools listed on the official's dashboard; the run page lists all.
FLAGGED_SCHOOLS_SHOWN = 20
# Municipalities the analyst's chart draws; the table lists every one.
FLAG_CHART_MUNICIPALITIES = 6


def _latest_run_covering(user, *, region, municipality=None):
    """The run a block shows: the newest finished run of the latest year that
    covers the node (see `run_for`)."""
    from assessments.objectivity.selectors import run_for

    return run_for(user=user, region=region, municipality=municipality)


def _ordered_by_label(findings, run):
    from assessments.objectivity.selectors import run_labels

    order = {label: i for i, label in enumerate(run_labels(run))}
    return sorted(findings, key=lambda f: (order.get(f.label, len(order)), f.label))


def _unbroken(label):
    """«4 РУ» kept on one line in narrow table cells."""
    return label.replace(" ", "\u00a0")


def _answer_state(answers, municipality_id):
    """(answered, has_measure) of one marker from its FlagAnswers: a measure
    counts when it belongs to a roadmap of the municipality itself (not a
    school's)."""
    has_measure = any(
        a.kind == a.Kind.MEASURE
        and a.measure is not None
        and a.measure.roadmap.municipality_id == municipality_id
        and a.measure.roadmap.school_id is None
        for a in answers
    )
    return bool(answers), has_measure


def _official_flags(user, municipality):
    """«Школы с признаками необъективности»: the flagged schools of the latest
    run covering the municipality, their markers and how many are answered."""
    from assessments.objectivity.selectors import answers_for, finding_list, run_schools
    from reports.dashboard.rows import flagged_school_rows_html

    run = _latest_run_covering(user, region=municipality.region, municipality=municipality)
    if run is None:
        return {"run": None, "can_run": user.has_perm("assessments.run_checks")}
    rows = list(run_schools(user=user, run=run, municipality=municipality, flagged_only=True))
    findings = list(finding_list(user=user, run=run).filter(municipality=municipality, marker=True))
    answers = answers_for(user=user, pairs={(f.school_id, f.procedure_id) for f in findings})
    by_school = {}
    for finding in _ordered_by_label(findings, run):
        answered, has_measure = _answer_state(
            answers.get((finding.school_id, finding.procedure_id), []), municipality.pk
        )
        by_school.setdefault(finding.school_id, []).append(
            {
                "finding": finding,
                "label": _unbroken(finding.label),
                "answered": answered,
                "has_measure": has_measure,
            }
        )
    schools = []
    for row in rows:
        markers = by_school.get(row.school_id, [])
        schools.append(
            {
                "row": row,
                "markers": markers,
                "answered": sum(1 for m in markers if m["answered"]),
                "has_measure": any(m["has_measure"] for m in markers),
            }
        )
    return {
        "run": run,
        "municipality": municipality,
        "schools": schools[:FLAGGED_SCHOOLS_SHOWN],
        "schools_html": flagged_school_rows_html(schools[:FLAGGED_SCHOOLS_SHOWN]),
        "school_count": len(schools),
        "unanswered": sum(len(s["markers"]) - s["answered"] for s in schools),
    }


def _school_flags(user, school):
    """«Признаки необъективности у школы»: the school's markers in the latest
    run covering it, each with the municipality's answers."""
    from assessments.objectivity.checks.data import INDICATOR_LABELS
    from assessments.objectivity.selectors import answers_for, finding_list

    run = _latest_run_covering(user, region=school.region, municipality=school.municipality)
    if run is None:
        return {"run": None}
    findings = list(finding_list(user=user, run=run, school=school))
    flagged = [f for f in findings if f.marker]
    answers = answers_for(user=user, pairs={(f.school_id, f.procedure_id) for f in flagged})
    markers = [
        {
            "finding": finding,
            "label": _unbroken(finding.label),
            "reasons": [str(INDICATOR_LABELS.get(r, r)) for r in finding.reasons],
            "answers": answers.get((finding.school_id, finding.procedure_id), []),
        }
        for finding in _ordered_by_label(flagged, run)
    ]
    return {"run": run, "checked": bool(findings), "markers": markers}


def _scope_flag_count(user, membership):
    """The latest run over the methodist's node and its flagged schools there."""
    from assessments.objectivity.selectors import run_schools

    run = _latest_run_covering(user, region=membership.region, municipality=membership.municipality)
    if run is None:
        return {"run": None}
    flagged = run_schools(
        user=user, run=run, municipality=membership.municipality, flagged_only=True
    )
    return {"run": run, "flagged": flagged.count()}


def _flags_by_municipality(user, region, municipalities):
    """Flagged schools per municipality in the latest finished region-wide run
    of each of the last FLAG_YEARS_SHOWN years: a table and a grouped-bar chart."""
    from assessments.objectivity.models import CheckSchool
    from assessments.objectivity.selectors import region_runs

    runs = list(region_runs(user=user, region=region, limit=FLAG_YEARS_SHOWN).values())
    if not runs:
        return {"runs": [], "can_run": user.has_perm("assessments.run_checks")}
    counts = {
        (r["run_id"], r["municipality_id"]): r["n"]
        for r in CheckSchool.objects.visible_to(user)
        .filter(run__in=runs, markers__gt=0)
        .values("run_id", "municipality_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = [
        {
            "municipality": municipality,
            "cells": [(run, counts.get((run.pk, municipality.pk), 0)) for run in runs],
        }
        for municipality in municipalities
    ]
    totals = [sum(counts.get((run.pk, m.pk), 0) for m in municipalities) for run in runs]
    return {"runs": runs, "rows": rows, "totals": totals, "chart": _flags_chart(runs, rows)}


def _flags_chart(runs, rows):
    """Grouped bars: the municipalities with flags (those with most first, at
    most FLAG_CHART_MUNICIPALITIES, so labels stay legible), one bar per year."""
    from infra.output.charts import grouped_bars

    flagged = [r for r in rows if any(n for _run, n in r["cells"])]
    if not flagged:
        return ""
    flagged.sort(key=lambda r: (-sum(n for _run, n in r["cells"]), r["municipality"].name))
    shown = flagged[:FLAG_CHART_MUNICIPALITIES]
    shown.sort(key=lambda r: r["municipality"].name)
    names = _short_names([r["municipality"].name for r in shown])
    highest = max(n for r in shown for _run, n in r["cells"])
    if len(flagged) > len(shown):
        title = _("Школы с маркерами: %(n)s муниципалитетов, где их больше всего") % {
            "n": len(shown)
        }
    else:
        title = _("Школы с маркерами по муниципалитетам и годам")
    return grouped_bars(
        names,
        {str(run.year): [r["cells"][i][1] for r in shown] for i, run in enumerate(runs)},
        title=title,
        percent=False,
        # Ticks are fifths of the top: a multiple of five keeps them whole schools.
        top_value=max(5, math.ceil(highest * 1.1 / 5) * 5),
    )


# Words every municipality's name repeats; the chart's labels leave them out.
_GENERIC_WORDS = re.compile(
    r"\b(городской|муниципальный|округ|район|город|г\.)(?=\s|$|»)|[«»\"]", re.IGNORECASE
)


def _short_names(names):
    """«Городской округ «Город Калининград»» → «Калининград» for chart labels;
    the full name where shortening leaves nothing or makes two names alike."""
    short = [" ".join(_GENERIC_WORDS.sub(" ", name).split()) or name for name in names]
    return [s if short.count(s) == 1 else name for s, name in zip(short, names, strict=True)]


def viewer_block(user, membership, today):
    node = membership.school or membership.municipality
    roadmap = _current_roadmap(user, municipality=membership.municipality, school=membership.school)
    block = {"kind": "viewer", "membership": membership, "node": node}
    if roadmap is not None:
        block.update(_execution_block(user, roadmap, today))
    return block


BLOCKS = {
    Role.MUNICIPAL_OFFICIAL: official_block,
    Role.SCHOOL_DEPUTY: deputy_block,
    Role.METHODIST: methodist_block,
    Role.REGIONAL_ANALYST: analyst_block,
    Role.VIEWER: viewer_block,
}


def dashboard(*, user, memberships, today: date | None = None) -> list[dict]:
    """One block per membership, in the order the memberships are listed."""
    today = today or timezone.localdate()
    return [BLOCKS[m.role](user, m, today) for m in memberships if m.role in BLOCKS]
