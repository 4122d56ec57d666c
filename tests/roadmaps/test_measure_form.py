"""The measure form's defects of issue #15: a duplicate number in a section is
refused, and a revision compared with a later one lists what the later one added
as added."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from roadmaps.models import Measure
from roadmaps.services.measure import measure_create, measure_update
from roadmaps.services.revision import roadmap_revise
from roadmaps.services.section import section_create


def url(name, **kwargs):
    return reverse(f"roadmaps:{name}", kwargs=kwargs)


@pytest.fixture
def roadmap_a(world):
    return world.extra["roadmap_roadmap_a"]


def test_a_duplicate_number_in_a_section_is_refused_by_the_service(world, roadmap_a):
    section = world.extra["roadmap_section_a"]
    with pytest.raises(ValidationError, match="номером «1.1» уже есть в разделе"):
        measure_create(
            roadmap=roadmap_a, section=section, number="1.1", text="Ещё одно", by=world.bob
        )
    assert roadmap_a.measures.count() == 1


def test_the_same_number_in_another_section_and_blank_numbers_are_accepted(world, roadmap_a):
    other = section_create(roadmap=roadmap_a, number="2.", title="Другой", by=world.bob)
    measure_create(
        roadmap=roadmap_a, section=other, number="1.1.", text="В другом разделе", by=world.bob
    )
    section = world.extra["roadmap_section_a"]
    for text in ("Без номера", "Тоже без номера"):
        measure_create(roadmap=roadmap_a, section=section, text=text, by=world.bob)
    assert roadmap_a.measures.count() == 4


def test_renumbering_a_measure_onto_a_taken_number_is_refused(world, roadmap_a):
    section = world.extra["roadmap_section_a"]
    second = measure_create(
        roadmap=roadmap_a, section=section, number="1.2.", text="Второе", by=world.bob
    )
    with pytest.raises(ValidationError, match="уже есть"):
        measure_update(measure=second, version=second.version, number="1.1.", by=world.bob)
    assert Measure.objects.get(pk=second.pk).number == "1.2."
    # Saving a measure under its own number is no duplicate.
    measure_update(measure=second, version=second.version, text="Второе!", by=world.bob)


def test_the_form_answers_a_duplicate_number_in_russian_and_writes_nothing(
    client, world, roadmap_a
):
    client.force_login(world.bob)
    section = world.extra["roadmap_section_a"]
    response = client.post(
        url("measure-create", roadmap_pk=roadmap_a.pk),
        {"section": section.pk, "number": "1.1.", "text": "Дубль", "responsible_text": "ОО"},
    )
    assert response.status_code == 200
    assert "Мероприятие с номером «1.1.» уже есть в разделе" in response.content.decode()
    assert not Measure.objects.filter(text="Дубль").exists()


def test_comparing_a_revision_with_a_later_one_lists_the_added_measure_as_added(
    client, world, roadmap_a
):
    section = world.extra["roadmap_section_a"]
    measure_create(
        roadmap=roadmap_a,
        section=section,
        number="1.2.",
        text="Новое мероприятие редакции 2",
        by=world.bob,
    )
    roadmap_revise(roadmap=roadmap_a, reason="Добавлено мероприятие", by=world.bob)
    first, second = roadmap_a.revisions.order_by("number")
    client.force_login(world.bob)
    for revision, other in ((first, second.number), (second, first.number)):
        body = client.get(
            url("revision-detail", roadmap_pk=roadmap_a.pk, revision_pk=revision.pk),
            {"compare": other},
        ).content.decode()
        added = body.split("Добавлены", 1)
        assert len(added) == 2, body
        assert "Новое мероприятие редакции 2" in added[1].split("</ul>", 1)[0]
        assert "Исключены" not in body
        assert "Изменения от редакции 1 к редакции 2" in body
