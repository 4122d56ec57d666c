"""Measures of a roadmap and their indicators: the measure form, move, delete, and
the deadline preview."""

from __future__ import annotations

import copy
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadmaps import forms
from roadmaps.models import Measure
from roadmaps.selectors.measure import indicator_get, measure_get
from roadmaps.selectors.roadmap import (
    roadmap_get,
)
from roadmaps.services import measure as measure_services
from roadmaps.services.matching import deadline_schedule
from roadmaps.services.measure import measure_update
from roadmaps.views.base import _assigned_note, _done, _errors, _require, _wants_json


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
    back = reverse("roadmaps:measure-edit", kwargs={"measure_pk": indicator.measure_id})
    try:
        measure_services.indicator_delete(indicator=indicator, by=request.user)
    except ValidationError as exc:
        return _done(request, back, error=_errors(exc))
    return _done(request, back, _("Показатель удалён."))


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
