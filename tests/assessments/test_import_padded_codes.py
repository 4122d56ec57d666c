"""Codes typed with leading zeros into columns formatted «00000» are numbers in the
book, shown with their zeros; every import reads them as shown (session 11's sweep,
file f08). Scores in a column formatted «00» are still scores."""

from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.objectivity.models import OfficialListEntry
from assessments.objectivity.services.official import official_list_import
from assessments.results.importers.common import ProcedureKey
from assessments.results.models import Instrument, Procedure, Result, Scale, Subject
from assessments.results.services.imports import results_import
from infra.problems import ImportFailed
from schools.models import School
from schools.services import schools_import
from tests import factories as f

HEADER = ["Код", "Вариант", "1 (1б)", "2 (1б)", "3 (2б)", "Класс", "Пол"]


@pytest.fixture
def procedure(world):
    return Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )


def write_book(path, header, rows, formats):
    """A book of `rows` under `header`; `formats` {column index: number format} for
    the numbers of the column, as someone formats a column in Excel."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for index, number_format in formats.items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = number_format
    book.save(path)
    return path


def results(procedure):
    return {
        r.participant_code: (r.scores, r.primary_score)
        for r in Result.objects.filter(procedure=procedure)
    }


def test_participant_codes_formatted_with_zeros_keep_them(world, procedure, tmp_path):
    rows = [[101, 1, 1, 1, 2, "4а", "м"], [102, 2, 0, 1, 1, "4а", "ж"], [1, 1, 0, 0, 0, "4б", "м"]]
    path = write_book(tmp_path / "form.xlsx", HEADER, rows, {0: "00000"})
    outcome = results_import(source=path, user=world.carol, procedure=procedure)
    assert outcome.rows == 3
    assert sorted(results(procedure)) == ["00001", "00101", "00102"]


def test_a_code_column_of_text_padded_numbers_and_plain_numbers(world, procedure, tmp_path):
    rows = [
        ["00101", 1, 1, 1, 2, "4а", "м"],  # typed as text: kept as typed
        [102, 2, 0, 1, 1, "4а", "ж"],  # a number shown «00102»
        [40103, 1, 0, 0, 0, "4б", "м"],  # a number in a General cell
    ]
    path = write_book(tmp_path / "form.xlsx", HEADER, rows, {0: "00000"})
    book = openpyxl.load_workbook(path)
    book.active["A4"].number_format = "General"
    book.save(path)
    results_import(source=path, user=world.carol, procedure=procedure)
    assert sorted(results(procedure)) == ["00101", "00102", "40103"]


def test_scores_in_a_column_formatted_with_zeros_are_scores(world, procedure, tmp_path):
    rows = [["40101", 1, 1, 1, 2, "4а", "м"], ["40102", 2, 0, 1, "х", "4а", "ж"]]
    path = write_book(tmp_path / "form.xlsx", HEADER, rows, {2: "00", 3: "00", 4: "00"})
    results_import(source=path, user=world.carol, procedure=procedure)
    assert results(procedure) == {"40101": ([1, 1, 2], 4), "40102": ([0, 1, None], 1)}


def test_a_score_over_the_maximum_in_a_zero_formatted_column_is_named_as_shown(
    world, procedure, tmp_path
):
    rows = [["40101", 1, 1, 1, 3, "4а", "м"], ["40102", 2, 0, 1, 1, "4а", "ж"]]
    path = write_book(tmp_path / "form.xlsx", HEADER, rows, {4: "00"})
    with pytest.raises(ImportFailed) as failed:
        results_import(source=path, user=world.carol, procedure=procedure)
    [problem] = [p for p in failed.value.problems if p.row == 2]
    assert problem.column == "3 (2б)" and "«03»" in problem.message
    assert not Result.objects.filter(procedure=procedure).exists()


def test_a_school_list_with_codes_of_region_05_formatted_with_zeros(db, tmp_path):
    f.region(code="05", name="Республика Дагестан")
    header = ["Код региона", "Код МО", "Муниципалитет", "Код ОО", "Полное наименование"]
    rows = [
        [5, 1, "Агульский район", 50102, "МКОУ «Бедюкская СОШ»"],
        [5, 1, "Агульский район", 50103, "МКОУ «Буркиханская СОШ»"],
        [5, 12, "Акушинский район", 51201, "МКОУ «Акушинская СОШ №1»"],
    ]
    formats = {0: "00", 1: "00", 3: "000000"}
    result = schools_import(source=write_book(tmp_path / "oo.xlsx", header, rows, formats))
    assert result.schools_created == 3
    schools = School.objects.filter(region__code="05")
    assert sorted(schools.values_list("code", flat=True)) == ["050102", "050103", "051201"]
    assert sorted(set(schools.values_list("municipality__code", flat=True))) == ["01", "12"]


def test_scale_bounds_and_marks_formatted_with_zeros_are_numbers(world, tmp_path):
    header = ["Процедура", "Год", "Класс", "Предмет", "Отметка", "Балл от", "Балл до"]
    bounds = [(2, 0, 6), (3, 7, 11), (4, 12, 15), (5, 16, 20)]
    rows = [["ВПР", 2025, 5, "Математика", *bound] for bound in bounds]
    path = write_book(tmp_path / "scales.xlsx", header, rows, {4: "00", 5: "00", 6: "00"})
    call_command("import_scales", str(path), "--region", "77")
    scale = Scale.objects.get(region=world.region, year=2025, grade=5, subject=Subject.MATH)
    assert scale.ranges == [[0, 6, 2], [7, 11, 3], [12, 15, 4], [16, 20, 5]]
    assert scale.max_score == 20


def test_an_official_list_whose_logins_are_numbers_formatted_edu(db, tmp_path):
    region = f.region(code="05", name="Республика Дагестан")
    municipality = f.municipality(region=region, name="Акушинский район", code="12")
    school = f.school(municipality=municipality, name="Школа", code="3017", fis_login="edu053017")
    analyst = f.user("dag-analyst", role=f.Role.REGIONAL_ANALYST, node=region)
    header = ["Год", "Логин", "Муниципалитет", "ОО", "4 РУ", "4 МА", "Количество маркеров"]
    rows = [[2024, 53017, "Акушинский район", "Школа", 1, 1, 2]]
    path = write_book(tmp_path / "list.xlsx", header, rows, {1: '"edu"000000'})
    summary = official_list_import(source=str(path), region=region, by=analyst)
    entry = OfficialListEntry.objects.get(official_list=summary["list"])
    assert entry.school == school and sorted(entry.markers) == ["4 МА", "4 РУ"]


def test_a_school_code_excel_kept_as_a_number_is_refused_naming_the_code_with_its_zeros(
    world, tmp_path
):
    # Typed into a General cell, «050102» is the number 50102: no format keeps the
    # zeros, so nothing can read them back; the refusal says what happened and how
    # to give the file its codes back.
    f.school(municipality=world.muni_a, code="050102", name="МБОУ СОШ № 2")
    path = write_book(
        tmp_path / "svod.xlsx",
        ["Код ОО", "Код", "1 (1б)", "2 (1б)"],
        [[50102, "1", 1, 0], [50102, "2", 0, 1], [770001, "3", 1, 1]],
        {},
    )
    key = ProcedureKey(instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025)
    before = Result.objects.count()
    with pytest.raises(ImportFailed) as refused:
        results_import(source=path, user=world.alice, procedure_key=key)
    messages = {(p.row, p.message) for p in refused.value.problems}
    assert {row for row, _m in messages} == {2, 3}
    assert all("«050102»" in m and "«000000»" in m for _r, m in messages)
    assert Result.objects.count() == before
    assert not Procedure.objects.filter(grade=4, year=2025, subject=Subject.MATH).exists()


def test_an_unknown_code_with_no_school_behind_its_zeros_gets_no_hint(world, tmp_path):
    path = write_book(
        tmp_path / "svod.xlsx",
        ["Код ОО", "Код", "1 (1б)"],
        [[50103, "1", 1], [770001, "3", 1]],
        {},
    )
    key = ProcedureKey(instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025)
    with pytest.raises(ImportFailed) as refused:
        results_import(source=path, user=world.alice, procedure_key=key)
    (problem,) = refused.value.problems
    assert "50103" in problem.message and "нули" not in problem.message


def test_a_school_list_warns_of_a_code_that_lost_its_zeros_in_a_number_cell(db, tmp_path):
    # One code typed into a General cell among codes typed as text: Excel keeps
    # 50104, and the list would create a school nobody's results file names.
    f.region(code="05", name="Республика Дагестан")
    header = ["Код региона", "Муниципалитет", "Код ОО", "Полное наименование"]
    rows = [["05", "Агульский район", f"0501{n:02d}", f"МКОУ «СОШ № {n}»"] for n in range(1, 6)] + [
        ["05", "Агульский район", 50106, "МКОУ «СОШ № 6»"]
    ]
    path = write_book(tmp_path / "oo.xlsx", header, rows, {})
    result = schools_import(source=path, dry_run=True)
    (warning,) = result.warnings
    assert warning.row == 7 and "«050106»" in warning.message and "«000000»" in warning.message
    assert result.as_dict()["warnings"][0]["row"] == 7
    out, err = StringIO(), StringIO()
    call_command("import_schools", str(path), "--dry-run", stdout=out, stderr=err)
    assert "Предупреждение" in err.getvalue() and "050106" in err.getvalue()
    assert not School.objects.filter(region__code="05").exists()


def test_codes_of_mixed_lengths_by_design_raise_no_warning(db, tmp_path):
    f.region(code="05", name="Республика Дагестан")
    header = ["Код региона", "Муниципалитет", "Код ОО", "Полное наименование"]
    codes = ["1001", "1002", "20001", "20002", "300001", "300002"]  # no usual length
    rows = [["05", "Агульский район", c, f"МКОУ «СОШ {c}»"] for c in codes]
    result = schools_import(source=write_book(tmp_path / "oo.xlsx", header, rows, {}))
    assert result.warnings == [] and result.schools_created == 6


def test_the_admin_page_shows_the_warning_of_a_short_code(db, client, tmp_path):
    f.region(code="05", name="Республика Дагестан")
    admin = f.user("root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    header = ["Код региона", "Муниципалитет", "Код ОО", "Полное наименование"]
    rows = [["05", "Агульский район", f"0501{n:02d}", f"МКОУ «СОШ № {n}»"] for n in range(1, 6)]
    rows.append(["05", "Агульский район", 50106, "МКОУ «СОШ № 6»"])
    path = write_book(tmp_path / "oo.xlsx", header, rows, {})
    with path.open("rb") as upload:
        page = client.post(
            reverse("admin:schools_school_import_list"),
            {"file": upload, "dry_run": "on"},
            follow=True,
        )
    text = page.content.decode()
    assert page.status_code == 200 and "«050106»" in text and "«000000»" in text
    assert not School.objects.filter(region__code="05").exists()
