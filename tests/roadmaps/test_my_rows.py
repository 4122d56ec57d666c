"""«Мои мероприятия», the review queue and the roadmap list write their rows in Python
(roadmaps.views.report.my_rows_html, queue_rows_html, roadmaps.views.roadmap.
roadmap_rows_html): the same HTML the templates' loops wrote, for every kind of row."""

from datetime import date

from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from roadmaps.models import Assignment, Measure, ProgressReport
from roadmaps.selectors.assignment import my_assignment_rows, my_assignments
from roadmaps.selectors.report import assignee_of, queue_rows, review_queue
from roadmaps.selectors.roadmap import roadmap_list
from roadmaps.services.assignment import assignments_create
from roadmaps.services.measure import measure_create
from roadmaps.services.report import progress_report_return, progress_report_submit
from roadmaps.views.report import my_rows_html, queue_rows_html
from roadmaps.views.roadmap import roadmap_rows_html
from schools.models import Membership
from schools.scoping import forget_reach
from tests import factories as f

# The loop of templates/roadmaps/assignment_list.html before the rows moved to Python.
LOOP = (
    "{% load i18n roadmap_text %}"
    '{% translate "Срок" as t_due %}{% translate "Исполнитель" as t_assignee %}'
    '{% translate "Последний отчёт" as t_latest %}{% translate "просрочено" as t_overdue %}'
    '{% translate "нужен документ" as t_document %}{% translate "Отчитаться" as t_report %}'
    "{% for row in rows %}{% with a=row.assignment m=row.assignment.measure latest=row.latest %}"
    """
  <tr>
    <td data-label="{{ t_due }}">{{ row.due|date:"d.m.Y"|default:"—" }}<br><span class="muted">{{ m.deadline_text }}</span>{% if row.overdue %}<br><span class="badge overdue">{{ t_overdue }}</span>{% endif %}</td>
    <td class="my-measure">{{ m.number }} {{ m.text|shortened:200 }}<br><span class="muted">{{ row.roadmap_label }}</span>{% if m.requires_evidence %}<br><span class="badge">{{ t_document }}: {{ m.get_document_kind_display|default:"—" }}</span>{% endif %}</td>
    <td data-label="{{ t_assignee }}">{{ a.assignee }}</td>
    <td data-label="{{ t_latest }}">{% if latest %}<a href="{{ row.latest_url }}">{{ row.latest_status }}</a> <span class="badge {{ latest.review_state }}">{{ row.latest_review }}</span>
      {% if latest.review_state == "returned" %}<br><span class="error">{{ latest.review_reason }}</span>{% endif %}{% else %}—{% endif %}</td>
    <td class="my-action"><a class="button small" href="{{ row.create_url }}">{{ t_report }}</a></td>
  </tr>
  """
    '{% endwith %}{% empty %}<tr><td colspan="5">'
    '{% translate "Поручений по действующим дорожным картам нет." %}</td></tr>{% endfor %}'
)  # fmt: skip


def _with_template_texts(rows) -> None:
    """What the view put beside each `my_assignments` row for the template's loop."""
    for row in rows:
        assignment, latest = row["assignment"], row["latest"]
        row["roadmap_label"] = assignment.measure.roadmap.label
        row["create_url"] = reverse("roadmaps:report-create", args=[assignment.pk])
        if latest is not None:
            row["latest_url"] = reverse("roadmaps:report-detail", args=[latest.pk])
            row["latest_status"] = latest.get_status_display()
            row["latest_review"] = latest.get_review_state_display()


def _template_rows(rows) -> str:
    with translation.override("ru"):
        return Template(LOOP).render(Context({"rows": rows}))


