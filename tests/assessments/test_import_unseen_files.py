"""ВПР forms as schools send them, written by hand from the domain notes and not from
the importer (session 11, bench/results/unseen-files-session11.txt)."""

import datetime

import openpyxl
import pytest

from assessments.results.importers.common import ProcedureKey
from assessments.results.models import Instrument, Procedure, Result, SchoolAggregate, Subject
from assessments.results.services.imports import results_import
from infra.problems import ImportFailed
from infra.text import is_totals_row

TASKS = ["1 (1б)", "2 (1б)", "3 (2б)"]
HEADER = ["Код", "Вариант", *TASKS, "Класс", "Пол", "Отметка за предыдущую четверть"]
PUPILS = [
    ["40101", 1, 1, 1, 2, "4а", "м", 5],
    ["40102", 2, 0, 1, "х", "4а", "ж", 4],
    ["40103", 1, 0, 0, 1, "4б", "м", 3],
]


@pytest.fixture
def procedure(world):
    return Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )


def form(tmp_path, rows, after=()):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Протокол"
    sheet.append(HEADER)
    for row in [*rows, *after]:
        sheet.append(row)
    path = tmp_path / "form.xlsx"
    book.save(path)
    return path


def codes(procedure):
    return sorted(
        Result.objects.filter(procedure=procedure).values_list("participant_code", flat=True)
    )


def test_totals_rows_under_the_pupils_are_left_out_with_a_warning(world, procedure, tmp_path):
    after = [
        [],
        ["Итого", None, 1, 2, 3],
        ["Всего участников:", 3],
        ["Средний балл", None, 0.3],
    ]
    outcome = results_import(
        source=form(tmp_path, PUPILS, after), user=world.carol, procedure=procedure
    )
    assert outcome.rows == 3
    assert codes(procedure) == ["40101", "40102", "40103"]
    assert any("Итого" in w.message and w.row == 6 for w in outcome.warnings)


def test_a_class_that_excel_turned_into_a_date_is_refused_naming_the_cell(
    world, procedure, tmp_path
):
    rows = [list(row) for row in PUPILS]
    rows[0][5] = datetime.datetime(2025, 1, 4)  # «4.1» typed into a General cell
    with pytest.raises(ImportFailed) as refused:
        results_import(source=form(tmp_path, rows), user=world.carol, procedure=procedure)
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (2, "Класс")
    assert "дата (04.01.2025)" in problem.message and "«Текстовый»" in problem.message
    assert not Result.objects.filter(procedure=procedure).exists()


def test_a_count_of_participants_under_a_clean_form_is_left_out(world, procedure, tmp_path):
    path = form(tmp_path, PUPILS, after=[["Всего участников: 3"]])
    outcome = results_import(source=path, user=world.carol, procedure=procedure)
    assert codes(procedure) == ["40101", "40102", "40103"]
    assert [w.row for w in outcome.warnings if "Всего" in w.message] == [5]


def test_n_ya_for_a_pupil_who_did_not_come_counts_as_absent(world, procedure, tmp_path):
    # «н/я» (не явился) is how registers and protocols mark an absent pupil.
    absent = ["40104", None, "н/я", None, None, "4б", "ж", 4]
    outcome = results_import(
        source=form(tmp_path, [*PUPILS, absent]), user=world.carol, procedure=procedure
    )
    assert outcome.absent == 1
    assert codes(procedure) == ["40101", "40102", "40103"]


def test_a_semicolon_csv_with_one_decimal_comma_a_row_is_split_on_semicolons(
    world, procedure, tmp_path
):
    # Excel in Russian saves «CSV (разделители — точки с запятой)»: «;» between cells
    # because «,» is the decimal comma, here once in every line.
    lines = [";".join([*HEADER, "Выполнено, %"])]
    for row in PUPILS:
        share = f"{100 * sum(v for v in row[2:5] if type(v) is int) / 4:.1f}".replace(".", ",")
        lines.append(";".join(str(v) for v in row) + ";" + share)
    path = tmp_path / "form.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    outcome = results_import(source=path, user=world.carol, procedure=procedure)
    assert outcome.rows == 3
    assert codes(procedure) == ["40101", "40102", "40103"]


