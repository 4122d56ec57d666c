"""Pages of the standard analytic tables: a procedure at the level of a class,
a school, a municipality or the region, with the levels above it side by
side, server-made SVG charts and an XLSX of every table.

The views parse, check access and render; the reads and the maths live in
`assessments.analytics_selectors` and `assessments.analytics`. There is no
teacher anywhere here: results are never broken down or ranked by teacher.
"""

from __future__ import annotations

import io
from html import escape

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments import analytics_selectors as sel
from assessments.analytics import Band, GroupSize
from assessments.analytics.export import (
    Table,
    _size_notes,
    deficits_tables,
    dynamics_table,
    side_by_side_tables,
)
from assessments.models import Result
from schools.models import Municipality, School
from schools.scoping import reach_of

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
    )
    tables = deficits_tables(page.deficits)
    if request.GET.get("format") == "xlsx":
        return _xlsx_response(tables, f"deficits-{procedure.pk}-{school.code}")
    result_ids = dict(
        Result.objects.visible_to(request.user)
        .filter(procedure=procedure, school=school)
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
        Result.objects.filter(procedure=procedure)
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
    )
    route = next((p for p in page.deficits.pupils if p.code == result.participant_code), None)
    if route is None:
        raise Http404
    return render(
        request,
        "assessments/analytics/route_print.html",
        {
            "title": _("Индивидуальный образовательный маршрут (черновик)"),
            "procedure": procedure,
            "school": school,
            "result": result,
            "route": route,
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
        "picker": _picker(request.user, procedure),
        "school": first_school,
        "own_school": bool(first_school) and page.first.pupil_detail,
        "class_name": page.first.class_name,
    }
    return render(request, "assessments/analytics/procedure_detail.html", context)


def _with_charts(page, tables: list[Table]) -> list[dict]:
    """Display tables, the histogram under the distribution and the profile under task success."""
    shown = []
    # The group sizes stand above every table already (see _level_badges).
    sizes = set(_size_notes(page.tables))
    for table in tables:
        display = _display(table)
        display["notes"] = [note for note in table.notes if note not in sizes]
        if table.title == _("Распределение первичных баллов"):
            display["chart"] = histogram_chart(page.tables)
            display["caption"] = _(
                "Столбцы — %(level)s; линии — уровни рядом; пунктир — нижние границы отметок. "
                "Выраженные пики на границах — известный признак необъективности."
            ) % {"level": page.first.title}
        elif table.title == _("Выполнение заданий"):
            display["chart"] = task_profile_chart(page.tables)
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


def _picker(user, procedure) -> dict:
    """The levels the user may pick: own schools, schools in reach, municipalities, the region."""
    reach = reach_of(user)
    schools = list(
        School.objects.visible_to(user)
        .filter(region_id=procedure.region_id)
        .order_by("municipality__name", "short_name")
        .values_list("pk", "short_name", "municipality__name")
    )
    municipalities = list(
        Municipality.objects.filter(region_id=procedure.region_id)
        .filter(
            pk__in=[
                *Municipality.objects.visible_to(user).values_list("pk", flat=True),
                *reach.municipalities_above,
            ]
        )
        .order_by("name")
        .values_list("pk", "name")
    )
    own = [s for s in schools if reach.everything or s[0] in reach.schools]
    return {
        "own_schools": own if not reach.everything else [],
        "schools": schools,
        "municipalities": municipalities,
    }


def _xlsx_url(request) -> str:
    query = request.GET.copy()
    query["format"] = "xlsx"
    return f"{request.path}?{query.urlencode()}"


def _xlsx_response(tables: list[Table], name: str) -> HttpResponse:
    response = HttpResponse(workbook_bytes(tables), content_type=XLSX_TYPE)
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


# --- SVG charts (server-made; the same on screen and on paper) -------------------------------

PALETTE = ("#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#7f8c8d")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


def _svg(body: list[str], title: str, legend: list[tuple[str, str]]) -> str:
    height = HEIGHT + 20 * ((len(legend) + 2) // 3)
    items = []
    for i, (label, colour) in enumerate(legend):
        x = LEFT + (i % 3) * 220
        y = HEIGHT + 4 + 20 * (i // 3)
        items.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y + 11}" font-size="12">{escape(label[:32])}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif">'
        f"<title>{escape(title)}</title>{''.join(body)}{''.join(items)}</svg>"
    )


def _y_axis(top_value: float, percent: bool) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for step in range(5):
        value = top_value * step / 4
        y = TOP + plot_h - plot_h * step / 4
        label = f"{value * 100:.0f} %" if percent else f"{value:.0f}"
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde2e8"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{label}</text>'
        )
    return parts


