"""Roadmap pages: thin views over roadmaps.selectors (reads) and roadmaps.services (writes).

Every object comes through the scoping rule, so out of scope is a 404; a
permission the user lacks on a reachable object is a 403.
"""

from __future__ import annotations

import copy
import tempfile
import uuid
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadmaps import forms, history
from roadmaps import search as search_module
from roadmaps.models import Measure, ProgressReport, Roadmap
from roadmaps.selectors import roadmap as roadmap_selectors
from roadmaps.selectors.assignment import assignment_get, my_assignments
from roadmaps.selectors.execution import cascade_status, roadmap_execution
from roadmaps.selectors.measure import indicator_get, measure_get, section_get
from roadmaps.selectors.period import period_containing, reporting_periods
from roadmaps.selectors.report import (
    evidence_get,
    report_changes,
    report_get,
    report_to_correct,
    review_queue,
)
from roadmaps.selectors.roadmap import (
    change_list,
    revision_get,
    revision_list,
    roadmap_as_parsed,
    roadmap_get,
    roadmap_outline,
)
from roadmaps.services import cascade as cascade_services
from roadmaps.services import importing as importing_services
from roadmaps.services import measure as measure_services
from roadmaps.services import revision as revision_services
from roadmaps.services import roadmap as roadmap_services
from roadmaps.services import section as section_services
from roadmaps.services.cascade import school_roadmap_start_from
from roadmaps.services.evidence import proof_pack_build
from roadmaps.services.importing import parsed_roadmap_json
from roadmaps.services.matching import deadline_schedule
from roadmaps.services.measure import measure_update
from roadmaps.services.report import (
    progress_report_accept,
    progress_report_return,
    progress_report_submit,
)
from roadmaps.services.revision import revision_diff, roadmap_snapshot
from roadmaps.services.roadmap import (
    roadmap_approval_questions,
    roadmap_in_force_elsewhere,
    roadmap_put_in_force,
    roadmap_update,
)
from roadmaps.services.section import section_update
from schools.files import FileRejected, read_bytes
from schools.importing import ImportFailed
from schools.models import School


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _require(request, permission, obj):
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied(_("Недостаточно прав для этого действия."))


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _done(request, url, message=None, error=None, **payload):
    """Answer a POST: JSON for the page's script, a redirect with a message otherwise."""
    if _wants_json(request):
        status = 400 if error else 200
        return JsonResponse(
            {"ok": not error, "message": error or message or "", **payload}, status=status
        )
    if error:
        messages.error(request, error)
    elif message:
        messages.success(request, message)
    return redirect(url)


def _url_patterns(model: str, actions) -> dict[str, str]:
    """ "/roadmaps/measures/%d/edit/"-style patterns, to fill with each row's pk."""
    sentinel = 987654321
    return {
        action: reverse(f"roadmaps:{model}-{action}", kwargs={f"{model}_pk": sentinel}).replace(
            str(sentinel), "%d"
        )
        for action in actions
    }


# --------------------------------------------------------------------------- search


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


# --------------------------------------------------------------------------- roadmaps


