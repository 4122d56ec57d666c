"""The ВПР result form of one school (tests/data/vpr-result-form-example.xlsx)."""

import io
import shutil

import openpyxl
import pytest

from assessments.results.models import Instrument, Procedure, Result, Scale, Subject
from assessments.results.services.imports import results_import
from infra.problems import ImportFailed

FORM = "tests/data/vpr-result-form-example.xlsx"
# ВПР maths grade 4: 0–5 → 2, 6–9 → 3, 10–14 → 4, 15–20 → 5 (the form's maximum is 20).
SCALE = [[0, 5, 2], [6, 9, 3], [10, 14, 4], [15, 20, 5]]


@pytest.fixture
def procedure(world):
    Scale.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        year=2025,
        grade=4,
        subject=Subject.MATH,
        max_score=20,
        ranges=SCALE,
    )
    return Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )


def edited_form(tmp_path, edits, name="form.xlsx"):
    """A copy of the real form with cells changed (saved by openpyxl: formulas lose their values)."""
    book = openpyxl.load_workbook(FORM)
    for (sheet, cell), value in edits.items():
        book[sheet][cell] = value
    path = tmp_path / name
    book.save(path)
    return path


def rows_of(procedure, school):
    return {
        r.participant_code: r for r in Result.objects.filter(procedure=procedure, school=school)
    }


def test_the_real_form_imports_its_participants_and_leaves_out_the_absent(world, procedure):
    outcome = results_import(source=FORM, user=world.carol, procedure=procedure)
    rows = rows_of(procedure, world.school_a1)
    assert outcome.format == "vpr_form"
    assert len(rows) == outcome.rows == 18
    assert outcome.absent == 2
    assert "40019" not in rows and "40020" not in rows
    assert [t.number for t in procedure.tasks.order_by("position")][-2:] == ["11.3 k1", "12"]
    assert sum(t.max_score for t in procedure.tasks.all()) == 20


def test_the_second_layout_of_the_same_pupils_is_counted_once(world, procedure):
    outcome = results_import(source=FORM, user=world.carol, procedure=procedure)
    assert Result.objects.filter(procedure=procedure).count() == 18
    assert any(w.sheet == "Протокол_2" for w in outcome.warnings)


def test_totals_are_computed_from_the_tasks_and_marks_from_the_scale(world, procedure, tmp_path):
    # openpyxl keeps the «Итого баллов» formula without a stored value.
    path = edited_form(tmp_path, {})
    assert openpyxl.load_workbook(path, data_only=True)["Протокол"]["V2"].value is None
    results_import(source=path, user=world.carol, procedure=procedure)
    rows = rows_of(procedure, world.school_a1)
    assert (rows["40001"].primary_score, rows["40001"].mark) == (20, 5)
    assert (rows["40007"].primary_score, rows["40007"].mark) == (13, 4)
    assert (rows["40018"].primary_score, rows["40018"].mark) == (9, 3)
    assert rows["40018"].scores == [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 2, 1, 2]


def test_journal_mark_sex_variant_and_class_are_kept(world, procedure):
    results_import(source=FORM, user=world.carol, procedure=procedure)
    row = rows_of(procedure, world.school_a1)["40002"]
    assert (row.journal_mark, row.sex, row.variant, row.class_name) == (4, "ж", "2/2", "1")


def test_a_class_number_without_the_class_list_is_kept_with_a_warning(world, procedure):
    outcome = results_import(source=FORM, user=world.carol, procedure=procedure)
    assert any("«Классы»" in w.message for w in outcome.warnings)


def test_a_class_number_is_read_from_the_class_list_sheet(world, procedure, tmp_path):
    book = openpyxl.load_workbook(FORM)
    classes = book.create_sheet("Классы")
    classes.append(["4а"])
    classes.append(["4б"])
    path = tmp_path / "with-classes.xlsx"
    book.save(path)
    results_import(source=path, user=world.carol, procedure=procedure)
    rows = rows_of(procedure, world.school_a1)
    assert (rows["40001"].class_name, rows["40010"].class_name) == ("4а", "4б")


@pytest.mark.parametrize("mark", ["x", "X", "х", "Х"])
def test_not_attempted_is_kept_apart_from_zero(world, procedure, tmp_path, mark):
    # 40001 row 2: task 1 (C) not attempted, task 2 (D) scored 0.
    path = edited_form(
        tmp_path,
        {
            ("Протокол", "C2"): mark,
            ("Протокол", "D2"): 0,
            ("Протокол_2", "C2"): mark,
            ("Протокол_2", "D2"): 0,
        },
    )
    results_import(source=path, user=world.carol, procedure=procedure)
    row = rows_of(procedure, world.school_a1)["40001"]
    assert row.scores[:2] == [None, 0]
    assert row.primary_score == 18


