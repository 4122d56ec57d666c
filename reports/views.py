from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.formcache import forms_as_p_cached
from reports import selectors
from reports.builders import REGISTRY, DocumentParamsError
from reports.models import Document
from reports.services import CONTENT_TYPES, _load_builders, document_render_html, document_request
from schools.widgets import choices_read_once


@login_required
def document_list(request):
    """Every document the user may see, filtered by kind, state and format."""
    _load_builders()
    filters = {k: request.GET.get(k, "") for k in ("kind", "status", "fmt")}
    documents = selectors.document_list(user=request.user, **filters)
    page = Paginator(documents, 30).get_page(request.GET.get("page"))
    builders = [builder for builder in REGISTRY.values() if hasattr(builder, "params_form")]
    # The forms' HTML (lists of roadmaps, schools, procedures) kept under a key of
    # every row and option it shows (infra.formcache.form_key).
    html = forms_as_p_cached(
        [builder.params_form(user=request.user) for builder in builders],
        prepare=choices_read_once,
    )
    forms = list(zip(builders, html, strict=True))
    return render(
        request,
        "reports/document_list.html",
        {
            "page": page,
            "filters": filters,
            "Document": Document,
            "forms": forms,
            "can_build": request.user.has_perm("reports.build_document"),
        },
    )


def _params_from(request, builder):
    form = builder.params_form(user=request.user, data=request.POST or request.GET)
    if not form.is_valid():
        raise DocumentParamsError(
            "; ".join(
                f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}".strip(": ")
                for f, e in form.errors.items()
            )
        )
    return builder.params_from_form(form.cleaned_data)


@login_required
@require_POST
def document_create(request):
    _load_builders()
    kind, fmt = request.POST.get("kind", ""), request.POST.get("format", "pdf")
    try:
        builder = REGISTRY.get(kind)
        if builder is None:
            raise DocumentParamsError(_("Неизвестный вид документа."))
        params = _params_from(request, builder)
        document = document_request(kind=kind, fmt=fmt, params=params, user=request.user)
    except DocumentParamsError as exc:
        messages.error(request, str(exc))
        return redirect("reports:document-list")
    return redirect("reports:document-detail", document_pk=document.pk)


@login_required
def document_preview(request):
    """The document as HTML in the browser: the very template the PDF is printed from."""
    _load_builders()
    builder = REGISTRY.get(request.GET.get("kind", ""))
    if builder is None:
        raise Http404
    try:
        params = _params_from(request, builder)
        html = document_render_html(kind=builder.kind, params=params, user=request.user)
    except DocumentParamsError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(html)


@login_required
def document_detail(request, document_pk):
    document = selectors.document_get(user=request.user, pk=document_pk)
    inputs = selectors.document_inputs(user=request.user, document=document)
    return render(request, "reports/document_detail.html", {"document": document, "inputs": inputs})


@login_required
def document_status(request, document_pk):
    """Progress for the page's poller."""
    document = selectors.document_get(user=request.user, pk=document_pk)
    return JsonResponse(
        {
            "status": document.status,
            "status_display": document.get_status_display(),
            "progress": document.progress,
            "error": document.error,
            "download": document.status == Document.Status.DONE,
        }
    )


@login_required
def document_download(request, document_pk):
    document = selectors.document_get(user=request.user, pk=document_pk)
    if document.status != Document.Status.DONE or not document.file:
        raise Http404
    download_name = f"{document.title[:120]}.{document.format}".replace("/", "-")
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=download_name,
        content_type=CONTENT_TYPES[document.format],
    )
