"""Pupil tables read by column (importers/columnar.py) give what the row reader
(importers/pupils.py) gives: the same rows, warnings and counts, the same result
tuples; a file with a row to name goes to the row reader, whose messages stand."""

import dataclasses
import io
from pathlib import Path

import openpyxl
import pytest

from assessments.results.importers import parse_results
from assessments.results.importers.columnar import parse_pupil_columns
from assessments.results.importers.common import PupilTable
from assessments.results.importers.pupils import parse_pupil_sheets
from assessments.results.models import Instrument, Procedure, Scale, Subject
from assessments.results.services.imports import results_import
from assessments.results.services.rows import ImportOutcome, _result_rows
from infra.files import ColumnSheet, read_table
from infra.problems import ImportFailed

FORM = "tests/data/vpr-result-form-example.xlsx"
HEADER = (
    "Логин ФИС ОКО;Класс;Код участника;Вариант;1 (1б);2 (2б);3 (1б);Пол;Итого баллов;"
    "Отметка за предыдущую четверть;Отметка\n"
)
# Not attempted in four spellings, an absent pupil, a total that is not the sum, sex
# and marks as people write them, spaces around cells, an empty row, a numbered class.
PLAIN = HEADER + (
    "edu770001;5а;1001;1;1;2;х;ж;3;4;4\n"
    " 770002 ;5б;1001;2;0;0;X;м.;1;3;2\n"
    "EDU770101;5в;7;1;1;1;1;М;3;н/а;\n"
    "edu770001;5а;1002;отсутствовал;;;;ж;;;\n"
    ";;;;;;;;;;\n"
    "edu770001;2;1003;2;x;Х;0;жен;0;5;3\n"
)


