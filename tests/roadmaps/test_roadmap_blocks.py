"""A municipal roadmap's per-school tables («Исполнение — по школам», «Школьные дорожные
карты») are written in Python (roadmaps.views.roadmap_blocks): the same HTML the
template's loops wrote, for every state of a school's roadmap and every kind of figure."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from roadmaps.models import Measure
from roadmaps.selectors.execution import cascade_status, roadmap_execution
from roadmaps.selectors.roadmap import roadmap_outline
from roadmaps.services.cascade import roadmap_cascade, school_roadmap_start_from
from roadmaps.services.measure import measure_create, measure_delete, measure_update
from roadmaps.services.roadmap import roadmap_approve, roadmap_create
from roadmaps.views.roadmap_blocks import cascade_rows_html, school_rows_html
from tests import factories as f

# The loops of templates/roadmaps/roadmap_detail.html before the rows moved to Python.
SCHOOL_LOOP = (
    "{% load i18n %}{% for row in execution.by_school %}\n"
    '  <tr><td>{{ row.school.short_name }}</td><td class="num">{{ row.total }}</td><td class="num">{{ row.share_done|default_if_none:"—" }}</td><td class="num">{{ row.share_on_time|default_if_none:"—" }}</td><td class="num">{{ row.overdue }}</td>\n'
    '    <td class="num">{{ row.rate.due|default:0 }}</td><td class="num">{{ row.rate.on_time|default:0 }}</td><td class="num">{{ row.rate.late|default:0 }}</td><td class="num">{% if row.rate.missing %}<span class="badge overdue">{{ row.rate.missing }}</span>{% else %}0{% endif %}</td>\n'
    "    <td><a href=\"{% url 'roadmaps:proof-pack' school_pk=row.school.pk %}?start={{ roadmap.period_start|date:'Y-m-d' }}&amp;end={{ roadmap.period_end|date:'Y-m-d' }}\">{% translate \"Пакет документов\" %}</a></td></tr>\n"
    "  {% endfor %}"
)
CASCADE_LOOP = (
    "{% load i18n %}{% for row in cascade %}\n"
    "  <tr>\n"
    "    <td>{{ row.school.short_name }}</td>\n"
    '    <td><span class="badge {{ row.state }}">{% if row.state == "not_started" %}{% translate "не начата" %}{% elif row.state == "draft" %}{% translate "проект" %}{% elif row.state == "approved" %}{% translate "утверждена" %}{% else %}{{ row.state }}{% endif %}</span>\n'
    '      {% if row.roadmap %}<a href="{% url \'roadmaps:roadmap-detail\' roadmap_pk=row.roadmap.pk %}">{% translate "открыть" %}</a>{% endif %}</td>\n'
    '    <td>{% if row.roadmap %}{% for m in row.missing %}{{ m.number }} {{ m.text|truncatechars:60 }}{% if not forloop.last %}<br>{% endif %}{% empty %}—{% endfor %}{% else %}{{ row.missing|length }} {% translate "обязательных мероприятий" %}{% endif %}</td>\n'
    "    <td>{% for c in row.changed %}{{ c.measure.number }}: {% for f in c.fields %}{{ f.label }} «{{ f.before|truncatechars:40 }}» → «{{ f.after|truncatechars:40 }}»{% if not forloop.last %}; {% endif %}{% endfor %}{% if not forloop.last %}<br>{% endif %}{% empty %}—{% endfor %}</td>\n"
    '    <td>{% if not row.roadmap and can_approve %}<form method="post" action="{% url \'roadmaps:roadmap-start-school\' roadmap_pk=roadmap.pk school_pk=row.school.pk %}">{% csrf_token %}<button type="submit" class="small">{% translate "Создать проект для школы" %}</button></form>{% endif %}</td>\n'
    "  </tr>\n"
    "  {% endfor %}"
)
TOKEN = "a" * 32 + "B9" * 16
LONG = "Перепроверка работ ВПР по математике в 5–8 классах <школ> с признаками & необъективности"


def _municipal(world):
    """An approved municipal roadmap demanding school roadmaps: school A1 has started
    its draft from it, kept one measure with a changed text and deadline, dropped one;
    school A2 has not started."""
    roadmap = roadmap_create(
        owner=world.muni_a,
        title="План <мероприятий>",
        by=world.bob,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 5, 31),
    )
    for number, text, deadline in (
        ("1.", "Анализ ВПР & ОГЭ", "Май"),
        ("2.", LONG, "Апрель"),
        ("3.", "Совещание «итоги»", "Март"),
    ):
        measure_create(
            roadmap=roadmap,
            number=number,
            text=text,
            responsible_text="ОО",
            deadline_text=deadline,
            by=world.bob,
        )
    roadmap_approve(roadmap=roadmap, by=world.bob)
    roadmap_cascade(roadmap=roadmap, due=date(2026, 4, 1), by=world.bob)
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    first, second, third = child.measures.order_by("position")
    measure_update(
        measure=first,
        version=first.version,
        text="Анализ ВПР, ОГЭ и ЕГЭ по всем предметам, с разбором <заданий> по классам и учителям",
        deadline_text="Июнь",
        by=world.carol,
    )
    measure_update(measure=third, version=third.version, deadline_text="Ноябрь", by=world.carol)
    measure_delete(measure=second, by=world.carol)
    return roadmap


def _approved_row(world):
    """A school whose roadmap is approved and carries every required measure, one more
    whose state the template wrote as it is, both with markup in their names."""
    school = SimpleNamespace(pk=987, short_name="Школа <№3> & К°")
    child = SimpleNamespace(pk=654)
    return [
        {"school": school, "roadmap": child, "state": "approved", "missing": [], "changed": []},
        {
            "school": SimpleNamespace(pk=988, short_name="Школа №4"),
            "roadmap": SimpleNamespace(pk=655),
            "state": "superseded",
            "missing": [SimpleNamespace(number="1.", text="Короткий <текст>")],
            "changed": [],
        },
    ]


@pytest.mark.parametrize("can_approve", [True, False])
def test_cascade_rows_written_in_python_are_the_template_rows(world, can_approve):
    roadmap = _municipal(world)
    rows = cascade_status(roadmap=roadmap) + _approved_row(world)
    assert {row["state"] for row in rows} == {"draft", "not_started", "approved", "superseded"}
    with translation.override("ru"):
        python = cascade_rows_html(
            rows,
            roadmap=roadmap,
            can_approve=can_approve,
            csrf_token=TOKEN if can_approve else None,
        )
        template = Template(CASCADE_LOOP).render(
            Context(
                {
                    "cascade": rows,
                    "roadmap": roadmap,
                    "can_approve": can_approve,
                    "csrf_token": TOKEN,
                }
            )
        )
    assert "2. Перепроверка работ ВПР по математике в 5–8 классах &lt;школ&gt; с…" in python
    assert "срок «Май» → «Июнь»" in python
    assert "Школа &lt;№3&gt; &amp; К°" in python
    assert ("Создать проект для школы" in python) is can_approve
    assert python == template


def _school(pk, name):
    return SimpleNamespace(pk=pk, short_name=name)


SCHOOL_ROWS = [
    {
        "school": _school(11, "Школа <№1>"),
        "total": 1234,
        "share_done": 33.3,
        "share_on_time": 0.0,
        "overdue": 5,
        "rate": {"due": 12, "on_time": 3, "late": 2, "missing": 7},
    },
    {
        "school": _school(12, "Школа №2 & филиал"),
        "total": 0,
        "share_done": None,
        "share_on_time": None,
        "overdue": 0,
        "rate": None,
    },
    {
        "school": _school(13, "Школа №3"),
        "total": 4,
        "share_done": 100.0,
        "share_on_time": 75.0,
        "overdue": 0,
        "rate": {"due": 0, "on_time": 0, "late": 0, "missing": 0},
    },
]


@pytest.mark.parametrize("period", [True, False])
def test_school_rows_written_in_python_are_the_template_rows(world, period):
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[("1.", "Анализ ВПР", "до 1 октября 2025 г."), ("2.", "Совещание", "ежемесячно")],
    )
    execution = roadmap_execution(roadmap=roadmap, today=date(2026, 1, 15))
    rows = execution["by_school"] + SCHOOL_ROWS
    assert len(execution["by_school"]) == 2
    if not period:
        roadmap.period_start = roadmap.period_end = None
    with translation.override("ru"):
        python = school_rows_html(rows, roadmap=roadmap)
        template = Template(SCHOOL_LOOP).render(
            Context({"execution": {"by_school": rows}, "roadmap": roadmap})
        )
    assert '<td class="num">33,3</td>' in python
    assert '<span class="badge overdue">7</span>' in python
    assert ("?start=2025-09-01&amp;end=2026-05-31" in python) is period
    assert python == template


def test_an_official_sees_a_school_change_its_copy_at_once_and_a_deputy_sees_only_its_school(
    client, world
):
    roadmap = _municipal(world)
    client.force_login(world.bob)
    page = client.get(f"/roadmaps/{roadmap.pk}/").content.decode()
    assert "срок «Март» → «Ноябрь»" in page
    assert world.school_a2.short_name in page and "Создать проект для школы" in page
    copy = Measure.objects.get(roadmap__school=world.school_a1, deadline_text="Ноябрь")
    measure_update(measure=copy, version=copy.version, deadline_text="Декабрь", by=world.carol)
    page = client.get(f"/roadmaps/{roadmap.pk}/").content.decode()
    assert "срок «Март» → «Декабрь»" in page and "«Ноябрь»" not in page
    client.force_login(world.carol)
    page = client.get(f"/roadmaps/{roadmap.pk}/").content.decode()
    assert "срок «Март» → «Декабрь»" in page
    assert world.school_a2.short_name not in page
    assert "Создать проект для школы" not in page


def test_the_page_s_measures_give_the_cascade_read_from_the_database(world):
    """The roadmap's page hands cascade_status the measures of its outline (in section
    order, with their schools) instead of reading them again: the same rows."""
    roadmap = _municipal(world)
    only_second = measure_create(
        roadmap=roadmap,
        number="4.",
        text="Только для второй школы",
        responsible_text="",
        deadline_text="Май",
        by=world.bob,
    )
    only_second.responsible_schools.add(world.school_a2)
    outline = [m for block in roadmap_outline(roadmap) for m in block["measures"]]

    def plain(rows):
        return [
            (
                row["school"].pk,
                row["state"],
                [m.pk for m in row["missing"]],
                [(c["measure"].pk, c["fields"]) for c in row["changed"]],
            )
            for row in rows
        ]

    read = plain(cascade_status(roadmap=roadmap))
    assert plain(cascade_status(roadmap=roadmap, measures=outline)) == read
    rows = {school: missing for school, _state, missing, _changed in read}
    assert only_second.pk in rows[world.school_a2.pk]
    assert only_second.pk not in rows[world.school_a1.pk]