def test_the_same_file_again_changes_nothing(world, procedure):
    first = results_import(source=FORM, user=world.carol, procedure=procedure)
    ids = set(Result.objects.filter(procedure=procedure).values_list("pk", flat=True))
    second = results_import(source=FORM, user=world.carol, procedure=procedure)
    assert second.unchanged and not first.unchanged
    assert set(Result.objects.filter(procedure=procedure).values_list("pk", flat=True)) == ids


def test_a_corrected_file_replaces_the_school_rows(world, procedure, tmp_path):
    results_import(source=FORM, user=world.carol, procedure=procedure)
    other_school = Result.objects.filter(school=world.school_b1).count()
    path = edited_form(
        tmp_path,
        {
            ("Протокол", "B19"): "отсутствовал",
            ("Протокол_2", "B19"): "отсутствовал",
            ("Протокол", "C3"): 0,
            ("Протокол_2", "C3"): 0,
        },
    )
    outcome = results_import(source=path, user=world.carol, procedure=procedure)
    rows = rows_of(procedure, world.school_a1)
    assert outcome.replaced == 18 and len(rows) == 17
    assert "40018" not in rows
    assert rows["40002"].primary_score == 17
    assert Result.objects.filter(school=world.school_b1).count() == other_school


def test_a_bad_cell_is_reported_with_its_place_and_nothing_is_written(world, procedure, tmp_path):
    path = edited_form(tmp_path, {("Протокол", "E4"): 3, ("Протокол", "F5"): "пять"})
    before = Result.objects.count()
    with pytest.raises(ImportFailed) as failed:
        results_import(source=path, user=world.carol, procedure=procedure)
    places = {(p.sheet, p.row, p.column) for p in failed.value.problems}
    assert places == {("Протокол", 4, "3 (2б)"), ("Протокол", 5, "4 (1б)")}
    assert all("от 0 до" in p.message for p in failed.value.problems)
    assert Result.objects.count() == before
    assert not procedure.tasks.exists()


def test_a_deputy_cannot_import_for_another_school(world, procedure):
    with pytest.raises(ImportFailed) as failed:
        results_import(source=FORM, user=world.carol, procedure=procedure, school=world.school_a2)
    assert "не можете" in failed.value.problems[0].message
    assert not Result.objects.filter(school=world.school_a2).exists()


def test_an_official_must_name_the_school_of_a_form(world, procedure):
    with pytest.raises(ImportFailed) as failed:
        results_import(source=FORM, user=world.bob, procedure=procedure)
    assert "Укажите школу" in failed.value.problems[0].message
    outcome = results_import(
        source=FORM, user=world.bob, procedure=procedure, school=world.school_a2
    )
    assert outcome.rows == 18


def test_dry_run_writes_nothing(world, procedure):
    before = Result.objects.count()
    outcome = results_import(source=FORM, user=world.carol, procedure=procedure, dry_run=True)
    assert outcome.rows == 18 and outcome.dry_run
    assert Result.objects.count() == before
    assert not procedure.tasks.exists()


def test_an_uploaded_file_object_is_read_too(world, procedure, tmp_path):
    copy = tmp_path / "upload.xlsx"
    shutil.copy(FORM, copy)
    handle = io.BytesIO(copy.read_bytes())
    handle.name = "upload.xlsx"
    outcome = results_import(source=handle, user=world.carol, procedure=procedure)
    assert outcome.file == "upload.xlsx" and outcome.rows == 18


def test_a_replaced_upload_is_kept_in_the_history_the_municipality_reads(
    client, world, procedure, tmp_path
):
    from schools.history import ChangeRecord

    results_import(source=FORM, user=world.carol, procedure=procedure)
    path = edited_form(
        tmp_path, {("Протокол", "B19"): "отсутствовал", ("Протокол_2", "B19"): "отсутствовал"}
    )
    results_import(source=path, user=world.carol, procedure=procedure)
    lines = ChangeRecord.objects.filter(object_type="results", object_id=procedure.pk)
    first, second = lines.order_by("pk")
    assert first.action == "import" and first.before is None and first.after["rows"] == 18
    assert second.action == "replace" and second.by == world.carol
    assert second.before["rows"] == 18 and second.after["rows"] == 17
    assert second.before["batches"][0]["file"] == "vpr-result-form-example.xlsx"
    client.force_login(world.bob)
    body = client.get(f"/assessments/procedures/{procedure.pk}/").content.decode()
    assert "История загрузок" in body and "17 участников" in body
    client.force_login(world.dan)
    body = client.get(f"/assessments/procedures/{procedure.pk}/").content.decode()
    assert "История загрузок" not in body
