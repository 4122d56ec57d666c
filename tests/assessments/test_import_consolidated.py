"""Consolidated files of many schools (XLSX or CSV, a school code or login per row)."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.results.importers.common import ProcedureKey
from assessments.results.models import Instrument, Procedure, Result, Subject
from assessments.results.services.imports import results_import
from infra.problems import ImportFailed

HEADER = "Логин ФИС ОКО;Класс;Код участника;Вариант;1 (1б);2 (2б);3 (1б);Пол;Итого баллов;Отметка\n"


def write(tmp_path, text, name="svod.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def key():
    return ProcedureKey(instrument=Instrument.VPR, subject=Subject.RUSSIAN, grade=5, year=2025)


def test_a_file_of_several_schools_creates_the_procedure_and_tasks_from_the_headers(
    world, tmp_path, key
):
    path = write(
        tmp_path,
        HEADER
        + "edu770001;5а;1001;1;1;2;х;ж;3;\n"
        + "770002;5б;1001;2;0;0;0;м;0;\n"
        + "EDU770101;5в;7;1;1;1;1;м;3;\n",
    )
    outcome = results_import(source=path, user=world.alice, procedure_key=key)
    procedure = Procedure.objects.get(pk=outcome.procedure_id)
    assert outcome.procedure_created and outcome.format == "consolidated"
    assert [(t.number, t.max_score) for t in procedure.tasks.order_by("position")] == [
        ("1", 1),
        ("2", 2),
        ("3", 1),
    ]
    assert procedure.max_score == 4
    rows = {r.school.code: r for r in Result.objects.filter(procedure=procedure)}
    assert set(rows) == {"770001", "770002", "770101"}
    assert rows["770001"].scores == [1, 2, None] and rows["770001"].class_name == "5а"
    assert rows["770002"].scores == [0, 0, 0]
    assert rows["770101"].municipality_id == world.muni_b.pk


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(world, tmp_path, key):
    path = write(
        tmp_path,
        HEADER
        + "edu770001;5а;1001;1;1;2;0;ж;3;\n"
        + "770999;5а;1002;1;1;2;0;ж;3;\n"
        + "770001;5а;1003;1;1;5;0;ж;6;\n"
        + ";5а;1004;1;1;1;0;ж;2;\n"
        + "770001;5а;1005;1;1;1;0;q;2;\n",
    )
    with pytest.raises(ImportFailed) as failed:
        results_import(source=path, user=world.alice, procedure_key=key)
    found = {(p.row, p.column): p.message for p in failed.value.problems}
    assert set(found) == {(3, "Логин ФИС ОКО"), (4, "2 (2б)"), (5, "Логин ФИС ОКО"), (6, "Пол")}
    assert "770999" in found[(3, "Логин ФИС ОКО")]
    assert "от 0 до 2" in found[(4, "2 (2б)")]
    assert not Procedure.objects.filter(grade=5).exists()
    assert not Result.objects.filter(participant_code="1001").exists()


def test_a_municipality_cannot_import_schools_of_another(world, tmp_path, key):
    path = write(tmp_path, HEADER + "edu770001;5а;1;1;1;2;0;ж;3;\nedu770101;5а;2;1;1;2;0;ж;3;\n")
    with pytest.raises(ImportFailed) as failed:
        results_import(source=path, user=world.bob, procedure_key=key)
    assert [(p.row, p.column) for p in failed.value.problems] == [(3, "Логин ФИС ОКО")]
    assert not Result.objects.filter(participant_code__in=["1", "2"]).exists()


def test_a_viewer_cannot_import_even_in_the_own_municipality(world, tmp_path, key):
    path = write(tmp_path, HEADER + "edu770001;5а;1;1;1;2;0;ж;3;\n")
    with pytest.raises(ImportFailed):
        results_import(source=path, user=world.victor, procedure_key=key)


def test_the_procedure_can_be_named_by_the_file_itself(world, tmp_path):
    path = write(
        tmp_path,
        "Процедура;Предмет;Параллель;Год;Код ОО;Класс;Код;1 (1б);2 (1б)\n"
        "ВПР;Математика;4;2024;770001;4а;1;1;0\n"
        "ВПР;Математика;4;2024;770002;4а;1;x;1\n",
    )
    outcome = results_import(source=path, user=world.bob)
    procedure = Procedure.objects.get(pk=outcome.procedure_id)
    assert (procedure.instrument, procedure.subject, procedure.grade, procedure.year) == (
        "vpr",
        "math",
        4,
        2024,
    )
    assert outcome.rows == 2


def test_a_file_mark_that_disagrees_with_the_scale_is_a_warning(world, tmp_path):
    key = ProcedureKey(instrument=Instrument.VPR, subject=Subject.RUSSIAN, grade=4, year=2026)
    path = write(
        tmp_path,
        "Код ОО;Код;1 (12б);2 (12б);Отметка\n770001;1;12;10;5\n770001;2;5;5;4\n",
    )
    outcome = results_import(source=path, user=world.alice, procedure_key=key)
    rows = {r.participant_code: r for r in Result.objects.filter(procedure_id=outcome.procedure_id)}
    # The federal scale of ВПР Russian grade 4 2026: 22 → 5, 10 → 3.
    assert (rows["1"].mark, rows["1"].mark_mismatch) == (5, False)
    assert (rows["2"].mark, rows["2"].file_mark, rows["2"].mark_mismatch) == (3, 4, True)
    assert outcome.mark_mismatches == 1 and outcome.warnings[0].row == 3


def test_import_results_command_prints_counts_procedure_and_problems_as_json(
    world, tmp_path, capsys
):
    good = write(tmp_path, HEADER + "edu770001;5а;1;1;1;2;0;ж;3;\n", name="good.csv")
    call_command(
        "import_results",
        str(good),
        "--instrument",
        "ВПР",
        "--subject",
        "Русский язык",
        "--grade",
        "5",
        "--year",
        "2025",
        "--json",
        "--dry-run",
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and payload["dry_run"] and payload["rows"] == 1
    assert "Русский язык" in payload["procedure"]
    assert not Procedure.objects.filter(grade=5).exists()

    bad = write(tmp_path, HEADER + "edu779999;5а;1;1;1;2;0;ж;3;\n", name="bad.csv")
    with pytest.raises(CommandError):
        call_command(
            "import_results",
            str(bad),
            "--instrument",
            "ВПР",
            "--subject",
            "Русский язык",
            "--grade",
            "5",
            "--year",
            "2025",
            "--json",
        )
    payload = json.loads(capsys.readouterr().out)
    assert not payload["ok"]
    assert (
        payload["problems"][0]["row"] == 2 and payload["problems"][0]["column"] == "Логин ФИС ОКО"
    )


def test_import_results_command_imports_a_form_for_a_school(world, capsys):
    call_command(
        "import_results",
        "tests/data/vpr-result-form-example.xlsx",
        "--school",
        "edu770001",
        "--instrument",
        "ВПР",
        "--subject",
        "математика",
        "--grade",
        "4",
        "--year",
        "2025",
    )
    out = capsys.readouterr().out
    assert "участников 18" in out and "отсутствовали 2" in out
    assert Result.objects.filter(school=world.school_a1, procedure__year=2025).count() == 18


def test_a_participant_code_repeated_in_one_school_is_a_problem(world, tmp_path, key):
    path = write(
        tmp_path,
        HEADER
        + "edu770001;5а;1;1;1;2;0;ж;3;\n770002;5а;1;1;1;2;0;ж;3;\nedu770001;5б;1;1;0;0;0;м;0;\n",
    )
    with pytest.raises(ImportFailed) as failed:
        results_import(source=path, user=world.alice, procedure_key=key)
    assert [(p.row, p.column) for p in failed.value.problems] == [(4, "Код участника")]
    assert "повторяется" in failed.value.problems[0].message
