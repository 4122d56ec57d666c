"""Pages of the objectivity checks: runs and their progress, the schools with
signs of bias, the evidence behind each flag and its answer, the official-style
export, official lists and the comparison with them, and the action that puts
flagged schools into the municipal roadmap. Thin: reads in
`assessments.objectivity.selectors`, writes in `assessments.objectivity.services`."""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessments.objectivity import selectors as sel
from assessments.objectivity.checks.data import DETAIL_LABELS, INDICATOR_LABELS, KIND_LABELS
from assessments.objectivity.checks.params import CheckParams
from assessments.objectivity.export import run_workbook
from assessments.objectivity.models import CheckFinding, CheckRun, FlagAnswer, OfficialList
from assessments.objectivity.services import flags as flag_services
from assessments.objectivity.services import official as official_services
from assessments.objectivity.services import runs as run_services
from assessments.objectivity.statements import no_marker_meaning
from infra.problems import ImportFailed
from schools.models import Municipality, Region
from schools.policy import roles_for
from schools.scoping import ScopeNodeField


class RunRequestForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Год"), min_value=2000, max_value=2100)
    scope = ScopeNodeField(label=gettext_lazy("Где проверить"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].set_user(user, roles_for("assessments.run_checks"))
        self.fields["year"].initial = timezone.localdate().year

    def scope_objects(self):
        node = self.cleaned_data["scope"]
        if isinstance(node, Region):
            return node, None
        return node.region, node


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Почему признак снимается"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=gettext_lazy(
            "Например: гимназия с подтверждённым профилем; перепроверка работ подтвердила отметки."
        ),
    )


class MeasureAnswerForm(forms.Form):
    measure = forms.ModelChoiceField(label=gettext_lazy("Мероприятие"), queryset=None)

    def __init__(self, *args, user, finding, **kwargs):
        super().__init__(*args, **kwargs)
        from roadmaps.models import Measure

        self.fields["measure"].queryset = (
            Measure.objects.visible_to(user)
            .filter(roadmap__municipality_id=finding.municipality_id, roadmap__school__isnull=True)
            .exclude(roadmap__status="closed")
            .select_related("roadmap__region", "roadmap__municipality", "roadmap__school")
            .order_by("roadmap__title", "position")
        )
        self.fields["measure"].label_from_instance = lambda m: (
            f"{m.roadmap.label} — {m.number} {m.text[:120]}"
        )


class IntoRoadmapForm(forms.Form):
    roadmap = forms.ModelChoiceField(label=gettext_lazy("Дорожная карта"), queryset=None)

    def __init__(self, *args, user, run, **kwargs):
        super().__init__(*args, **kwargs)
        from roadmaps.models import Roadmap

        self.fields["roadmap"].queryset = (
            Roadmap.objects.visible_to(user, roles_for("roadmaps.edit_roadmap"))
            .filter(region=run.region, municipality__isnull=False, school__isnull=True)
            .exclude(status=Roadmap.Status.CLOSED)
            .select_related("municipality")
            .order_by("municipality__name", "-created_at")
        )


class OfficialListForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Файл перечня (XLSX)"),
        help_text=gettext_lazy(
            "Столбцы: Год, Логин, Муниципалитет, ОО, работы («4 РУ», «4 МА», «5 РУ», «5 МА»), "
            "Количество маркеров."
        ),
    )
    region = forms.ModelChoiceField(label=gettext_lazy("Регион"), queryset=None)
    dry_run = forms.BooleanField(label=gettext_lazy("Только проверить"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(
            user, roles_for("assessments.run_checks")
        ).order_by("name")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Загрузите файл XLSX или CSV."))
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("Файл больше %d МБ.") % (settings.UPLOAD_MAX_BYTES // 2**20)
            )
        return upload


# --- runs ------------------------------------------------------------------------------------


@login_required
def run_list(request):
    can_run = request.user.has_perm("assessments.run_checks")
    form = RunRequestForm(request.POST or None, user=request.user) if can_run else None
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        if form.is_valid():
            region, municipality = form.scope_objects()
            try:
                run = run_services.check_run_request(
                    user=request.user,
                    year=form.cleaned_data["year"],
                    region=region,
                    municipality=municipality,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.info(
                    request,
                    run_services.check_run_repeated_message(run)
                    if getattr(run, "repeated", False)
                    else _("Проверка запущена: результаты появятся на этой странице."),
                )
                return redirect("objectivity:run-detail", checkrun_pk=run.pk)
    runs = Paginator(sel.check_run_list(user=request.user), 30).get_page(request.GET.get("page"))
    lists = OfficialList.objects.visible_to(request.user).select_related("region")[:20]
    return render(
        request,
        "assessments/objectivity/run_list.html",
        {
            "form": form,
            "page": runs,
            "can_run": can_run,
            "official_lists": lists,
            "min_school": CheckParams.min_school,
        },
    )


def _run_rows(request, run):
    municipality = None
    if request.GET.get("municipality"):
        municipality = (
            Municipality.objects.visible_to(request.user)
            .filter(pk=request.GET["municipality"])
            .first()
        )
    flagged_only = request.GET.get("all") != "1"
    rows = sel.run_schools(
        user=request.user, run=run, municipality=municipality, flagged_only=flagged_only
    )
    return rows, municipality, flagged_only


def _percent(share):
    return None if share is None else 100 * share


def calibration_view(run: CheckRun) -> dict | None:
    """The run's false-alarm budget and what it achieved, as the run page shows
    it: per test the thresholds, the null's estimated rate and the share of
    eligible schools of each kind flagged; the data problems seen."""
    cal = (run.counts or {}).get("calibration")
    if not cal or cal.get("mode") != "budget":
        return None
    tests = []
    for t in cal.get("tests", []):
        flagged = [
            {
                "kind": str(KIND_LABELS.get(kind, kind)),
                "flagged": got[0],
                "eligible": got[1],
                "share": got[0] / got[1] if got[1] else None,
            }
            for kind, got in sorted((t.get("flagged") or {}).items())
        ]
        tests.append(
            {
                "label": t.get("label"),
                "budget": _percent(t.get("budget_per_test")),
                "estimated": _percent(t.get("estimated_rate")),
                "agree_z": t.get("agree_z"),
                "alone_z": t.get("alone_z"),
                "combined_z": t.get("combined_z"),
                "persistence_z": t.get("persistence_z"),
                "persisted": _percent(t.get("persisted_share")),
                "flagged": flagged,
                "own_thresholds": [
                    {
                        "kind": str(KIND_LABELS.get(kind, kind)),
                        "agree_z": cut.get("agree_z"),
                        "alone_z": cut.get("alone_z"),
                        "combined_z": cut.get("combined_z"),
                    }
                    for kind, cut in sorted((t.get("kinds") or {}).items())
                ],
                "against_region": sorted(
                    {
                        str(KIND_LABELS.get(k, k))
                        for ks in t.get("kinds_against_region", {}).values()
                        for k in ks
                    }
                ),
            }
        )
    return {
        "budget": _percent(cal.get("budget")),
        "budget_kind": _percent(cal.get("budget_kind")),
        "school_rate": _percent(cal.get("estimated_school_rate")),
        "tests": tests,
        "problems": [
            {"label": p["label"], "share": _percent(p["region_share"])}
            for p in cal.get("problems", [])
        ],
        "small": cal.get("small_schools_pooled"),
        "promise": _promise_view(cal.get("promise")),
    }


def _promise_view(promise: dict | None) -> dict | None:
    """What the run promises of its false alarms (see `checks.budget.run_rates`)
    and what it did, for the run and each school kind, in percent."""
    if not promise:
        return None

    def row(p, label=None):
        return {
            "kind": label,
            "schools": p.get("schools"),
            "allowed": p.get("allowed"),
            "school_rate": _percent(p.get("school_rate")),
            "within": _percent(p.get("within")),
            "any": _percent(p.get("any")),
            "expected": p.get("expected"),
            "flagged": p.get("flagged"),
        }

    return {
        "confidence": _percent(promise.get("confidence")),
        **row(promise),
        "kinds": [
            row(p, str(KIND_LABELS.get(kind, kind)))
            for kind, p in sorted((promise.get("kinds") or {}).items())
        ],
    }


@login_required
def run_detail(request, checkrun_pk):
    run = sel.check_run_get(user=request.user, pk=checkrun_pk)
    rows, municipality, flagged_only = _run_rows(request, run)
    rows = list(rows)
    labels = sel.run_labels(run)
    findings = {}
    for finding in sel.finding_list(user=request.user, run=run).filter(row__in=rows):
        findings[(finding.row_id, finding.label)] = finding
    answers = sel.answers_for(
        user=request.user,
        pairs={(f.school_id, f.procedure_id) for f in findings.values() if f.marker},
    )
    outcome = sel.previous_year_outcome(user=request.user, run=run)
    table = []
    for row in rows:
        cells = []
        unanswered = 0
        for label in labels:
            finding = findings.get((row.pk, label))
            answered = bool(finding and answers.get((finding.school_id, finding.procedure_id)))
            if finding is not None and finding.marker and not answered:
                unanswered += 1
            cells.append({"finding": finding, "answered": answered})
        table.append(
            {
                "row": row,
                "cells": cells,
                "unanswered": unanswered,
                "was": [
                    (label, state)
                    for (school_id, label), state in sorted(outcome.items())
                    if school_id == row.school_id
                ],
            }
        )
    visible = sel.run_schools(user=request.user, run=run, municipality=municipality)
    counts = {
        "schools": visible.count(),
        "flagged": visible.filter(markers__gt=0).count(),
        "markers": sum(visible.values_list("markers", flat=True)),
    }
    can_feed = (
        request.user.has_perm("assessments.answer_flag") and run.status == CheckRun.Status.DONE
    )
    feed_form = IntoRoadmapForm(user=request.user, run=run) if can_feed else None
    comparison = (
        sel.official_comparison(user=request.user, run=run)
        if run.status == CheckRun.Status.DONE
        else []
    )
    municipalities = Municipality.objects.visible_to(request.user).filter(region=run.region)
    return render(
        request,
        "assessments/objectivity/run_detail.html",
        {
            "run": run,
            "counts": counts,
            "labels": labels,
            "table": table,
            "municipality": municipality,
            "municipalities": municipalities.order_by("name"),
            "flagged_only": flagged_only,
            "feed_form": feed_form
            if feed_form and feed_form.fields["roadmap"].queryset.exists()
            else None,
            "comparison": comparison,
            "calibration": calibration_view(run),
            "running": run.status in (CheckRun.Status.QUEUED, CheckRun.Status.RUNNING),
            "no_marker_meaning": no_marker_meaning(run.min_school),
        },
    )


@login_required
def run_progress(request, checkrun_pk):
    run = sel.check_run_get(user=request.user, pk=checkrun_pk)
    return JsonResponse(
        {
            "status": run.status,
            "status_display": run.get_status_display(),
            "progress": run.progress,
            "error": run.error,
        }
    )


@login_required
def run_export(request, checkrun_pk):
    """The official-style list: one column per test, the count of markers; and a
    sheet with every fired indicator behind them."""
    run = sel.check_run_get(user=request.user, pk=checkrun_pk)
    if run.status != CheckRun.Status.DONE:
        raise Http404
    rows, _municipality, _flagged = _run_rows(request, run)
    content = run_workbook(user=request.user, run=run, rows=list(rows))
    name = f"Признаки необъективности {run.year} — проверка {run.pk}.xlsx"
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name)


@login_required
@require_POST
def run_into_roadmap(request, checkrun_pk):
    run = sel.check_run_get(user=request.user, pk=checkrun_pk)
    if not request.user.has_perm("assessments.answer_flag"):
        raise PermissionDenied
    form = IntoRoadmapForm(request.POST, user=request.user, run=run)
    if not form.is_valid():
        messages.error(request, _("Выберите дорожную карту муниципалитета."))
        return redirect("objectivity:run-detail", checkrun_pk=run.pk)
    roadmap = form.cleaned_data["roadmap"]
    schools = [
        row.school
        for row in sel.run_schools(user=request.user, run=run, flagged_only=True).filter(
            municipality_id=roadmap.municipality_id
        )
    ]
    try:
        counts = flag_services.flags_into_roadmap(
            run=run, roadmap=roadmap, schools=schools, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("objectivity:run-detail", checkrun_pk=run.pk)
    messages.success(
        request,
        _(
            "В дорожную карту внесено школ: %(schools)s; мероприятий: %(measures)s; "
            "новых поручений: %(assignments)s; признаков с ответом: %(answers)s."
        )
        % counts,
    )
    return redirect("roadmaps:roadmap-detail", roadmap_pk=roadmap.pk)


# --- one flag ---------------------------------------------------------------------------------


@login_required
def finding_detail(request, checkfinding_pk):
    finding = CheckFinding.objects.select_related(
        "run", "run__region", "school", "municipality", "procedure"
    ).get_visible_or_404(request.user, pk=checkfinding_pk)
    evidence = sel.finding_evidence(user=request.user, finding=finding)
    answers = sel.answers_for(
        user=request.user, pairs=[(finding.school_id, finding.procedure_id)]
    ).get((finding.school_id, finding.procedure_id), [])
    can_answer = finding.marker and request.user.has_perm("assessments.answer_flag", finding)
    from schools.history import ChangeRecord

    history = (
        ChangeRecord.objects.visible_to(request.user)
        .filter(object_type="flaganswer", school_id=finding.school_id)
        .filter(
            Q(after__procedure_id=finding.procedure_id)
            | Q(before__procedure_id=finding.procedure_id)
        )
        .select_related("by")
        .order_by("-at", "-pk")[:30]
    )
    return render(
        request,
        "assessments/objectivity/finding_detail.html",
        {
            "finding": finding,
            "run": finding.run,
            "indicators": [
                dict(
                    i,
                    label=str(INDICATOR_LABELS.get(i["name"], i["name"])),
                    details=[
                        (str(DETAIL_LABELS.get(key, key)), value)
                        for key, value in (i.get("details") or {}).items()
                    ],
                )
                for i in finding.indicators
            ],
            "evidence": evidence,
            "answers": answers,
            "history": history,
            "can_answer": can_answer,
            "dismiss_form": DismissForm() if can_answer else None,
            "measure_form": MeasureAnswerForm(user=request.user, finding=finding)
            if can_answer
            else None,
        },
    )


@login_required
@require_POST
def finding_answer(request, checkfinding_pk):
    finding = CheckFinding.objects.select_related("school").get_visible_or_404(
        request.user, pk=checkfinding_pk
    )
    try:
        if request.POST.get("kind") == FlagAnswer.Kind.DISMISSED:
            form = DismissForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Опишите, почему признак снимается."))
            flag_services.flag_dismiss(
                finding=finding, reason=form.cleaned_data["reason"], by=request.user
            )
        else:
            form = MeasureAnswerForm(request.POST, user=request.user, finding=finding)
            if not form.is_valid():
                raise ValidationError(_("Выберите мероприятие дорожной карты муниципалитета."))
            flag_services.flag_answer_with_measure(
                finding=finding, measure=form.cleaned_data["measure"], by=request.user
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ответ на признак записан."))
    return redirect("objectivity:finding-detail", checkfinding_pk=finding.pk)


@login_required
@require_POST
def answer_delete(request, flaganswer_pk):
    answer = FlagAnswer.objects.get_visible_or_404(request.user, pk=flaganswer_pk)
    finding = (
        CheckFinding.objects.visible_to(request.user)
        .filter(school_id=answer.school_id, procedure_id=answer.procedure_id)
        .order_by("-run__created_at")
        .first()
    )
    flag_services.flag_answer_delete(answer=answer, by=request.user)
    messages.info(request, _("Ответ на признак удалён."))
    if finding is not None:
        return redirect("objectivity:finding-detail", checkfinding_pk=finding.pk)
    return redirect("objectivity:run-list")


# --- official lists ---------------------------------------------------------------------------


@login_required
def official_upload(request):
    if not request.user.has_perm("assessments.run_checks"):
        raise PermissionDenied
    form = OfficialListForm(request.POST or None, request.FILES or None, user=request.user)
    problems = []
    summary = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = official_services.official_list_import(
                source=upload,
                filename=upload.name,
                region=form.cleaned_data["region"],
                by=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportFailed as failed:
            problems = failed.problems
        except PermissionDenied:
            raise
        else:
            if summary.get("warnings"):
                messages.warning(
                    request,
                    _("Повторяющихся строк в файле: %(n)s; каждая учтена один раз.")
                    % {"n": len(summary["warnings"])},
                )
            if summary.get("list") is not None:
                if summary.get("unchanged"):
                    messages.info(request, _("Этот перечень уже загружен: ничего не изменилось."))
                else:
                    messages.success(request, _("Перечень загружен."))
                return redirect("objectivity:official-detail", officiallist_pk=summary["list"].pk)
    return render(
        request,
        "assessments/objectivity/official_upload.html",
        {
            "form": form,
            "problems": problems[:1000],
            "problem_count": len(problems),
            "summary": summary,
        },
    )


@login_required
def official_detail(request, officiallist_pk):
    official = OfficialList.objects.select_related("region").get_visible_or_404(
        request.user, pk=officiallist_pk
    )
    entries = (
        official.entries.visible_to(request.user)
        .select_related("school", "municipality")
        .order_by("year", "municipality__name", "school__short_name")
    )
    comparisons = []
    runs = sel.region_runs(user=request.user, region=official.region, years=official.years)
    for year in official.years:
        run = runs.get(year)
        if run is not None:
            rows = sel.official_comparison(user=request.user, run=run)
            comparisons.append(
                {
                    "year": year,
                    "run": run,
                    "rows": rows,
                    "agree": sum(1 for r in rows if r["agree"]),
                    "only_official": sum(1 for r in rows if r["official"] and not r["ours"]),
                    "only_ours": sum(1 for r in rows if r["ours"] and not r["official"]),
                }
            )
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/objectivity/official_detail.html",
        {"official": official, "page": page, "comparisons": comparisons},
    )
