"""Changes reach schools (issue #14 item 4): a measure added to or changed in an
approved roadmap is the schools' assignment at once, and the roadmap page says
the correction is pending and what to do about it."""

from django.urls import reverse

from roadmaps.models import Assignment, Measure
from roadmaps.services.measure import measure_create, measure_update
from roadmaps.services.roadmap import roadmap_create


def url(name, **kwargs):
    return reverse(f"roadmaps:{name}", kwargs=kwargs)


def test_a_measure_added_to_an_approved_roadmap_reaches_the_school_at_once(client, world):
    roadmap = world.extra["roadmap_roadmap_a"]
    section = world.extra["roadmap_section_a"]
    client.force_login(world.bob)
    form = client.get(url("measure-create", roadmap_pk=roadmap.pk)).content.decode()
    assert "сразу станет поручением школам" in form
    response = client.post(
        url("measure-create", roadmap_pk=roadmap.pk),
        {
            "section": section.pk,
            "number": "1.2.",
            "text": "Перекрёстная проверка работ ВПР",
            "deadline_text": "апрель",
            "responsible_text": "ОО",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "сразу поручено исполнителям (новых поручений: 2)" in page
    assert "уже поручены школам и органам" in page and "Корректировка ещё не оформлена" in page
    measure = Measure.objects.get(text="Перекрёстная проверка работ ВПР")
    assert set(measure.assignments.values_list("school", flat=True)) == {
        world.school_a1.pk,
        world.school_a2.pk,
    }
    client.force_login(world.carol)
    assert "Перекрёстная проверка работ ВПР" in client.get(url("assignment-list")).content.decode()


def test_a_measure_given_to_more_parties_reaches_the_new_ones_at_once(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    measure = measure_create(
        roadmap=roadmap,
        section=world.extra["roadmap_section_a"],
        number="1.3.",
        text="Методический семинар",
        responsible_text="Альфа-орган управления образованием",
        by=world.bob,
    )
    assert list(measure.assignments.values_list("body", "school")) == [(world.body_a.pk, None)]
    measure_update(
        measure=measure,
        version=measure.version,
        responsible_text="Альфа-орган управления образованием, ОО",
        by=world.bob,
    )
    assert Assignment.objects.filter(measure=measure, school__isnull=False).count() == 2


def test_a_draft_measure_is_nobodys_assignment_yet(world):
    roadmap = roadmap_create(owner=world.muni_a, title="Проект", by=world.bob)
    measure = measure_create(roadmap=roadmap, text="Анализ", responsible_text="ОО", by=world.bob)
    assert not measure.assignments.exists()


def test_a_party_no_longer_responsible_loses_the_assignment_unless_it_has_reported(world):
    # The world's measure is given to every school («ОО»); school A1 has reported on it.
    measure = world.extra["roadmap_measure_a"]
    assert set(measure.assignments.values_list("school", flat=True)) == {
        world.school_a1.pk,
        world.school_a2.pk,
    }
    measure_update(
        measure=measure,
        version=measure.version,
        responsible_text="Альфа-орган управления образованием",
        by=world.bob,
    )
    kept = set(measure.assignments.values_list("school", "body"))
    assert kept == {(world.school_a1.pk, None), (None, world.body_a.pk)}
    assert roadmap_changes(measure.roadmap, "withdraw") == [{"withdrawn": ["Альфа-школа №2"]}]


def roadmap_changes(roadmap, action):
    return [c.before for c in roadmap.changes.filter(action=action)]
