"""Pages of the standard analytic tables: a procedure at the level of a class,
a school, a municipality or the region, with the levels above it side by
side, server-made SVG charts and an XLSX of every table.

The views parse, check access and render; the reads and the maths live in
`assessments.analytics.selectors` and `assessments.analytics`. There is no
teacher anywhere here: results are never broken down or ranked by teacher.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.analytics import Band, GroupSize
from assessments.analytics import selectors as sel
from assessments.analytics.charts import (
    agreement_chart,
    dynamics_chart,
    histogram_chart,
    mark_shares_chart,
    task_profile_chart,
)
from assessments.analytics.export import (
    Table,
    _size_notes,
    deficits_tables,
    dynamics_table,
    side_by_side_tables,
)
from assessments.analytics.models import LearningRoute
from assessments.analytics.services import learning_route_save
from assessments.results.models import Result
from infra.output.xlsx import tables_to_xlsx
from schools.models import Municipality, School
from schools.scoping import home_nodes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def procedure_list(request):
    procedures = sel.analytics_procedure_list(user=request.user)
    return render(request, "assessments/analytics/procedure_list.html", {"procedures": procedures})


@login_required
@require_GET
def procedure_detail(request, procedure_pk):
    """The user's own level, or the level picked in the form (?school=, ?municipality=, ?region)."""
    procedure = sel.analytics_procedure_get(user=request.user, pk=procedure_pk)
    if request.GET.get("school", "").isdigit():
        school = sel.school_for_results(user=request.user, pk=int(request.GET["school"]))
        return redirect("analytics:procedure-school", procedure.pk, school.pk)
    if request.GET.get("municipality", "").isdigit():
        municipality = sel.municipality_for_results(
            user=request.user, pk=int(request.GET["municipality"])
        )
        return redirect("analytics:procedure-municipality", procedure.pk, municipality.pk)
    if "region" in request.GET:
        return redirect("analytics:procedure-region", procedure.pk)
    level, node = sel.home_level(user=request.user, procedure=procedure)
    if level == sel.LEVEL_SCHOOL:
        return _level_page(request, procedure, sel.LEVEL_SCHOOL, school=node)
    if level == sel.LEVEL_MUNICIPALITY:
        return _level_page(request, procedure, sel.LEVEL_MUNICIPALITY, municipality=node)
    return _level_page(request, procedure, sel.LEVEL_REGION)


@login_required
@require_GET
def procedure_region(request, procedure_pk):
    procedure = sel.analytics_procedure_get(user=request.user, pk=procedure_pk)
    return _level_page(request, procedure, sel.LEVEL_REGION)


@login_required
@require_GET
def procedure_municipality(request, procedure_pk, municipality_pk):
    procedure = sel.analytics_procedure_get(user=request.user, pk=procedure_pk)
    municipality = sel.municipality_for_results(user=request.user, pk=municipality_pk)
    if municipality.region_id != procedure.region_id:
        raise Http404
    return _level_page(request, procedure, sel.LEVEL_MUNICIPALITY, municipality=municipality)


@login_required
@require_GET
def procedure_school(request, procedure_pk, school_pk):
    """A school's tables, or one of its classes (?class=4а, the school's own users)."""
    procedure = sel.analytics_procedure_get(user=request.user, pk=procedure_pk)
    school = sel.school_for_results(user=request.user, pk=school_pk)
    if school.region_id != procedure.region_id:
        raise Http404
    class_name = request.GET.get("class", "").strip()
    level = sel.LEVEL_CLASS if class_name else sel.LEVEL_SCHOOL
    return _level_page(request, procedure, level, school=school, class_name=class_name)


@login_required
@require_GET
def procedure_deficits(request, procedure_pk, school_pk):
    """Deficits per class and per pupil, with a draft ИОМ for each pupil:
    participant codes, so for the school's own users only."""
    procedure = sel.analytics_procedure_get(user=request.user, pk=procedure_pk)
    school = sel.school_for_results(user=request.user, pk=school_pk)
    if school.region_id != procedure.region_id:
        raise Http404
    _require_own(request.user, school)
    class_name = request.GET.get("class", "").strip()
    page = sel.analytics_page(
        user=request.user,
        procedure=procedure,
        level=sel.LEVEL_CLASS if class_name else sel.LEVEL_SCHOOL,
        school=school,
        class_name=class_name,
        with_deficits=True,
        with_references=False,
    )
    tables = deficits_tables(page.deficits)
    if request.GET.get("format") == "xlsx":
        return _xlsx_response(tables, f"deficits-{procedure.pk}-{school.code}")
    result_ids = dict(
        Result.objects.visible_to(request.user)
        .filter(procedure=procedure, year=procedure.year, school=school)
        .values_list("participant_code", "pk")
    )
    routes = [
        {
            "route": route,
            "not_mastered": _steps_text(route.steps, Band.NOT_MASTERED),
            "grey": _steps_text(route.steps, Band.GREY),
            "url": reverse("analytics:result-route", args=[procedure.pk, result_ids[route.code]])
            if route.code in result_ids
            else "",
        }
        for route in page.deficits.pupils
    ]
    return render(
        request,
        "assessments/analytics/deficits.html",
        {
            "procedure": procedure,
            "school": school,
            "page": page,
            "class_name": class_name if class_name in page.classes else "",
            "classes_table": _display(tables[0]),
            "routes": routes,
            "xlsx_url": _xlsx_url(request),
        },
    )


