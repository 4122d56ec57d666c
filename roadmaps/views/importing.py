"""A roadmap imported from a document: the upload, the preview, the write."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from infra.files import FileRejected, read_bytes
from infra.problems import ImportFailed
from roadmaps import forms
from roadmaps.services import importing as importing_services
from roadmaps.services.importing import parsed_roadmap_json
from roadmaps.views.base import _errors


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