def test_a_header_over_two_merged_rows_is_read_as_one(world, procedure, tmp_path):
    # «Код», «Класс»… merged down over two rows; one title merged across the tasks,
    # the tasks themselves in the lower row.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Код", "Вариант", "Задания (максимальный балл)", None, None, *HEADER[5:]])
    sheet.append([None, None, *TASKS])
    sheet.merge_cells("C1:E1")
    for column in "ABFGH":
        sheet.merge_cells(f"{column}1:{column}2")
    for row in PUPILS:
        sheet.append(row)
    path = tmp_path / "form.xlsx"
    book.save(path)
    outcome = results_import(source=path, user=world.carol, procedure=procedure)
    assert outcome.rows == 3
    rows = {r.participant_code: r for r in Result.objects.filter(procedure=procedure)}
    assert (rows["40102"].scores, rows["40102"].class_name) == ([0, 1, None], "4а")
    assert (rows["40101"].variant, rows["40101"].journal_mark, rows["40101"].sex) == ("1", 5, "м")


def test_a_totals_row_under_a_table_of_schools_is_left_out(world, tmp_path):
    key = ProcedureKey(instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2019)
    path = tmp_path / "svod.csv"
    path.write_bytes(
        "Код ОО;Количество участников;«2»;«3»;«4»;«5»\r\n770001;50;5;15;20;10\r\n"
        "770101;20;0;5;10;5\r\nВсего;70;5;20;30;15\r\n".encode("cp1251")
    )
    outcome = results_import(source=path, user=world.alice, procedure_key=key)
    assert outcome.rows == 2
    assert SchoolAggregate.objects.filter(procedure_id=outcome.procedure_id).count() == 2
    assert any("Всего" in w.message and w.row == 4 for w in outcome.warnings)


def test_schools_named_srednyaya_are_schools_and_only_the_totals_row_is_left_out(world, tmp_path):
    # A municipal summary names each school in full before its code: «Средняя
    # общеобразовательная школа…» is a school, the «Средний балл по району» row under
    # them is not.
    key = ProcedureKey(instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2019)
    path = tmp_path / "svod.csv"
    path.write_bytes(
        "Наименование ОО;Код ОО;Количество участников;«2»;«3»;«4»;«5»\r\n"
        "Средняя общеобразовательная школа № 1;770001;50;5;15;20;10\r\n"
        "Средняя школа № 2 Среднеахтубинского района;770101;20;0;5;10;5\r\n"
        "Средний балл по району;;35;2,5;10;15;7,5\r\n".encode("cp1251")
    )
    outcome = results_import(source=path, user=world.alice, procedure_key=key)
    assert outcome.rows == 2
    assert SchoolAggregate.objects.filter(procedure_id=outcome.procedure_id).count() == 2
    assert [w.row for w in outcome.warnings if "итогов" in w.message] == [4]


@pytest.mark.parametrize(
    "label, totals",
    [
        ("Итого", True),
        ("ИТОГО:", True),
        ("Всего участников:", True),
        ("Всего: 312 ОО", True),
        ("Средний балл", True),
        ("Среднее значение", True),
        ("в среднем по району", True),
        ("Средняя по району", True),
        ("По району", True),
        ("Средняя общеобразовательная школа № 3", False),
        ("Среднеахтубинский муниципальный район", False),
        ("Всеволожский район", False),
        ("Итоговая школа", False),
        ("Иванов", False),
    ],
)
def test_a_totals_label_is_a_whole_word_at_the_start(label, totals):
    assert is_totals_row([label, None, 3]) == (label.strip() if totals else "")


def test_a_row_with_a_code_is_a_pupil_whatever_its_first_cell_says():
    assert is_totals_row(["Итого", "40104", 1], code_index=1) == ""
    assert is_totals_row(["Итого", None, 1], code_index=1) == "Итого"


def test_an_examinee_marked_n_ya_in_a_protocol_counts_as_absent(world, tmp_path):
    # A regional centre's protocol keeps the examinee who did not come, «н/я» in
    # place of the answers.
    path = tmp_path / "protocol.csv"
    path.write_bytes(
        (
            "Код МСУ;Код ОО;Класс;Код ППЭ;Аудитория;Фамилия;Имя;Отчество;Документ;"
            "Задания с кратким ответом;Задания с развёрнутым ответом;Первичный балл;Отметка\r\n"
            "A;770001;9а;0101;12;Иванов;Иван;Иванович;4510 123456;++-+-1;2(3)1(2)0(2);9;3\r\n"
            "A;770001;9б;0101;12;Ёлкина;Алёна;;4510 654321;н/я;;;\r\n"
        ).encode("cp1251")
    )
    key = ProcedureKey(instrument=Instrument.OGE, subject=Subject.MATH, year=2026)
    outcome = results_import(source=path, user=world.alice, procedure_key=key)
    assert (outcome.rows, outcome.absent) == (1, 1)
