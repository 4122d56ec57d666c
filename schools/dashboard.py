"""What each person sees first: one block per membership, built from the
selectors of the other apps. Reads only, through the scoping rule."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Role


def _fraction(percent):
    """Execution figures come in percent; charts take shares of one."""
    return None if percent is None else percent / 100


def _current_roadmap(user, *, municipality=None, school=None):
    """The roadmap in force at a node: the latest approved or in force."""
    from roadmaps.models import Roadmap

    qs = Roadmap.objects.visible_to(user).filter(
        status__in=(Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    )
    if school is not None:
        qs = qs.filter(school=school)
    elif municipality is not None:
        qs = qs.filter(municipality=municipality, school__isnull=True)
    return qs.order_by("-approved_at", "-pk").first()


def _execution_block(user, roadmap, today):
    from reports.charts import horizontal_bars
    from roadmaps.selectors import cascade_status, review_queue, roadmap_execution

    execution = roadmap_execution(roadmap=roadmap, user=user, today=today)
    sections = [
        (str(r["section"]) if r["section"] else _("Без раздела"), _fraction(r["share_done"]))
        for r in execution["by_section"]
    ]
    schools = [(r["school"].short_name, _fraction(r["share_done"])) for r in execution["by_school"]]
    cascade = cascade_status(roadmap=roadmap, user=user) if roadmap.requires_school_roadmaps else []
    states = {}
    for row in cascade:
        states[row["state"]] = states.get(row["state"], 0) + 1
    return {
        "roadmap": roadmap,
        "execution": execution,
        "section_chart": horizontal_bars(sections, title=_("Выполнение по разделам"))
        if sections
        else "",
        "school_chart": horizontal_bars(schools, title=_("Выполнение по школам"))
        if schools
        else "",
        "queue": list(review_queue(user=user, roadmap=roadmap)[:10]),
        "queue_count": review_queue(user=user, roadmap=roadmap).count(),
        "cascade": cascade,
        "cascade_states": states,
    }


def _overdue(user, today, limit=15):
    from roadmaps.selectors import my_assignments

    rows = [r for r in my_assignments(user=user, today=today) if r["overdue"]]
    rows.sort(key=lambda r: r["due"] or date.max)
    return rows[:limit], len(rows)


def official_block(user, membership, today):
    roadmap = _current_roadmap(user, municipality=membership.municipality)
    overdue, overdue_count = _overdue(user, today)
    block = {
        "kind": "official",
        "membership": membership,
        "overdue": overdue,
        "overdue_count": overdue_count,
    }
    if roadmap is not None:
        block.update(_execution_block(user, roadmap, today))
    return block


def deputy_block(user, membership, today):
    from roadmaps.models import ProgressReport
    from roadmaps.selectors import my_assignments

    school = membership.school
    rows = my_assignments(user=user, today=today, school=school)
    month_end = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    due_soon = [r for r in rows if not r["done"] and r["due"] and today <= r["due"] < month_end]
    overdue = [r for r in rows if r["overdue"]]
    returned = (
        ProgressReport.objects.visible_to(user)
        .filter(
            assignment__school=school, is_current=True, review_state=ProgressReport.Review.RETURNED
        )
        .select_related("assignment__measure__roadmap", "reviewed_by")
        .order_by("-reviewed_at")
    )
    return {
        "kind": "deputy",
        "membership": membership,
        "due_soon": due_soon,
        "overdue": overdue,
        "returned": list(returned[:10]),
        "school": school,
        "roadmap": _current_roadmap(user, school=school),
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
        "documents": list(documents),
        "procedures": _latest_procedures(user),
    }


def _latest_procedures(user, limit=8):
    try:
        from assessments.models import Procedure
    except ImportError:
        return []
    return list(Procedure.objects.visible_to(user).order_by("-year", "grade", "subject")[:limit])


def analyst_block(user, membership, today):
    from reports.charts import horizontal_bars
    from roadmaps.selectors import roadmap_execution
    from schools.selectors import municipality_list

    rows = []
    for municipality in municipality_list(user=user, region=membership.region):
        roadmap = _current_roadmap(user, municipality=municipality)
        share = None
        if roadmap is not None:
            share = roadmap_execution(roadmap=roadmap, user=user, today=today)["measures"][
                "share_done"
            ]
        rows.append({"municipality": municipality, "roadmap": roadmap, "share_done": share})
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
        "chart": chart,
        "procedures": _latest_procedures(user),
    }


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
