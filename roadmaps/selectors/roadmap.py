"""Reads of roadmaps: the list, one roadmap, the one in force at a node, its outline,
its revisions and its history lines."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from roadmaps.models import (
    Measure,
    Revision,
    Roadmap,
)
from roadmaps.selectors.measure import measure_list
from schools.history import ChangeRecord

ROADMAP_LIST_FIELDS = (
    "pk",
    "title",
    "period_start",
    "period_end",
    "academic_year",
    "status",
    "order_number",
    "order_date",
    "created_at",
    "region__name",
    "municipality__name",
    "school__short_name",
)


# What a roadmap's label (Roadmap.label: owner, period, order) is made of.
LABEL_FIELDS = (
    "status",
    "academic_year",
    "period_start",
    "period_end",
    "order_number",
    "order_date",
    "region__name",
    "municipality__name",
    "school__short_name",
)


def roadmap_choices(queryset):
    """`queryset` reading only what each roadmap's label is made of (LABEL_FIELDS) with
    its owner: the choices of a form, which print the label and post the id. A
    roadmap's row has some thirty columns and its owners a dozen more; the form's
    cached HTML is keyed by the SQL and a digest of the rows read (infra.formcache),
    both smaller and quicker to make for the columns shown."""
    return queryset.select_related("region", "municipality", "school").only(*LABEL_FIELDS)


def roadmap_list(*, user, status: str = "", level: str = "", search: str = ""):
    """The roadmaps `user` sees, newest first, each with its `measure_count`. The
    count is a subquery per row rather than a join grouped over every measure, so a
    page of the list (LIMIT 50) counts the measures of its own 50 roadmaps only, and
    the paginator's COUNT leaves it out."""
    measure_count = (
        Measure.objects.of_scoped(roadmap=OuterRef("pk"))
        .order_by()
        .values("roadmap")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        Roadmap.objects.visible_to(user)
        # The columns the list prints (label, title, owner, period, status): not the
        # order's texts, the purpose and tasks, nor the parent roadmap of each row.
        .select_related("region", "municipality", "school")
        .only(*ROADMAP_LIST_FIELDS)
        .annotate(
            measure_count=Coalesce(Subquery(measure_count, output_field=IntegerField()), Value(0))
        )
        .order_by("-created_at", "-pk")
    )
    if status:
        qs = qs.filter(status=status)
    if level == "region":
        qs = qs.filter(municipality__isnull=True)
    elif level == "municipality":
        qs = qs.filter(municipality__isnull=False, school__isnull=True)
    elif level == "school":
        qs = qs.filter(school__isnull=False)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(order_number__iexact=search))
    return qs


def _in_force_rank(roadmap, today: date):
    """A roadmap put in force before one only approved, then one whose period holds
    today, then one not past, then the latest approved."""
    current = (roadmap.period_start is None or roadmap.period_start <= today) and (
        roadmap.period_end is None or roadmap.period_end >= today
    )
    not_past = roadmap.period_end is None or roadmap.period_end >= today
    return (
        roadmap.status == Roadmap.Status.IN_FORCE,
        current,
        not_past,
        roadmap.approved_at.timestamp() if roadmap.approved_at else 0,
        roadmap.pk,
    )


