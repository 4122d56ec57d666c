"""Roadmap pages: the list, search, create, the roadmap itself, its header form, its
history and its export. Thin views over roadmaps.selectors and roadmaps.services;
out of scope is a 404, a permission the user lacks on a reachable object a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from infra.formcache import forms_as_p_cached
from infra.urls import url_pattern
from roadmaps import forms, history
from roadmaps import search as search_module
from roadmaps.models import Roadmap
from roadmaps.selectors import roadmap as roadmap_selectors
from roadmaps.selectors.execution import roadmap_execution_cached, roadmap_stamps
from roadmaps.selectors.report import review_queue_head_cached
from roadmaps.selectors.roadmap import (
    change_list,
    revision_list,
    roadmap_as_parsed,
    roadmap_get,
)
from roadmaps.services import roadmap as roadmap_services
from roadmaps.services.roadmap import (
    roadmap_approval_questions,
    roadmap_in_force_elsewhere,
    roadmap_update,
)
from roadmaps.templatetags.roadmap_text import shortened
from roadmaps.views.base import _errors, _require, choice_labels
from roadmaps.views.cascade import school_roadmap_blocks_cached
from roadmaps.views.outline import outline_cached, uncommitted_diff_cached
from roadmaps.views.roadmap_blocks import school_rows_html


@login_required
def search(request):
    query = request.GET.get("q", "").strip()
    results = search_module.search(user=request.user, query=query, kind=request.GET.get("kind", ""))
    page = None
    if results is not None:
        page = Paginator(results, search_module.PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "roadmaps/search.html",
        {
            "query": query,
            "results": results,
            "page": page,
            "min_length": search_module.MIN_QUERY_LENGTH,
        },
    )


ROADMAPS_PER_PAGE = 50


@login_required
def roadmap_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "level", "q")}
    roadmaps = roadmap_selectors.roadmap_list(
        user=request.user, status=filters["status"], level=filters["level"], search=filters["q"]
    )
    # A region holds a thousand schools' roadmaps: pages of ROADMAPS_PER_PAGE, the
    # filters above narrow them.
    page = Paginator(roadmaps, ROADMAPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "roadmaps/roadmap_list.html",
        {
            "page": page,
            "rows_html": roadmap_rows_html(page.object_list),
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "Status": Roadmap.Status,
            "can_create": request.user.has_perm("roadmaps.edit_roadmap"),
        },
    )


def roadmap_rows_html(roadmaps) -> str:
    """The rows of the roadmap list written in Python: the HTML the template's loop
    wrote (tests/roadmaps/test_my_rows.py compares them), one reverse() for fifty links."""
    if not roadmaps:
        return format_html('\n  <tr><td colspan="5">{}</td></tr>\n  ', _("Дорожных карт пока нет."))
    detail = url_pattern("roadmaps:roadmap-detail", "roadmap_pk")
    status = choice_labels(Roadmap, "status")
    return mark_safe(  # noqa: S308 - every row is escaped by format_html
        "".join(
            format_html(
                '\n  <tr>\n    <td><a href="{}">{}</a><br><span class="muted">{}</span></td>'
                "\n    <td>{}</td>\n    <td>{} — {}</td>"
                '\n    <td><span class="badge {}">{}</span></td>'
                '\n    <td class="num">{}</td>\n  </tr>\n  ',
                detail % r.pk,
                r.label,
                shortened(r.title, 150),
                r.owner,
                r.period_start.strftime("%d.%m.%Y") if r.period_start else "—",
                r.period_end.strftime("%d.%m.%Y") if r.period_end else "—",
                r.status,
                status.get(r.status, r.status),
                localize(r.measure_count),
            )
            for r in roadmaps
        )
    )


@login_required
def roadmap_create(request):
    form = forms.RoadmapCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        owner, title = data.pop("owner"), data.pop("title")
        data.pop("version", None)
        try:
            roadmap = roadmap_services.roadmap_create(
                owner=owner, title=title, by=request.user, **data
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("Дорожная карта создана. Добавьте разделы и мероприятия."))
            return redirect("roadmaps:roadmap-detail", roadmap_pk=roadmap.pk)
    return render(request, "roadmaps/form.html", {"form": form, "title": _("Новая дорожная карта")})


@login_required
def roadmap_detail(request, roadmap_pk):
    # With the activity tokens of the roadmap and its parent, for their stamps below.
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk, stamped=True)
    user = request.user
    # One stamp read for the roadmap and the one its rows come from (a school roadmap's
    # rows show the municipal measures' numbers): the execution figures and the outline
    # are cached under them (roadmaps.views.outline).
    stamps = roadmap_stamps(
        roadmaps=[roadmap] + ([roadmap.parent] if roadmap.parent_id else []), user=user
    )
    execution = None
    if roadmap.status != Roadmap.Status.DRAFT:
        # The dashboard's cached figures: the same stamp (the roadmap's version, its
        # reports, the user's reach) so opening the roadmap after the dashboard reads
        # two aggregates, not every assignment and report.
        execution = roadmap_execution_cached(roadmap=roadmap, user=user, stamp=stamps[roadmap.pk])
    can_edit = user.has_perm("roadmaps.edit_roadmap", roadmap) and roadmap.is_editable
    states = (execution or {}).get("measure_states", {})
    outline = outline_cached(
        roadmap=roadmap,
        stamps=[stamps[roadmap.pk], stamps.get(roadmap.parent_id)],
        states=states,
        can_edit=can_edit,
        csrf_token=get_token(request) if can_edit else None,
    )
    can_approve = user.has_perm("roadmaps.approve_roadmap", roadmap)
    school_roadmaps = {"cascade_html": "", "list_html": ""}
    if roadmap.level == "municipality":
        # Only a municipal roadmap has school roadmaps made from it: the cascade's rows
        # and the list at the foot are kept under their marks (roadmaps.views.cascade).
        school_roadmaps = school_roadmap_blocks_cached(
            roadmap=roadmap,
            user=user,
            stamp=stamps[roadmap.pk],
            measures=outline["cascade_measures"],
            cascade=roadmap.status != Roadmap.Status.DRAFT,
            can_approve=can_approve,
            csrf_token=get_token(request) if can_approve else None,
        )
    uncommitted = None
    # The revisions, newest first: the list at the foot and the last one to diff against.
    revisions = list(revision_list(roadmap=roadmap))
    last = revisions[0] if revisions else None
    if last is not None and roadmap.status != Roadmap.Status.DRAFT:
        diff = uncommitted_diff_cached(roadmap=roadmap, last=last, stamp=stamps[roadmap.pk])
        if diff["added"] or diff["removed"] or diff["changed"] or diff["header"]:
            uncommitted = {"revision": last, "diff": diff}
    can_review = user.has_perm("roadmaps.review_report", roadmap)
    # The per-school tables are written in Python (roadmaps.views.roadmap_blocks).
    school_rows = (
        school_rows_html(execution["by_school"], roadmap=roadmap)
        if execution and execution["by_school"]
        else ""
    )
    # What only an approver or a reviewer is shown is read and built for them alone.
    approving = can_approve and roadmap.status == Roadmap.Status.DRAFT
    revising = can_approve and roadmap.status in (Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    return render(
        request,
        "roadmaps/roadmap_detail.html",
        {
            "roadmap": roadmap,
            "outline_html": outline["html"],
            "unparsed": outline["unparsed"],
            "uncommitted": uncommitted,
            "execution": execution,
            "measure_states": (execution or {}).get("measure_states", {}),
            "cascade": bool(school_roadmaps["cascade_html"]),
            "school_rows_html": school_rows,
            "cascade_rows_html": school_roadmaps["cascade_html"],
            "revisions": revisions,
            "school_roadmaps_html": school_roadmaps["list_html"],
            "can_edit": can_edit,
            "can_approve": can_approve,
            "can_review": can_review,
            # The home page's entry of the queue, under the same stamp.
            "pending": (
                review_queue_head_cached(user=user, roadmap=roadmap, stamp=stamps[roadmap.pk])[
                    "queue_count"
                ]
                if can_review
                else 0
            ),
            "Status": Roadmap.Status,
            **_workflow_forms(roadmap, approving=approving, revising=revising),
            "approval_questions": (
                roadmap_approval_questions(roadmap=roadmap) if approving else None
            ),
            "in_force_elsewhere": (
                roadmap_in_force_elsewhere(roadmap)
                if can_approve and roadmap.status == Roadmap.Status.APPROVED
                else []
            ),
        },
    )


def _workflow_forms(roadmap, *, approving: bool, revising: bool) -> dict:
    """The approver's forms of the page (approve, revise, send to schools) as HTML,
    kept in the cache under everything each is made of (infra.formcache.form_key: the
    order's fields and the due date are their initial values); None for a form the
    user is not shown."""
    shown = {
        "approve_form": (
            forms.ApproveForm(
                initial={
                    "order_number": roadmap.order_number,
                    "order_date": roadmap.order_date,
                    "order_place": roadmap.order_place,
                    "order_signatory": roadmap.order_signatory,
                    "order_signatory_position": roadmap.order_signatory_position,
                    "order_body": roadmap.order_body,
                    "order_items": "\n".join(roadmap.order_items or []),
                }
            )
            if approving
            else None
        ),
        "revise_form": forms.ReviseForm() if revising else None,
        "cascade_form": (
            forms.CascadeForm(initial={"due": roadmap.school_roadmaps_due})
            if revising and roadmap.level == "municipality"
            else None
        ),
    }
    present = {name: form for name, form in shown.items() if form is not None}
    written = dict(zip(present, forms_as_p_cached(list(present.values())), strict=True))
    return {name: written.get(name) for name in shown}


@login_required
def roadmap_edit(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _require(request, "roadmaps.edit_roadmap", roadmap)
    form = forms.RoadmapForm(
        request.POST or None, instance=roadmap, initial={"version": roadmap.version}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        try:
            # The form has written the values onto the instance; the service reloads it.
            roadmap_update(
                roadmap=Roadmap.objects.of_scoped(pk=roadmap.pk).get(),
                by=request.user,
                version=version,
                **data,
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("roadmaps:roadmap-detail", roadmap_pk=roadmap.pk)
    return render(
        request,
        "roadmaps/form.html",
        {"form": form, "title": _("Дорожная карта: основные сведения"), "roadmap": roadmap},
    )


@login_required
def roadmap_history(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    changes = list(change_list(user=request.user, roadmap=roadmap)[:300])
    history.change_rows(changes)
    return render(
        request, "roadmaps/roadmap_history.html", {"roadmap": roadmap, "changes": changes}
    )


@login_required
def roadmap_export(request, roadmap_pk, fmt):
    from roadmaps import exporters

    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    parsed = roadmap_as_parsed(roadmap)
    if fmt == "xlsx":
        content = exporters.roadmap_to_xlsx(parsed)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "docx":
        content = exporters.roadmap_to_docx(parsed)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    name = f"roadmap-{roadmap.pk}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