def test_rows_written_in_python_are_the_template_rows(world):
    long_text = "Семинар «<b>R&D</b>» для учителей " + "и методистов " * 20
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="Карта <с разметкой> & знаками",
        measures=[
            ("1.", long_text, "до 1 октября 2025 г."),
            ("2.", "Мероприятие с документом", "до 1 декабря 2030 г."),
            ("3.", "Мероприятие без срока", "постоянно"),
        ],
    )
    Measure.objects.filter(roadmap=roadmap, number="2.").update(
        requires_evidence=True, document_kind=Measure._meta.get_field("document_kind").choices[0][0]
    )
    Measure.objects.filter(roadmap=roadmap, number="3.").update(requires_evidence=True)
    f.report_progress(roadmap=roadmap, number="1.", school=world.school_a1, by=world.carol)
    returned = f.report_progress(
        roadmap=roadmap, number="2.", school=world.school_a1, by=world.carol, status="in_progress"
    )
    progress_report_return(report=returned, reason="Нет <подписи> & печати", by=world.bob)

    today = date(2025, 11, 15)
    with translation.override("ru"):
        rows = my_assignments(user=world.carol, today=today, own=True)
        _with_template_texts(rows)
        lean = my_assignment_rows(user=world.carol, today=today)
        python = my_rows_html(lean)
    # The plain rows are my_assignments' rows: the same assignments in the same order,
    # due dates, states, latest reports and assignees.
    assert [(r.pk, r.due, r.overdue, r.done, r.latest and r.latest.pk) for r in lean] == [
        (r["assignment"].pk, r["due"], r["overdue"], r["done"], r["latest"] and r["latest"].pk)
        for r in rows
    ]
    assert [str(r.assignee) for r in lean] == [str(r["assignment"].assignee) for r in rows]
    # Every kind of row is there: overdue, with a document, returned, without a report.
    assert any(r["overdue"] for r in rows) and any(r["due"] is None for r in rows)
    assert any(r["latest"] is None for r in rows)
    assert any(
        r["latest"] and r["latest"].review_state == ProgressReport.Review.RETURNED for r in rows
    )
    assert "&lt;подписи&gt; &amp; печати" in python
    assert "<b>" not in python
    assert python == _template_rows(rows)


def test_no_rows_say_so_as_the_template_did(world):
    with translation.override("ru"):
        assert my_rows_html([]) == _template_rows([])


# The loop of templates/roadmaps/report_queue.html before the rows moved to Python.
QUEUE_LOOP = (
    "{% load i18n roadmap_text %}{% for r in reports %}"
    """
  <tr><td>{{ r.submitted_at|date:"d.m.Y H:i" }}</td><td>{{ r.assignment.assignee }}</td>
    <td>{{ r.assignment.measure.number }} {{ r.assignment.measure.text|shortened:120 }}{% if r.previous_id %}<br><span class="badge">{% translate "повторно" %}</span>{% endif %}</td>
    <td>{{ r.period_start|date:"d.m.Y" }}–{{ r.period_end|date:"d.m.Y" }}</td><td>{{ r.get_status_display }}</td>
    <td>{{ r.evidence_count }}</td>
    <td><a class="button small" href="{% url 'roadmaps:report-detail' progress_report_pk=r.pk %}">{% translate "Проверить" %}</a></td></tr>
  """
    '{% empty %}<tr><td colspan="7">{% translate "Отчётов на проверке нет." %}</td></tr>{% endfor %}'
)  # fmt: skip