@login_required
@require_GET
def result_route(request, procedure_pk, result_pk):
    """A printable draft ИОМ of one pupil (by participant code, never a name)."""
    procedure = sel.analytics_procedure_get(user=request.user, pk=procedure_pk)
    result = (
        Result.objects.filter(procedure=procedure, year=procedure.year)
        .select_related("school")
        .get_visible_or_404(request.user, pk=result_pk)
    )
    school = result.school
    _require_own(request.user, school)
    page = sel.analytics_page(
        user=request.user,
        procedure=procedure,
        level=sel.LEVEL_CLASS,
        school=school,
        class_name=result.class_name,
        with_deficits=True,
        with_references=False,
    )
    route = next((p for p in page.deficits.pupils if p.code == result.participant_code), None)
    if route is None:
        raise Http404
    saved = LearningRoute.for_result(result).first()
    kept = {s["planned_result"]: s for s in (saved.steps if saved else [])}
    return render(
        request,
        "assessments/analytics/route_print.html",
        {
            "title": _("Индивидуальный образовательный маршрут (черновик)"),
            "procedure": procedure,
            "school": school,
            "result": result,
            "route": route,
            "saved": saved,
            "steps": [(s, kept.get(s.planned_result, {})) for s in route.steps],
        },
    )


@login_required
def learning_route_edit(request, result_pk):
    """A pupil's ИОМ: the draft from the deficits, completed and kept by the school."""
    result = Result.objects.select_related("school", "procedure").get_visible_or_404(
        request.user, pk=result_pk
    )
    if not sel.is_school_own(request.user, result.school_id):
        raise Http404
    page = sel.analytics_page(
        user=request.user,
        procedure=result.procedure,
        level=sel.LEVEL_CLASS,
        school=result.school,
        class_name=result.class_name,
        with_deficits=True,
        with_references=False,
    )
    draft = next((p for p in page.deficits.pupils if p.code == result.participant_code), None)
    saved = LearningRoute.for_result(result).first()
    kept = {s["planned_result"]: s for s in (saved.steps if saved else [])}
    steps = [
        {
            "planned_result": s.planned_result,
            "tasks": ", ".join(s.task_numbers),
            "band": s.band.label,
            "points": f"{s.points} / {s.max_score}",
            "whole_class": s.whole_class,
            **{k: kept.get(s.planned_result, {}).get(k, "") for k in ("forms", "due")},
            "done": kept.get(s.planned_result, {}).get("done", False),
        }
        for s in (draft.steps if draft else [])
    ]
    can_edit = request.user.has_perm("assessments.edit_learning_route", result.school)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        posted = [
            {
                "planned_result": s["planned_result"],
                "tasks": s["tasks"],
                "forms": request.POST.get(f"forms-{i}", ""),
                "due": request.POST.get(f"due-{i}", ""),
                "done": request.POST.get(f"done-{i}") == "on",
            }
            for i, s in enumerate(steps)
        ]
        version = request.POST.get("version")
        try:
            learning_route_save(
                result=result,
                steps=posted,
                note=request.POST.get("note", ""),
                by=request.user,
                version=int(version) if version and version.isdigit() else None,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Маршрут сохранён."))
            return redirect("analytics:learning-route", result_pk=result.pk)
    return render(
        request,
        "assessments/learning_route.html",
        {
            "result": result,
            "procedure": result.procedure,
            "school": result.school,
            "steps": steps,
            "route": saved,
            "can_edit": can_edit,
        },
    )


# --- helpers -------------------------------------------------------------------------------


def _steps_text(steps, band) -> str:
    return "; ".join(
        f"{s.planned_result} ({', '.join(s.task_numbers)})" for s in steps if s.band == band
    )


def _require_own(user, school):
    if not sel.is_school_own(user, school.pk):
        raise PermissionDenied(
            _("Дефициты и маршруты по участникам видны только сотрудникам самой школы.")
        )


def _level_page(request, procedure, level, *, school=None, municipality=None, class_name=""):
    page = sel.analytics_page(
        user=request.user,
        procedure=procedure,
        level=level,
        school=school,
        municipality=municipality,
        class_name=class_name,
    )
    tables = side_by_side_tables(page.tables)
    trend_table = dynamics_table(page.dynamics) if page.dynamics else None
    if trend_table is not None:
        trend_table.title = _("Динамика по годам: %(level)s") % {"level": page.dynamics_title}
    if request.GET.get("format") == "xlsx":
        name = f"analytics-{procedure.pk}-{page.first.kind}-{page.first.node.pk}"
        if page.first.class_name:
            name += f"-{page.first.class_name}"
        return _xlsx_response([*tables, *([trend_table] if trend_table else [])], name)
    first_school = (
        page.first.node if page.first.kind in (sel.LEVEL_CLASS, sel.LEVEL_SCHOOL) else None
    )
    context = {
        "procedure": procedure,
        "page": page,
        "levels": _level_badges(page),
        "tables": _with_charts(page, tables),
        "trend_table": _display(trend_table) if trend_table else None,
        "dynamics_chart": dynamics_chart(page.dynamics) if page.dynamics else "",
        "xlsx_url": _xlsx_url(request),
        "picker": _picker(request.user, procedure, selected=getattr(school, "pk", None)),
        "school": first_school,
        "own_school": bool(first_school) and page.first.pupil_detail,
        "class_name": page.first.class_name,
    }
    return render(request, "assessments/analytics/procedure_detail.html", context)


def _with_charts(page, tables: list[Table]) -> list[dict]:
    """Display tables, each with the server-made SVG charts that belong under it."""
    shown = []
    # The group sizes stand above every table already (see _level_badges).
    sizes = set(_size_notes(page.tables))
    charts = {
        _("Статистика отметок"): lambda: [mark_shares_chart(page.tables)],
        _("Соответствие отметкам в журнале"): lambda: [agreement_chart(page.tables)],
        _("Распределение первичных баллов"): lambda: [
            histogram_chart(group)
            for group in page.tables.levels.values()
            if group.distribution.counts is not None
        ],
        _("Выполнение заданий"): lambda: [task_profile_chart(page.tables)],
    }
    for table in tables:
        display = _display(table)
        display["notes"] = [note for note in table.notes if note not in sizes]
        display["charts"] = charts[table.title]() if table.title in charts else []
        display["pupils"] = table.title == _("Расхождения с журналом на 2 и более")
        if table.title == _("Распределение первичных баллов"):
            display["caption"] = _(
                "Пунктир — нижние границы отметок. Выраженные пики на границах — "
                "известный признак необъективности."
            )
        shown.append(display)
    return shown


def _level_badges(page) -> list[dict]:
    badges = []
    for column in page.columns:
        group = page.tables[column.title]
        hidden = group.marks.n is None
        size = GroupSize.TOO_SMALL if hidden else group.size
        badges.append(
            {
                "title": column.title,
                "n": None if hidden else group.n,
                "size": size.value,
                "label": size.label,
                "suppressed": hidden,
                "reference": not column.pupil_detail,
            }
        )
    return badges


def _picker(user, procedure, *, selected=None) -> dict:
    """The levels the user may pick: own schools, schools in reach, municipalities, the region."""
    home = home_nodes(user)
    schools = list(
        School.objects.visible_to(user)
        .filter(region_id=procedure.region_id)
        .order_by("municipality__name", "short_name")
        .values_list("pk", "short_name", "municipality__name")
    )
    municipalities = list(
        Municipality.objects.aggregate_visible_to(user, level="municipality")
        .filter(region_id=procedure.region_id)
        .order_by("name")
        .values_list("pk", "name")
    )
    own = [s for s in schools if home.owns_school(s[0])]
    # A region has thousands of schools: the options are built here, not in a template loop.
    options = format_html_join(
        "",
        '<option value="{}"{}>{} ({})</option>',
        (
            (pk, mark_safe(" selected") if pk == selected else "", name, municipality)
            for pk, name, municipality in schools
        ),
    )
    return {
        "own_schools": own if not home.everything else [],
        "schools": schools,
        "school_options": options,
        "municipalities": municipalities,
    }


def _xlsx_url(request) -> str:
    query = request.GET.copy()
    query["format"] = "xlsx"
    return f"{request.path}?{query.urlencode()}"


def _xlsx_response(tables: list[Table], name: str) -> HttpResponse:
    response = HttpResponse(tables_to_xlsx(tables), content_type=XLSX_TYPE)
    filename = slugify(name, allow_unicode=False) or "analytics"
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _format(value, kind: str) -> str:
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if isinstance(value, str):
        return value  # text in a row of numbers (the level of a task)
    if kind == "percent":
        return f"{float(value) * 100:.1f}".replace(".", ",") + " %"
    if kind == "number":
        if isinstance(value, int):
            return str(value)
        return f"{float(value):.2f}".replace(".", ",")
    if kind == "int":
        return str(int(value)) if isinstance(value, int | float) else str(value)
    return str(value)


def _display(table: Table) -> dict:
    """A table with every cell formatted for the page (the XLSX keeps raw numbers)."""
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, value in enumerate(row):
            kind = table.columns[c].kind if c < len(table.columns) else "text"
            if table.row_kinds and c > 0 and r < len(table.row_kinds):
                kind = table.row_kinds[r]
            cells.append(
                {
                    "text": _format(value, kind),
                    "num": kind != "text" and isinstance(value, int | float),
                    "sort": value if isinstance(value, int | float) else "",
                }
            )
        rows.append(cells)
    return {
        "title": table.title,
        "columns": [{"label": c.label, "num": c.kind != "text"} for c in table.columns],
        "rows": rows,
        "notes": table.notes,
        "anchor": slugify(table.title, allow_unicode=True),
    }
