"""SQL statements per POST of the roadmap editor, pinned on PostgreSQL (issue #18):
the measure form reads the measure once, writes it in one UPDATE, its history in
one INSERT and the roadmap's activity token (what its cached figures follow) in one
upsert. Counts include the session, the user, the memberships, and the
savepoint pair the test's transaction turns the service's atomic block into. Lower
a limit when a POST gets cheaper."""

import json

import pytest
from django.urls import reverse

from roadmaps.models import Measure
from roadmaps.services.measure import measure_create


def url(name, **kwargs):
    return reverse(f"roadmaps:{name}", kwargs=kwargs)


def post_json(client, address, data):
    return client.post(address, json.dumps(data), content_type="application/json")


@pytest.fixture
def bob(client, world):
    client.force_login(world.bob)
    client.get(url("roadmap-list"))  # a warm session
    return world.bob


@pytest.fixture
def measure(world):
    return Measure.objects.get(pk=world.extra["roadmap_measure_a"].pk)


def measure_form(measure, **changes):
    """The measure form as the browser sends it back, with `changes`."""
    form = {
        "section": measure.section_id or "",
        "number": measure.number,
        "text": measure.text,
        "participants": measure.participants,
        "deadline_text": measure.deadline_text,
        "responsible_text": measure.responsible_text,
        "result": measure.result,
        "document_text": measure.document_text,
        "document_kind": measure.document_kind,
        "version": measure.version,
        "responsible_bodies": [b.pk for b in measure.responsible_bodies.all()],
        "responsible_schools": [s.pk for s in measure.responsible_schools.all()],
    }
    if measure.for_all_schools:
        form["for_all_schools"] = "on"
    if measure.requires_evidence:
        form["requires_evidence"] = "on"
    form.update(changes)
    return form


def test_the_measure_form_saves_an_edit_in_eleven_queries(
    client, bob, measure, django_assert_max_num_queries
):
    form = measure_form(measure, text="Анализ результатов ВПР и ОГЭ")
    with django_assert_max_num_queries(11):
        response = client.post(url("measure-edit", measure_pk=measure.pk), form)
    assert response.status_code == 302
    saved = Measure.objects.get(pk=measure.pk)
    assert saved.text == "Анализ результатов ВПР и ОГЭ" and saved.version == measure.version + 1
    change = saved.roadmap.changes.first()
    assert (change.action, change.after["text"]) == ("update", "Анализ результатов ВПР и ОГЭ")


def test_the_measure_form_renumbers_and_reschedules_in_twelve_queries(
    client, bob, measure, django_assert_max_num_queries
):
    form = measure_form(measure, number="1.9.", deadline_text="до 1 марта 2026 г.")
    with django_assert_max_num_queries(12):
        response = client.post(url("measure-edit", measure_pk=measure.pk), form)
    assert response.status_code == 302
    assert Measure.objects.get(pk=measure.pk).number == "1.9."


def test_a_new_responsible_text_is_matched_and_assigned_in_few_queries(
    client, bob, measure, django_assert_max_num_queries
):
    form = measure_form(measure, responsible_text="Управление образования")
    with django_assert_max_num_queries(37):
        response = client.post(url("measure-edit", measure_pk=measure.pk), form)
    assert response.status_code == 302


def test_a_cell_of_the_table_editor_is_saved_in_few_queries(
    client, bob, measure, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = post_json(
            client,
            url("editor-measure-save", measure_pk=measure.pk),
            {"field": "text", "value": "Анализ ВПР", "version": measure.version},
        )
    assert response.status_code == 200 and response.json()["ok"]


def test_a_row_of_the_table_editor_is_added_in_few_queries(
    client, bob, measure, django_assert_max_num_queries
):
    with django_assert_max_num_queries(46):
        response = post_json(
            client,
            url("editor-measure-create", roadmap_pk=measure.roadmap_id),
            {"section": measure.section_id, "after": measure.pk, "text": "Семинар"},
        )
    assert response.status_code == 200


def test_a_row_of_the_table_editor_is_deleted_in_few_queries(
    client, bob, measure, django_assert_max_num_queries
):
    row = measure_create(
        roadmap=measure.roadmap, section=measure.section, text="Лишняя строка", by=bob
    )
    with django_assert_max_num_queries(19):
        response = post_json(client, url("editor-measure-delete", measure_pk=row.pk), {})
    assert response.status_code == 200


def test_a_section_title_of_the_table_editor_is_saved_in_few_queries(
    client, bob, measure, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = post_json(
            client,
            url("editor-section-save", section_pk=measure.section_id),
            {"field": "title", "value": "Организация работы"},
        )
    assert response.status_code == 200


def test_a_section_of_the_table_editor_is_added_in_few_queries(
    client, bob, measure, django_assert_max_num_queries
):
    with django_assert_max_num_queries(11):
        response = post_json(
            client,
            url("editor-section-create", roadmap_pk=measure.roadmap_id),
            {"number": "2.", "title": "Анализ"},
        )
    assert response.status_code == 200


def test_the_table_editor_reorders_in_few_queries(
    client, bob, measure, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        response = post_json(
            client,
            url("editor-order", roadmap_pk=measure.roadmap_id),
            {"sections": [measure.section_id], "measures": {str(measure.section_id): [measure.pk]}},
        )
    assert response.status_code == 200
