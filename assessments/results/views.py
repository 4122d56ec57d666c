"""Pages of the assessments app: procedures, a school's results, result uploads.

Thin: scoping lives in selectors, work in services.
"""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.results import selectors
from assessments.results.importers.columns import MEANINGS, RULE_TEXT, TASK
from assessments.results.importers.problems_xlsx import problems_workbook
from assessments.results.selectors import scale_find
from assessments.results.services.batches import import_batch_create
from assessments.results.services.imports import importable_schools
from infra.jobs import queue_unavailable_message
from schools.scoping import OwnerUnclear
from schools.selectors import school_get

ALLOWED_SUFFIXES = (".xlsx", ".csv")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Файл результатов"),
        help_text=gettext_lazy(
            "XLSX или CSV: форма сбора результатов ВПР, сводный файл школ, протокол ОГЭ/ЕГЭ "
            "или сводные показатели по школам."
        ),
    )
    procedure = forms.ModelChoiceField(
        label=gettext_lazy("Процедура"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("Можно не выбирать, если процедура указана в самом файле."),
    )
    school = forms.ModelChoiceField(
        label=gettext_lazy("Школа"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("Нужна для формы сбора результатов одной школы."),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Только проверить"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = selectors.procedure_list(user=user)
        self.fields["school"].queryset = importable_schools(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Загрузите файл XLSX или CSV."))
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("Файл больше %d МБ.") % (settings.UPLOAD_MAX_BYTES // 2**20)
            )
        return upload


@login_required
def procedure_list(request):
    procedures = selectors.procedure_list(user=request.user)
    page = Paginator(procedures, 50).get_page(request.GET.get("page"))
    return render(request, "assessments/procedure_list.html", {"page": page})


@login_required
def procedure_detail(request, procedure_pk):
    procedure = selectors.procedure_get(user=request.user, pk=procedure_pk)
    return render(
        request,
        "assessments/procedure_detail.html",
        {
            "procedure": procedure,
            "tasks": selectors.task_list(user=request.user, procedure=procedure)
            or procedure.tasks.order_by("position"),
            "scale": scale_find(procedure=procedure),
            "schools": selectors.procedure_school_summary(user=request.user, procedure=procedure),
            "history": selectors.results_history(user=request.user, procedure=procedure),
        },
    )


@login_required
def school_results(request, procedure_pk, school_pk):
    procedure = selectors.procedure_get(user=request.user, pk=procedure_pk)
    school = school_get(user=request.user, pk=school_pk)
    results = selectors.result_list(user=request.user, procedure=procedure, school=school)
    page = Paginator(results, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/school_results.html",
        {
            "procedure": procedure,
            "school": school,
            "tasks": list(procedure.tasks.order_by("position")),
            "page": page,
        },
    )


@login_required
def scale_list(request):
    return render(
        request, "assessments/scale_list.html", {"scales": selectors.scale_list(user=request.user)}
    )


@login_required
def import_list(request):
    """The user's uploads, and the form for a new one."""
    can_import = request.user.has_perm("assessments.import_results")
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if form.is_valid():
            school = form.cleaned_data["school"]
            if school is not None and not request.user.has_perm(
                "assessments.import_results", school
            ):
                raise Http404
            try:
                batch = import_batch_create(
                    user=request.user,
                    upload=form.cleaned_data["file"],
                    procedure=form.cleaned_data["procedure"],
                    school=school,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except OwnerUnclear as exc:
                form.add_error("school", exc)
            else:
                if batch.queue_unavailable:
                    messages.warning(request, queue_unavailable_message())
                else:
                    messages.info(request, _("Файл «%s» принят в обработку.") % batch.file_name)
                return redirect("assessments:import-detail", importbatch_pk=batch.pk)
    batches = selectors.import_batch_list(user=request.user)[:50]
    return render(
        request,
        "assessments/import_list.html",
        {"form": form, "batches": batches, "can_import": can_import},
    )


@login_required
def import_detail(request, importbatch_pk):
    batch = selectors.import_batch_get(user=request.user, pk=importbatch_pk)
    return render(
        request,
        "assessments/import_detail.html",
        {
            "batch": batch,
            "columns": column_choices(batch),
            "meanings": [(key, label) for key, label in MEANINGS.items()],
            "can_import": request.user.has_perm("assessments.import_results") and bool(batch.file),
        },
    )


def column_choices(batch) -> list[dict]:
    """The batch's columns as understood, each with what the preview's select offers."""
    chosen = (batch.options or {}).get("columns") or {}
    rows = []
    for index, column in enumerate((batch.counts or {}).get("columns") or []):
        rows.append(
            {
                "index": index,
                "header": column["header"],
                "meaning": column["meaning"],
                "rule": column["rule"],
                "rule_text": RULE_TEXT.get(column["rule"], ""),
                "task": column["meaning"] == TASK,
                "conflict": column["rule"] == "conflict",
                "overridden": column["header"] in chosen,
            }
        )
    return rows


@login_required
def import_columns(request, importbatch_pk):
    """Run the batch's file again with the columns a person chose in the preview:
    a new batch (a check or the import itself), the earlier one left as it was."""
    batch = selectors.import_batch_get(user=request.user, pk=importbatch_pk)
    if request.method != "POST":
        return redirect("assessments:import-detail", importbatch_pk=batch.pk)
    if not request.user.has_perm("assessments.import_results") or not batch.file:
        raise PermissionDenied
    understood = column_choices(batch)
    columns = {}
    for column in understood:
        if column["task"]:
            continue
        chosen = request.POST.get(f"column-{column['index']}", "")
        if chosen and chosen not in MEANINGS:
            messages.error(request, _("Значение столбца «%s» неизвестно.") % column["header"])
            return redirect("assessments:import-detail", importbatch_pk=batch.pk)
        if chosen and (chosen != column["meaning"] or column["overridden"]):
            columns[column["header"]] = chosen
    school = None
    school_id = (batch.options or {}).get("school_id")
    if school_id:
        school = importable_schools(request.user).filter(pk=school_id).first()
        if school is None:
            raise Http404
    with batch.file.open("rb") as handle:
        upload = ContentFile(handle.read(), name=batch.file_name)
    try:
        again = import_batch_create(
            user=request.user,
            upload=upload,
            procedure=batch.procedure,
            school=school,
            dry_run=request.POST.get("dry_run") == "1",
            columns=columns,
        )
    except OwnerUnclear as exc:
        messages.error(request, exc.messages[0])
        return redirect("assessments:import-detail", importbatch_pk=batch.pk)
    messages.info(
        request, _("Файл «%s» принят в обработку с указанными столбцами.") % again.file_name
    )
    return redirect("assessments:import-detail", importbatch_pk=again.pk)


@login_required
def import_progress(request, importbatch_pk):
    batch = selectors.import_batch_get(user=request.user, pk=importbatch_pk)
    return JsonResponse(
        {
            "status": batch.status,
            "status_display": batch.get_status_display(),
            "progress": batch.progress,
            "problems": len(batch.problems),
        }
    )


@login_required
def import_problems(request, importbatch_pk):
    """The uploaded file with the bad cells marked red and a comment with the message
    (the warnings when the file had no problems)."""
    batch = selectors.import_batch_get(user=request.user, pk=importbatch_pk)
    source = None
    if batch.file:
        with batch.file.open("rb") as handle:
            source = handle.read()
    content = problems_workbook(
        source=source, file_name=batch.file_name, problems=batch.problems or batch.warnings
    )
    name = batch.file_name.rsplit(".", 1)[0] + " — проблемы.xlsx"
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name)
