"""How the results import understands column headers: every header to a meaning by
a rule that can be named. The wordings are those of the ВПР result form in ФИС ОКО,
of regional centres' (РЦОИ) protocols and of regions' consolidated files, with the
abbreviations, line breaks, «ё», capitals and notes in brackets people type."""

import pytest

from assessments.results.importers.columns import (
    MEANINGS,
    meaning_of,
    parse_overrides,
    read_columns,
)

HEADERS = [
    # the participant
    ("Код", "participant"),
    ("КОД", "participant"),
    ("Код участника", "participant"),
    ("Код\nучастника", "participant"),
    ("Код участ-\nника", "participant"),
    ("код участника ВПР", "participant"),
    ("Номер участника", "participant"),
    ("№ участника", "participant"),
    ("Код обучающегося", "participant"),
    ("Код ученика", "participant"),
    ("ID участника", "participant"),
    ("Код работы", "participant"),
    ("Уникальный код участника (из кодировочной ведомости)", "participant"),
    # the school and the municipality
    ("Логин ОО", "school_login"),
    ("логин фис око", "school_login"),
    ("Логин ОО в ФИС ОКО", "school_login"),
    ("Логин\nшколы", "school_login"),
    ("Код ОО", "school_code"),
    ("Код ОУ", "school_code"),
    ("Код образовательного учреждения", "school_code"),
    ("Код школы (по РБД ГИА)", "school_code"),
    ("Код МО", "municipality_code"),
    ("Код АТЕ", "municipality_code"),
    ("Код муниципального района", "municipality_code"),
    ("Муниципальное образование", "municipality_name"),
    ("Район", "municipality_name"),
    ("Наименование АТЕ", "municipality_name"),
    ("Наименование ОО", "school_name"),
    ("Полное наименование образовательной организации", "school_name"),
    ("Школа", "school_name"),
    ("ОУ", "school_name"),
    # the pupil
    ("Класс", "class_name"),
    ("КЛАСС", "class_name"),
    ("Кл.", "class_name"),
    ("Класс (литера)", "class_name"),
    ("Литера класса", "class_name"),
    ("Пол", "sex"),
    ("ПОЛ (М/Ж)", "sex"),
    ("Пол обучающегося", "sex"),
    ("Вариант", "variant"),
    ("Вариант (часть 2)", "variant"),
    ("№ варианта", "variant"),
    ("Номер варианта", "variant"),
    ("Вари-\nант", "variant"),  # a word broken at the cell's edge by a typed hyphen
    ("Вари\u00adант", "variant"),  # ... or by a soft hyphen
    ("Вар.", "variant"),
    ("ФИО", "pupil_name"),
    ("Фамилия, имя участника", "pupil_name"),
    ("№ п/п", "row_number"),
    ("№", "row_number"),
    # the journal mark: a word of the school term makes it the journal's
    ("Отметка за предыдущий триместр/ четверть/полугодие", "journal_mark"),
    ("Отметка за предыдущую четверть", "journal_mark"),
    ("ОТМЕТКА ЗА ПРЕДЫДУЩЕЕ ПОЛУГОДИЕ", "journal_mark"),
    ("Отметка за\nпредыдущий\nучебный период", "journal_mark"),
    ("Отметка за II четверть", "journal_mark"),
    ("Отметка за 3 четверть", "journal_mark"),
    ("Отметка за 1 полугодие", "journal_mark"),
    ("Отметка за I триместр", "journal_mark"),
    ("Годовая отметка за прошлый год", "journal_mark"),
    ("Отметка за год", "journal_mark"),
    ("Отметка в журнале", "journal_mark"),
    ("Отметка из электронного журнала", "journal_mark"),
    ("Отм. за пред. четверть", "journal_mark"),
    ("Оценка по журналу", "journal_mark"),
    ("Четвертная", "journal_mark"),
    ("Отметка за четверть (журнальная)", "journal_mark"),
    ("Отметка за прошлый учебный период", "journal_mark"),
    ("Текущая отметка по предмету", "journal_mark"),
    # the test's own mark
    ("Отметка", "file_mark"),
    ("ОТМЕТКА", "file_mark"),
    ("Отметка за работу", "file_mark"),
    ("Отметка по шкале", "file_mark"),
    ("Отм. по шкале", "file_mark"),
    ("Оценка", "file_mark"),
    ("Отметка за ВПР", "file_mark"),
    ("Отметка (5-балльная шкала)", "file_mark"),
    ("Отметка по ВПР (учтённая)", "file_mark"),
    ("Итоговая отметка за работу", "file_mark"),
    # the total
    ("Итого баллов", "total"),
    ("Итого", "total"),
    ("Сумма баллов", "total"),
    ("Сумма баллов (перв.)", "total"),
    ("Первичный балл", "total"),
    ("Первичный\nбалл", "total"),
    ("Сумма первичных баллов", "total"),
    ("Общий балл", "total"),
    ("Балл", "total"),
    ("Баллы", "total"),
    ("Всего баллов", "total"),
    ("Итоговый первичный балл", "total"),
    ("Набранный балл", "total"),
    ("Тестовый балл", "test_score"),
    ("Балл по 100-балльной шкале", "test_score"),
    # what the procedure is
    ("Процедура", "instrument"),
    ("Оценочная процедура", "instrument"),
    ("Предмет", "subject"),
    ("Учебный предмет", "subject"),
    ("Параллель", "grade"),
    ("Год", "year"),
    ("Год проведения", "year"),
    ("Период проведения", "season"),
    # tasks: the number and the maximum in brackets
    ("1 (1б)", "task"),
    ("5.1 (1б)", "task"),
    ("11.3 k1 (2б)", "task"),
    ("Задание 3 (2 балла)", "task"),
    ("12(2б)", "task"),
    # not understood: shown as such, never guessed
    ("Примечание", ""),
    ("Дата рождения", ""),
]


