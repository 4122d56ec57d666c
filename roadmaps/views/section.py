"""Sections of a roadmap: create, edit, move, delete."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadmaps import forms
from roadmaps.selectors.measure import section_get
from roadmaps.selectors.roadmap import (
    roadmap_get,
)
from roadmaps.services import section as section_services
from roadmaps.services.section import section_update
from roadmaps.views.base import _done, _errors, _require


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
    url = reverse("roadmaps:roadmap-detail", kwargs={"roadmap_pk": section.roadmap_id})
    try:
        section_services.section_delete(section=section, by=request.user)
    except ValidationError as exc:
        return _done(request, url, error=_errors(exc))
    return _done(request, url, _("Раздел удалён."))
