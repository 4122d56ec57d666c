"""Import of roadmap documents: text pasted from a PDF, DOCX and XLSX, parsed
into sections and measures with nothing lost, plus the order's header."""

import io
import json
import re
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.problems import ImportFailed
from roadmaps.deadlines import Schedule
from roadmaps.importers import parse_roadmap_document, parse_roadmap_text
from tests.roadmaps.docbuild import Seed, pasted_docx, pasted_xlsx, seed_docx, seed_xlsx

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
BALTIYSK = SEEDS / "baltiysk-2023-order-1081.txt"
KRASNOTURANSK = SEEDS / "krasnoturansk-2020-order-26.txt"
SPB = SEEDS / "spb-kirovsky-2019-roadmap.txt"
ALL_SEEDS = [BALTIYSK, KRASNOTURANSK, SPB]

# Counted by hand in the seed files: (section number, title, measures in it).
EXPECTED_SECTIONS = {
    BALTIYSK: [
        ("", "Организационные мероприятия", 5),
        ("2", "Организационно – методические мероприятия", 18),
    ],
    KRASNOTURANSK: [("", "", 16)],
    SPB: [
        (
            "",
            "Нормативно-правовое обеспечение развития районной системы оценки качества образования",
            3,
        ),
        ("", "Система оценки качества подготовки обучающихся", 14),
        ("", "Система обеспечения объективности процедур оценки качества образования", 6),
        (
            "",
            "Система мониторинга эффективности деятельности руководителей образовательных организаций региона",
            3,
        ),
        ("", "Система мониторинга качества повышения квалификации педагогов", 3),
        ("", "Система методической работы", 4),
        ("", "Система работы со школами с низкими образовательными результатами", 3),
        ("", "Система развития таланта", 9),
        ("", "Система профориентации", 3),
    ],
}
EXPECTED_MEASURES = {BALTIYSK: 23, KRASNOTURANSK: 16, SPB: 48}


def parse_seed(path: Path):
    return parse_roadmap_document(path.read_bytes(), path.name)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def seed_table_words(path: Path) -> Counter:
    """Every word of every cell of the seed's table, below its header row."""
    lines = path.read_text(encoding="utf-8").split("\n")
    tab_lines = [i for i, line in enumerate(lines) if "\t" in line]
    found: Counter = Counter()
    for line in lines[tab_lines[0] + 1 : tab_lines[-1] + 1]:
        found.update(words(re.sub(r"<[^>]+>", " ", line.replace("**", ""))))
    return found


def parsed_table_words(parsed) -> Counter:
    found: Counter = Counter()
    for section in parsed.iter_sections():
        found.update(words(f"{section.number} {section.title}"))
    for m in parsed.iter_measures():
        for text in (
            m.number, m.text, m.participants, m.deadline_text, m.responsible_text,
            m.result, m.document, *m.extra.values(),
        ):  # fmt: skip
            found.update(words(text))
    return found


def outline(parsed) -> list[tuple]:
    """What must be the same whatever the format: sections and their measures."""
    return [
        (
            s.number,
            s.title,
            [
                (
                    m.number,
                    m.text,
                    m.deadline_text,
                    m.responsible_text,
                    m.result,
                    m.participants,
                    m.document,
                )
                for m in s.measures
            ],
        )  # fmt: skip
        for s in parsed.iter_sections()
    ]


# --- text pasted from a PDF ---------------------------------------------------


@pytest.mark.parametrize("path", ALL_SEEDS, ids=lambda p: p.stem)
def test_each_seed_parses_into_its_sections_and_measures(path):
    parsed = parse_seed(path)
    assert parsed.source_format == "text"
    sections = [(s.number, s.title, len(s.measures)) for s in parsed.iter_sections()]
    assert sections == EXPECTED_SECTIONS[path]
    assert len(list(parsed.iter_measures())) == EXPECTED_MEASURES[path]


@pytest.mark.parametrize("path", ALL_SEEDS, ids=lambda p: p.stem)
def test_no_word_of_the_seed_table_is_lost(path):
    missing = seed_table_words(path) - parsed_table_words(parse_seed(path))
    assert not missing, missing


def test_baltiysk_rows_broken_by_a_page_break_are_joined_back():
    measures = {m.number: m for m in parse_seed(BALTIYSK).iter_measures()}
    assert measures["1.5."].result == (
        "Соблюдение всех положений и регламентов, приведенных в описании оценочной процедуры"
    )
    assert measures["1.5."].responsible_text == "Управление образования методический кабинет ОО"
    assert measures["1.5."].deadline_text == "В течение года"
    assert measures["2.10"].result == (
        "Повышение заинтересованности ОО в использовании объективных результатов "
        "муниципальных, региональных и федеральных оценочных процедур"
    )


def test_baltiysk_cells_pasted_as_paragraph_fragments_are_spread_over_their_columns():
    measures = {m.number: m for m in parse_seed(BALTIYSK).iter_measures()}
    m = measures["2.4."]
    assert m.text == "Анализ результатов независимых оценочных процедур"
    assert m.deadline_text == "в соответствии с графиком"
    assert m.responsible_text == "Управление образования методический кабинет ОО"
    assert m.result == (
        "Определение уровня образовательных достижений обучающихся, «проблемных» тем и "
        "учебных действий"
    )


def test_joined_rows_are_reported_in_the_warnings():
    warnings = parse_seed(BALTIYSK).warnings
    assert any("Строки 55, 57 и 58 объединены в одно мероприятие № 1.5." in w for w in warnings)
    assert any("Строки 70 и 72 объединены в одно мероприятие № 2.10" in w for w in warnings)


def test_a_measure_without_a_deadline_is_warned_about():
    parsed = parse_seed(SPB)
    third = next(m for m in parsed.iter_measures() if m.number == "3.")
    assert third.deadline_text == ""
    assert third.responsible_text == "ОУ"
    assert any("Мероприятие № 3." in w and "не указан срок" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("path", "number", "deadline", "responsible"),
    [
        (
            KRASNOTURANSK,
            "3.",
            "Регулярно в течение планового периода",
            "Отдел образования, РМО, ОУ, ШМО",
        ),
        (KRASNOTURANSK, "15.", "Сентябрь-декабрь", "Отдел образования, ОУ"),
        (SPB, "12.", "в соответствии с графиком проведения ВПР", "ОУ"),
        (SPB, "37.", "2019", "ИМЦ ДДЮТ ЦДЮТТ"),
        (BALTIYSK, "2.14", "ежегодно май", "Управление образования Методический кабинет ОО"),
        (BALTIYSK, "2.17", "Сентябрь", "Школьный координатор ВПР, учителя-предметники, ШМО"),
    ],
)
def test_deadline_and_responsible_are_kept_as_written(path, number, deadline, responsible):
    measure = next(m for m in parse_seed(path).iter_measures() if m.number == number)
    assert (measure.deadline_text, measure.responsible_text) == (deadline, responsible)