def _x_labels(labels: list[str], xs: list[float]) -> list[str]:
    every = max(1, len(labels) // 25)
    return [
        f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
        f'text-anchor="middle">{escape(str(label))}</text>'
        for i, (label, x) in enumerate(zip(labels, xs, strict=True))
        if i % every == 0
    ]


def _lines(labels: list[str], series: list[tuple[str, list]], title: str) -> str:
    """A line chart of shares 0…1 (None = no point) over categories."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(labels), 1)
    xs = [LEFT + plot_w * (i + 0.5) / count for i in range(len(labels))]
    body = _y_axis(1.0, True) + _x_labels(labels, xs)
    legend = []
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = [
            (x, TOP + plot_h * (1 - float(v)))
            for x, v in zip(xs, values, strict=True)
            if v is not None
        ]
        if not points:
            continue
        legend.append((name, colour))
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
    return _svg(body, title, legend)


def histogram_chart(tables) -> str:
    """Bars: share of pupils per primary score at the first level; lines: the
    other levels; dashed lines: the lowest score of each mark above «2»."""
    names = tables.names
    first = tables[names[0]].distribution
    max_score = first.max_score
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max_score + 1
    step = plot_w / count
    all_shares = [
        s for name in names for s in (tables[name].distribution.shares or []) if s is not None
    ]
    top = max(all_shares, default=0.1) or 0.1
    top = min(1.0, (int(top * 20) + 1) / 20)
    body = _y_axis(top, True)
    xs = [LEFT + step * (i + 0.5) for i in range(count)]
    body += _x_labels([str(i) for i in range(count)], xs)
    legend = []
    if first.shares:
        legend.append((names[0], PALETTE[0]))
        for i, value in enumerate(first.shares):
            if value:
                h = plot_h * value / top
                body.append(
                    f'<rect x="{LEFT + step * i + 1:.1f}" y="{TOP + plot_h - h:.1f}" '
                    f'width="{max(step - 2, 1):.1f}" height="{h:.1f}" fill="{PALETTE[0]}">'
                    f"<title>{i}: {value * 100:.1f} %</title></rect>"
                )
    for k, name in enumerate(names[1:], start=1):
        shares = tables[name].distribution.shares
        if not shares:
            continue
        colour = PALETTE[k % len(PALETTE)]
        legend.append((name, colour))
        path = " ".join(
            f"{x:.1f},{TOP + plot_h * (1 - (s or 0) / top):.1f}"
            for x, s in zip(xs, shares, strict=True)
        )
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for mark, (low, _high) in sorted(first.boundaries.items()):
        if low == 0:
            continue
        x = LEFT + step * low
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#c0392b" '
            f'stroke-dasharray="4 3"/><text x="{x + 3:.1f}" y="{TOP + 10}" font-size="11" '
            f'fill="#c0392b">«{mark}»</text>'
        )
    return _svg(body, _("Распределение первичных баллов"), legend)


def task_profile_chart(tables) -> str:
    labels = [t.number for t in tables.tasks]
    series = []
    for name in tables.names:
        rows = tables[name].tasks.rows
        series.append((name, [r.success for r in rows] if rows else [None] * len(labels)))
    return _lines(labels, series, _("Выполнение заданий"))


def dynamics_chart(trend) -> str:
    labels = [str(r.year) for r in trend.rows]
    two = [r.marks.shares[2] if r.marks.shares else None for r in trend.rows]
    quality = [r.marks.quality for r in trend.rows]
    success = [r.marks.success_rate for r in trend.rows]
    return _lines(
        labels,
        [(_("Доля «2»"), two), (_("Качество (4+5)"), quality), (_("Успеваемость"), success)],
        _("Динамика по годам"),
    )


# --- XLSX: one workbook, a sheet per table, numbers stay numbers -----------------------------

NUMBER_FORMATS = {"percent": "0.0%", "number": "0.00", "int": "0"}


def workbook_bytes(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        title = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:31] or "Лист"
        base, n = title, 2
        while title.lower() in used:
            suffix = f" ({n})"
            title, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(title.lower())
        sheet = book.create_sheet(title)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([c.label for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(table.rows):
            sheet.append([_cell_value(v) for v in row])
            for c, cell in enumerate(sheet[sheet.max_row]):
                kind = table.columns[c].kind if c < len(table.columns) else "text"
                if table.row_kinds and c > 0 and r < len(table.row_kinds):
                    kind = table.row_kinds[r]
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                elif kind in NUMBER_FORMATS and cell.value is not None:
                    cell.number_format = NUMBER_FORMATS[kind]
        for note in table.notes:
            sheet.append([])
            sheet.append([str(note)])
            sheet.cell(sheet.max_row, 1).data_type = "s"
        sheet.freeze_panes = "B3"
        for c, column in enumerate(table.columns, start=1):
            width = max(10, min(60, len(column.label) + 2))
            sheet.column_dimensions[sheet.cell(2, c).column_letter].width = width
    if not tables:
        book.create_sheet(_("Нет данных"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_value(value):
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if value is None:
        return None
    if isinstance(value, bool):
        return _("да") if value else ""
    if isinstance(value, int | float):
        return value
    return str(value)
