"""The COPY text the PostgreSQL path writes (checked without a database)."""

from assessments.results.services.rows import RESULT_COLUMNS, _copy_text


def row(**changes):
    values = {
        "procedure_id": None,
        "region_id": 1,
        "municipality_id": 2,
        "school_id": 3,
        "import_batch_id": None,
        "class_name": "4а",
        "participant_code": "40001",
        "variant": "1/2",
        "scores": (1, None, 0),
        "primary_score": 1,
        "mark": None,
        "test_score": None,
        "file_mark": 3,
        "mark_mismatch": True,
        "journal_mark": 4,
        "sex": "ж",
        "person_hash": "",
        "last_name": "",
        "first_name": "",
        "patronymic": "",
        "exam_point": "",
        "room": "",
        "answers": "",
    }
    values.update(changes)
    return tuple(values[name] for name in RESULT_COLUMNS)


def test_a_pupil_row_becomes_one_tab_separated_line_with_nulls():
    text = _copy_text([row()], 9, 7, 2025)
    assert text == (
        "7\t1\t2\t3\t9\t4а\t40001\t1/2\t{1,NULL,0}\t1\t\\N\t\\N\t3\tt\t4\tж\t\t\t\t\t\t\t\t2025\n"
    )
    # RESULT_COLUMNS, then the year.
    assert text.count("\t") == len(RESULT_COLUMNS)


def test_tabs_newlines_and_backslashes_in_text_are_escaped():
    text = _copy_text(
        [row(class_name="4\tа", participant_code="a\\b", answers="+\n-", person_hash="h")],
        None,
        7,
        2025,
    )
    fields = text.rstrip("\n").split("\t")
    assert len(fields) == len(RESULT_COLUMNS) + 1
    assert fields[4] == "\\N"
    assert fields[5] == "4\\tа"
    assert fields[6] == "a\\\\b"
    assert fields[-2:] == ["+\\n-", "2025"]
