"""Export of a roadmap to XLSX and DOCX: what the official opens in Excel or Word,
and what imports back to the same roadmap."""

import io
from datetime import date

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmaps.exporters import roadmap_to_docx, roadmap_to_xlsx
from roadmaps.importers import parse_roadmap_document
from roadmaps.importers.parsed import ParsedMeasure, ParsedRoadmap, ParsedSection
from tests.roadmaps.test_import_documents import ALL_SEEDS, EXPECTED_MEASURES, outline, parse_seed

EXPORTERS = {"xlsx": roadmap_to_xlsx, "docx": roadmap_to_docx}


@pytest.mark.parametrize("path", ALL_SEEDS, ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_an_exported_seed_imports_back_to_the_same_roadmap(path, kind):
    original = parse_seed(path)
    again = parse_roadmap_document(EXPORTERS[kind](original), f"export.{kind}")
    assert again.source_format == kind
    assert outline(again) == outline(original)
    assert len(list(again.iter_measures())) == EXPECTED_MEASURES[path]
    assert again.title == original.title
    assert again.preamble == original.preamble
    assert again.closing == original.closing
    assert (again.order.number, again.order.date) == (original.order.number, original.order.date)
    assert again.approvals == original.approvals
    assert again.order.signatory == (original.order.signatory if original.approvals else "")


def nested_roadmap() -> ParsedRoadmap:
    return ParsedRoadmap(
        title="План мероприятий на 2024/2025 учебный год",
        preamble="Цель: объективность оценки.\n\nЗадачи:\n- перепроверка работ;\n- наблюдатели.",
        sections=[
            ParsedSection(
                number="1",
                title="Результаты обучения",
                sections=[
                    ParsedSection(
                        number="1.1",
                        title="Достижение минимального уровня подготовки",
                        measures=[
                            ParsedMeasure(
                                number="1.1.1.",
                                text="Диагностика\nвходная и итоговая",
                                participants="учителя 4-х классов",
                                deadline_text="сентябрь, май",
                                responsible_text="ОО",
                                result="не менее 70% учителей",
                                document="Аналитическая справка",
                                extra={"Показатель": "доля занятий не менее 30%"},
                            )
                        ],
                    )
                ],
            ),
            ParsedSection(
                number="2",
                title="Кадры",
                measures=[
                    ParsedMeasure(
                        number="2.1.",
                        text='=HYPERLINK("http://evil","Курсы")',
                        deadline_text="+7 дней",
                        responsible_text="@ИМЦ",
                        result="-1 нарушение",
                    )
                ],
            ),
        ],
        closing="В план могут быть внесены изменения.",
    )


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_nested_sections_participants_documents_and_extra_columns_survive_a_round_trip(kind):
    roadmap = nested_roadmap()
    again = parse_roadmap_document(EXPORTERS[kind](roadmap), f"export.{kind}")
    assert outline(again) == outline(roadmap)
    [first, _second] = again.sections
    assert [s.number for s in first.sections] == ["1.1"]
    measure = next(again.iter_measures())
    assert measure.extra == {"Показатель": "доля занятий не менее 30%"}
    assert (again.period_start, again.period_end) == (date(2024, 9, 1), date(2025, 8, 31))
    assert again.preamble == roadmap.preamble
    assert again.closing == roadmap.closing


def test_the_xlsx_never_holds_a_formula():
    book = openpyxl.load_workbook(io.BytesIO(roadmap_to_xlsx(nested_roadmap())))
    sheet = book.active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    risky = [c for c in cells if str(c.value).startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} == {
        "=HYPERLINK(\"http://evil\",\"Курсы\")", "+7 дней", "@ИМЦ", "-1 нарушение",
    }  # fmt: skip
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    assert all(c.data_type != "f" for c in cells)


def test_the_xlsx_has_section_rows_merged_and_a_repeated_header():
    book = openpyxl.load_workbook(io.BytesIO(roadmap_to_xlsx(parse_seed(ALL_SEEDS[0]))))
    sheet = book.active
    merged_rows = {
        sheet.cell(r.min_row, 1).value: (r.min_col, r.max_col) for r in sheet.merged_cells.ranges
    }
    assert merged_rows["2. Организационно – методические мероприятия"] == (1, 5)
    assert merged_rows["Организационные мероприятия"] == (1, 5)
    header_row = int(sheet.print_title_rows.split(":")[0].strip("$"))
    assert sheet.cell(header_row, 2).value == "Мероприятие (содержание деятельности)"
    assert sheet.page_setup.orientation == "landscape"


def test_the_docx_is_a4_landscape_in_times_new_roman_with_a_repeated_header_row():
    document = docx.Document(io.BytesIO(roadmap_to_docx(parse_seed(ALL_SEEDS[0]))))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    assert document.styles["Normal"].font.name == "Times New Roman"
    [table] = document.tables
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert header.cells[1].text == "Мероприятие (содержание деятельности)"
    heading = table.rows[1]
    assert len(heading._tr.tc_lst) == 1 and heading._tr.tc_lst[0].grid_span == 5
    assert heading.cells[0].text == "Организационные мероприятия"
    assert document.paragraphs[1].text.startswith("План мероприятий (Дорожная карта)")


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_markup_characters_survive_and_control_characters_do_not_break_the_file(kind):
    roadmap = ParsedRoadmap(
        title="План <на> год & более\x0c",
        sections=[
            ParsedSection(
                number="",
                title="",
                measures=[
                    ParsedMeasure(
                        number="1.",
                        text="Анализ <ВПР> & «ОГЭ»\x0bразрыв",
                        deadline_text="май",
                        responsible_text="ОО",
                    )
                ],
            )
        ],
    )
    again = parse_roadmap_document(EXPORTERS[kind](roadmap), f"export.{kind}")
    assert again.title == "План <на> год & более"
    [measure] = again.iter_measures()
    assert measure.text.replace("\x0b", "") == "Анализ <ВПР> & «ОГЭ»разрыв"


WORD = st.text(alphabet="абвгдежзиклмнопрстуфхцчшщыэюяАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ0123456789<>&=+-@%«»().,;:!?\"'/", min_size=1, max_size=12)  # fmt: skip
LINE = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
CELL = st.lists(LINE, min_size=1, max_size=3).map("\n".join)


@st.composite
def roadmaps(draw):
    sections = []
    for s in range(draw(st.integers(1, 3))):
        measures = [
            ParsedMeasure(
                number=f"{s + 1}.{m + 1}.",
                text=draw(CELL),
                deadline_text=draw(CELL),
                responsible_text=draw(st.one_of(st.just(""), CELL)),
                result=draw(st.one_of(st.just(""), CELL)),
            )
            for m in range(draw(st.integers(1, 4)))
        ]
        title = draw(LINE)
        sections.append(ParsedSection(number=str(s + 1), title=title, measures=measures))
    return ParsedRoadmap(title="План мероприятий", sections=sections)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roadmap=roadmaps(), kind=st.sampled_from(["xlsx", "docx"]))
def test_any_exported_roadmap_imports_back_unchanged(roadmap, kind):
    again = parse_roadmap_document(EXPORTERS[kind](roadmap), f"export.{kind}")
    assert outline(again) == outline(roadmap)