@login_required
def roadmap_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "level", "q")}
    roadmaps = roadmap_selectors.roadmap_list(
        user=request.user, status=filters["status"], level=filters["level"], search=filters["q"]
    )
    return render(
        request,
        "roadmaps/roadmap_list.html",
        {
            "roadmaps": roadmaps,
            "filters": filters,
            "Status": Roadmap.Status,
            "can_create": request.user.has_perm("roadmaps.edit_roadmap"),
        },
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
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    user = request.user
    execution = None
    if roadmap.status != Roadmap.Status.DRAFT:
        execution = roadmap_execution(roadmap=roadmap, user=user)
    cascade = None
    if roadmap.level == "municipality" and roadmap.status != Roadmap.Status.DRAFT:
        cascade = cascade_status(roadmap=roadmap, user=user)
    can_edit = user.has_perm("roadmaps.edit_roadmap", roadmap) and roadmap.is_editable
    outline = roadmap_outline(roadmap)
    states = (execution or {}).get("measure_states", {})
    # One reverse() per route, not per row: on a page of 150 measures it is most of the time.
    measure_urls = _url_patterns("measure", ("edit", "move", "delete"))
    section_urls = _url_patterns("section", ("edit", "move", "delete"))
    for block in outline:
        if block["section"] is not None:
            block["section"].urls = {k: p % block["section"].pk for k, p in section_urls.items()}
        for measure in block["measures"]:
            measure.exec_state = states.get(measure.pk, "")
            measure.urls = {k: p % measure.pk for k, p in measure_urls.items()}
    uncommitted = None
    last = roadmap.revisions.order_by("-number").first()
    if last is not None and roadmap.status != Roadmap.Status.DRAFT:
        diff = revision_diff(last.snapshot, roadmap_snapshot(roadmap))
        if diff["added"] or diff["removed"] or diff["changed"] or diff["header"]:
            uncommitted = {"revision": last, "diff": diff}
    unparsed = [
        m
        for block in outline
        for m in block["measures"]
        if m.deadline_kind == "unparsed" and m.deadline_text.strip()
    ]
    return render(
        request,
        "roadmaps/roadmap_detail.html",
        {
            "roadmap": roadmap,
            "outline": outline,
            "unparsed": unparsed,
            "uncommitted": uncommitted,
            "execution": execution,
            "measure_states": (execution or {}).get("measure_states", {}),
            "cascade": cascade,
            "revisions": revision_list(roadmap=roadmap),
            "school_roadmaps": roadmap.school_roadmaps.visible_to(user).select_related("school"),
            "can_edit": can_edit,
            "can_approve": user.has_perm("roadmaps.approve_roadmap", roadmap),
            "can_review": user.has_perm("roadmaps.review_report", roadmap),
            "pending": review_queue(user=user, roadmap=roadmap).count(),
            "Status": Roadmap.Status,
            "approve_form": forms.ApproveForm(
                initial={
                    "order_number": roadmap.order_number,
                    "order_date": roadmap.order_date,
                    "order_place": roadmap.order_place,
                    "order_signatory": roadmap.order_signatory,
                    "order_signatory_position": roadmap.order_signatory_position,
                    "order_body": roadmap.order_body,
                    "order_items": "\n".join(roadmap.order_items or []),
                }
            ),
            "approval_questions": (
                roadmap_approval_questions(roadmap=roadmap)
                if roadmap.status == Roadmap.Status.DRAFT
                else None
            ),
            "in_force_elsewhere": (
                roadmap_in_force_elsewhere(roadmap)
                if roadmap.status == Roadmap.Status.APPROVED
                else []
            ),
            "revise_form": forms.ReviseForm(),
            "cascade_form": forms.CascadeForm(initial={"due": roadmap.school_roadmaps_due}),
        },
    )


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
                roadmap=Roadmap.objects.get(pk=roadmap.pk), by=request.user, version=version, **data
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
@require_POST
def roadmap_approve(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _require(request, "roadmaps.approve_roadmap", roadmap)
    form = forms.ApproveForm(request.POST)
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk})
    if not form.is_valid():
        return _done(
            request,
            url,
            error=_("Приказ об утверждении: ")
            + "; ".join(f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items()),
        )
    questions = roadmap_approval_questions(roadmap=roadmap)
    if (questions["ended"] or questions["replaces"]) and request.POST.get("confirmed") != "1":
        return _done(request, url, error=_approval_question_text(roadmap, questions))
    try:
        roadmap_services.roadmap_approve(
            roadmap=roadmap,
            by=request.user,
            as_record=questions["ended"],
            supersede=bool(questions["replaces"]),
            **form.cleaned_data,
        )
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    if questions["ended"]:
        return _done(
            request,
            url,
            _(
                "Дорожная карта утверждена как документ прошедшего периода; "
                "поручений по прошедшим срокам не создано."
            ),
        )
    message = _("Дорожная карта утверждена; поручения школам и органам созданы.")
    if questions["replaces"]:
        message += " " + _("Закрыта прежняя: %s.") % "; ".join(
            r.label for r in questions["replaces"]
        )
    return _done(request, url, message)


def _approval_question_text(roadmap, questions) -> str:
    """What the approve form asks to confirm, as one Russian sentence or two."""
    if questions["ended"]:
        return _(
            "Период дорожной карты закончился %(end)s. Утвердить её как документ прошедшего "
            "периода? Поручений школам по прошедшим срокам создано не будет. "
            "Отметьте подтверждение и утвердите ещё раз."
        ) % {"end": roadmap.period_end.strftime("%d.%m.%Y")}
    return _(
        "Утверждённая дорожная карта заменит действующую: %(others)s — она будет закрыта. "
        "Отметьте подтверждение и утвердите ещё раз."
    ) % {"others": "; ".join(r.label for r in questions["replaces"])}