def _approved(user):
    return Roadmap.objects.visible_to(user).filter(
        status__in=(Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    )


def roadmap_in_force(*, user, municipality=None, school=None, today: date | None = None):
    """The roadmap in force at a node, as the dashboards show it (`_in_force_rank`).
    A roadmap of a past year approved today does not displace it."""
    today = today or timezone.localdate()
    qs = _approved(user)
    if school is not None:
        qs = qs.filter(school=school)
    elif municipality is not None:
        qs = qs.filter(municipality=municipality, school__isnull=True)
    candidates = qs.select_related("region", "municipality", "school").order_by(
        "-approved_at", "-pk"
    )[:20]
    return max(candidates, key=lambda r: _in_force_rank(r, today), default=None)


def municipal_roadmaps_in_force(*, user, municipalities, today: date | None = None) -> dict:
    """`roadmap_in_force` of every municipality at once, {municipality id: roadmap}:
    one query for a region of any size."""
    today = today or timezone.localdate()
    best = {}
    # With each one's activity token: the analyst's figures are stamped with it
    # (roadmaps.selectors.execution.roadmap_stamps) without a query of their own.
    for roadmap in (
        _approved(user)
        .filter(municipality__in=[m.pk for m in municipalities], school__isnull=True)
        .select_related("region", "municipality", "activity")
    ):
        held = best.get(roadmap.municipality_id)
        if held is None or _in_force_rank(roadmap, today) > _in_force_rank(held, today):
            best[roadmap.municipality_id] = roadmap
    return best


def roadmap_get(*, user, pk, stamped: bool = False) -> Roadmap:
    """The roadmap `pk` the user sees (else 404), with its owners and parent; `stamped`:
    with the activity tokens of the roadmap and its parent read in the same query, for
    the stamps of a page that only reads (roadmaps.selectors.execution.roadmap_stamps)
    rather than a second query. Not for a request that writes before it stamps: the
    tokens are those read here."""
    related = ["region", "municipality", "school", "parent"]
    if stamped:
        related += ["activity", "parent__activity"]
    return Roadmap.objects.select_related(*related).get_visible_or_404(user, pk=pk)


def roadmap_outline(roadmap: Roadmap) -> list[dict]:
    """Sections as a tree, depth first, each with its measures: what the detail page walks."""
    sections = list(roadmap.sections.order_by("position", "pk"))
    measures = defaultdict(list)
    for measure in measure_list(roadmap=roadmap):
        measures[measure.section_id].append(measure)
    children = defaultdict(list)
    for section in sections:
        children[section.parent_id].append(section)
    rows = []
    if measures.get(None):
        rows.append({"section": None, "depth": 0, "measures": measures[None]})

    def walk(parent_id, depth):
        for section in children.get(parent_id, []):
            rows.append(
                {"section": section, "depth": depth, "measures": measures.get(section.pk, [])}
            )
            walk(section.pk, depth + 1)

    walk(None, 0)
    return rows


def revision_list(*, roadmap: Roadmap):
    return roadmap.revisions.select_related("created_by").order_by("-number")


def revision_get(*, user, pk) -> Revision:
    return Revision.objects.select_related("roadmap").get_visible_or_404(user, pk=pk)


def change_list(*, user, roadmap: Roadmap | None = None):
    qs = ChangeRecord.objects.visible_to(user).select_related("by")
    if roadmap is not None:
        qs = qs.filter(roadmap=roadmap)
    return qs


def change_get(*, user, pk) -> ChangeRecord:
    return ChangeRecord.objects.select_related("by", "roadmap").get_visible_or_404(user, pk=pk)


def roadmap_as_parsed(roadmap: Roadmap):
    """The roadmap as the document parser would have found it: what the exporters take."""
    from roadmaps.importers.parsed import (
        ParsedApproval,
        ParsedMeasure,
        ParsedOrder,
        ParsedRoadmap,
        ParsedSection,
    )

    sections = list(roadmap.sections.order_by("position", "pk"))
    by_section = defaultdict(list)
    for m in roadmap.measures.order_by("position", "pk"):
        by_section[m.section_id].append(
            ParsedMeasure(
                number=m.number,
                text=m.text,
                participants=m.participants,
                deadline_text=m.deadline_text,
                responsible_text=m.responsible_text,
                result=m.result,
                document=m.document_text,
                extra=m.visible_extra,
            )
        )
    nodes = {
        s.pk: ParsedSection(number=s.number, title=s.title, measures=by_section.get(s.pk, []))
        for s in sections
    }
    top = []
    if by_section.get(None):
        top.append(ParsedSection(number="", title="", measures=by_section[None]))
    for s in sections:
        if s.parent_id and s.parent_id in nodes:
            nodes[s.parent_id].sections.append(nodes[s.pk])
        else:
            top.append(nodes[s.pk])
    approvals = []
    for item in roadmap.approvals or []:
        if isinstance(item, dict) and "label" in item:
            approvals.append(
                ParsedApproval(
                    **{k: item.get(k, "") for k in ("label", "position", "name", "date_text")}
                )
            )
    return ParsedRoadmap(
        title=roadmap.title,
        period_start=roadmap.period_start,
        period_end=roadmap.period_end,
        preamble=roadmap.preamble,
        order=ParsedOrder(
            number=roadmap.order_number,
            date=roadmap.order_date,
            place=roadmap.order_place,
            title=roadmap.order_title,
            signatory=roadmap.order_signatory,
            signatory_position=roadmap.order_signatory_position,
            body=roadmap.order_body,
            preamble=roadmap.order_preamble,
            items=list(roadmap.order_items or []),
        ),
        sections=top,
        closing=roadmap.closing,
        approvals=approvals,
    )
