"""Search across roadmaps, sections, measures and schools, within the user's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmaps.search import highlight, search
from roadmaps.services.measure import measure_create, measure_update
from roadmaps.services.section import section_create

URL = reverse("roadmaps:search")


def _found(client, user, query, **params):
    client.force_login(user)
    response = client.get(URL, {"q": query, **params})
    assert response.status_code == 200
    return response, response.content.decode()


def test_an_official_finds_a_measure_by_its_text_with_the_match_marked(client, world):
    measure = world.extra["roadmap_measure_a"]
    response, body = _found(client, world.bob, "анализ результатов")
    hits = list(response.context["page"].object_list)
    assert [h.kind for h in hits] == ["measure"]
    assert f"#measure-{measure.pk}" in hits[0].url
    assert "<mark>Анализ результатов</mark> ВПР (Альфа)" in body


def test_cyrillic_is_matched_whatever_the_case(client, world):
    for query in ("ОРГАНИЗАЦИОННЫЕ", "организационные", "оРгАнИзАцИоНнЫе"):
        response, body = _found(client, world.bob, query)
        hits = response.context["page"].object_list
        assert [h.kind for h in hits] == ["section"], query
        assert "<mark>Организационные</mark> мероприятия Альфа" in body


def test_yo_and_ye_are_the_same_letter_to_search(client, world):
    roadmap = world.extra["roadmap_roadmap_a"]
    measure_create(roadmap=roadmap, text="Отчёт о ходе реализации", by=world.bob)
    for query in ("отчет о ходе", "ОТЧЁТ О ХОДЕ", "Отчёт"):
        response, body = _found(client, world.bob, query)
        assert [h.kind for h in response.context["page"].object_list] == ["measure"], query
        assert "<mark>Отчёт" in body


def test_roadmaps_are_found_by_order_number_and_schools_by_code(client, world):
    response, _ = _found(client, world.bob, "альфа-1")
    assert [h.kind for h in response.context["page"].object_list] == ["roadmap"]
    response, body = _found(client, world.bob, "770002")
    hits = response.context["page"].object_list
    assert [h.title for h in hits] == ["Альфа-школа №2"] and "<mark>770002</mark>" in body


def test_responsible_and_expected_result_are_searched(client, world):
    measure = world.extra["roadmap_measure_a"]
    measure_update(
        measure=measure,
        by=world.bob,
        version=measure.version,
        responsible_text="Методический кабинет Альфаграда",
        result="Аналитическая справка о РЕЗУЛЬТАТАХ",
    )
    response, body = _found(client, world.bob, "методический кабинет")
    assert [h.kind for h in response.context["page"].object_list] == ["measure"]
    assert "<mark>Методический кабинет</mark> Альфаграда" in body
    response, body = _found(client, world.bob, "справка о результатах")
    assert "<mark>справка о РЕЗУЛЬТАТАХ</mark>" in body


def test_another_municipality_never_finds_a_word_only_a_has(client, world):
    # «Альфа» is in A's roadmap (section, measure, order number) and A's schools.
    response, body = _found(client, world.dan, "альфа")
    assert response.context["results"].total == 0
    assert "Ничего не найдено" in body
    assert not [m for m in world.municipality_markers if m in body]
    # Dan finds his own roadmap's words, and only them.
    response, body = _found(client, world.dan, "анализ результатов")
    assert [h.title for h in response.context["page"].object_list] == [
        "1.1. <mark>Анализ результатов</mark> ВПР (Бета)"
    ]


def test_a_school_deputy_finds_the_municipal_roadmap_it_follows_but_not_the_other_school(
    client, world
):
    response, body = _found(client, world.carol, "школа")
    titles = [h.title for h in response.context["page"].object_list if h.kind == "school"]
    assert titles == ["Альфа-<mark>школа</mark> №1"]
    response, _ = _found(client, world.carol, "анализ")
    assert [h.kind for h in response.context["page"].object_list] == ["measure"]


@pytest.mark.parametrize(
    ("query", "hint"),
    [("", "Введите слово или номер"), ("а", "Слишком короткий запрос"), ("   ", "Введите")],
)
def test_an_empty_or_too_short_query_gets_a_hint_and_no_results(client, world, query, hint):
    response, body = _found(client, world.bob, query)
    assert response.context["results"] is None and hint in body


def test_results_are_paged_and_narrowed_to_one_kind(client, world):
    roadmap = world.extra["roadmap_roadmap_a"]
    for n in range(25):
        measure_create(roadmap=roadmap, number=f"9.{n}.", text=f"Олимпиада номер {n}", by=world.bob)
    response, body = _found(client, world.bob, "олимпиада")
    page = response.context["page"]
    assert page.paginator.count == 25 and len(page.object_list) == 20
    assert "Страница 1 из 2" in body
    response, _ = _found(client, world.bob, "олимпиада", page=2)
    assert len(response.context["page"].object_list) == 5
    response, _ = _found(client, world.bob, "альфа", kind="school")
    kinds = {h.kind for h in response.context["page"].object_list}
    assert kinds == {"school"} and response.context["results"].counts["measure"] == 1


def test_the_number_of_queries_does_not_grow_with_the_rows(client, world):
    roadmap = world.extra["roadmap_roadmap_a"]
    client.force_login(world.bob)

    def queries_with(total):
        while roadmap.measures.filter(text__startswith="Контроль").count() < total:
            section = section_create(roadmap=roadmap, title="Контроль ВПР", by=world.bob)
            measure_create(
                roadmap=roadmap, section=section, text="Контроль проведения ВПР", by=world.bob
            )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"q": "контроль"})
        assert response.status_code == 200
        return len(captured), response.context["results"].total

    few, found_few = queries_with(3)
    many, found_many = queries_with(9)
    assert (found_few, found_many) == (6, 18)
    assert few == many


def test_highlight_escapes_html_and_keeps_the_original_case():
    marked = highlight("<b>Контроль</b> КОНТРОЛЬ", "контроль")
    assert marked == "&lt;b&gt;<mark>Контроль</mark>&lt;/b&gt; <mark>КОНТРОЛЬ</mark>"
    assert highlight("Отчёт и ОТЧЕТ", "отчет") == "<mark>Отчёт</mark> и <mark>ОТЧЕТ</mark>"


def test_highlight_cuts_long_text_around_the_match():
    text = "слово " * 100 + "ВПР" + " слово" * 100
    marked = highlight(text, "впр", limit=60)
    assert "<mark>ВПР</mark>" in marked and marked.startswith("…") and marked.endswith("…")
    assert len(marked) < 120


def test_search_selector_returns_none_for_a_short_query(world):
    assert search(user=world.bob, query=" я ") is None
