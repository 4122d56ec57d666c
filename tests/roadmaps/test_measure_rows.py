"""A roadmap's measure rows, a reader's and an editor's, are written in Python
(roadmaps.views.measure_rows): the same HTML the template's loop wrote, for every
part of a row."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from roadmaps.models import Indicator, Measure
from roadmaps.selectors.roadmap import roadmap_outline
from roadmaps.services.measure import measure_update
from roadmaps.views.measure_rows import measure_rows_html
from tests import factories as f

# The loop of templates/roadmaps/roadmap_detail.html before the rows moved to Python.
LOOP = (
    "{% load i18n %}"
    '{% translate "Участники" as t_participants %}{% translate "Показатель" as t_indicator %}'
    '{% translate "факт" as t_actual %}{% translate "из муниципальной карты" as t_from_municipal %}'
    '{% translate "все школы" as t_all_schools %}{% translate "обязателен" as t_required %}'
    + '{% for m in block.measures %}\n    <tr id="measure-{{ m.pk }}" data-measure="{{ m.pk }}">\n      <td>{{ m.number }}</td>\n      <td>{{ m.text|linebreaksbr }}{% if m.participants %}<br><span class="muted">{{ t_participants }}: {{ m.participants }}</span>{% endif %}\n        {% for i in m.indicator_list %}<br><span class="muted">{{ t_indicator }}: {{ i.text }} ({{ i.get_comparator_display }} {{ i.target_value|default_if_none:"" }}{{ i.unit }}{% if i.actual_value is not None %}; {{ t_actual }} {{ i.actual_value }}{{ i.unit }}{% endif %})</span>{% endfor %}\n        {% if m.source_measure %}<br><span class="muted">{{ t_from_municipal }}, {{ m.source_measure.number }}</span>{% endif %}\n        {% if m.flag_run_id %}<br><span class="muted">{% translate "Мера по школам с признаками необъективных результатов" %} (<a href="{% url \'objectivity:run-detail\' checkrun_pk=m.flag_run_id %}">{% translate "проверка" %}</a>)</span>{% endif %}\n        {% for k, v in m.visible_extra.items %}<br><span class="muted">{{ k }}: {{ v }}</span>{% endfor %}</td>\n      <td>{{ m.deadline_text|default:"—" }}<br><span class="badge {{ m.deadline_kind }}">{{ m.get_deadline_kind_display }}</span>\n        {% if m.due_dates %}<br><span class="muted">{% for d in m.due_dates|slice:":4" %}{{ d|date:"d.m.Y" }}{% if not forloop.last %}, {% endif %}{% endfor %}{% if m.due_dates|length > 4 %} …{% endif %}</span>{% endif %}</td>\n      <td>{{ m.responsible_text|default:"—" }}\n        {% if m.for_all_schools or m.body_list or m.school_list %}<br><span class="muted">→ {% for b in m.body_list %}{{ b }}{% if not forloop.last %}, {% endif %}{% endfor %}{% for s in m.school_list %}{% if forloop.first and m.body_list %}, {% endif %}{{ s.short_name }}{% if not forloop.last %}, {% endif %}{% endfor %}{% if m.for_all_schools %}{% if m.body_list or m.school_list %}, {% endif %}{{ t_all_schools }}{% endif %}</span>{% endif %}</td>\n      <td>{{ m.result|linebreaksbr }}</td>\n      <td>{{ m.document_text|default:m.get_document_kind_display }}{% if m.requires_evidence %}<br><span class="badge">{{ t_required }}</span>{% endif %}</td>\n      {% if measure_states %}<td>{% if m.exec_state %}<span class="badge {{ m.exec_state }}">{% if m.exec_state == "done_on_time" %}{% translate "выполнено в срок" %}{% elif m.exec_state == "done_late" %}{% translate "выполнено с опозданием" %}{% elif m.exec_state == "overdue" %}{% translate "просрочено" %}{% elif m.exec_state == "cancelled" %}{% translate "отменено" %}{% else %}{% translate "в работе" %}{% endif %}</span>{% else %}—{% endif %}</td>{% endif %}\n      {% if can_edit %}<td>\n        <a class="button small" href="{{ m.urls.edit }}">{{ t_edit }}</a>\n        <form method="post" class="js-inline" data-action="move" action="{{ m.urls.move }}">{% csrf_token %}<input type="hidden" name="direction" value="up"><button type="submit" class="small secondary" aria-label="{{ t_up }}">↑</button></form>\n        <form method="post" class="js-inline" data-action="move" action="{{ m.urls.move }}">{% csrf_token %}<input type="hidden" name="direction" value="down"><button type="submit" class="small secondary" aria-label="{{ t_down }}">↓</button></form>\n        <form method="post" class="js-inline" data-action="delete" data-confirm="{{ t_delete_measure }}" action="{{ m.urls.delete }}">{% csrf_token %}<button type="submit" class="small danger">{{ t_delete }}</button></form>\n      </td>{% endif %}\n    </tr>\n    {% endfor %}'
)

STATES = ["done_on_time", "done_late", "overdue", "cancelled", "in_progress", ""]


def _measures(world):
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="Карта для чтения",
        measures=[
            ("1.", "Семинар «<b>R&D</b>»\nвторая строка", "до 1 октября 2025 г."),
            ("2.", "Анализ & разбор", "ежемесячно"),
            ("3.", "Совещание", "как написано <в документе>"),
            ("4.", "Мониторинг", "до 1 декабря 2025 г."),
            ("5.", "Отчёт", "до 1 мая 2026 г."),
            ("6.", "Без особенностей", ""),
        ],
    )
    first, second, third, fourth, fifth, _sixth = roadmap.measures.order_by("position")
    Measure.objects.filter(pk=first.pk).update(
        participants="учителя & <завучи>",
        result="Протокол\nи справка <итог>\r\nприказ\rакт &amp;",
        requires_evidence=True,
        document_text="",
        extra={"Источник": "план <2025>", "Номер": 7, "run": 12, "flag_measure": True},
        deadline_dates=[f"2025-{m:02d}-01" for m in range(1, 7)],
        for_all_schools=True,
    )
    Measure.objects.filter(pk=second.pk).update(
        document_text="Приказ <№1>", source_measure=first, deadline_dates=["2025-10-15"]
    )
    Measure.objects.filter(pk=third.pk).update(
        responsible_text="", extra={"run": 12}, deadline_text="", deadline_dates=[]
    )
    fourth.responsible_bodies.add(world.body_a)
    fourth.responsible_schools.add(world.school_a1, world.school_a2)
    fifth.responsible_schools.add(world.school_a2)
    Indicator.objects.create(
        measure=first, text="Доля <школ>", comparator=">=", target_value=Decimal("12.50"), unit="%"
    )
    Indicator.objects.create(
        measure=first,
        text="Число",
        comparator="=",
        target_value=None,
        unit="",
        actual_value=Decimal("3"),
    )
    measures = [m for block in roadmap_outline(roadmap) for m in block["measures"]]
    for measure, state in zip(measures, STATES, strict=True):
        measure.exec_state = state
    return measures


# The translations the page's template made before its loop, for the editor's column.
EDITOR_TEXTS = (
    '{% load i18n %}{% translate "Править" as t_edit %}{% translate "Выше" as t_up %}'
    '{% translate "Ниже" as t_down %}{% translate "Удалить" as t_delete %}'
    '{% translate "Удалить мероприятие?" as t_delete_measure %}'
)


@pytest.mark.parametrize("can_edit", [False, True])
@pytest.mark.parametrize("states", [True, False])
def test_rows_written_in_python_are_the_template_rows(world, states, can_edit):
    measures = _measures(world)
    for measure in measures:
        measure.urls = {
            action: reverse(f"roadmaps:measure-{action}", args=[measure.pk])
            for action in ("edit", "move", "delete")
        }
    token = "a" * 32 + "B9" * 16
    with translation.override("ru"):
        python = measure_rows_html(measures, states=states, csrf_token=token if can_edit else None)
        template = Template(EDITOR_TEXTS + LOOP).render(
            Context(
                {
                    "block": {"measures": measures},
                    "measure_states": states,
                    "can_edit": can_edit,
                    "csrf_token": token,
                }
            )
        )
    assert "Доля &lt;школ&gt; (не менее 12,50%)" in python
    assert "Семинар «&lt;b&gt;R&amp;D&lt;/b&gt;»<br>вторая строка" in python
    assert ("выполнено с опозданием" in python) is states
    assert (f'name="csrfmiddlewaretoken" value="{token}"' in python) is can_edit
    assert ('data-action="move"' in python) is can_edit
    assert python == template


def test_a_reader_and_an_editor_see_the_same_measures(client, world):
    measures = _measures(world)
    roadmap_pk = measures[0].roadmap_id
    client.force_login(world.carol)
    page = client.get(f"/roadmaps/{roadmap_pk}/").content.decode()
    assert "Доля &lt;школ&gt; (не менее 12,50%)" in page
    assert 'data-action="move"' not in page
    # The page's outline is cached under the roadmap's activity token: an edit through
    # the service renews it (a raw queryset update would not, as for every cached figure).
    measure_update(measure=measures[0], by=world.bob, version=None, text="Новый текст мероприятия")
    assert "Новый текст мероприятия" in client.get(f"/roadmaps/{roadmap_pk}/").content.decode()


def test_an_editor_moves_a_measure_with_the_form_of_its_row(world):
    """The editor's rows carry the request's CSRF token: the «↓» form of a row, posted
    as the browser would (CSRF checks on), moves the measure."""
    import re

    from django.test import Client

    measures = _measures(world)
    roadmap_pk, first = measures[0].roadmap_id, measures[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bob)
    page = client.get(f"/roadmaps/{roadmap_pk}/").content.decode()
    move = reverse("roadmaps:measure-move", args=[first.pk])
    form = re.search(
        rf'action="{move}"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">'
        r'<input type="hidden" name="direction" value="down">',
        page,
    )
    assert form, "the editor's row has no move form"
    response = client.post(move, {"csrfmiddlewaretoken": form.group(1), "direction": "down"})
    assert response.status_code == 302
    order = list(Measure.objects.filter(roadmap_id=roadmap_pk).order_by("position"))
    assert order.index(first) == 1
