"""Assignments and progress reports: the assignee's list, a report with its evidence,
the reviewer's queue, accept and return, evidence download, the proof pack."""

from __future__ import annotations

import html
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.cache_once import spread
from infra.formcache import forms_as_p_cached
from infra.urls import url_pattern
from roadmaps import forms
from roadmaps.models import Measure, ProgressReport, Roadmap
from roadmaps.selectors.assignment import (
    assignment_get,
    my_assignment_rows,
    my_assignment_rows_digest,
)
from roadmaps.selectors.period import period_containing, reporting_periods
from roadmaps.selectors.report import (
    assignee_of,
    evidence_get,
    queue_rows,
    report_changes,
    report_get,
    report_to_correct,
    review_queue,
)
from roadmaps.services.evidence import proof_pack_build
from roadmaps.services.report import (
    progress_report_accept,
    progress_report_return,
    progress_report_submit,
)
from roadmaps.templatetags.roadmap_text import shortened
from roadmaps.views.base import _done, _errors, _require, choice_labels
from schools.models import School


@login_required
def assignment_list(request):
    """«Мои мероприятия»: assignments of the user's schools by due date."""
    today = timezone.localdate()
    page = my_page_cached(user=request.user, today=today)
    # Municipal roadmaps that require this school to adopt its own, not yet started:
    # whether it started is read afresh, the school roadmaps are not in the rows.
    required = page["required"]
    started = (
        set(
            Roadmap.objects.visible_to(request.user)
            .filter(parent_id__in=[k[0] for k in required])
            .values_list("parent_id", "school_id")
        )
        if required
        else set()
    )
    to_start = [v for k, v in required.items() if k not in started]
    return render(
        request,
        "roadmaps/assignment_list.html",
        {
            "rows_html": page["rows_html"],
            "today": today,
            "to_start": to_start,
            "schools": page["schools"],
        },
    )


MY_PAGE_CACHE_SECONDS = 600


