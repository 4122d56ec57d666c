"""A roadmap's workflow: approve, put in force, close, record a revision, require
school roadmaps (the cascade), start a school's roadmap; a revision compared."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadmaps import forms
from roadmaps.models import Roadmap
from roadmaps.selectors.roadmap import (
    revision_get,
    revision_list,
    roadmap_get,
)
from roadmaps.services import cascade as cascade_services
from roadmaps.services import revision as revision_services
from roadmaps.services import roadmap as roadmap_services
from roadmaps.services.cascade import school_roadmap_start_from
from roadmaps.services.revision import revision_diff, roadmap_snapshot
from roadmaps.services.roadmap import (
    roadmap_approval_questions,
    roadmap_put_in_force,
)
from roadmaps.views.base import _done, _errors, _require
from schools.models import School


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
    # The service checks the permission (a 403); the scoping makes out of scope a 404.
    roadmap = roadmap_get(user=request.user, pk=roadmap_pk)
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
        # The municipal roadmap of the (scoped) school's municipality.
        Roadmap.objects.of_scoped(
            pk=roadmap_pk, municipality=school.municipality, school__isnull=True
        )
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
