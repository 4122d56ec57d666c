"""The analytic pages: figures against hand-computed ones, who sees what, the
suppression of small reference groups, XLSX downloads, deficits and ИОМ.

Dependency: a school deputy and a municipal official read the region's
procedures only once Procedure/Task/Scale are `shared_down=True` (the
integrator's change, see schools/scoping.py). The `shared_procedures` fixture
applies that for these tests; it becomes a no-op when the models declare it.
"""

import dataclasses
import io

import numpy as np
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessments.analytics.arrays import _scores_matrix, parse_copied_numbers
from assessments.analytics.selectors import reference_arrays
from assessments.results.models import Instrument, Procedure, Result, Scale, Subject, Task
from assessments.results.services.partitions import result_partition_ensure

TASKS = [
    # number, max, level, planned result
    ("1", 1, "Б", "Счёт в пределах 100"),
    ("2", 1, "Б", "Счёт в пределах 100"),
    ("3", 2, "Б", "Решение текстовых задач"),
    ("4", 2, "П", "Логические рассуждения"),
]
RANGES = [[0, 1, 2], [2, 3, 3], [4, 4, 4], [5, 6, 5]]

# School A1, ten pupils: (class, code, scores, journal mark). Marks by RANGES:
# 5 5 4 4 3 3 3 2 2 2 → «2» 3, «3» 3, «4» 2, «5» 2: успеваемость 70 %, качество 40 %.
# Journal: confirmed 1, 3, 6, 10; raised 2; lowered 4, 5, 7, 8, 9; off by 2: 5 and 8.
A1_PUPILS = [
    ("4а", "A1-01", [1, 1, 2, 2], 5),
    ("4а", "A1-02", [1, 1, 2, 1], 4),
    ("4а", "A1-03", [1, 1, 2, 0], 4),
    ("4а", "A1-04", [1, 0, 2, 1], 5),
    ("4а", "A1-05", [1, 1, 1, 0], 5),
    ("4а", "A1-06", [1, 0, 1, None], 3),
    ("4б", "A1-07", [0, 1, 1, 0], 4),
    ("4б", "A1-08", [1, None, 0, 0], 4),
    ("4б", "A1-09", [0, 0, 1, 0], 3),
    ("4б", "A1-10", [None, None, 0, None], 2),
]
# School A2: five pupils, all «5» (a group too small to show outside the school).
A2_PUPILS = [("4в", f"A2-0{i}", [1, 1, 2, 2], 2) for i in range(1, 6)]
# School B1: three pupils.
B1_PUPILS = [("4а", f"B1-0{i}", [0, 0, 0, 0], 2) for i in range(1, 4)]


def _mark(primary):
    return next(mark for low, high, mark in RANGES if low <= primary <= high)


@pytest.fixture(autouse=True)
def empty_cache():
    """Reference tables are cached by procedure and row ids, which SQLite
    reuses after a test's rollback."""
    cache.clear()


@pytest.fixture
def shared_procedures(monkeypatch):
    for model in (Procedure, Task, Scale):
        monkeypatch.setattr(
            model, "scope_paths", dataclasses.replace(model.scope_paths, shared_down=True)
        )


def make_procedure(world, year=2026, pupils=None):
    procedure = Procedure.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        subject=Subject.RUSSIAN,
        grade=4,
        year=year,
        max_score=6,
    )
    for position, (number, maximum, level, planned) in enumerate(TASKS, start=1):
        Task.objects.create(
            procedure=procedure,
            position=position,
            number=number,
            max_score=maximum,
            level=level,
            planned_result=planned,
        )
    Scale.objects.get_or_create(
        region=world.region,
        instrument=Instrument.VPR,
        year=year,
        grade=4,
        subject=Subject.RUSSIAN,
        defaults={"max_score": 6, "ranges": RANGES},
    )
    if pupils is None:
        pupils = {
            world.school_a1: A1_PUPILS,
            world.school_a2: A2_PUPILS,
            world.school_b1: B1_PUPILS,
        }
    for school, rows in pupils.items():
        add_results(procedure, school, rows)
    return procedure


def add_results(procedure, school, rows):
    result_partition_ensure(year=procedure.year)
    Result.objects.bulk_create(
        Result(
            procedure=procedure,
            year=procedure.year,
            region=school.region,
            municipality=school.municipality,
            school=school,
            class_name=class_name,
            participant_code=code,
            scores=scores,
            primary_score=sum(s or 0 for s in scores),
            mark=_mark(sum(s or 0 for s in scores)),
            journal_mark=journal,
        )
        for class_name, code, scores, journal in rows
    )


