"""The deputy's dashboard writes its «overdue» and «due this month» items in Python
(reports.dashboard.blocks.due_items_html): the same HTML the template's loop wrote."""

from datetime import date

from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from reports.dashboard.blocks import due_items_html
from roadmaps.selectors.assignment import school_assignments_due
from tests import factories as f

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