def _transition(request, roadmap_pk, service, message):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _require(request, "roadmaps.approve_roadmap", roadmap)
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk})
    try:
        service(roadmap=roadmap, by=request.user)
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(request, url, message)


@login_required
@require_POST
def roadmap_in_force(request, roadmap_pk):
    supersede = request.POST.get("supersede") == "1"

    def put_in_force(*, roadmap, by):
        return roadmap_put_in_force(roadmap=roadmap, by=by, supersede=supersede)

    return _transition(request, roadmap_pk, put_in_force, _("Дорожная карта введена в действие."))


@login_required
@require_POST
def roadmap_close(request, roadmap_pk):
    return _transition(
        request, roadmap_pk, roadmap_services.roadmap_close, _("Дорожная карта закрыта.")
    )


@login_required
@require_POST
def roadmap_revise(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _require(request, "roadmaps.approve_roadmap", roadmap)
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk})
    form = forms.ReviseForm(request.POST)
    if not form.is_valid():
        return _done(request, url, error=_("Укажите основание корректировки."))
    try:
        revision = revision_services.roadmap_revise(
            roadmap=roadmap, reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(request, url, _("Зафиксирована редакция %d.") % revision.number)


@login_required
@require_POST
def roadmap_cascade(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _require(request, "roadmaps.approve_roadmap", roadmap)
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk})
    form = forms.CascadeForm(request.POST)
    if not form.is_valid():
        return _done(request, url, error=_("Укажите срок принятия школьных дорожных карт."))
    try:
        cascade_services.roadmap_cascade(
            roadmap=roadmap, due=form.cleaned_data["due"], by=request.user
        )
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(
        request,
        url,
        _("Школы обязаны принять свои дорожные карты до %s.")
        % form.cleaned_data["due"].strftime("%d.%m.%Y"),
    )