@pytest.fixture
def vpr(world, shared_procedures):
    return make_procedure(world)


def school_url(procedure, school, **query):
    url = reverse("analytics:procedure-school", args=[procedure.pk, school.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def test_school_page_shows_the_hand_computed_mark_statistics(client, world, vpr):
    client.force_login(world.carol)
    response = client.get(school_url(vpr, world.school_a1))
    assert response.status_code == 200
    page = response.context["page"]
    school = page.tables[page.columns[0].title]
    assert school.marks.n == 10
    assert school.marks.counts == {2: 3, 3: 3, 4: 2, 5: 2}
    assert school.marks.success_rate == pytest.approx(0.7)
    assert school.marks.quality == pytest.approx(0.4)
    assert school.marks.mean_mark == pytest.approx(3.3)
    assert school.marks.mean_primary == pytest.approx(2.8)
    body = response.content.decode()
    assert "70,0 %" in body and "40,0 %" in body


def test_school_page_shows_journal_agreement_and_task_success(client, world, vpr):
    client.force_login(world.carol)
    page = client.get(school_url(vpr, world.school_a1)).context["page"]
    school = page.tables[page.columns[0].title]
    assert (school.agreement.lowered, school.agreement.confirmed, school.agreement.raised) == (
        5,
        4,
        1,
    )
    assert school.agreement.big_difference_count == 2
    successes = [row.success for row in school.tasks.rows]
    assert successes == pytest.approx([0.7, 0.5, 0.6, 0.2])
    assert school.tasks.rows[3].not_attempted == pytest.approx(0.2)


def test_columns_stand_side_by_side_school_municipality_region(client, world, vpr):
    client.force_login(world.carol)
    page = client.get(school_url(vpr, world.school_a1)).context["page"]
    assert [c.kind for c in page.columns] == ["school", "municipality", "region"]
    assert [c.n for c in page.columns] == [10, 15, 18]


def test_deputy_sees_own_pupils_codes_but_no_other_schools_pupils(client, world, vpr):
    client.force_login(world.carol)
    body = client.get(school_url(vpr, world.school_a1)).content.decode()
    # The two pupils whose test mark is two below the journal mark.
    assert "A1-05" in body and "A1-08" in body
    assert "A2-0" not in body and "B1-0" not in body


def test_reference_levels_carry_no_pupil_data(client, world, vpr):
    client.force_login(world.carol)
    page = client.get(school_url(vpr, world.school_a1)).context["page"]
    for column in page.columns[1:]:
        assert not column.pupil_detail and column.arrays is None
        assert page.tables[column.title].agreement.big_differences == []
    arrays = reference_arrays(procedure=vpr, task_count=4, scale=None)
    assert len(arrays) == 18
    assert set(arrays.code) == {""} and set(arrays.class_name) == {""}


def test_reference_tables_are_recomputed_after_an_import(client, world, vpr):
    client.force_login(world.carol)
    client.get(school_url(vpr, world.school_a1))
    add_results(vpr, world.school_b1, [("4б", "B1-99", [1, 1, 2, 2], 5)])
    page = client.get(school_url(vpr, world.school_a1)).context["page"]
    region = page.tables[page.columns[-1].title]
    assert region.marks.n == 19 and region.marks.counts[5] == 8


def test_reference_levels_under_the_minimum_are_suppressed(client, world, vpr, settings):
    settings.ANALYTICS_MIN_GROUP = 16
    client.force_login(world.carol)
    page = client.get(school_url(vpr, world.school_a1)).context["page"]
    school, municipality, region = (page.tables[c.title] for c in page.columns)
    # The school's own figures stay for its deputy, even under the minimum.
    assert school.marks.counts == {2: 3, 3: 3, 4: 2, 5: 2}
    # Municipality A has 15 pupils: blanked and marked as too small.
    assert municipality.marks.suppressed and municipality.marks.counts is None
    assert municipality.tasks.rows is None and municipality.distribution.counts is None
    assert municipality.marks.size == "too_small"
    # The region has 18 pupils: shown; but its mark groups under 16 are blanked.
    assert region.marks.counts == {2: 6, 3: 3, 4: 2, 5: 7}
    assert all(g.success is None for g in region.by_mark.groups)


def test_mark_groups_smaller_than_ten_are_blanked_outside_the_school(client, world, vpr):
    client.force_login(world.carol)
    page = client.get(school_url(vpr, world.school_a1)).context["page"]
    municipality = page.tables[page.columns[1].title]
    by_mark = {g.mark: g for g in municipality.by_mark.groups}
    assert by_mark[5].n is None and by_mark[5].success is None  # 7 pupils with «5»
    school = page.tables[page.columns[0].title]
    assert {g.mark: g.n for g in school.by_mark.groups} == {2: 3, 3: 3, 4: 2, 5: 2}


def test_official_of_another_municipality_gets_404_for_a_school_of_a(client, world, vpr):
    client.force_login(world.dan)
    assert client.get(school_url(vpr, world.school_a1)).status_code == 404
    url = reverse("analytics:procedure-municipality", args=[vpr.pk, world.muni_a.pk])
    assert client.get(url).status_code == 404
    assert client.get(school_url(vpr, world.school_a1, format="xlsx")).status_code == 404


def test_analyst_of_another_region_gets_404_for_the_procedure(client, world, vpr):
    client.force_login(world.gina)
    assert client.get(reverse("analytics:procedure-detail", args=[vpr.pk])).status_code == 404
    assert client.get(reverse("analytics:procedure-region", args=[vpr.pk])).status_code == 404


def test_official_sees_a_school_as_aggregates_without_codes(client, world, vpr):
    client.force_login(world.bob)
    response = client.get(school_url(vpr, world.school_a1))
    assert response.status_code == 200
    body = response.content.decode()
    assert "A1-0" not in body
    assert not response.context["own_school"]
    deficits = reverse("analytics:procedure-deficits", args=[vpr.pk, world.school_a1.pk])
    assert client.get(deficits).status_code == 403


def test_small_school_is_suppressed_for_the_municipality(client, world, vpr):
    client.force_login(world.bob)
    page = client.get(school_url(vpr, world.school_a2)).context["page"]
    school = page.tables[page.columns[0].title]
    assert school.marks.suppressed and school.marks.counts is None


def test_deputy_may_open_own_municipality_as_aggregates(client, world, vpr):
    client.force_login(world.carol)
    url = reverse("analytics:procedure-municipality", args=[vpr.pk, world.muni_a.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "A1-0" not in response.content.decode()
    other = reverse("analytics:procedure-municipality", args=[vpr.pk, world.muni_b.pk])
    assert client.get(other).status_code == 404


def test_region_level_counts_every_pupil(client, world, vpr):
    client.force_login(world.alice)
    response = client.get(reverse("analytics:procedure-region", args=[vpr.pk]))
    page = response.context["page"]
    assert [c.kind for c in page.columns] == ["region"]
    assert page.tables[page.columns[0].title].marks.n == 18
    assert "<svg" in response.content.decode()


def test_home_level_is_the_users_own(client, world, vpr):
    for user, kind in (
        (world.carol, "school"),
        (world.bob, "municipality"),
        (world.alice, "region"),
    ):
        client.force_login(user)
        page = client.get(reverse("analytics:procedure-detail", args=[vpr.pk])).context["page"]
        assert page.columns[0].kind == kind, user.username


def test_class_level_for_the_schools_own_users(client, world, vpr):
    client.force_login(world.carol)
    page = client.get(school_url(vpr, world.school_a1, **{"class": "4б"})).context["page"]
    assert [c.kind for c in page.columns] == ["class", "school", "municipality", "region"]
    klass = page.tables[page.columns[0].title]
    assert klass.marks.counts == {2: 3, 3: 1, 4: 0, 5: 0}
    assert klass.size == "too_small"


def test_histogram_and_charts_are_inline_svg_with_boundaries(client, world, vpr):
    client.force_login(world.carol)
    body = client.get(school_url(vpr, world.school_a1)).content.decode()
    # Marks, agreement, three histograms (school, municipality, region), task profile.
    assert body.count("<svg") >= 6
    assert "«3» от 2" in body and "stroke-dasharray" in body


def test_xlsx_has_a_sheet_per_table_and_numbers_as_numbers(client, world, vpr):
    client.force_login(world.carol)
    response = client.get(school_url(vpr, world.school_a1, format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert "Статистика отметок" in book.sheetnames
    assert "Выполнение заданий" in book.sheetnames
    sheet = book["Статистика отметок"]
    assert sheet["A1"].value == "Показатель"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert rows["Участников"][1].value == 10
    quality = rows["Качество (4+5)"][1]
    assert isinstance(quality.value, float) and quality.value == pytest.approx(0.4)
    assert quality.number_format == "0.0%"


def test_deficits_and_printable_route_for_the_schools_deputy(client, world, vpr):
    client.force_login(world.carol)
    url = reverse("analytics:procedure-deficits", args=[vpr.pk, world.school_a1.pk])
    response = client.get(url)
    assert response.status_code == 200
    deficits = response.context["page"].deficits
    assert [c.class_name for c in deficits.classes] == ["4а", "4б"]
    # 4б: the logic task (advanced) scored 0 of 8: not mastered by the class.
    klass = next(c for c in deficits.classes if c.class_name == "4б")
    assert "Логические рассуждения" in [r.planned_result for r in klass.not_mastered]
    result = Result.objects.get(procedure=vpr, participant_code="A1-08")
    route_url = reverse("analytics:result-route", args=[vpr.pk, result.pk])
    assert route_url in response.content.decode()
    printed = client.get(route_url)
    assert printed.status_code == 200
    body = printed.content.decode()
    assert "A1-08" in body and "Решение текстовых задач" in body
    workbook = client.get(url + "?format=xlsx")
    sheets = load_workbook(io.BytesIO(workbook.content)).sheetnames
    assert sheets[0] == "Дефициты классов"
    assert sheets[1].startswith("Индивидуальные образовательные")


def test_route_of_another_schools_pupil_is_404(client, world, vpr):
    client.force_login(world.carol)
    result = Result.objects.get(procedure=vpr, participant_code="A2-01")
    assert (
        client.get(reverse("analytics:result-route", args=[vpr.pk, result.pk])).status_code == 404
    )


def test_dynamics_flags_a_rise_of_the_share_of_twos(client, world, shared_procedures):
    make_procedure(
        world,
        year=2025,
        pupils={world.school_a1: [("4а", f"P-{i}", [1, 1, 1, 0], 4) for i in range(10)]},
    )
    current = make_procedure(world, year=2026)
    client.force_login(world.carol)
    page = client.get(school_url(current, world.school_a1)).context["page"]
    rows = page.dynamics.rows
    assert [r.year for r in rows] == [2025, 2026]
    assert rows[1].two_change == pytest.approx(0.3)
    assert rows[1].negative_trend


def test_procedure_list_shows_what_the_user_reaches(client, world, vpr):
    client.force_login(world.carol)
    body = client.get(reverse("analytics:procedure-list")).content.decode()
    assert reverse("analytics:procedure-detail", args=[vpr.pk]) in body
    client.force_login(world.gina)
    body = client.get(reverse("analytics:procedure-list")).content.decode()
    assert reverse("analytics:procedure-detail", args=[vpr.pk]) not in body


def test_school_page_queries_do_not_grow_with_pupils(client, world, vpr):
    client.force_login(world.carol)
    client.get("/")  # the bell's count, remembered from the first page on
    with CaptureQueriesContext(connection) as few:
        client.get(school_url(vpr, world.school_a1))
    add_results(vpr, world.school_a1, [("4в", f"A1-X{i}", [1, 0, 1, 0], 3) for i in range(30)])
    with CaptureQueriesContext(connection) as more:
        client.get(school_url(vpr, world.school_a1))
    assert len(more) == len(few)


def test_warmed_reference_tables_are_served_without_reading_the_rows(
    client, world, vpr, monkeypatch
):
    from assessments.analytics import selectors as analytics_selectors

    assert analytics_selectors.reference_tables_warm(procedure=vpr) == 3  # region, A, B
    client.force_login(world.carol)

    def unexpected(**kwargs):
        raise AssertionError("the reference rows were read again")

    monkeypatch.setattr(analytics_selectors, "reference_arrays", unexpected)
    page = client.get(school_url(vpr, world.school_a1)).context["page"]
    municipality, region = (page.tables[c.title] for c in page.columns[1:])
    assert municipality.marks.n == 15 and region.marks.n == 18
    assert region.marks.counts == {2: 6, 3: 3, 4: 2, 5: 7}


def test_scores_of_a_malformed_row_are_padded_not_shifted():
    matrix = _scores_matrix(["[1, null, 2]", "[1]", "[0, 1, 1, 5]"], 3)
    assert np.array_equal(np.isnan(matrix), [[0, 1, 0], [0, 1, 1], [0, 0, 0]])
    assert matrix[2].tolist() == [0, 1, 1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"1,0,n\t3\t\\N\t2\t17\n", [[1, 0, None, 3, None, 2, 17]]),
        (
            b"12,n,2\t14\t4\t5\t1001\n0,0,0\t0\t2\t\\N\t7\n",
            [[12, None, 2, 14, 4, 5, 1001], [0, 0, 0, 0, 2, None, 7]],
        ),
    ],
)
def test_copied_numbers_are_parsed_in_bulk(text, expected):
    matrix = parse_copied_numbers(text, width=7)
    wanted = np.array([[np.nan if v is None else v for v in row] for row in expected])
    assert np.array_equal(matrix, wanted, equal_nan=True)


@pytest.mark.parametrize(
    "text",
    [
        b"1,0\t3\t\\N\t2\t17\n",  # a row with one score less
        b"1,0,1.5\t3\t\\N\t2\t17\n",  # not an integer
        b"1,0,-1\t3\t\\N\t2\t17\n",  # negative
        b",0,1\t3\t\\N\t2\t17\n",  # empty value
        b'1,0,"x"\t3\t\\N\t2\t17\n',  # text
    ],
)
def test_copied_rows_of_another_shape_fall_back_to_row_by_row(text):
    assert parse_copied_numbers(text, width=7) is None


def test_level_picker_redirects_within_the_users_reach(client, world, vpr):
    detail = reverse("analytics:procedure-detail", args=[vpr.pk])
    client.force_login(world.bob)
    response = client.get(detail, {"school": world.school_a2.pk})
    assert response.status_code == 302
    assert response["Location"] == school_url(vpr, world.school_a2)
    assert client.get(detail, {"school": world.school_b1.pk}).status_code == 404
    response = client.get(detail, {"municipality": world.muni_a.pk})
    assert response["Location"].endswith(f"/municipalities/{world.muni_a.pk}/")
    assert client.get(detail, {"municipality": world.muni_b.pk}).status_code == 404


def test_the_deputy_completes_a_pupils_route_and_the_print_shows_it(client, world, vpr):
    from assessments.analytics.models import LearningRoute

    result = Result.objects.get(procedure=vpr, participant_code="A1-08")
    client.force_login(world.carol)
    # The route moved to analytics and kept its address.
    assert (
        reverse("analytics:learning-route", args=[result.pk]) == f"/assessments/routes/{result.pk}/"
    )
    page = client.get(reverse("analytics:learning-route", args=[result.pk]))
    assert page.status_code == 200 and "Решение текстовых задач" in page.content.decode()
    steps = page.context["steps"]
    form = {
        "note": "Занятия по средам",
        "forms-0": "Разбор задач в малой группе",
        "due-0": "2026-12-15",
        "done-0": "on",
        "version": "",
    }
    client.post(reverse("analytics:learning-route", args=[result.pk]), form)
    route = LearningRoute.for_result(result).get()
    assert route.steps[0] == {
        "planned_result": steps[0]["planned_result"],
        "tasks": steps[0]["tasks"],
        "forms": "Разбор задач в малой группе",
        "due": "2026-12-15",
        "done": True,
    }
    printed = client.get(
        reverse("analytics:result-route", args=[vpr.pk, result.pk])
    ).content.decode()
    assert "Разбор задач в малой группе" in printed and "Занятия по средам" in printed

    stale = client.post(
        reverse("analytics:learning-route", args=[result.pk]),
        dict(form, version="99", note="Другое"),
        follow=True,
    )
    assert "обновите страницу" in stale.content.decode()
    route.refresh_from_db()
    assert route.note == "Занятия по средам"
    bad = client.post(
        reverse("analytics:learning-route", args=[result.pk]),
        dict(form, version=str(route.version), **{"due-0": "15.12"}),
        follow=True,
    )
    assert "не дата" in bad.content.decode()


def test_a_route_is_kept_only_by_the_pupils_school(client, world, vpr):
    result = Result.objects.get(procedure=vpr, participant_code="A1-08")
    for outsider in (world.dan, world.bob):  # another municipality; the municipality's official
        client.force_login(outsider)
        response = client.post(reverse("analytics:learning-route", args=[result.pk]), {"note": "x"})
        assert response.status_code in (403, 404)