def test_the_baltiysk_order_header_is_read():
    parsed = parse_seed(BALTIYSK)
    order = parsed.order
    assert order.number == "1081"
    assert order.date == date(2023, 12, 29)
    assert order.place == "г. Балтийск"
    assert order.title.startswith("Об утверждении плана мероприятий (Дорожная карта)")
    assert order.title.endswith("в образовательных организациях Балтийского городского округа")
    assert "**" not in order.title
    assert order.preamble.startswith("В соответствии с Федеральным законом от 29.12.2012")
    assert [item.split(".")[0] for item in order.items] == ["1", "2", "3", "4", "5", "6"]
    assert "- Нечаеву Ирину Александровну" in order.items[1]
    assert order.signatory == "О.И. Матасова"
    assert order.signatory_position == (
        "Заместитель главы администрации – начальник Управления образования администрации БГО"
    )
    assert parsed.title.startswith("План мероприятий (Дорожная карта) по обеспечению")
    # No year in the titles: the school year of the order's date.
    assert (parsed.period_start, parsed.period_end) == (date(2023, 9, 1), date(2024, 8, 31))


def test_the_krasnoturansk_order_header_is_read():
    parsed = parse_seed(KRASNOTURANSK)
    order = parsed.order
    assert order.body == "ОТДЕЛ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ КРАСНОТУРАНСКОГО РАЙОНА"
    assert (order.number, order.date) == ("26", date(2020, 3, 12))
    assert order.title == (
        "Об утверждении плана мероприятий по обеспечению объективности проведения оценочных "
        "процедур в общеобразовательных организациях Краснотуранского района на 2020 год"
    )
    assert order.preamble.startswith("С целью повышения объективности")
    assert len(order.items) == 8 and order.items[2].startswith("2.1. проанализировать")
    assert order.signatory == "О.Н.Тарасова"
    assert order.signatory_position == "Начальник отдела образования"
    assert parsed.title == (
        "План мероприятий по обеспечению объективности проведения оценочных процедур "
        "в общеобразовательных учреждениях Краснотуранского района на 2020 год"
    )
    assert (parsed.period_start, parsed.period_end) == (date(2020, 1, 1), date(2020, 12, 31))


def test_the_spb_plan_keeps_its_approvals_preamble_and_closing_text():
    parsed = parse_seed(SPB)
    assert parsed.title == (
        "Дорожная карта по развитию районной системы оценки качества образования "
        "Кировского района Санкт-Петербурга на 2019-2020 годы"
    )
    assert (parsed.period_start, parsed.period_end) == (date(2019, 1, 1), date(2020, 12, 31))
    assert [(a.label, a.name) for a in parsed.approvals] == [
        ("Утверждено", "Ю.В.Ступак"),
        ("Согласовано", "С.А.Ларченко"),
    ]
    assert parsed.order.signatory == "Ю.В.Ступак"
    assert parsed.preamble.startswith("Пояснительная записка")
    assert "- развитие системы профориентации." in parsed.preamble
    assert parsed.preamble.rstrip().endswith(
        "системы дополнительного профессионального образования."
    )
    assert parsed.closing == (
        "В соответствии с результатами реализации данной Дорожной карты в нее могут быть "
        "внесены изменения."
    )


# --- tables people write ------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("№ п/п\tМероприятие (содержание деятельности)\tСроки исполнения\tОтветственный\tРезультат",
         {"number", "measure", "deadline", "responsible", "result"}),
        ("№\tНаименование мероприятия\tСрок исполнения\tИсполнители",
         {"number", "measure", "deadline", "responsible"}),
        ("№\tСодержание работы\tСроки\tОтветственные\tФорма отчетности",
         {"number", "measure", "deadline", "responsible", "document"}),
        ("№\tСодержание деятельности\tУчастники\tСрок\tОтветственные исполнители\tОжидаемый результат\tФормат документа",
         {"number", "measure", "participants", "deadline", "responsible", "result", "document"}),
        ("№\tНаправления деятельности\tСроки реализации\tОтветственные за исполнение\tПланируемые результаты",
         {"number", "measure", "deadline", "responsible", "result"}),
        ("Мероприятие\tСроки\tОтветственный\tПодтверждающий документ",
         {"measure", "deadline", "responsible", "document"}),
    ],
 ids=lambda v: v.split("\t")[1] if isinstance(v, str) else "")  # fmt: skip
def test_columns_are_recognised_by_the_headers_people_write(header, expected):
    number = "1.\t" if header.startswith("№") else ""
    text = header + "\n" + number + "Проведение совещания\tмай\tОО\tПротокол\tx\ty\n"
    parsed = parse_roadmap_text(text)
    assert set(parsed.columns) == expected
    assert list(parsed.iter_measures())[0].text == "Проведение совещания"


def test_numbered_headings_nest_and_measures_go_into_the_deepest_one():
    text = "\n".join(
        [
            "№\tСодержание работы\tСроки\tОтветственные",
            "1. Результаты обучения\t\t\t",
            "1.1.\tДостижение минимального уровня подготовки\t\t",
            "1.1.1.\tДиагностика\tсентябрь\tОО",
            "1.2.\tВысокий уровень\t\t",
            "1.2.1.\tОлимпиады\tоктябрь\tИМЦ",
            "2.\tКадры\t\t",
            "2.1.\tКурсы\tноябрь\tИМЦ",
        ]
    )
    parsed = parse_roadmap_text(text)
    [first, second] = parsed.sections
    assert (first.number, first.title) == ("1", "Результаты обучения")
    assert [(s.number, s.title) for s in first.sections] == [
        ("1.1", "Достижение минимального уровня подготовки"),
        ("1.2", "Высокий уровень"),
    ]
    assert [m.text for m in first.sections[1].measures] == ["Олимпиады"]
    assert (second.number, [m.number for m in second.measures]) == ("2", ["2.1."])


