"""The dashboards write their lists in Python: the deputy's «overdue» and «due this
month» items (reports.dashboard.blocks.due_items_html) and the official's overdue
assignments, reports waiting for review, execution by school and flagged schools
(reports.dashboard.rows): the same HTML the templates' loops wrote."""

from datetime import date

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from reports.dashboard.blocks import dashboard, due_items_html
from reports.dashboard.rows import (
    flagged_school_rows_html,
    municipality_rows_html,
    overdue_rows_html,
    queue_items_html,
    school_rows_html,
)
from roadmaps.models import Assignment, ProgressReport
from roadmaps.selectors.assignment import school_assignments_due
from roadmaps.selectors.report import queue_rows, review_queue
from roadmaps.services.assignment import assignments_create
from roadmaps.services.measure import measure_create
from roadmaps.services.report import progress_report_accept, progress_report_submit
from schools.models import Membership
from schools.scoping import forget_reach
from schools.selectors import membership_list
from tests import factories as f

TODAY = date(2026, 1, 15)

# The loop of templates/reports/includes/_dash_deputy.html before the items moved to Python.
LOOP = (
    "{% load roadmap_text %}{% for r in rows %}"
    '<li>{{ r.due|date:"d.m.Y" }} — <a href="{{ r.report_url }}">{{ r.assignment.measure.number }}'
    " {{ r.assignment.measure.text|shortened:90 }}</a></li>{% endfor %}"
)


def test_due_items_written_in_python_are_the_template_items(world):
    f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="Карта с разметкой",
        measures=[
            ("1.", "Семинар «<b>R&D</b>» для учителей " + "и методистов " * 10, "до 1 октября 2025 г."),
            ("2.", "Анализ & <i>разбор</i> ВПР", "до 20 ноября 2025 г."),
            ("3.", "Совещание", "до 1 мая 2026 г."),
        ],
    )  # fmt: skip
    with translation.override("ru"):
        rows = school_assignments_due(
            user=world.carol, school=world.school_a1, today=date(2025, 11, 15)
        )
        python = due_items_html(rows)
        for row in rows:
            row["report_url"] = reverse(
                "roadmaps:report-create", kwargs={"assignment_pk": row["assignment"].pk}
            )
        template = Template(LOOP).render(Context({"rows": rows}))
    assert len(rows) >= 3 and any(r["overdue"] for r in rows)
    assert "Анализ &amp; &lt;i&gt;разбор&lt;/i&gt; ВПР" in python
    assert "…" in python  # the long text is shortened
    assert python == template


def test_dashboard_lists_the_overdue_item_with_its_report_link(client, world):
    f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="Карта со сроком",
        measures=[("7.", "Просроченное мероприятие", "до 1 октября 2025 г.")],
    )
    client.force_login(world.carol)
    page = client.get("/").content.decode()
    assert "Просроченное мероприятие</a></li>" in page
    assert '<a href="/roadmaps/assignments/' in page


# --- the official's lists (reports.dashboard.rows) ----------------------------------------
# Each loop as templates/reports/includes/_dash_official.html and _dash_execution.html
# wrote it before the rows moved to Python, fed the objects they were given then.
OVERDUE_LOOP = (
    "{% load roadmap_text %}{% for r in rows %}"
    '<tr><td>{{ r.due|date:"d.m.Y" }}</td><td>{{ r.assignment.measure.number }} '
    "{{ r.assignment.measure.text|shortened:90 }}</td><td>{{ r.assignment.assignee }}</td></tr>"
    "{% endfor %}"
)
QUEUE_LOOP = (
    "{% load roadmap_text %}{% for r in reports %}"
    "<li><a href=\"{% url 'roadmaps:report-detail' r.pk %}\">{{ r.assignment.assignee }} — "
    "{{ r.assignment.measure.number }} {{ r.assignment.measure.text|shortened:80 }}</a> "
    '<span class="muted">{{ r.submitted_at|date:"d.m.Y" }}</span></li>{% endfor %}'
)
SCHOOLS_LOOP = (
    "{% for r in rows %}<tr><td>{{ r.school.short_name }}</td>"
    '<td class="num">{{ r.total }}</td><td class="num">{{ r.done }}</td>'
    '<td class="num">{{ r.overdue }}</td><td class="num">{{ r.rate.missing|default:"0" }}</td>'
    "</tr>{% endfor %}"
)
FLAGS_LOOP = (
    "{% load i18n %}{% for s in schools %}<tr><td>{{ s.row.school.short_name }}</td><td>"
    "{% for m in s.markers %}<a href=\"{% url 'objectivity:finding-detail' m.finding.pk %}\""
    "{% if m.answered %} aria-label=\"{{ m.finding.label }}, {% translate 'есть ответ' %}\""
    "{% endif %}>{{ m.label }}</a>{% if m.answered %}&nbsp;✓{% endif %}"
    "{% if not forloop.last %}, {% endif %}{% endfor %}</td><td>"
    "{% blocktranslate with answered=s.answered total=s.markers|length %}"
    "{{ answered }} из {{ total }}{% endblocktranslate %}; {% if s.has_measure %}"
    '{% translate "мероприятие в дорожной карте есть" %}{% else %}<strong>'
    '{% translate "мероприятия в дорожной карте нет" %}</strong>{% endif %}</td></tr>'
    "{% endfor %}"
)


