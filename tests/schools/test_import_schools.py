import csv
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from infra.problems import ImportFailed
from schools.models import Municipality, School
from schools.services import schools_import
from tests import factories as f

HEADER = [
    "Код региона",
    "Код МО",
    "Муниципалитет",
    "Код ОО",
    "Логин ФИС ОКО",
    "Полное наименование",
    "Краткое наименование",
    "Адрес",
    "Местность",
    "Тип ОО",
]
ROWS = [
    [
        "39",
        "01",
        "Балтийский городской округ",
        "390101",
        "edu390101",
        "Муниципальное бюджетное общеобразовательное учреждение средняя общеобразовательная школа №1",
        "МБОУ СОШ №1",
        "г. Балтийск, ул. Садовая, 1",
        "город",
        "СОШ",
    ],
    [
        "39",
        "01",
        "Балтийский городской округ",
        "390102",
        "EDU390102",
        "Муниципальное бюджетное общеобразовательное учреждение гимназия №7",
        "МБОУ гимназия №7",
        "г. Балтийск",
        "город",
        "гимназия",
    ],
    [
        "39",
        "03",
        "Гурьевский муниципальный округ",
        "390301",
        "",
        "Муниципальное бюджетное общеобразовательное учреждение ООШ пос. Луговое",
        "МБОУ ООШ п. Луговое",
        "пос. Луговое",
        "село",
        "",
    ],
]


def write_xlsx(path, rows, header=HEADER, preamble=()):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Список ОО"
    for line in preamble:
        sheet.append(line)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig", delimiter=";"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def kaliningrad(db):
    return f.region(code="39", name="Калининградская область")


def test_it_imports_municipalities_and_schools_from_xlsx_with_a_title_above_the_header(
    kaliningrad, tmp_path
):
    path = write_xlsx(
        tmp_path / "oo.xlsx", ROWS, preamble=[["Перечень ОО Калининградской области"], []]
    )
    result = schools_import(source=path)
    assert (result.schools_created, result.municipalities_created) == (3, 2)
    gymnasium = School.objects.get(code="390102")
    assert gymnasium.fis_login == "edu390102"
    assert gymnasium.kind == School.Kind.GYMNASIUM
    assert gymnasium.municipality.name == "Балтийский городской округ"
    rural = School.objects.get(code="390301")
    assert (rural.locality, rural.kind) == (School.Locality.RURAL, School.Kind.BASIC)
    assert Municipality.objects.get(code="03").kind == Municipality.Kind.MUNICIPAL_OKRUG


def test_the_same_file_twice_changes_nothing(kaliningrad, tmp_path):
    path = write_csv(tmp_path / "oo.csv", ROWS)
    schools_import(source=path)
    second = schools_import(source=path)
    assert (second.schools_created, second.schools_updated, second.schools_unchanged) == (0, 0, 3)
    assert School.objects.count() == 3


def test_a_corrected_file_updates_the_school(kaliningrad, tmp_path):
    schools_import(source=write_csv(tmp_path / "a.csv", ROWS))
    fixed = [row[:] for row in ROWS]
    fixed[0][7] = "г. Балтийск, ул. Садовая, 1А"
    result = schools_import(
        source=write_csv(tmp_path / "b.csv", fixed, encoding="cp1251", delimiter=",")
    )
    assert result.schools_updated == 1
    assert School.objects.get(code="390101").address.endswith("1А")


def test_ficoko_login_alone_identifies_the_school_and_its_region(kaliningrad, tmp_path):
    header = ["Логин", "Муниципалитет", "Наименование ОО"]
    rows = [["edu390777", "Балтийский городской округ", "МБОУ СОШ №7"]]
    schools_import(source=write_csv(tmp_path / "logins.csv", rows, header=header))
    school = School.objects.get(fis_login="edu390777")
    assert (school.code, school.region, school.kind) == (
        "edu390777",
        kaliningrad,
        School.Kind.SECONDARY,
    )