def test_an_unknown_column_is_kept_and_warned_about():
    text = "№\tМероприятие\tСроки\tОтветственный\tПоказатель\n1.\tСеминар\tмай\tИМЦ\tне менее 70% учителей\n"
    parsed = parse_roadmap_text(text)
    measure = next(parsed.iter_measures())
    assert measure.extra == {"Показатель": "не менее 70% учителей"}
    assert any("Столбец «Показатель» не распознан" in w for w in parsed.warnings)


def test_duplicate_numbers_and_missing_responsible_are_warned_about():
    text = "№\tМероприятие\tСроки\tОтветственный\n1.\tСеминар\tмай\tИМЦ\n1.\tКонкурс\tиюнь\t\n"
    warnings = parse_roadmap_text(text).warnings
    assert any("Номер мероприятия 1. повторяется (строки 2 и 3)" in w for w in warnings)
    assert any("Мероприятие № 1. (строка 3): не указан ответственный" in w for w in warnings)


# --- bad input ----------------------------------------------------------------


def _odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "старом формате"),
        (b"PK\x03\x04garbage", "повреждён"),
        ("Просто письмо без таблицы.\nС уважением.".encode(), "не найдена таблица мероприятий"),
        (b"\x00\x01\x02binary", "не является документом"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "повреждён или не является документом PDF"),
        (b"{\\rtf1\\ansi\\deff0 ...}", "документ RTF"),
        (_odt(), "OpenDocument"),
    ],
)
def test_bad_files_are_refused_with_a_russian_message_naming_the_file(data, message):
    with pytest.raises(ImportFailed) as failure:
        parse_roadmap_document(data, "plan.docx")
    [problem] = failure.value.problems
    assert message in problem.message
    assert problem.file == "plan.docx" and "plan.docx" in problem.message


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8-sig", "utf-16"])
def test_text_in_the_encodings_windows_saves_is_read(encoding):
    text = "№\tМероприятие\tСроки\tОтветственный\n1.\tСеминар\tмай\tИМЦ\n"
    parsed = parse_roadmap_document(text.encode(encoding), "plan.txt")
    assert next(parsed.iter_measures()).text == "Семинар"


# --- the JSON the command prints -----------------------------------------------


def test_json_has_the_shape_scripts_rely_on():
    def fake_deadline(text, *, period_start, period_end, plan_start=None):
        assert (period_start, period_end) == (date(2020, 1, 1), date(2020, 12, 31))
        if text == "Сентябрь-декабрь":
            return Schedule(text, "month_range", (date(2020, 9, 30), date(2020, 12, 31)))
        return Schedule(text, "unparsed")

    parsed = parse_seed(KRASNOTURANSK)
    data = json.loads(
        json.dumps(
            parsed.as_json(
                parse_deadline=fake_deadline,
                match_responsible=lambda text: ["body:1"] if "Отдел образования" in text else [],
            )
        )
    )
    assert set(data) == {"order", "sections", "warnings"}
    assert data["order"] == {
        "body": "ОТДЕЛ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ КРАСНОТУРАНСКОГО РАЙОНА",
        "number": "26",
        "date": "2020-03-12",
        "place": "",
        "title": parsed.order.title,
        "signatory": "О.Н.Тарасова",
    }
    [section] = data["sections"]
    assert set(section) == {"number", "title", "sections", "measures"}
    measure = section["measures"][14]
    assert set(measure) == {
        "number", "text", "participants", "result", "document", "deadline", "responsible",
    }  # fmt: skip
    assert measure["number"] == "15."
    assert measure["deadline"] == {
        "text": "Сентябрь-декабрь",
        "kind": "month_range",
        "dates": ["2020-09-30", "2020-12-31"],
    }
    assert measure["responsible"] == {"text": "Отдел образования, ОУ", "matched": ["body:1"]}


def test_json_marks_deadlines_unparsed_while_the_parser_is_missing():
    def missing(text, *, period_start, period_end, plan_start=None):
        raise NotImplementedError

    data = parse_seed(SPB).as_json(parse_deadline=missing)
    first = data["sections"][0]["measures"][0]
    assert first["deadline"] == {"text": "август 2019", "kind": "unparsed", "dates": []}
    assert first["responsible"] == {"text": "ОО", "matched": []}


# --- the same seeds as Word and Excel files -------------------------------------


@pytest.mark.parametrize("path", ALL_SEEDS, ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_each_seed_parses_the_same_from_docx_and_xlsx(path, kind):
    build = seed_docx if kind == "docx" else seed_xlsx
    from_text = parse_seed(path)
    parsed = parse_roadmap_document(build(path), f"{path.stem}.{kind}")
    assert parsed.source_format == kind
    assert outline(parsed) == outline(from_text)
    assert len(list(parsed.iter_measures())) == EXPECTED_MEASURES[path]
    assert not seed_table_words(path) - parsed_table_words(parsed)
    assert parsed.order == from_text.order
    assert (parsed.title, parsed.period_start, parsed.period_end, parsed.closing) == (
        from_text.title,
        from_text.period_start,
        from_text.period_end,
        from_text.closing,
    )
    assert parsed.preamble.split() == from_text.preamble.split()


@pytest.mark.parametrize("path", ALL_SEEDS, ids=lambda p: p.stem)
def test_a_word_row_split_by_a_page_break_is_joined_and_reported(path):
    seed = Seed(path)
    split = seed.split_measure()
    parsed = parse_roadmap_document(seed_docx(path), "plan.docx")
    joined = next(m for m in parsed.iter_measures() if m.number == split.number)
    assert joined.text == split.text
    assert joined.result == split.result
    row = joined.source_row
    assert f"Строки {row} и {row + 1} объединены в одно мероприятие № {split.number}" in " ".join(
        parsed.warnings
    )


def _rezip(data: bytes, extra: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        for name, content in extra.items():
            target.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "extra", "message"),
    [
        ("docx", {"word/vbaProject.bin": b"macro"}, "содержит макросы"),
        ("xlsx", {"xl/vbaProject.bin": b"macro"}, "содержит макросы"),
        ("docx", {"word/media/bomb.bin": b"\0" * 20_000_000}, "слишком велик"),
    ],
)
def test_documents_with_macros_or_zip_bombs_are_refused(kind, extra, message):
    build = seed_docx if kind == "docx" else seed_xlsx
    data = _rezip(build(KRASNOTURANSK), extra)
    with pytest.raises(ImportFailed) as failure:
        parse_roadmap_document(data, f"plan.{kind}")
    assert message in failure.value.problems[0].message