def test_the_table_covers_at_least_sixty_wordings():
    assert len(HEADERS) >= 60
    assert {m for _h, m in HEADERS} - {"", "task"} <= set(MEANINGS)


@pytest.mark.parametrize(("header", "meaning"), HEADERS, ids=[h for h, _m in HEADERS])
def test_a_header_is_read_for_what_it_is_by_a_named_rule(header, meaning):
    reading = read_columns([header])
    [entry] = reading.report
    assert entry["header"] == header
    assert entry["meaning"] == meaning
    assert bool(entry["rule"]) == bool(meaning)
    assert reading.unknown == ([] if meaning else [header])
    assert not reading.problems


@pytest.mark.parametrize(
    "header",
    [
        "Отметка за предыдущий период",
        "Отметка за четверть",
        "Оценка за триместр",
        "Отметка за полугодие",
        "Годовая отметка",
        "Отметка по журналу",
        "Отметка (предыдущая)",
        "Отметка (за 2 четверть)",
        "Отметка\n(журнал)",
    ],
)
def test_a_mark_carrying_a_word_of_the_term_is_never_the_tests_mark(header):
    assert meaning_of(header)[0] == "journal_mark"
    reading = read_columns(["Код", "1 (1б)", header])
    assert "file_mark" not in reading.columns
    assert reading.columns["journal_mark"] == 2


def test_a_header_two_meanings_claim_is_a_problem_not_a_guess():
    reading = read_columns(["Код", "Класс, вариант", "1 (1б)"])
    assert "class_name" not in reading.columns and reading.variants == []
    [(index, message)] = reading.problems
    assert index == 1
    assert "«класс»" in message and "«вариант»" in message


def test_two_headers_of_one_meaning_are_a_problem_naming_both():
    reading = read_columns(["Код", "Итого", "Сумма баллов", "1 (1б)"])
    [(index, message)] = reading.problems
    assert index == 2
    assert "«Итого»" in message and "«Сумма баллов»" in message


def test_an_override_wins_over_the_rules_and_displaces_their_guess():
    overrides, problems = parse_overrides(["Отметка=journal_mark", "Примечание = ignore"])
    assert not problems
    header = ["Код", "1 (1б)", "Отметка", "Отметка за четверть", "Примечание"]
    reading = read_columns(header, overrides)
    assert reading.columns["journal_mark"] == 2
    assert "file_mark" not in reading.columns
    assert reading.report[2] == {"header": "Отметка", "meaning": "journal_mark", "rule": "override"}
    assert reading.report[3]["meaning"] == "ignore"
    assert reading.unknown == [] and not reading.problems


def test_an_override_may_name_the_meaning_in_russian():
    overrides, problems = parse_overrides({"ОТМЕТКА": "отметка за работу"})
    assert overrides == {"отметка": "file_mark"} and not problems


@pytest.mark.parametrize("pair", ["Отметка=оценочка", "Отметка"])
def test_an_override_that_cannot_be_read_is_refused_in_russian(pair):
    _overrides, problems = parse_overrides([pair])
    assert problems and all(any("а" <= c <= "я" for c in p) for p in problems)


def test_a_task_column_cannot_be_given_another_meaning():
    overrides, _problems = parse_overrides(["1 (1б)=ignore"])
    reading = read_columns(["Код", "1 (1б)"], overrides)
    assert reading.report[1] == {"header": "1 (1б)", "meaning": "task", "rule": "task"}
    [(index, message)] = reading.problems
    assert index == 1 and "столбец задания" in message