@pytest.fixture
def marked_up(world):
    """A roadmap whose texts and a school's name carry markup, with a late measure,
    reports waiting for review (one of them a body's) and one accepted."""
    world.school_a2.short_name = "Школа «<b>A&2</b>»"
    world.school_a2.save()
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[
            ("1.", "Семинар «<b>R&D</b>» для учителей " + "и методистов " * 10, "октябрь 2025"),
            ("2.", "Анализ & <i>разбор</i> ВПР", "ноябрь 2025"),
        ],
    )  # fmt: skip
    measure_create(
        roadmap=roadmap,
        number="3.",
        text="Рекомендации органа <УО>",
        deadline_text="декабрь 2025",
        responsible_text=world.body_a.name,
        by=world.bob,
    )
    assignments_create(roadmap=roadmap, by=world.bob)
    accepted = f.report_progress(
        roadmap=roadmap, number="1.", school=world.school_a1, by=world.carol
    )
    progress_report_accept(report=accepted, by=world.bob)
    f.report_progress(roadmap=roadmap, number="2.", school=world.school_a2, by=world.bob)
    Membership.objects.filter(user=world.mia).update(body=world.body_a)
    forget_reach(world.mia)
    progress_report_submit(
        assignment=Assignment.objects.get(measure__roadmap=roadmap, body=world.body_a),
        period_start=date(2025, 9, 1),
        period_end=date(2025, 12, 31),
        status=ProgressReport.Status.IN_PROGRESS,
        by=world.mia,
    )
    return roadmap


def test_the_officials_overdue_rows_are_the_template_rows(world, marked_up):
    (block,) = dashboard(
        user=world.bob, memberships=list(membership_list(user=world.bob)), today=TODAY
    )
    rows = block["overdue"]
    objects = Assignment.objects.in_bulk([r["pk"] for r in rows])
    with translation.override("ru"):
        template = Template(OVERDUE_LOOP).render(
            Context({"rows": [{"due": r["due"], "assignment": objects[r["pk"]]} for r in rows]})
        )
    assert len(rows) == 3  # 1. for A2 (A1 accepted), 2. for both (not accepted yet)
    assert "Школа «&lt;b&gt;A&amp;2&lt;/b&gt;»" in block["overdue_html"]
    assert block["overdue_html"] == overdue_rows_html(rows) == template


def test_the_officials_queue_items_are_the_template_items(world, marked_up):
    reports = list(review_queue(user=world.bob))
    with translation.override("ru"):
        python = queue_items_html(list(queue_rows(review_queue(user=world.bob))))
        template = Template(QUEUE_LOOP).render(Context({"reports": reports}))
    assert len(reports) >= 2 and any(r.assignment.body_id for r in reports)
    assert "Анализ &amp; &lt;i&gt;разбор&lt;/i&gt; ВПР" in python
    assert python == template