def test_a_word_document_without_a_table_of_measures_is_refused():
    import docx

    document = docx.Document()
    document.add_paragraph("Приказ о проведении педагогического совета")
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(ImportFailed) as failure:
        parse_roadmap_document(out.getvalue(), "совет.docx")
    assert (
        "В файле «совет.docx» не найдена таблица мероприятий" in failure.value.problems[0].message
    )


# --- documents the seeds do not show --------------------------------------------


def _docx_with_table(rows: list[list[str]], *, vmerge: list[tuple[int, int, int]] = ()) -> bytes:
    """A Word document with one table; `vmerge` merges (column, first row, last row)."""
    import docx

    document = docx.Document()
    document.add_paragraph("План мероприятий на 2024/25 учебный год")
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    for column, first, last in vmerge:
        table.cell(first, column).merge(table.cell(last, column))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_row_numbering_the_columns_is_skipped_and_lettered_numbers_are_measures():
    parsed = parse_roadmap_document(
        _docx_with_table(
            [
                ["№", "Содержание работы", "Сроки", "Ответственные"],
                ["1", "2", "3", "4"],
                ["2.17", "Корректировка программ", "сентябрь", "ШМО"],
                ["2.17а", "Контроль корректировки", "октябрь", "ОО"],
            ]
        ),
        "plan.docx",
    )
    assert [(m.number, m.text) for m in parsed.iter_measures()] == [
        ("2.17", "Корректировка программ"),
        ("2.17а", "Контроль корректировки"),
    ]
    assert (parsed.period_start, parsed.period_end) == (date(2024, 9, 1), date(2025, 8, 31))


def test_a_responsible_cell_merged_down_applies_to_each_measure():
    parsed = parse_roadmap_document(
        _docx_with_table(
            [
                ["№", "Мероприятие", "Сроки", "Ответственный"],
                ["1.", "Семинар", "май", "ИМЦ"],
                ["2.", "Конкурс", "июнь", ""],
            ],
            vmerge=[(3, 1, 2)],
        ),
        "plan.docx",
    )
    assert [(m.number, m.responsible_text) for m in parsed.iter_measures()] == [
        ("1.", "ИМЦ"),
        ("2.", "ИМЦ"),
    ]


def test_a_measure_cell_merged_down_over_two_deadlines_is_one_measure():
    parsed = parse_roadmap_document(
        _docx_with_table(
            [
                ["№", "Мероприятие", "Сроки", "Ответственный"],
                ["1.", "Пробный экзамен", "декабрь", "ИМЦ"],
                ["", "", "апрель", "ОО"],
            ],
            vmerge=[(0, 1, 2), (1, 1, 2)],
        ),
        "plan.docx",
    )
    [measure] = parsed.iter_measures()
    assert (measure.text, measure.deadline_text, measure.responsible_text) == (
        "Пробный экзамен",
        "декабрь апрель",
        "ИМЦ ОО",
    )
    assert any("Строки 2 и 3 объединены" in w for w in parsed.warnings)


def test_an_xlsx_with_a_responsible_cell_merged_down_applies_to_each_measure():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Дорожная карта на 2024 год"])
    sheet.append(["№ п/п", "Наименование мероприятия", "Срок исполнения", "Исполнители"])
    sheet.append(["1.", "Семинар", "май", "Отдел образования"])
    sheet.append(["2.", "Конкурс", "июнь", None])
    sheet.merge_cells("D3:D4")
    out = io.BytesIO()
    book.save(out)
    parsed = parse_roadmap_document(out.getvalue(), "plan.xlsx")
    assert [m.responsible_text for m in parsed.iter_measures()] == ["Отдел образования"] * 2
    assert parsed.title == "Дорожная карта на 2024 год"
    assert (parsed.period_start, parsed.period_end) == (date(2024, 1, 1), date(2024, 12, 31))


def test_a_table_saved_as_csv_is_read():
    text = (
        "План мероприятий на 2023-2024 учебный год\n"
        "№;Мероприятие;Сроки;Ответственный\n"
        "Аналитический этап;;;\n"
        "1.;Анализ результатов ВПР;октябрь;ИМЦ\n"
    )
    parsed = parse_roadmap_document(text.encode("cp1251"), "plan.csv")
    [section] = parsed.sections
    assert section.title == "Аналитический этап"
    assert [m.text for m in section.measures] == ["Анализ результатов ВПР"]
    assert (parsed.period_start, parsed.period_end) == (date(2023, 9, 1), date(2024, 8, 31))


@pytest.mark.parametrize(
    ("header", "number", "when", "place"),
    [
        ("ПРИКАЗ № 45\nот 01.09.2024\nс. Краснотуранск", "45", date(2024, 9, 1), "с. Краснотуранск"),
        ("ПРИКАЗ\n12.03. 2020 года\n№ 26", "26", date(2020, 3, 12), ""),
        ("П Р И К А З\n«05» сентября 2022 г. № 112-од\nКраснотуранск", "112-од", date(2022, 9, 5), "Краснотуранск"),
    ],
)  # fmt: skip
def test_order_headers_as_people_write_them(header, number, when, place):
    text = (
        f"{header}\n\nОб утверждении дорожной карты\n\nВ целях повышения объективности\n\n"
        "ПРИКАЗЫВАЮ:\n1. Утвердить план.\n2. Контроль оставляю за собой.\n\n"
        "Начальник управления образования А.Б. Иванова\n\n"
        "№\tМероприятие\tСроки\tОтветственный\n1.\tСеминар\tмай\tИМЦ\n"
    )
    order = parse_roadmap_text(text).order
    assert (order.number, order.date, order.place) == (number, when, place)
    assert order.title == "Об утверждении дорожной карты"
    assert order.items == ["1. Утвердить план.", "2. Контроль оставляю за собой."]
    assert (order.signatory, order.signatory_position) == (
        "А.Б. Иванова",
        "Начальник управления образования",
    )


def test_a_plan_without_an_order_takes_its_number_from_the_appendix_line():
    text = (
        "Приложение к приказу от 29.12.2023 № 1081\n\nПлан мероприятий\n\n"
        "№\tМероприятие\tСроки\tОтветственный\n1.\tСеминар\tмай\tИМЦ\n"
    )
    parsed = parse_roadmap_text(text)
    assert (parsed.order.number, parsed.order.date) == ("1081", date(2023, 12, 29))
    assert parsed.title == "План мероприятий"