@login_required
@require_POST
def roadmap_start_school(request, roadmap_pk, school_pk):
    """Start a school's roadmap from the municipal one: by the municipality for a
    school, or by the school itself (its deputy reaches the school, and the
    municipal roadmap is the one that requires it)."""
    school = School.objects.select_related("municipality").get_visible_or_404(
        request.user, pk=school_pk
    )
    municipal = (
        Roadmap.objects.filter(pk=roadmap_pk, municipality=school.municipality, school__isnull=True)
        .exclude(status=Roadmap.Status.DRAFT)
        .first()
    )
    if municipal is None:
        raise Http404
    try:
        roadmap = school_roadmap_start_from(municipal=municipal, school=school, by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("roadmaps:assignment-list")
    messages.success(
        request,
        _(
            "Проект школьной дорожной карты создан из муниципальной; отредактируйте его и утвердите."
        ),
    )
    return redirect("roadmaps:roadmap-detail", roadmap_pk=roadmap.pk)


@login_required
def roadmap_history(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    changes = list(change_list(user=request.user, roadmap=roadmap)[:300])
    history.change_rows(changes)
    return render(
        request, "roadmaps/roadmap_history.html", {"roadmap": roadmap, "changes": changes}
    )


@login_required
def revision_detail(request, roadmap_pk, revision_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    revision = revision_get(user=request.user, pk=revision_pk)
    if revision.roadmap_id != roadmap.pk:
        raise Http404
    other = request.GET.get("compare", "")
    older_number = newer_number = None
    if other == "current":
        base, against, against_label = (
            revision.snapshot,
            roadmap_snapshot(roadmap),
            _("текущее состояние"),
        )
        diff = revision_diff(base, against)
    else:
        previous = roadmap.revisions.filter(number__lt=revision.number).order_by("-number").first()
        if other.isdigit():
            previous = roadmap.revisions.filter(number=int(other)).first() or previous
        against_label = str(previous) if previous else ""
        diff = None
        if previous is not None:
            # Always from the older revision to the newer one, whichever page it is
            # asked from: a measure the later revision added is «Добавлены».
            older, newer = sorted((previous, revision), key=lambda r: r.number)
            diff = revision_diff(older, newer)
            older_number, newer_number = older.number, newer.number
    sections = {s["id"]: s for s in revision.snapshot.get("sections", [])}
    return render(
        request,
        "roadmaps/revision_detail.html",
        {
            "roadmap": roadmap,
            "revision": revision,
            "measures": [
                dict(
                    m,
                    section_title=" ".join(
                        p
                        for p in (
                            sections.get(m["section"], {}).get("number", ""),
                            sections.get(m["section"], {}).get("title", ""),
                        )
                        if p
                    ),
                )
                for m in revision.snapshot.get("measures", [])
            ],
            "diff": diff,
            "against_label": against_label,
            "older_number": older_number,
            "newer_number": newer_number,
            "compare_current": other == "current",
            "revisions": revision_list(roadmap=roadmap),
        },
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


# --------------------------------------------------------------------------- sections and measures


@login_required
def section_create(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _require(request, "roadmaps.edit_roadmap", roadmap)
    form = forms.SectionForm(request.POST or None, roadmap=roadmap)
    if request.method == "POST" and form.is_valid():
        try:
            section_services.section_create(
                roadmap=roadmap,
                parent=form.cleaned_data["parent"],
                number=form.cleaned_data["number"],
                title=form.cleaned_data["title"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            return redirect("roadmaps:roadmap-detail", roadmap_pk=roadmap.pk)
    return render(
        request,
        "roadmaps/form.html",
        {"form": form, "title": _("Новый раздел"), "roadmap": roadmap},
    )


@login_required
def section_edit(request, section_pk):
    section = section_get(user=request.user, pk=section_pk)
    roadmap = section.roadmap
    _require(request, "roadmaps.edit_roadmap", roadmap)
    form = forms.SectionForm(request.POST or None, instance=section, roadmap=roadmap)
    if request.method == "POST" and form.is_valid():
        try:
            section_update(
                section=section_get(user=request.user, pk=section_pk),
                number=form.cleaned_data["number"],
                title=form.cleaned_data["title"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            return redirect("roadmaps:roadmap-detail", roadmap_pk=roadmap.pk)
    return render(
        request, "roadmaps/form.html", {"form": form, "title": _("Раздел"), "roadmap": roadmap}
    )


@login_required
@require_POST
def section_move(request, section_pk):
    section = section_get(user=request.user, pk=section_pk)
    _require(request, "roadmaps.edit_roadmap", section.roadmap)
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": section.roadmap_id})
    try:
        moved = section_services.section_move(
            section=section, direction=request.POST.get("direction", "up"), by=request.user
        )
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(request, url, moved=moved)


@login_required
@require_POST
def section_delete(request, section_pk):
    section = section_get(user=request.user, pk=section_pk)
    _require(request, "roadmaps.edit_roadmap", section.roadmap)
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": section.roadmap_id})
    try:
        section_services.section_delete(section=section, by=request.user)
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(request, url, _("Раздел удалён."))


@login_required
def measure_create(request, roadmap_pk):
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    _require(request, "roadmaps.edit_roadmap", roadmap)
    initial = {}
    if request.GET.get("section", "").isdigit():
        initial["section"] = int(request.GET["section"])
    form = forms.MeasureForm(request.POST or None, roadmap=roadmap, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        if not data.get("document_kind"):
            data.pop("document_kind")
        # Empty picks leave the matching of the responsible text in charge.
        for name in ("responsible_bodies", "responsible_schools"):
            if not data.get(name):
                data.pop(name, None)
        if not data.get("for_all_schools"):
            data.pop("for_all_schools", None)
        try:
            measure = measure_services.measure_create(roadmap=roadmap, by=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Мероприятие добавлено.") + _assigned_note(measure))
            return redirect("roadmaps:roadmap-detail", roadmap_pk=roadmap.pk)
    return render(
        request,
        "roadmaps/measure_form.html",
        {"form": form, "title": _("Новое мероприятие"), "roadmap": roadmap},
    )


@login_required
def measure_edit(request, measure_pk):
    measure = measure_get(user=request.user, pk=measure_pk)
    roadmap = measure.roadmap
    _require(request, "roadmaps.edit_roadmap", roadmap)
    form = forms.MeasureForm(
        request.POST or None,
        # A copy: validating the form writes into its instance, and the service
        # is given the measure as it was.
        instance=copy.copy(measure),
        roadmap=roadmap,
        initial={"version": measure.version},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        if not data.get("document_kind"):
            data.pop("document_kind")
        _keep_changed_picks(data, form.initial)
        try:
            updated = measure_update(measure=measure, by=request.user, version=version, **data)
        except ValidationError as exc:
            if _wants_json(request):
                return JsonResponse({"ok": False, "message": _errors(exc)}, status=409)
            form.add_error(None, _errors(exc))
        else:
            if _wants_json(request):
                return JsonResponse(
                    {
                        "ok": True,
                        "version": updated.version,
                        "deadline_kind": updated.get_deadline_kind_display(),
                    }
                )
            messages.success(request, _("Мероприятие сохранено.") + _assigned_note(updated))
            return redirect(
                reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": roadmap.pk})
                + f"#measure-{measure.pk}"
            )
    return render(
        request,
        "roadmaps/measure_form.html",
        {
            "form": form,
            "title": _("Мероприятие %s") % measure.number,
            "roadmap": roadmap,
            "measure": measure,
            "indicators": measure.indicators.all(),
            "indicator_form": forms.IndicatorForm(),
        },
    )


@login_required
@require_POST
def indicator_create(request, measure_pk):
    measure = measure_get(user=request.user, pk=measure_pk)
    _require(request, "roadmaps.edit_roadmap", measure.roadmap)
    back = reverse("roadmaps:measure-edit", kwargs={"measure_pk": measure.pk})
    form = forms.IndicatorForm(request.POST)
    if not form.is_valid():
        return _done(
            request,
            back,
            error=_("Показатель: ") + "; ".join(" ".join(v) for v in form.errors.values()),
        )
    try:
        measure_services.indicator_create(measure=measure, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _done(request, back, error=_errors(exc))
    return _done(request, back, _("Показатель добавлен."))


@login_required
@require_POST
def indicator_delete(request, indicator_pk):
    indicator = indicator_get(user=request.user, pk=indicator_pk)
    _require(request, "roadmaps.edit_roadmap", indicator.measure.roadmap)
    back = reverse("roadmaps:measure-edit", kwargs={"measure_pk": indicator.measure_id})
    try:
        measure_services.indicator_delete(indicator=indicator, by=request.user)
    except ValidationError as exc:
        return _done(request, back, error=_errors(exc))
    return _done(request, back, _("Показатель удалён."))


def _assigned_note(measure) -> str:
    """What saving a measure of an approved roadmap did for the schools, in words."""
    count = getattr(measure, "new_assignments", 0)
    if not count:
        return ""
    return " " + _(
        "Дорожная карта действует, поэтому мероприятие сразу поручено исполнителям "
        "(новых поручений: %(n)d). Зафиксируйте корректировку новой редакцией."
    ) % {"n": count}


def _keep_changed_picks(data: dict, initial: dict) -> None:
    """Pass a hand pick of responsible parties only when the user changed it, so an
    edited responsible text is matched afresh. `initial`: the form's initial data
    (the measure's picks as it was read)."""
    for name in ("responsible_bodies", "responsible_schools"):
        before = {obj.pk for obj in initial.get(name) or []}
        if {obj.pk for obj in data.get(name) or []} == before:
            data.pop(name, None)
    if data.get("for_all_schools") == initial.get("for_all_schools"):
        data.pop("for_all_schools", None)


@login_required
@require_POST
def measure_move(request, measure_pk):
    measure = measure_get(user=request.user, pk=measure_pk)
    _require(request, "roadmaps.edit_roadmap", measure.roadmap)
    url = (
        reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": measure.roadmap_id})
        + f"#measure-{measure.pk}"
    )
    try:
        moved = measure_services.measure_move(
            measure=measure, direction=request.POST.get("direction", "up"), by=request.user
        )
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(request, url, moved=moved)


@login_required
@require_POST
def measure_delete(request, measure_pk):
    measure = measure_get(user=request.user, pk=measure_pk)
    _require(request, "roadmaps.edit_roadmap", measure.roadmap)
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": measure.roadmap_id})
    try:
        measure_services.measure_delete(measure=measure, by=request.user)
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(request, url, _("Мероприятие удалено."))


@login_required
def deadline_preview(request, roadmap_pk):
    """How a deadline as typed will be read, for the measure form's live preview."""
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
    text = request.GET.get("text", "")[:500]
    schedule = deadline_schedule(text, roadmap=roadmap)
    kind = schedule["deadline_kind"]
    labels = dict(Measure._meta.get_field("deadline_kind").choices)
    return JsonResponse(
        {
            "text": text,
            "kind": kind,
            "kind_display": str(labels.get(kind, kind)),
            "dates": schedule["deadline_dates"],
            "dates_display": [
                date.fromisoformat(d).strftime("%d.%m.%Y") for d in schedule["deadline_dates"][:12]
            ],
            "event": schedule["deadline_event"],
            "parsed": kind != "unparsed",
        }
    )


# --------------------------------------------------------------------------- import


def _import_dir() -> Path:
    """Where uploads wait for the user's confirmation; abandoned ones go after a day."""
    import time

    path = Path(tempfile.gettempdir()) / "roadmap-imports"
    path.mkdir(exist_ok=True)
    for old in path.glob("*.bin"):
        if old.stat().st_mtime < time.time() - 24 * 3600:
            old.unlink(missing_ok=True)
    return path


@login_required
def roadmap_import(request):
    """Upload → preview with warnings → confirm. The upload waits in a temp file
    named by a random token kept in the session."""
    from roadmaps.importers import parse_roadmap_document

    form = forms.ImportForm(request.POST or None, request.FILES or None, user=request.user)
    preview = None
    if request.method == "POST" and "confirm" in request.POST:
        pending = request.session.get("roadmap_import") or {}
        token = pending.get("token", "")
        owner = forms.owner_from_choice(pending.get("owner", ""), request.user)
        path = _import_dir() / f"{token}.bin"
        if not token or request.POST.get("token") != token or owner is None or not path.exists():
            messages.error(request, _("Загрузка устарела: выберите файл ещё раз."))
            return redirect("roadmaps:roadmap-import")
        try:
            parsed = parse_roadmap_document(path.read_bytes(), pending["filename"])
            result = importing_services.roadmap_import(parsed, owner=owner, by=request.user)
        except ImportFailed as failed:
            messages.error(request, "; ".join(str(p) for p in failed.problems))
            return redirect("roadmaps:roadmap-import")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
            return redirect("roadmaps:roadmap-import")
        finally:
            path.unlink(missing_ok=True)
            request.session.pop("roadmap_import", None)
        messages.success(
            request,
            _(
                "Импортировано: разделов %(s)d, мероприятий %(m)d. Дорожная карта сохранена как проект."
            )
            % {"s": result.sections, "m": result.measures},
        )
        return redirect("roadmaps:roadmap-detail", roadmap_pk=result.roadmap.pk)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        try:
            data, filename = read_bytes(form.cleaned_data["file"])
            parsed = parse_roadmap_document(data, filename)
            result = importing_services.roadmap_import(
                parsed, owner=owner, by=request.user, dry_run=True
            )
        except FileRejected as exc:
            form.add_error("file", str(exc))
        except ImportFailed as failed:
            form.add_error("file", "; ".join(p.message for p in failed.problems))
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            token = uuid.uuid4().hex
            (_import_dir() / f"{token}.bin").write_bytes(data)
            request.session["roadmap_import"] = {
                "token": token,
                "filename": filename,
                "owner": request.POST.get("owner"),
            }
            preview = {
                "token": token,
                "filename": filename,
                "owner": owner,
                "parsed": parsed,
                "json": parsed_roadmap_json(parsed, owner=owner),
                "result": result,
            }
    return render(request, "roadmaps/roadmap_import.html", {"form": form, "preview": preview})


# --------------------------------------------------------------------------- assignments and reports


@login_required
def assignment_list(request):
    """«Мои мероприятия»: assignments of the user's schools by due date."""
    today = timezone.localdate()
    rows = my_assignments(user=request.user, today=today, own=True)
    # Municipal roadmaps that require this school to adopt its own, not yet started.
    required = {}
    for row in rows:
        roadmap = row["assignment"].measure.roadmap
        school = row["assignment"].school
        if school and roadmap.requires_school_roadmaps and roadmap.level == "municipality":
            required[(roadmap.pk, school.pk)] = (roadmap, school)
    started = set(
        Roadmap.objects.visible_to(request.user)
        .filter(parent_id__in=[k[0] for k in required])
        .values_list("parent_id", "school_id")
    )
    to_start = [v for k, v in required.items() if k not in started]
    schools = {row["assignment"].school for row in rows if row["assignment"].school_id}
    return render(
        request,
        "roadmaps/assignment_list.html",
        {
            "rows": rows,
            "today": today,
            "to_start": to_start,
            "schools": sorted(schools, key=lambda s: s.short_name),
        },
    )


@login_required
def report_create(request, assignment_pk):
    assignment = assignment_get(user=request.user, pk=assignment_pk)
    _require(request, "roadmaps.report_progress", assignment)
    roadmap = assignment.measure.roadmap
    current = period_containing(roadmap, timezone.localdate())
    periods = reporting_periods(roadmap) or [current]
    initial = {
        "period": f"{current[0].isoformat()}:{current[1].isoformat()}",
        "evidence_kind": assignment.measure.document_kind or "other",
    }
    # After a return (or to correct a report under review) the new report starts
    # from the old one: same period, its answers, its files kept (the service
    # carries them over).
    returned = report_to_correct(
        assignment=assignment, pk=request.GET.get("report") or request.POST.get("report")
    )
    if returned is not None:
        period = (returned.period_start, returned.period_end)
        if period not in periods:
            periods = sorted([*periods, period])
        initial.update(
            period=f"{period[0].isoformat()}:{period[1].isoformat()}",
            status=returned.status,
            comment=returned.comment,
            actual_value=returned.actual_value,
        )
        kinds = [e.kind for e in returned.evidence.all() if e.kind]
        if kinds:
            initial["evidence_kind"] = kinds[0]
    form = forms.ProgressReportForm(
        request.POST or None, request.FILES or None, periods=periods, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["period"]
        try:
            report = progress_report_submit(
                assignment=assignment,
                period_start=start,
                period_end=end,
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
                actual_value=form.cleaned_data["actual_value"],
                files=form.cleaned_data["files"],
                evidence_kind=form.cleaned_data["evidence_kind"] or None,
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Отчёт отправлен на проверку."))
            return redirect("roadmaps:report-detail", progress_report_pk=report.pk)
    reports = assignment.reports.select_related("submitted_by", "reviewed_by").prefetch_related(
        "evidence"
    )
    return render(
        request,
        "roadmaps/report_form.html",
        {
            "form": form,
            "assignment": assignment,
            "measure": assignment.measure,
            "reports": reports,
            "returned": returned,
        },
    )


@login_required
def report_detail(request, progress_report_pk):
    report = report_get(user=request.user, pk=progress_report_pk)
    return render(
        request,
        "roadmaps/report_detail.html",
        {
            "report": report,
            "assignment": report.assignment,
            "measure": report.assignment.measure,
            "changes": report_changes(report),
            "can_review": request.user.has_perm("roadmaps.review_report", report)
            and report.is_current
            and report.review_state == ProgressReport.Review.SUBMITTED,
            "can_report": request.user.has_perm("roadmaps.report_progress", report.assignment),
            "return_form": forms.ReturnForm(),
        },
    )


@login_required
def report_queue(request):
    from django.core.paginator import Paginator

    page = Paginator(review_queue(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "roadmaps/report_queue.html", {"reports": page, "page": page})


@login_required
@require_POST
def report_accept(request, progress_report_pk):
    report = report_get(user=request.user, pk=progress_report_pk)
    _require(request, "roadmaps.review_report", report)
    try:
        progress_report_accept(report=report, by=request.user)
    except ValidationError as exc:
        return _done(
            request,
            reverse("roadmaps:report-detail", kwargs={"progress_report_pk": report.pk}),
            error=_errors(exc),
        )
    return _done(request, reverse("roadmaps:report-queue"), _("Отчёт принят."))


@login_required
@require_POST
def report_return(request, progress_report_pk):
    report = report_get(user=request.user, pk=progress_report_pk)
    _require(request, "roadmaps.review_report", report)
    url = reverse("roadmaps:report-detail", kwargs={"progress_report_pk": report.pk})
    try:
        progress_report_return(
            report=report, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(request, reverse("roadmaps:report-queue"), _("Отчёт возвращён школе."))


@login_required
def evidence_download(request, evidence_pk):
    evidence = evidence_get(user=request.user, pk=evidence_pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def proof_pack(request, school_pk):
    """A school's proof pack for a period (the current school year by default)."""
    school = School.objects.get_visible_or_404(request.user, pk=school_pk)
    today = timezone.localdate()
    first = today.year if today.month >= 9 else today.year - 1
    form = forms.ProofPackForm(
        request.GET or {"start": date(first, 9, 1), "end": date(first + 1, 8, 31)}
    )
    if not form.is_valid():
        return HttpResponse(
            _("Укажите период: даты «с» и «по»."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    content = proof_pack_build(school=school, period_start=start, period_end=end, user=request.user)
    response = HttpResponse(content, content_type="application/zip")
    name = f"proof-pack-{school.code}-{start:%Y%m%d}-{end:%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
