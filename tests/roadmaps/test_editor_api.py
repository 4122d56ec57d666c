"""The table editor's JSON endpoints (issue #14 item 5) and the reading of rows
pasted from Word or Excel."""

import json

import pytest
from django.urls import reverse

from roadmaps.clipboard import measures_from_clipboard
from roadmaps.models import Measure
from roadmaps.services.measure import measure_create, measure_update
from roadmaps.services.roadmap import roadmap_create
from roadmaps.services.section import section_create


def url(name, **kwargs):
    return reverse(f"roadmaps:{name}", kwargs=kwargs)


def post(client, address, data):
    return client.post(address, json.dumps(data), content_type="application/json")


@pytest.fixture
def roadmap(world):
    roadmap = roadmap_create(owner=world.muni_a, title="Проект", by=world.bob)
    first = section_create(roadmap=roadmap, number="1.", title="Организация", by=world.bob)
    second = section_create(roadmap=roadmap, number="2.", title="Анализ", by=world.bob)
    for number, text in (("1.1.", "Совещание"), ("1.2.", "Приказ о наблюдателях")):
        measure_create(roadmap=roadmap, section=first, number=number, text=text, by=world.bob)
    roadmap.first, roadmap.second = first, second
    return roadmap


def texts(section):
    return list(section.measures.order_by("position").values_list("text", flat=True))


@pytest.mark.parametrize(
    ("clipboard", "expected"),
    [
        # Excel: a number column, a cell with a line break in quotes, a header row.
        (
            "№\tМероприятие\tСрок\tОтветственные\r\n"
            '1.3.\t"Семинар\nдля учителей"\tмарт 2026\tИМЦ\r\n',
            [("1.3.", "Семинар\nдля учителей", "март 2026", "ИМЦ")],
        ),
        # Word: no number column; a quote inside a quoted cell.
        (
            '"Анализ ""ВПР"""\tоктябрь\tОО\n\nПерепроверка работ\tапрель\tОО',
            [("", 'Анализ "ВПР"', "октябрь", "ОО"), ("", "Перепроверка работ", "апрель", "ОО")],
        ),
        # One column of text: each line a measure.
        ("Совещание\nСеминар", [("", "Совещание", "", ""), ("", "Семинар", "", "")]),
        # An empty number column is skipped.
        ("\tАнализ\tмай\tОО", [("", "Анализ", "май", "ОО")]),
    ],
)
def test_rows_pasted_from_word_or_excel_are_read_into_measure_fields(clipboard, expected):
    rows = measures_from_clipboard(clipboard)
    got = [(r["number"], r["text"], r["deadline_text"], r["responsible_text"]) for r in rows]
    assert got == expected


def test_an_empty_paste_is_refused_in_russian():
    with pytest.raises(ValueError, match="нет строк"):
        measures_from_clipboard(" \n\t\n")


def test_a_row_is_added_under_any_row(client, world, roadmap):
    client.force_login(world.bob)
    after = roadmap.measures.get(number="1.1.")
    response = post(
        client,
        url("editor-measure-create", roadmap_pk=roadmap.pk),
        {"section": roadmap.first.pk, "after": after.pk, "text": "Между", "deadline_text": "май"},
    )
    assert response.status_code == 200 and 'data-field="text"' in response.json()["html"]
    assert texts(roadmap.first) == ["Совещание", "Между", "Приказ о наблюдателях"]
    assert Measure.objects.get(text="Между").deadline_kind == "month"


def test_a_stale_cell_save_is_refused_naming_who_changed_it(client, world, roadmap):
    measure = roadmap.measures.get(number="1.1.")
    measure_update(measure=measure, version=measure.version, text="Иначе", by=world.bob)
    client.force_login(world.bob)
    response = post(
        client,
        url("editor-measure-save", measure_pk=measure.pk),
        {"field": "text", "value": "Моя правка", "version": 1},
    )
    assert response.status_code == 409
    assert "Мероприятие уже изменил(а) bob" in response.json()["message"]
    assert "Иначе" in response.json()["html"]
    assert Measure.objects.get(pk=measure.pk).text == "Иначе"


def test_a_cell_save_parses_the_deadline_and_answers_the_row(client, world, roadmap):
    measure = roadmap.measures.get(number="1.1.")
    client.force_login(world.bob)
    data = post(
        client,
        url("editor-measure-save", measure_pk=measure.pk),
        {"field": "deadline_text", "value": "до 15 октября 2025 г.", "version": measure.version},
    ).json()
    assert data["ok"] and data["version"] == measure.version + 1
    assert "15.10.2025" in data["html"]