def test_numbers_restarting_in_each_section_are_not_duplicates_but_repeats_within_one_are():
    text = "\n".join(
        [
            "№\tМероприятие\tСроки\tОтветственный",
            "Аналитический этап\t\t\t",
            "1.\tАнализ\tмай\tИМЦ",
            "Обучающий этап\t\t\t",
            "1.\tСеминар\tиюнь\tИМЦ",
            "1.\tКурсы\tиюль\tИМЦ",
        ]
    )
    duplicates = [w for w in parse_roadmap_text(text).warnings if "повторяется" in w]
    assert duplicates == ["Номер мероприятия 1. повторяется (строки 5 и 6)."]


def test_an_untitled_number_column_and_an_untitled_column_keep_their_text():
    text = "\tМероприятие\tСроки\tОтветственный\t\n1.\tСеминар\tмай\tИМЦ\tпротокол\n"
    parsed = parse_roadmap_text(text)
    measure = next(parsed.iter_measures())
    assert (measure.number, measure.text) == ("1.", "Семинар")
    assert measure.extra == {"Столбец E": "протокол"}


def test_dates_typed_into_excel_cells_read_as_people_write_them():
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["№", "Мероприятие", "Срок", "Ответственный"])
    sheet.append([1, "Совещание", datetime(2024, 5, 20), "ОО"])
    out = io.BytesIO()
    book.save(out)
    measure = next(parse_roadmap_document(out.getvalue(), "plan.xlsx").iter_measures())
    assert (measure.number, measure.deadline_text) == ("1", "20.05.2024")


def test_a_pdf_line_wrapped_without_cells_continues_the_last_cell_of_its_row():
    text = "\n".join(
        [
            "№\tМероприятие\tСроки\tОтветственный\tРезультат",
            "1.\tАнализ результатов ВПР\tоктябрь\tИМЦ\tАналитическая справка",
            "по каждой школе",
            "Обучающий этап",
            "2.\tСеминар для учителей\tноябрь\tИМЦ, ОО",
            "и руководители ШМО",
        ]
    )
    parsed = parse_roadmap_text(text)
    [first, second] = parsed.sections
    assert first.measures[0].result == "Аналитическая справка\nпо каждой школе"
    assert second.title == "Обучающий этап"
    assert second.measures[0].responsible_text == "ИМЦ, ОО\nи руководители ШМО"


def test_purpose_and_tasks_are_read_from_the_preamble_which_keeps_them():
    text = (
        "Дорожная карта МБОУ СОШ № 3 на 2023-2024 учебный год\n\n"
        "Цель: повышение объективности оценивания.\n\nЗадачи:\n1. Обеспечить наблюдение.\n"
        "2. Провести перепроверку работ.\n\n"
        "№\tМероприятие\tСроки\tОтветственный\n1.\tСеминар\tмай\tИМЦ\n"
    )
    parsed = parse_roadmap_text(text)
    assert parsed.purpose == "повышение объективности оценивания."
    assert parsed.tasks == ["Обеспечить наблюдение.", "Провести перепроверку работ."]
    assert parsed.preamble.startswith("Цель: повышение объективности оценивания.")
    assert parse_seed(SPB).purpose == "" and parse_seed(SPB).tasks == []


def test_a_table_inside_a_word_content_control_is_found():
    from copy import deepcopy

    from docx.oxml import OxmlElement

    document = docx_document(_docx_with_table([["№", "Мероприятие", "Сроки", "Ответственный"],
                                               ["1.", "Семинар", "май", "ИМЦ"]]))  # fmt: skip
    body = document.element.body
    table = body.find(qn("w:tbl"))
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    content.append(deepcopy(table))
    sdt.append(content)
    table.addprevious(sdt)
    body.remove(table)
    out = io.BytesIO()
    document.save(out)
    parsed = parse_roadmap_document(out.getvalue(), "template.docx")
    assert [m.text for m in parsed.iter_measures()] == ["Семинар"]