def my_page_cached(*, user, today: date) -> dict:
    """What «Мои мероприятия» prints of the user's rows (`my_page`), kept in the cache
    under the day, the language, the scope stamp (the names of schools and
    municipalities, `scope_token`) and a digest of everything else the rows are made
    of, as the user sees them (`my_assignment_rows_digest`): a page opened again reads
    one short value and one cached string instead of building two hundred rows and
    their HTML, and any change to a row, its measure, roadmap, school or reports builds
    it afresh. Not under the user: the deputies of one school read the same rows, and
    the entry holds nothing but what is printed of them. Without a scope stamp the
    page is built every time."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    from schools.scoping import scope_token

    token = scope_token(user)
    if not token:
        return my_page(user=user, today=today)
    digest = my_assignment_rows_digest(user=user)
    key = f"roadmaps:my-page:{today.isoformat()}:{get_language()}:{token}:{digest}"
    page = cache.get(key)
    if page is None:
        page = my_page(user=user, today=today)
        cache.set(key, page, spread(MY_PAGE_CACHE_SECONDS))
    return page


def my_page(*, user, today: date) -> dict:
    """The rows of «Мои мероприятия» as HTML (`rows_html`), the schools they belong to
    (`schools`), and the municipal roadmaps that require a school of theirs to adopt
    its own (`required`: {(roadmap id, school id): (roadmap, school)})."""
    rows = my_assignment_rows(user=user, today=today)
    required = {}
    for row in rows:
        roadmap, school = row.roadmap, row.school
        if school and roadmap.requires_school_roadmaps and roadmap.level == "municipality":
            required[(roadmap.pk, school.pk)] = (roadmap, school)
    schools = {row.school for row in rows if row.school is not None}
    return {
        "rows_html": my_rows_html(rows),
        "schools": sorted(schools, key=lambda s: s.short_name),
        "required": required,
    }


def my_rows_html(rows) -> str:
    """The rows of «Мои мероприятия» (`my_assignment_rows`) written in Python: the HTML
    the template's loop wrote (tests/roadmaps/test_my_rows.py compares them). Each
    value is escaped as the template escaped it (`html.escape`, which Django's escape
    is) without format_html's lazy-string checks on fifteen values a row, and what
    many rows share (the roadmap's label, the states' names, the links' patterns) is
    worked out once."""
    if not rows:
        return format_html(
            '<tr><td colspan="5">{}</td></tr>', _("Поручений по действующим дорожным картам нет.")
        )
    esc = html.escape
    t_due, t_assignee, t_latest = esc(_("Срок")), esc(_("Исполнитель")), esc(_("Последний отчёт"))
    t_report = esc(_("Отчитаться"))
    overdue = f'<br><span class="badge overdue">{esc(_("просрочено"))}</span>'
    t_document = esc(_("нужен документ"))
    document_kinds = choice_labels(Measure, "document_kind")
    status = {k: esc(str(v)) for k, v in ProgressReport.Status.choices}
    review = {k: esc(str(v)) for k, v in ProgressReport.Review.choices}
    create = url_pattern("roadmaps:report-create", "assignment_pk")
    detail = url_pattern("roadmaps:report-detail", "progress_report_pk")
    labels: dict[int, str] = {}
    parts = []
    for row in rows:
        roadmap_id = row.roadmap.pk
        if roadmap_id not in labels:
            labels[roadmap_id] = esc(row.roadmap.label)
        evidence = ""
        if row.requires_evidence:
            kind = document_kinds.get(row.document_kind, row.document_kind) or "—"
            evidence = f'<br><span class="badge">{t_document}: {esc(str(kind))}</span>'
        latest = row.latest
        if latest is None:
            report = "—"
        else:
            state = latest.review_state
            reason = (
                f'<br><span class="error">{esc(latest.review_reason)}</span>'
                if state == "returned"
                else ""
            )
            report = (
                f'<a href="{esc(detail % latest.pk)}">{status.get(latest.status) or esc(latest.status)}'
                f'</a> <span class="badge {esc(state)}">{review.get(state) or esc(state)}</span>'
                f"\n      {reason}"
            )
        due = row.due.strftime("%d.%m.%Y") if row.due else "—"
        parts.append(
            f'\n  <tr>\n    <td data-label="{t_due}">{due}<br><span class="muted">'
            f"{esc(row.deadline_text)}</span>{overdue if row.overdue else ''}</td>"
            f'\n    <td class="my-measure">{esc(row.number)} {esc(shortened(row.text, 200))}'
            f'<br><span class="muted">{labels[roadmap_id]}</span>{evidence}</td>'
            f'\n    <td data-label="{t_assignee}">{esc(str(row.assignee))}</td>'
            f'\n    <td data-label="{t_latest}">{report}</td>'
            f'\n    <td class="my-action"><a class="button small" href="{esc(create % row.pk)}">'
            f"{t_report}</a></td>\n  </tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


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
            # An unbound form is the same HTML for the same periods and starting answers:
            # kept in the cache under all of them (infra.formcache.form_key), written by
            # Django's form renderer (most of the page's time) once.
            "form_html": form.as_p() if form.is_bound else forms_as_p_cached([form])[0],
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

    # Counted on the reports alone (a municipality's few hundred entries of an index);
    # the page's fifty read as plain values with their measures and assignees.
    page = Paginator(review_queue(user=request.user), 50).get_page(request.GET.get("page"))
    page.object_list = queue_rows(page.object_list)
    return render(
        request,
        "roadmaps/report_queue.html",
        {"rows_html": queue_rows_html(page), "page": page},
    )


def queue_rows_html(reports) -> str:
    """The rows of the review queue written in Python from `queue_rows`: the
    HTML the template's loop wrote from the reports (tests/roadmaps/test_my_rows.py
    compares them), one reverse() for fifty links and no template render of a dozen
    variables a row."""
    if not reports:
        return format_html('<tr><td colspan="7">{}</td></tr>', _("Отчётов на проверке нет."))
    detail = url_pattern("roadmaps:report-detail", "progress_report_pk")
    again = format_html('<br><span class="badge">{}</span>', _("повторно"))
    check = _("Проверить")
    status = choice_labels(ProgressReport, "status")
    return mark_safe(  # noqa: S308 - every row is escaped by format_html
        "".join(
            format_html(
                "\n  <tr><td>{}</td><td>{}</td>\n    <td>{} {}{}</td>"
                "\n    <td>{}–{}</td><td>{}</td>\n    <td>{}</td>"
                '\n    <td><a class="button small" href="{}">{}</a></td></tr>\n  ',
                timezone.localtime(r["submitted_at"]).strftime("%d.%m.%Y %H:%M"),
                assignee_of(r),
                r["assignment__measure__number"],
                shortened(r["assignment__measure__text"], 120),
                again if r["previous_id"] else "",
                r["period_start"].strftime("%d.%m.%Y"),
                r["period_end"].strftime("%d.%m.%Y"),
                status.get(r["status"], r["status"]),
                r["evidence_count"],
                detail % r["pk"],
                check,
            )
            for r in reports
        )
    )


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