def write(tmp_path, text, name="svod.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def fields(parsed):
    values = dataclasses.asdict(dataclasses.replace(parsed, rows=[]))
    values["rows"] = [dataclasses.astuple(r) for r in parsed.rows]
    return values


def both_ways(path):
    """(columnar ParsedFile or None, row-reader ParsedFile) of one file."""
    columnar = parse_pupil_columns(read_table(path, columnar=True), path.name, _kind(path))
    rows = parse_pupil_sheets(read_table(path), path.name, _kind(path))
    return columnar, rows


def _kind(path):
    return "vpr_form" if path.suffix == ".xlsx" else "consolidated"


def test_a_plain_csv_is_read_by_column_into_the_same_rows_and_warnings(tmp_path):
    path = write(tmp_path, PLAIN)
    columnar, rows = both_ways(path)
    assert isinstance(columnar.rows, PupilTable)
    assert fields(columnar) == fields(rows)
    assert columnar.absent == 1 and columnar.total_mismatches == 1
    assert [r.row for r in columnar.rows] == [2, 3, 4, 7]
    assert columnar.rows[1].scores == (0, 0, None) and columnar.rows[1].sex == "м"


def test_a_windows_1251_csv_with_a_bom_less_header_reads_alike(tmp_path):
    path = write(tmp_path, PLAIN, encoding="cp1251")
    columnar, rows = both_ways(path)
    assert isinstance(columnar.rows, PupilTable)
    assert fields(columnar) == fields(rows)


def test_the_real_form_with_its_second_layout_is_read_by_column(tmp_path):
    path = tmp_path / "form.xlsx"
    path.write_bytes(Path(FORM).read_bytes())
    columnar, rows = both_ways(path)
    assert isinstance(columnar.rows, PupilTable)
    assert fields(columnar) == fields(rows)
    assert len(columnar.rows) == 18 and columnar.absent == 2
    assert any(w.sheet == "Протокол_2" for w in columnar.warnings)
    # Its classes are numbers into a «Классы» sheet the file does not have: told, on
    # both paths (the warnings are equal above).
    assert any("«Классы»" in w.message for w in columnar.warnings)


def test_column_sheets_hold_the_rows_the_row_reader_gives(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["a", " b ", None, 1.0], [None, "", 2.5, True], [], ["x", None, None, None]):
        sheet.append(row)
    xlsx = tmp_path / "book.xlsx"
    book.save(xlsx)
    ragged = write(tmp_path, "Заголовок\n\na;b\n", name="ragged.csv")
    quoted = write(tmp_path, 'a;b;c\r\n"1;2";" x ";"строка\nвторая"\r\n"";"""q""";\r\n', "q.csv")
    bom = write(tmp_path, "\ufeff" + PLAIN, name="bom.csv")
    for path in (xlsx, write(tmp_path, PLAIN), ragged, quoted, bom):
        columnar, plain = read_table(path, columnar=True), read_table(path)
        assert [s.rows for s in columnar] == [s.rows for s in plain]
        assert [s.head(2) for s in columnar] == [s.rows[:2] for s in plain]
    assert isinstance(read_table(xlsx, columnar=True)[0], ColumnSheet)
    assert isinstance(read_table(quoted, columnar=True)[0], ColumnSheet)
    assert read_table(quoted, columnar=True)[0].rows[1] == ["1;2", "x", "строка\nвторая"]
    assert not isinstance(read_table(ragged, columnar=True)[0], ColumnSheet)


@pytest.mark.parametrize(
    "line",
    [
        "edu770001;5а;1004;1;1;5;0;ж;6;;\n",  # a score over its maximum
        "edu770001;5а;1004;1;1;;0;ж;2;;\n",  # a score missing
        "edu770001;5а;;1;1;1;0;ж;2;;\n",  # no participant code
        ";5а;1004;1;1;1;0;ж;2;;\n",  # no school
        "edu770001;5а;1004;1;1;1;0;q;2;;\n",  # sex not understood
        "edu770001;5а;1004;1;1;1;0;ж;2;7;\n",  # a journal mark out of range
        "edu770001;5а;1001;1;1;1;0;ж;2;;\n",  # a repeated code
        "edu770001;5а;;;;;;;;;\n",  # a row without any score
    ],
)
def test_a_row_to_name_sends_the_file_to_the_row_reader(tmp_path, line):
    path = write(tmp_path, PLAIN + line)
    columnar, rows = both_ways(path)
    assert columnar is None
    parsed = parse_results(read_table(path, columnar=True), path.name)
    assert not isinstance(parsed.rows, PupilTable)
    assert fields(parsed) == fields(rows)
    assert parsed.problems or parsed.warnings[-1].row == 8


def test_the_result_tuples_built_by_column_are_those_of_the_row_loop(world, tmp_path):
    Scale.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        year=2025,
        grade=5,
        subject=Subject.RUSSIAN,
        max_score=4,
        ranges=[[0, 1, 2], [2, 2, 3], [3, 3, 4], [4, 4, 5]],
    )
    procedure = Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.RUSSIAN, grade=5, year=2025
    )
    columnar, rows = both_ways(write(tmp_path, PLAIN))
    schools = {"edu770001": world.school_a1, "770002": world.school_a2}
    schools["EDU770101"] = world.school_b1
    built = []
    for parsed in (columnar, rows):
        outcome = ImportOutcome(file=parsed.file)
        built.append((_result_rows(parsed, procedure, schools, outcome), outcome.warnings))
    assert built[0] == built[1]
    assert [row[13] for row in built[0][0]] == [False, False, False, True]  # 3 against 2


def test_an_import_by_column_refuses_a_repeated_code_of_two_spellings_of_a_school(world, tmp_path):
    path = write(tmp_path, HEADER + "edu770001;5а;1;1;1;2;0;ж;3;;\n770001;5а;1;1;0;2;0;ж;2;;\n")
    procedure = Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.RUSSIAN, grade=5, year=2025
    )
    assert isinstance(parse_results(read_table(path, columnar=True), "x").rows, PupilTable)
    with pytest.raises(ImportFailed) as failed:
        results_import(source=io.BytesIO(path.read_bytes()), filename="x.csv", procedure=procedure)
    assert [p.row for p in failed.value.problems] == [3]
    assert "повторяется" in failed.value.problems[0].message