def docx_document(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


@pytest.mark.parametrize("path", ALL_SEEDS, ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_the_seed_text_pasted_into_word_or_excel_parses_the_same(path, kind):
    build = pasted_docx if kind == "docx" else pasted_xlsx
    from_text = parse_seed(path)
    parsed = parse_roadmap_document(build(path), f"{path.stem}.{kind}")
    assert outline(parsed) == outline(from_text)
    assert parsed.order == from_text.order
    assert parsed.title == from_text.title


def test_number_and_text_sharing_the_first_cell_are_split():
    text = "\n".join(
        [
            "№\tМероприятие\tСроки\tОтветственный",
            "Раздел 1\tАналитический этап\t\t",
            "1.1. Анализ результатов ВПР\t\tоктябрь\tИМЦ",
            "Мониторинг сайтов школ\t\tежемесячно\tИМЦ",
        ]
    )
    [section] = parse_roadmap_text(text).sections
    assert (section.number, section.title) == ("", "Раздел 1 Аналитический этап")
    assert [(m.number, m.text) for m in section.measures] == [
        ("1.1.", "Анализ результатов ВПР"),
        ("", "Мониторинг сайтов школ"),
    ]


PIECES = st.sampled_from(
    ["\t", "\n", "\n\n", "1.", "2.1.", "№", "Мероприятие", "Сроки", "Ответственный", "Результат",
     "<p>", "</p>", "**", "ПРИКАЗ", "ПРИКАЗЫВАЮ:", "Утверждено", "Об утверждении", "О.И. Иванова",
     "оценочной процедуры", "ОО", "в течение года", "Раздел", " ", "«", "»", "2024", "-"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=60).map("".join))
def test_any_text_either_parses_or_is_refused_with_a_message(text):
    try:
        parsed = parse_roadmap_document(text.encode(), "fuzz.txt")
    except ImportFailed as failure:
        assert failure.problems[0].message
        return
    json.dumps(parsed.as_json(parse_deadline=lambda t, **k: Schedule(t, "unparsed")))


def test_a_later_word_table_continues_the_plan_only_when_it_looks_like_it():
    import docx

    document = docx.Document()
    document.add_paragraph("План мероприятий на 2024 год")
    for rows in (
        [["№", "Мероприятие", "Сроки", "Ответственный"], ["1.", "Семинар", "май", "ИМЦ"]],
        [["2.", "Конкурс", "июнь", "ОО"]],  # the same table, split by a page
        [["Должность", "ФИО", "Подпись"], ["Методист", "А.А. Петрова", ""]],
    ):
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.cell(r, c).text = value
        document.add_paragraph("")
    out = io.BytesIO()
    document.save(out)
    parsed = parse_roadmap_document(out.getvalue(), "plan.docx")
    assert [(m.number, m.text) for m in parsed.iter_measures()] == [
        ("1.", "Семинар"),
        ("2.", "Конкурс"),
    ]
    assert "А.А. Петрова" in parsed.closing


def test_a_cell_cut_off_mid_sentence_is_warned_about():
    warnings = parse_seed(BALTIYSK).warnings
    cut = [w for w in warnings if "обрывается" in w]
    assert cut == [
        "Мероприятие № 2.6. (строка 66): текст столбца «Результат» обрывается на «чьи» — "
        "проверьте, не потерялось ли продолжение."
    ]
    assert not [w for w in parse_seed(KRASNOTURANSK).warnings if "обрывается" in w]


def test_word_text_in_tracked_insertions_and_content_controls_is_read_and_deletions_are_not():
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx_document(_docx_with_table([["№", "Мероприятие", "Сроки", "Ответственный"],
                                               ["1.", "Семинар", "май", "ИМЦ"]]))  # fmt: skip
    cell = document.tables[0].cell(1, 1)
    cell.paragraphs[0]._p.append(
        parse_xml(
            f"<w:ins {nsdecls('w')} w:id='1' w:author='Петрова' w:date='2024-01-01T00:00:00Z'>"
            "<w:r><w:t xml:space='preserve'> для учителей</w:t></w:r></w:ins>"
        )
    )
    cell.paragraphs[0]._p.append(
        parse_xml(
            f"<w:del {nsdecls('w')} w:id='2' w:author='Петрова' w:date='2024-01-01T00:00:00Z'>"
            "<w:r><w:delText> и родителей</w:delText></w:r></w:del>"
        )
    )
    document.tables[0].cell(1, 2).paragraphs[0]._p.append(
        parse_xml(
            f"<w:sdt {nsdecls('w')}><w:sdtContent><w:r><w:t xml:space='preserve'> 2024 г.</w:t>"
            "</w:r></w:sdtContent></w:sdt>"
        )
    )
    out = io.BytesIO()
    document.save(out)
    [measure] = parse_roadmap_document(out.getvalue(), "reviewed.docx").iter_measures()
    assert (measure.text, measure.deadline_text) == ("Семинар для учителей", "май 2024 г.")


@pytest.mark.parametrize("path", ALL_SEEDS, ids=lambda p: p.stem)
def test_json_with_the_real_deadline_parser_gives_known_kinds_and_dates_in_the_period(path):
    from roadmaps.deadlines import KINDS, parse_deadline

    parsed = parse_seed(path)
    plan = parsed.plan()

    def measures(sections):
        for section in sections:
            yield from section["measures"]
            yield from measures(section["sections"])

    found = list(measures(json.loads(json.dumps(parsed.as_json()))["sections"]))
    assert len(found) == EXPECTED_MEASURES[path]
    for measure in found:
        deadline = measure["deadline"]
        assert deadline["kind"] in KINDS
        schedule = parse_deadline(
            deadline["text"],
            period_start=plan.start,
            period_end=plan.end,
            plan_start=plan.plan_start,
        )
        assert [d.isoformat() for d in schedule.dates] == deadline["dates"]
        explicit = schedule.details.get("explicit_year")
        for due in schedule.dates:
            assert explicit or due >= plan.plan_start, deadline
            assert due <= plan.end or schedule.warning, deadline


def test_measure_numbers_typed_as_numbers_in_excel_read_as_shown():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["№", "Мероприятие", "Срок", "Ответственный"])
    for number, text in ((2.1, "Семинар"), (2.10, "Конкурс")):
        sheet.append([number, text, "май", "ОО"])
    sheet["A2"].number_format = "0.0"
    sheet["A3"].number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    parsed = parse_roadmap_document(out.getvalue(), "plan.xlsx")
    assert [m.number for m in parsed.iter_measures()] == ["2.1", "2.10"]


# --- PDF with a text layer, and dates that follow the plan -----------------------------
# tests/data/plans: two plans written from the domain (plans.py), each as the Word file an
# office types, the PDF LibreOffice prints from it, and the school's plan as an Excel
# book without its approval block; `build.py` made them.

PLANS_DIR = Path(__file__).resolve().parents[1] / "data" / "plans"


def _plans():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("test_data_plans", PLANS_DIR / "plans.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


PLANS = _plans()
ORDER_PLAN, SCHOOL_PLAN = PLANS.ORDER, PLANS.SCHOOL


def parse_plan(name: str):
    return parse_roadmap_document((PLANS_DIR / name).read_bytes(), name)


def plan_outline(parsed) -> list[tuple]:
    return [
        (
            s.number,
            s.title,
            [
                (m.number, m.text, m.deadline_text, m.responsible_text, m.result, m.document)
                for m in s.measures
            ],
        )  # fmt: skip
        for s in parsed.iter_sections()
    ]


@pytest.mark.parametrize(
    ("plan", "variant"),
    [
        (ORDER_PLAN, ""),
        (SCHOOL_PLAN, ""),
        (ORDER_PLAN, "-borderless"),
        (SCHOOL_PLAN, "-borderless"),
        (SCHOOL_PLAN, "-banded"),  # a style that rules only some rows
    ],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_a_pdf_imports_like_the_word_file_it_was_printed_from(plan, variant):
    from_docx = parse_plan(f"{plan.name}.docx")
    from_pdf = parse_plan(f"{plan.name}{variant}.pdf")
    assert from_pdf.source_format == "pdf"
    assert plan_outline(from_pdf) == plan_outline(from_docx)
    assert from_pdf.order == from_docx.order
    assert from_pdf.approvals == from_docx.approvals
    assert (from_pdf.title, from_pdf.period_start, from_pdf.period_end) == (
        from_docx.title,
        from_docx.period_start,
        from_docx.period_end,
    )
    measures = [m for _title, ms in plan.sections for m in ms]
    assert [
        (m.number, m.text, m.deadline_text, m.responsible_text) for m in from_pdf.iter_measures()
    ] == [(m.number, m.text, m.deadline, m.responsible) for m in measures]
    assert [s.title for s in from_pdf.iter_sections()] == [
        title.split(". ", 1)[1] for title, _ms in plan.sections
    ]


def test_the_orders_header_is_read_from_its_pdf():
    parsed = parse_plan(f"{ORDER_PLAN.name}.pdf")
    order = parsed.order
    assert order.body == "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ НОВОЛЕСНОГО МУНИЦИПАЛЬНОГО ОКРУГА"
    assert (order.number, order.date, order.place) == ("245-од", date(2022, 6, 27), "г. Новолесск")
    assert order.title.startswith("Об утверждении плана мероприятий («дорожной карты»)")
    assert order.title.endswith("Новолесного муниципального округа")
    assert (order.signatory, order.signatory_position) == (
        "Е.В. Соколова",
        "Начальник управления образования",
    )
    assert [item[:12] for item in order.items] == ["1. Утвердить", "2. Руководит", "3. Контроль "]
    assert parsed.title.startswith("План мероприятий («дорожная карта»)")


def test_a_table_cut_by_page_breaks_joins_up_and_its_repeated_header_is_dropped():
    import pdfplumber

    path = PLANS_DIR / f"{ORDER_PLAN.name}.pdf"
    with pdfplumber.open(path) as pdf:  # what the file holds: the header on every table page
        headers = [
            table.extract()[0][1]
            for page in pdf.pages
            for table in page.find_tables()
        ]  # fmt: skip
    assert headers.count("Мероприятие") >= 3
    parsed = parse_plan(path.name)
    split = [w for w in parsed.warnings if "разорвана переносом страницы" in w]
    assert len(split) >= 2  # rows the page breaks cut, joined back
    measures = {m.number: m for m in parsed.iter_measures()}
    for _title, written in ORDER_PLAN.sections:
        for m in written:
            assert measures[m.number].text == m.text
            assert measures[m.number].result == m.result
    assert len(measures) == sum(len(ms) for _t, ms in ORDER_PLAN.sections)


def _read_as_written(found: list[str], due: list[str]) -> bool:
    if due[-1:] == ["…"]:
        return found[: len(due) - 1] == due[:-1]
    return found == due


@pytest.mark.parametrize(
    ("plan", "name"),
    [
        (ORDER_PLAN, f"{ORDER_PLAN.name}.docx"),
        (ORDER_PLAN, f"{ORDER_PLAN.name}.pdf"),
        (SCHOOL_PLAN, f"{SCHOOL_PLAN.name}.docx"),
        (SCHOOL_PLAN, f"{SCHOOL_PLAN.name}.pdf"),
        (SCHOOL_PLAN, f"{SCHOOL_PLAN.name}-no-approval.xlsx"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_deadlines_are_read_as_a_person_reads_them_and_none_before_the_order(plan, name):
    parsed = parse_plan(name)
    data = parsed.as_json()
    found = [m["deadline"] for s in data["sections"] for m in s["measures"]]
    written = [m for _title, ms in plan.sections for m in ms]
    assert [d["text"] for d in found] == [m.deadline for m in written]
    # Without the approval's date the plan runs from its school year's start.
    due = [m.due_from_school_year or m.due if not parsed.order.date else m.due for m in written]
    wrong = [
        (m.deadline, d["dates"][:4], want)
        for d, m, want in zip(found, written, due, strict=True)
        if not _read_as_written(d["dates"], want)
    ]
    assert wrong == []
    if parsed.order.date:
        explicit = re.compile(r"(?:19|20)\d{2}")
        early = [d for d in found if not explicit.search(d["text"])]
        assert all(due >= parsed.order.date.isoformat() for d in early for due in d["dates"])


def test_an_order_of_june_reads_its_months_in_the_coming_school_year():
    data = parse_plan(f"{ORDER_PLAN.name}.pdf").as_json()
    by_text = {
        m["deadline"]["text"]: m["deadline"] for s in data["sections"] for m in s["measures"]
    }
    assert by_text["сентябрь-октябрь"]["dates"] == ["2022-09-30", "2022-10-31"]
    assert by_text["октябрь, декабрь, февраль, май"]["dates"] == [
        "2022-10-31",
        "2022-12-31",
        "2023-02-28",
        "2023-05-31",
    ]
    assert by_text["до июня 2023"] == {
        "text": "до июня 2023",
        "kind": "date",
        "dates": ["2023-05-31"],
    }


def test_a_school_plan_approved_in_february_is_weekly_from_its_approval():
    parsed = parse_plan(f"{SCHOOL_PLAN.name}.pdf")
    assert parsed.order.date == date(2023, 2, 27)
    weekly = next(
        m["deadline"]
        for s in parsed.as_json()["sections"]
        for m in s["measures"]
        if m["deadline"]["text"] == "еженедельно"
    )
    assert weekly["dates"][0] == "2023-03-03"  # the first Friday after 27.02.2023


def test_without_its_approval_the_school_year_comes_from_the_plans_own_deadlines():
    parsed = parse_plan(f"{SCHOOL_PLAN.name}-no-approval.xlsx")
    assert parsed.order.date is None
    assert (parsed.period_start, parsed.period_end) == (date(2022, 9, 1), date(2023, 8, 31))
    assert any("2022/23" in w and "другие сроки" in w for w in parsed.warnings)
    assert not any("текущ" in w for w in parsed.warnings)


def test_a_plan_without_any_year_says_it_read_the_current_school_year():
    text = "№\tМероприятие\tСрок\tОтветственный\n1.\tСовещание\tсентябрь\tУО\n"
    parsed = parse_roadmap_text(text)
    start, end = parsed.effective_period()
    assert start.month == 9 and start.day == 1 and end.year == start.year + 1
    assert any("текущему" in w for w in parsed.warnings)


def test_a_scanned_pdf_without_text_is_refused_in_russian():
    with pytest.raises(ImportFailed) as failed:
        parse_plan("order-scan.pdf")
    message = failed.value.problems[0].message
    assert "нет текста" in message and "отсканированные" in message


def _pdf_with(writer_setup) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer_setup(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_locked_with_a_password_is_refused_and_one_only_owner_locked_is_read():
    def locked(user_password):
        def setup(writer):
            writer.append(PLANS_DIR / f"{SCHOOL_PLAN.name}.pdf")
            writer.encrypt(user_password=user_password, owner_password="o", algorithm="AES-128")

        return setup

    with pytest.raises(ImportFailed, match="защищён паролем"):
        parse_roadmap_document(_pdf_with(locked("secret")), "plan.pdf")
    readable = parse_roadmap_document(_pdf_with(locked("")), "plan.pdf")
    assert len(list(readable.iter_measures())) == 12


def test_a_pdf_of_thousands_of_pages_is_refused_before_it_is_read():
    def pages(writer):
        for _ in range(5000):
            writer.add_blank_page(595, 842)

    with pytest.raises(ImportFailed, match="5000 страниц"):
        parse_roadmap_document(_pdf_with(pages), "huge.pdf")


def test_a_broken_pdf_is_refused_in_russian():
    whole = (PLANS_DIR / f"{SCHOOL_PLAN.name}.pdf").read_bytes()
    for data in (b"%PDF-1.7\n" + b"\x00garbage" * 100, whole[: len(whole) // 3]):
        with pytest.raises(ImportFailed, match="не является документом PDF|не удалось прочитать"):
            parse_roadmap_document(data, "broken.pdf")


# --- headers as plans are approved ---------------------------------------------------

TABLE = "№\tМероприятие\tСрок\tОтветственный\n1.\tСовещание\tянварь\tДиректор\n"


def test_a_plan_approved_by_an_order_it_cites_takes_that_orders_date_number_and_school():
    text = (
        "УТВЕРЖДЕН\nприказом директора\nМБОУ «Лицей № 2»\nот 15.01.2025 № 7-од\n"
        "Директор ___________ А.Б. Смирнова\n\n"
        "План мероприятий по обеспечению объективности на 2025 год\n\n" + TABLE
    )
    parsed = parse_roadmap_text(text)
    order = parsed.order
    assert (order.date, order.number, order.body) == (date(2025, 1, 15), "7-од", "МБОУ «Лицей № 2»")
    assert (order.signatory, order.signatory_position) == ("А.Б. Смирнова", "Директор")
    assert parsed.title.startswith("План мероприятий")


def test_a_block_without_a_name_does_not_take_the_next_blocks_signatory():
    text = (
        "Муниципальное автономное общеобразовательное учреждение «Школа № 12»\n\n"
        "РАССМОТРЕНО\nна заседании педагогического совета\nпротокол № 3 от 10.01.2025\n"
        "УТВЕРЖДАЮ\nДиректор МАОУ «Школа № 12»\n__________ В.Г. Орлов\n"
        "приказ от 13.01.2025 № 5\n\nПлан мероприятий по обеспечению объективности\n\n" + TABLE
    )
    parsed = parse_roadmap_text(text)
    assert [(a.label, a.name) for a in parsed.approvals] == [
        ("РАССМОТРЕНО", ""),
        ("УТВЕРЖДАЮ", "В.Г. Орлов"),
    ]
    assert (parsed.order.signatory, parsed.order.date, parsed.order.number) == (
        "В.Г. Орлов",
        date(2025, 1, 13),
        "5",
    )
    assert parsed.order.body.startswith("Муниципальное автономное")


def test_approvals_typed_side_by_side_in_a_sheet_read_column_by_column():
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ["РАССМОТРЕНО", "", "УТВЕРЖДАЮ"],
        ["на педагогическом совете", "", "Директор МАОУ «Школа № 12»"],
        ["протокол № 3 от 10.01.2025", "", "__________ В.Г. Орлов"],
        ["", "", "«13» января 2025 г."],
        [],
        ["План мероприятий по обеспечению объективности"],
        [],
        ["№", "Мероприятие", "Срок", "Ответственный"],
        ["1.", "Совещание", "январь", "Директор"],
    ):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    parsed = parse_roadmap_document(out.getvalue(), "plan.xlsx")
    assert (parsed.order.signatory, parsed.order.date) == ("В.Г. Орлов", date(2025, 1, 13))


def test_the_command_word_may_end_the_preamble_and_a_settlement_be_abbreviated():
    text = (
        "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ РАЙОНА\n\nПРИКАЗ\n\n01.09.2025 № 301\n\n"
        "р.п. Заречный\n\nОб утверждении плана мероприятий\n\n"
        "В целях обеспечения объективности оценочных процедур ПРИКАЗЫВАЮ:\n"
        "1. Утвердить план мероприятий.\n2. Контроль оставляю за собой.\n\n"
        "Начальник управления образования И.И. Петров\n\n" + TABLE
    )
    order = parse_roadmap_text(text).order
    assert order.preamble == "В целях обеспечения объективности оценочных процедур"
    assert order.items == ["1. Утвердить план мероприятий.", "2. Контроль оставляю за собой."]
    assert (order.place, order.signatory) == ("р.п. Заречный", "И.И. Петров")


def _weasy_pdf(body: str) -> bytes:
    from weasyprint import HTML

    page = f"""<html><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 20mm 10mm 20mm 25mm; }}
      body {{ font: 12pt "Liberation Serif", serif; }}
      .sides {{ display: flex; justify-content: space-between; }}
      table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
      th, td {{ border: 0.6pt solid #000; padding: 2pt 4pt; vertical-align: top;
               overflow-wrap: break-word; }}
      td.just {{ text-align: justify; }}
    </style></head><body>{body}</body></html>"""
    return HTML(string=page).write_pdf()


def test_a_pdf_reads_blocks_side_by_side_and_words_its_cells_broke_as_written():
    data = _weasy_pdf(
        """<div class="sides">
             <div>РАССМОТРЕНО<br>на педагогическом совете<br>протокол № 3 от 10.01.2025</div>
             <div>УТВЕРЖДАЮ<br>Директор МАОУ «Школа № 12»<br>__________ В.Г. Орлов<br>
                  «13» января 2025 г.</div></div>
           <p style="text-align:center">План мероприятий по обеспечению объективности</p>
           <table><colgroup><col style="width:8%"><col style="width:52%">
             <col style="width:12%"><col style="width:28%"></colgroup>
           <tr><th>№</th><th>Мероприятие</th><th>Срок</th><th>Ответственный</th></tr>
           <tr><td>1.</td><td class="just">Корректировка рабочих программ по учебным предметам
             с учётом выявленных дефицитов обучающихся по итогам всероссийских проверочных
             работ и входной диагностики</td><td>по мере необходимости</td>
             <td>Учителя-предметники, руководители методических объединений</td></tr>
           </table>"""
    )
    parsed = parse_roadmap_document(data, "plan.pdf")
    assert [(a.label, a.name) for a in parsed.approvals] == [
        ("РАССМОТРЕНО", ""),
        ("УТВЕРЖДАЮ", "В.Г. Орлов"),
    ]
    assert parsed.order.date == date(2025, 1, 13)
    [measure] = parsed.iter_measures()
    assert measure.text == (
        "Корректировка рабочих программ по учебным предметам с учётом выявленных дефицитов "
        "обучающихся по итогам всероссийских проверочных работ и входной диагностики"
    )
    assert measure.deadline_text == "по мере необходимости"
    assert " ".join(measure.responsible_text.split()) == (
        "Учителя-предметники, руководители методических объединений"
    )