def test_queue_rows_written_in_python_are_the_template_rows(world):
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="Карта на проверке",
        measures=[
            ("1.", "Семинар «<b>R&D</b>» " + "для учителей " * 20, "до 1 октября 2025 г."),
            ("2.", "Анализ & разбор", "до 1 декабря 2025 г."),
        ],
    )
    first = f.report_progress(roadmap=roadmap, number="1.", school=world.school_a1, by=world.carol)
    progress_report_return(report=first, reason="Нет подписи", by=world.bob)
    f.report_progress(roadmap=roadmap, number="1.", school=world.school_a1, by=world.carol)
    f.report_progress(
        roadmap=roadmap, number="2.", school=world.school_a1, by=world.carol, status="in_progress"
    )
    # A body's report too: its assignee is the body, named by its short name or name.
    body_measure = measure_create(
        roadmap=roadmap,
        number="3.",
        text="Рекомендации органа",
        deadline_text="декабрь 2025",
        responsible_text=world.body_a.name,
        by=world.bob,
    )
    assignments_create(roadmap=roadmap, by=world.bob)
    world.body_a.short_name = "УО <Альфа>"
    world.body_a.save()
    Membership.objects.filter(user=world.mia).update(body=world.body_a)
    forget_reach(world.mia)
    progress_report_submit(
        assignment=Assignment.objects.get(measure=body_measure, body=world.body_a),
        period_start=date(2025, 9, 1),
        period_end=date(2025, 12, 31),
        status=ProgressReport.Status.IN_PROGRESS,
        by=world.mia,
    )
    with translation.override("ru"):
        reports = list(review_queue(user=world.bob))
        python = queue_rows_html(queue_rows(review_queue(user=world.bob)))
        template = Template(QUEUE_LOOP).render(Context({"reports": reports}))
    assert len(reports) >= 3 and any(r.previous_id for r in reports)
    assert any(r.assignment.body_id for r in reports)
    assert "Анализ &amp; разбор" in python and "&lt;b&gt;" in python
    assert "УО &lt;Альфа&gt;" in python
    assert python == template
    with translation.override("ru"):
        assert queue_rows_html([]) == Template(QUEUE_LOOP).render(Context({"reports": []}))


def test_a_queue_row_names_the_assignee_as_the_assignment_does(world):
    body = world.body_a
    for assignment in (
        Assignment(school=world.school_a1, body=body, assignee_text="текст"),
        Assignment(body=body, assignee_text="текст"),
        Assignment(assignee_text="Совет <директоров>"),
    ):
        for short_name in ("", "УО"):
            body.short_name = short_name
            row = {
                "assignment__school_id": assignment.school_id,
                "assignment__school__short_name": world.school_a1.short_name,
                "assignment__body_id": assignment.body_id,
                "assignment__body__short_name": body.short_name,
                "assignment__body__name": body.name,
                "assignment__assignee_text": assignment.assignee_text,
            }
            assert assignee_of(row) == str(assignment.assignee)


# The loop of templates/roadmaps/roadmap_list.html before the rows moved to Python.
LIST_LOOP = (
    "{% load i18n %}"
    + '{% for r in roadmaps %}\n  <tr>\n    <td><a href="{% url \'roadmaps:roadmap-detail\' roadmap_pk=r.pk %}">{{ r.label }}</a><br><span class="muted">{{ r.title|truncatechars:150 }}</span></td>\n    <td>{{ r.owner }}</td>\n    <td>{{ r.period_start|date:"d.m.Y"|default:"—" }} — {{ r.period_end|date:"d.m.Y"|default:"—" }}</td>\n    <td><span class="badge {{ r.status }}">{{ r.get_status_display }}</span></td>\n    <td class="num">{{ r.measure_count }}</td>\n  </tr>\n  {% empty %}\n  <tr><td colspan="5">{% translate "Дорожных карт пока нет." %}</td></tr>\n  {% endfor %}'
)


def test_roadmap_rows_written_in_python_are_the_template_rows(world):
    from roadmaps.models import Roadmap

    f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="Карта «<i>R&D</i>» " + "и длинное название " * 12,
        measures=[("1.", "Семинар", "до 1 октября 2025 г.")],
    )
    draft = f.approved_roadmap(
        municipality=world.muni_a, by=world.bob, title="Проект", measures=[("1.", "М", "")]
    )
    Roadmap.objects.filter(pk=draft.pk).update(status=Roadmap.Status.DRAFT, period_start=None)
    with translation.override("ru"):
        roadmaps = list(roadmap_list(user=world.bob))
        python = roadmap_rows_html(roadmaps)
        template = Template(LIST_LOOP).render(Context({"roadmaps": roadmaps}))
        empty = roadmap_rows_html([]) == Template(LIST_LOOP).render(Context({"roadmaps": []}))
    assert len(roadmaps) >= 2 and "—" in python and "&lt;i&gt;R&amp;D&lt;/i&gt;" in python
    assert python == template and empty
