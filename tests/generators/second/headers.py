"""Column headers of consolidated result files, as ФИС ОКО forms, РЦОИ protocols and
regional consolidated files write them, by meaning.

Each variant is (header, where it is seen). A file's layout picks one variant for
each meaning; "canonical" is the wording the product's importer read before
issue #13, the others are what regions actually send.
"""

from __future__ import annotations

# meaning → [(header, source)]
VARIANTS: dict[str, list[tuple[str, str]]] = {
    "school_login": [
        ("Логин ФИС ОКО", "canonical"),
        ("Логин ОО", "fis"),
        ("Логин", "fis"),
        ("Логин\nОО", "regional"),
        ("ЛОГИН ОО (ФИС ОКО)", "regional"),
    ],
    "school_code": [
        ("Код ОО", "rcoi"),
        ("Код ОО (по РБД)", "rcoi"),
        ("Код образовательной организации", "regional"),
        ("Код\nшколы", "regional"),
    ],
    "municipality": [
        ("Код МО", "rcoi"),
        ("Муниципалитет", "regional"),
        ("Наименование МО", "regional"),
    ],
    "school_name": [
        ("Наименование ОО", "regional"),
        ("ОО", "rcoi"),
        ("Краткое наименование ОО", "regional"),
    ],
    "class": [
        ("Класс", "canonical"),
        ('Класс № (список формируется из листа "Классы")', "fis"),
        ("Класс (буква)", "regional"),
        ("Кл.", "regional"),
    ],
    "sex": [
        ("Пол", "canonical"),
        ("Пол (м/ж)", "regional"),
        ("Пол участника", "rcoi"),
    ],
    "participant": [
        ("Код участника", "canonical"),
        ("Код", "fis"),
        ("Код участника ВПР", "regional"),
        ("Код\nучастника", "regional"),
        ("Номер участника", "rcoi"),
    ],
    "variant": [
        ("Вариант", "canonical"),
        ("Вариант (часть 1)", "fis"),
        ("№ варианта", "rcoi"),
        ("Вар.", "regional"),
    ],
    "journal_mark": [
        ("Отметка за предыдущий триместр/ четверть/полугодие", "fis"),
        ("Отметка за предыдущий триместр", "canonical"),
        ("Отметка за предыдущее полугодие", "regional"),
        ("Отметка за предыдущую четверть", "regional"),
        ("Отм. за четверть", "regional"),
        ("Отметка за четверть (по журналу)", "rcoi"),
        ("Отметка по журналу", "regional"),
        ("Четвертная отметка", "rcoi"),
        ("Отметка за\nпредыдущий\nучебный период", "regional"),
        ("ОТМЕТКА ЗА ТРИМЕСТР", "regional"),
        ("Оценка за четверть", "regional"),
        ("Отметка в электронном журнале (четверть, триместр)", "regional"),
        ("Годовая/четвертная отметка (предыдущий период)", "regional"),
    ],
    "total": [
        ("Итого баллов", "canonical"),
        ("Итого", "fis"),
        ("Сумма первичных баллов", "regional"),
        ("Первичный балл", "rcoi"),
        ("Сумма баллов", "regional"),
        ("Итоговый балл", "regional"),
        ("Всего баллов", "regional"),
        ("Итого\nбаллов (первичный)", "regional"),
        ("Набранный первичный балл", "rcoi"),
    ],
    "mark": [
        ("Отметка", "canonical"),
        ("Отметка за работу", "regional"),
        ("Отметка по пятибалльной шкале", "rcoi"),
        ("Отметка (по шкале ФИОКО)", "regional"),
        ("Оценка", "regional"),
        ("Отметка за ВПР", "regional"),
        ("Отметка по ВПР (учтённая)", "regional"),
        ("Отм. по шкале", "regional"),
    ],
}

# How each layout names its columns (first choices; "mixed" draws from VARIANTS).
LAYOUTS: dict[str, dict[str, str]] = {
    "canonical": {
        "school_login": "Логин ФИС ОКО",
        "class": "Класс",
        "participant": "Код участника",
        "variant": "Вариант",
        "sex": "Пол",
        "journal_mark": "Отметка за предыдущий триместр",
        "total": "Итого баллов",
        "mark": "Отметка",
    },
    # The federal result form (one sheet a school), gathered into one file with the
    # login; like the form it has no column for the test's mark (ФИС ОКО derives it).
    "fis": {
        "school_login": "Логин ОО",
        "participant": "Код",
        "variant": "Вариант (часть 1)",
        "class": 'Класс № (список формируется из листа "Классы")',
        "sex": "Пол",
        "journal_mark": "Отметка за предыдущий триместр/ четверть/полугодие",
        "total": "Итого баллов",
    },
    # A regional centre's protocol: codes of the municipality and the school.
    "rcoi": {
        "municipality": "Код МО",
        "school_code": "Код ОО",
        "class": "Класс",
        "participant": "Код участника",
        "sex": "Пол участника",
        "variant": "№ варианта",
        "total": "Первичный балл",
        "mark": "Отметка по пятибалльной шкале",
        "journal_mark": "Отметка за четверть (по журналу)",
    },
    # A region's own consolidated file: names, line breaks, notes in brackets.
    "regional": {
        "municipality": "Муниципалитет",
        "school_name": "Наименование ОО",
        "school_login": "Логин\nОО",
        "class": "Класс (буква)",
        "participant": "Код участника ВПР",
        "sex": "Пол (м/ж)",
        "variant": "Вар.",
        "journal_mark": "Отметка за предыдущее полугодие",
        "total": "Сумма первичных баллов",
        "mark": "Отметка (по шкале ФИОКО)",
    },
}
# Task columns: the maximum in brackets, as each source writes it.
TASK_STYLES = {
    "canonical": lambda number, m: f"{number} ({m}б)",
    "fis": lambda number, m: f"{number} ({m}б)",
    "rcoi": lambda number, m: f"Задание {number} ({m} {_points(m)})",
    "regional": lambda number, m: f"{number}({m}б)".replace("k", "К"),
}
NOT_ATTEMPTED = {"canonical": "x", "fis": "x", "rcoi": "X", "regional": "х"}  # the last Cyrillic
SEX = {"canonical": "мж", "fis": "мж", "rcoi": "МЖ", "regional": "мж"}


def _points(m: int) -> str:
    return "балл" if m == 1 else "балла" if m < 5 else "баллов"


def column_order(layout: dict[str, str]) -> list[str]:
    """Meanings in the order the file shows them; "tasks" stands for the task columns."""
    ids = ["municipality", "school_name", "school_login", "school_code"]
    if layout.get("participant") == "Код":  # the federal form's order
        rest = ["participant", "variant", "tasks", "class", "sex", "journal_mark", "total", "mark"]
    else:
        rest = ["class", "participant", "sex", "variant", "tasks", "total", "mark", "journal_mark"]
    return [m for m in ids + rest if m in layout or m == "tasks"]


def mixed_layout(rng) -> tuple[dict[str, str], str]:
    """A layout drawn at random from every variant, and the task style."""
    layout = {}
    identity = "school_login" if rng.random() < 0.5 else "school_code"
    for meaning, variants in VARIANTS.items():
        if meaning in ("school_login", "school_code") and meaning != identity:
            continue
        if meaning in ("municipality", "school_name", "mark") and rng.random() < 0.5:
            continue  # many files carry no names, and the federal form no test mark
        layout[meaning] = variants[int(rng.integers(len(variants)))][0]
    return layout, str(rng.choice(list(TASK_STYLES)))