def test_bad_rows_are_all_reported_in_russian_and_nothing_is_written(kaliningrad, tmp_path):
    rows = [row[:] for row in ROWS]
    rows[0][4] = "edu39xx"  # not a login
    rows[1][8] = "посёлок городского типа"  # unknown locality
    rows[2][3] = "390101"  # duplicate of row 2's code
    rows.append(["39", "01", "Балтийский городской округ", "390199", "", "", "", "", "", ""])
    with pytest.raises(ImportFailed) as failed:
        schools_import(source=write_xlsx(tmp_path / "bad.xlsx", rows))
    messages = [(p.row, p.column, p.message) for p in failed.value.problems]
    assert (
        2,
        "Логин ФИС ОКО",
        "«edu39xx» не похоже на логин ФИС ОКО (edu, код региона и четыре цифры).",
    ) in messages
    assert any(row == 3 and column == "Местность" for row, column, _ in messages)
    assert any(row == 4 and "повторяется" in message for row, _, message in messages)
    assert any(row == 5 and column == "Полное наименование" for row, column, _ in messages)
    assert all(p.sheet == "Список ОО" and p.file == "bad.xlsx" for p in failed.value.problems)
    assert School.objects.count() == 0 and Municipality.objects.count() == 0


def test_a_region_code_not_in_the_directory_is_refused(db, tmp_path):
    # 84 was the Таймырский автономный округ's code until it merged into Красноярский край.
    rows = [
        ["84", *row[1:3], "84" + row[3][2:], row[4].lower().replace("39", "84", 1), *row[5:]]
        for row in ROWS
    ]
    with pytest.raises(ImportFailed) as failed:
        schools_import(source=write_csv(tmp_path / "oo.csv", rows))
    assert "Регион с кодом 84 не найден в справочнике." in failed.value.problems[0].message
    assert School.objects.count() == 0


def test_a_real_regions_list_lands_on_a_fresh_install_without_creating_the_region(db, tmp_path):
    outcome = schools_import(source=write_csv(tmp_path / "oo.csv", ROWS))
    assert outcome.schools_created == 3
    assert {s.region.name for s in School.objects.select_related("region")} == {
        "Калининградская область"
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "старом формате Excel"),
        (b"PK\x03\x04garbage", "повреждён"),
        ("Просто текст без таблицы".encode(), "Не найдена строка заголовков"),
    ],
)
def test_files_that_are_not_school_lists_get_a_clear_message(db, tmp_path, content, expected):
    path = tmp_path / "list.xlsx"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as failed:
        schools_import(source=path)
    assert expected in failed.value.problems[0].message


def test_command_dry_run_with_json_reports_counts_and_writes_nothing(kaliningrad, tmp_path, capsys):
    path = write_xlsx(tmp_path / "oo.xlsx", ROWS)
    call_command("import_schools", str(path), "--dry-run", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and payload["dry_run"]
    assert (payload["schools_created"], payload["municipalities_created"]) == (3, 2)
    assert School.objects.count() == 0


def test_command_prints_problems_as_json_and_fails(kaliningrad, tmp_path, capsys):
    rows = [row[:] for row in ROWS]
    rows[0][5] = ""
    with pytest.raises(CommandError, match="ничего не записано"):
        call_command("import_schools", str(write_csv(tmp_path / "oo.csv", rows)), "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert payload["problems"][0]["row"] == 2
    assert payload["problems"][0]["column"] == "Полное наименование"
    assert School.objects.count() == 0


def test_admin_import_page_uses_the_same_service(client, kaliningrad, tmp_path):
    admin = f.user("root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    with open(write_xlsx(tmp_path / "oo.xlsx", ROWS), "rb") as handle:
        response = client.post("/admin/schools/school/import-list/", {"file": handle}, follow=True)
    assert response.status_code == 200
    assert "школ создано 3" in response.content.decode()
    assert School.objects.count() == 3


def test_a_municipality_code_excel_stored_as_a_number_is_the_same_municipality(
    kaliningrad, tmp_path
):
    # The first row's «03» lost its zero (a number cell); the second has it as text
    # and a non-breaking space in the name, as copied from a web page.
    rows = [list(ROWS[2]), list(ROWS[2])]
    rows[0][1] = 3
    rows[1][1:3] = ["03", "Гурьевский\u00a0муниципальный  округ"]
    rows[1][3:5] = ["390302", ""]
    result = schools_import(source=write_xlsx(tmp_path / "oo.xlsx", rows))
    assert (result.schools_created, result.municipalities_created) == (2, 1)
    municipality = Municipality.objects.get(region=kaliningrad)
    assert (municipality.code, municipality.name) == ("03", "Гурьевский муниципальный округ")


def test_a_count_row_under_the_list_is_left_out(kaliningrad, tmp_path):
    rows = [*ROWS, [], ["Всего: 3 ОО"]]
    result = schools_import(source=write_xlsx(tmp_path / "oo.xlsx", rows))
    assert (result.rows, result.schools_created) == (3, 3)