def test_pasted_rows_become_measures_below_the_row_all_or_none(client, world, roadmap):
    client.force_login(world.bob)
    after = roadmap.measures.get(number="1.1.")
    bad = post(
        client,
        url("editor-paste", roadmap_pk=roadmap.pk),
        {"text": "1.5.\tАнализ\tмай\n1.2.\tДубль номера\tмай", "section": roadmap.first.pk},
    )
    assert bad.status_code == 400 and "Строка 2" in bad.json()["message"]
    assert roadmap.measures.count() == 2
    data = post(
        client,
        url("editor-paste", roadmap_pk=roadmap.pk),
        {
            "text": "1.5.\tАнализ ВПР\tоктябрь 2025\tОО\n1.6.\tСеминар\tабракадабра\tИМЦ",
            "section": roadmap.first.pk,
            "after": after.pk,
        },
    ).json()
    assert data["ok"] and len(data["rows"]) == 2
    assert "Срок не распознан в строках: 1" in data["message"]
    assert texts(roadmap.first) == ["Совещание", "Анализ ВПР", "Семинар", "Приказ о наблюдателях"]


def test_dragging_moves_rows_between_sections_and_sections_among_themselves(client, world, roadmap):
    client.force_login(world.bob)
    first, second = roadmap.measures.order_by("position")
    response = post(
        client,
        url("editor-order", roadmap_pk=roadmap.pk),
        {"measures": {str(roadmap.first.pk): [first.pk], str(roadmap.second.pk): [second.pk]}},
    )
    assert response.status_code == 200
    assert texts(roadmap.second) == ["Приказ о наблюдателях"]
    post(
        client,
        url("editor-order", roadmap_pk=roadmap.pk),
        {"sections": [roadmap.second.pk, roadmap.first.pk]},
    )
    assert list(roadmap.sections.order_by("position").values_list("title", flat=True)) == [
        "Анализ",
        "Организация",
    ]


def test_the_endpoints_keep_the_scope_the_permissions_and_answer_bad_input_in_russian(
    client, world, roadmap
):
    client.force_login(world.dan)  # another municipality: the roadmap does not exist
    address = url("editor-paste", roadmap_pk=roadmap.pk)
    assert post(client, address, {"text": "Анализ"}).status_code == 404
    assert client.get(url("roadmap-editor", roadmap_pk=roadmap.pk)).status_code == 404
    client.force_login(world.victor)  # read-only
    assert post(client, address, {"text": "Анализ"}).status_code == 403
    client.force_login(world.bob)
    response = client.post(address, "{не json", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["message"]
    response = post(client, address, {"text": "Анализ", "section": 999999})
    assert response.status_code == 400 and "Раздел не найден" in response.json()["message"]
    assert roadmap.measures.count() == 2


def test_the_roadmap_page_links_to_the_table_editor(client, world, roadmap):
    client.force_login(world.bob)
    page = client.get(url("roadmap-detail", roadmap_pk=roadmap.pk)).content.decode()
    assert url("roadmap-editor", roadmap_pk=roadmap.pk) in page
    editor = client.get(url("roadmap-editor", roadmap_pk=roadmap.pk)).content.decode()
    assert "Приказ о наблюдателях" in editor and "js/editor.js" in editor


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"field": "extra", "value": "x"}, "Эту графу так не изменить"),
        ({"field": "text", "value": ["x"]}, "должно быть текстом"),
        ({"field": "text", "value": "x", "version": "abc"}, "Неверная версия"),
        ({"field": "text", "value": "   "}, "Укажите содержание мероприятия"),
        ({"field": "number", "value": "1.2", "version": 1}, "уже есть в разделе"),
    ],
)
def test_a_bad_cell_save_is_refused_in_russian_and_changes_nothing(
    client, world, roadmap, body, message
):
    measure = roadmap.measures.get(number="1.1.")
    client.force_login(world.bob)
    response = post(client, url("editor-measure-save", measure_pk=measure.pk), body)
    assert response.status_code == 400 and message in response.json()["message"]
    measure.refresh_from_db()
    assert (measure.text, measure.number, measure.version) == ("Совещание", "1.1.", 1)