def test_the_officials_school_rows_are_the_template_rows(world, marked_up):
    (block,) = dashboard(
        user=world.bob, memberships=list(membership_list(user=world.bob)), today=TODAY
    )
    rows = list(block["execution"]["by_school"])
    # Beside the real rows: no reporting rate, none missing, and thousands.
    rows += [
        {**rows[0], "rate": None},
        {**rows[0], "rate": {"missing": 0}},
        {**rows[0], "total": 12345, "rate": {"missing": 1234}},
    ]
    with translation.override("ru"):
        python = school_rows_html(rows)
        template = Template(SCHOOLS_LOOP).render(Context({"rows": rows}))
    assert block["school_rows_html"] == school_rows_html(block["execution"]["by_school"])
    assert "Школа «&lt;b&gt;A&amp;2&lt;/b&gt;»" in python
    assert python == template


def test_the_officials_flagged_school_rows_are_the_template_rows(world, marked_up):
    from assessments.objectivity.services import flags as flag_services
    from tests.reports.test_dashboard import finding, region_run

    run = region_run(
        world,
        2026,
        {world.school_a1: ["4 МА", "5 РУ"], world.school_a2: ["4 РУ"], world.school_b1: ["4 МА"]},
    )
    flag_services.flag_answer_with_measure(
        finding=finding(run, world.school_a2, "4 РУ"),
        measure=marked_up.measures.get(number="2."),
        by=world.bob,
    )
    (block,) = dashboard(
        user=world.bob, memberships=list(membership_list(user=world.bob)), today=TODAY
    )
    flags = block["objectivity"]
    with translation.override("ru"):
        python = flagged_school_rows_html(flags["schools"])
        template = Template(FLAGS_LOOP).render(Context({"schools": flags["schools"]}))
    answered = [m["answered"] for s in flags["schools"] for m in s["markers"]]
    assert len(flags["schools"]) == 2 and True in answered and False in answered
    assert any(s["has_measure"] for s in flags["schools"])
    assert not all(s["has_measure"] for s in flags["schools"])
    assert flags["schools_html"] == python == template


# The loop of templates/reports/includes/_dash_analyst.html before the rows moved to Python.
MUNICIPALITIES_LOOP = (
    '{% load i18n %}{% for r in b.municipalities %}<tr><td><a href="{% url '
    "'schools:municipality-detail' r.municipality.pk %}\">{{ r.municipality.name }}</a></td>"
    "<td>{% if r.roadmap %}<a href=\"{% url 'roadmaps:roadmap-detail' r.roadmap.pk %}\">"
    '{{ r.roadmap.label }}</a>{% else %}<span class="muted">{% translate "нет действующей" %}'
    '</span>{% endif %}</td><td class="num">{% if r.share_done is None %}—{% else %}'
    '{{ r.share_done|floatformat:"-1" }} %{% endif %}</td></tr>{% endfor %}'
)


def test_the_analysts_municipality_rows_are_the_template_rows(world):
    world.muni_a.name = "Город «<b>A&1</b>»"
    world.muni_a.save()
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="План <А>",
        measures=[("1.", "Семинар", "октябрь 2025"), ("2.", "Анализ", "ноябрь 2025")],
    )
    assignments_create(roadmap=roadmap, by=world.bob)
    for school, deputy in ((world.school_a1, world.carol), (world.school_a2, world.bob)):
        accepted = f.report_progress(roadmap=roadmap, number="1.", school=school, by=deputy)
        progress_report_accept(report=accepted, by=world.bob)
    (block,) = dashboard(
        user=world.alice, memberships=list(membership_list(user=world.alice)), today=TODAY
    )
    shown = {r["municipality"].pk: r for r in block["municipalities"]}
    assert shown[world.muni_a.pk]["roadmap"] == roadmap
    assert shown[world.muni_a.pk]["share_done"] not in (None, 0)
    # Beside the real rows: whole, one-decimal and rounded shares, none at all, and a
    # municipality without a roadmap in force.
    first = block["municipalities"][0]
    rows = (
        block["municipalities"]
        + [{**first, "share_done": share} for share in (0, 0.0, 45.0, 45.5, 33.33, 100, None)]
        + [{**first, "roadmap": None, "share_done": None}]
    )
    with translation.override("ru"):
        python = municipality_rows_html(rows)
        template = Template(MUNICIPALITIES_LOOP).render(Context({"b": {"municipalities": rows}}))
    assert "Город «&lt;b&gt;A&amp;1&lt;/b&gt;»" in python and "45,5 %" in python
    assert "нет действующей" in python
    assert block["municipalities_html"] == municipality_rows_html(block["municipalities"])
    assert python == template
