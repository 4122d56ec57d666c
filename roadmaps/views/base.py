"""What the roadmap pages share: the permission refusal, the answer to a POST (JSON
for the page's script, a redirect with a message otherwise), error text."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from infra.urls import url_pattern


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
    return {action: url_pattern(f"roadmaps:{model}-{action}", f"{model}_pk") for action in actions}


def _assigned_note(measure) -> str:
    """What saving a measure of an approved roadmap did for the schools, in words."""
    count = getattr(measure, "new_assignments", 0)
    if not count:
        return ""
    return " " + _(
        "Дорожная карта действует, поэтому мероприятие сразу поручено исполнителям "
        "(новых поручений: %(n)d). Зафиксируйте корректировку новой редакцией."
    ) % {"n": count}


def choice_labels(model, name: str) -> dict:
    """A field's choices as {value: label} in the current language: what
    `get_<name>_display()` returns (the value itself when not a choice), read once
    (infra.choices) for a page of rows."""
    from infra.choices import choice_labels as labels_of

    return labels_of(model._meta.get_field(name))
