"""A municipal roadmap's page keeps its table of school roadmaps («Школьные дорожные
карты») as HTML in the cache (roadmaps/views/cascade.py), and reads its count of
reports waiting for review from the home page's entry: a page served from the cache
equals the page built afresh, and every change to a school roadmap, its measures, a
school or a report, made through the services, the admin or a queryset, shows at once."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roadmaps.models import Measure, ProgressReport, Roadmap
from roadmaps.services.cascade import school_roadmap_start_from
from roadmaps.services.measure import measure_delete, measure_update
from roadmaps.services.report import progress_report_accept
from roadmaps.services.roadmap import roadmap_approve
from schools.models import School
from tests import factories as f
from tests.roadmaps.test_outline_cache import admin_change

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def roadmap(world):
    cache.clear()
    return f.cascaded_roadmap(world)


@pytest.fixture
def root():
    return f.user("root", is_superuser=True, is_staff=True)


def page(client, user, roadmap) -> str:
    client.force_login(user)
    response = client.get(f"/roadmaps/{roadmap.pk}/")
    assert response.status_code == 200
    return TOKEN.sub('name="csrfmiddlewaretoken" value="*"', response.content.decode())


def cascade(html: str) -> str:
    found = re.search(r"<h2>Школьные дорожные карты</h2>.*?</table>", html, re.S)
    return found.group(0) if found else ""


def row(html: str, school) -> str:
    """The cascade table's row of `school` ("" when it has none)."""
    for tr in re.findall(r"<tr>.*?</tr>", cascade(html), re.S):
        if f"<td>{school.short_name}</td>" in tr:
            return tr
    return ""


def pending(html: str) -> int:
    found = re.search(r"Отчётов на проверке: (\d+)", html)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("who", ["bob", "carol", "victor"])
def test_the_cached_table_equals_the_fresh_one(client, world, roadmap, who):
    user = getattr(world, who)
    school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    cache.clear()
    fresh = page(client, user, roadmap)
    assert "проект" in row(fresh, world.school_a1)
    assert (row(fresh, world.school_a2) != "") is (who != "carol")
    assert page(client, user, roadmap) == fresh


def test_the_second_page_reads_no_school_or_school_roadmap_measure(client, world, roadmap):
    school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    page(client, world.bob, roadmap)
    with CaptureQueriesContext(connection) as queries:
        page(client, world.bob, roadmap)
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'FROM "schools_school"' not in tables
    assert 'FROM "roadmaps_measure"' not in tables
    assert 'FROM "roadmaps_progressreport"' not in tables


def test_an_approver_posts_the_start_form_of_the_cached_page(world, roadmap):
    """The token put in the cached rows is the request's: a school's draft started with
    it (CSRF checks on) is made."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bob)
    client.get(f"/roadmaps/{roadmap.pk}/")
    html = client.get(f"/roadmaps/{roadmap.pk}/").content.decode()
    start = reverse(
        "roadmaps:roadmap-start-school",
        kwargs={"roadmap_pk": roadmap.pk, "school_pk": world.school_a2.pk},
    )
    form = re.search(r'action="' + re.escape(start) + r'">(<input[^>]+>)', html).group(1)
    token = re.search(r'value="([^"]+)"', form).group(1)
    response = client.post(start, {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert roadmap.school_roadmaps.filter(school=world.school_a2).exists()


def test_school_roadmap_changes_through_the_services_show_at_once(client, world, roadmap):
    before = row(page(client, world.bob, roadmap), world.school_a1)
    assert "не начата" in before and "Создать проект для школы" in before
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    now = row(page(client, world.bob, roadmap), world.school_a1)
    assert "проект" in now and "Создать проект для школы" not in now
    first, second = child.measures.order_by("position")
    measure_update(measure=first, version=first.version, deadline_text="Июнь", by=world.carol)
    assert "срок «Май» → «Июнь»" in row(page(client, world.bob, roadmap), world.school_a1)
    measure_delete(measure=second, by=world.carol)
    assert "1.2. Семинар для учителей" in row(page(client, world.bob, roadmap), world.school_a1)
    roadmap_approve(roadmap=Roadmap.objects.get(pk=child.pk), by=world.carol)
    assert "утверждена" in row(page(client, world.bob, roadmap), world.school_a1)


def test_school_roadmap_changes_in_the_admin_show_at_once(client, world, roadmap, root):
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    assert "проект" in row(page(client, world.bob, roadmap), world.school_a1)
    copy = child.measures.get(text="Анализ результатов ВПР")
    admin_change(client, root, Measure, copy, text="Анализ ВПР из админки")
    assert "«Анализ ВПР из админки»" in row(page(client, world.bob, roadmap), world.school_a1)
    admin_change(client, root, Roadmap, Roadmap.objects.get(pk=child.pk), status="approved")
    assert "утверждена" in row(page(client, world.bob, roadmap), world.school_a1)


def test_a_municipal_measure_changed_shows_in_the_table_at_once(client, world, roadmap, root):
    school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    assert "—" in row(page(client, world.bob, roadmap), world.school_a1)
    measure = roadmap.measures.get(number="1.2.")
    measure_update(measure=measure, by=world.bob, version=None, deadline_text="Март")
    assert "срок «Март» → «Апрель»" in row(page(client, world.bob, roadmap), world.school_a1)
    admin_change(client, root, Measure, Measure.objects.get(pk=measure.pk), text="Семинар УО")
    assert "мероприятие «Семинар УО»" in row(page(client, world.bob, roadmap), world.school_a1)


def test_schools_changed_anywhere_show_at_once(client, world, roadmap, root):
    """A school renamed in the admin or by a queryset update, closed by an update, and a
    new school: none of them touches the roadmap, the scope stamp follows them."""
    page(client, world.bob, roadmap)
    admin_change(
        client, root, School, School.objects.get(pk=world.school_a2.pk), short_name="Лицей у моря"
    )
    assert "<td>Лицей у моря</td>" in cascade(page(client, world.bob, roadmap))
    School.objects.filter(pk=world.school_a2.pk).update(short_name="Лицей на горе")
    assert "<td>Лицей на горе</td>" in cascade(page(client, world.bob, roadmap))
    School.objects.filter(pk=world.school_a2.pk).update(is_active=False)
    assert "Лицей на горе" not in cascade(page(client, world.bob, roadmap))
    new = f.school(municipality=world.muni_a, name="Новая школа")
    assert "не начата" in row(page(client, world.bob, roadmap), new)


def test_the_count_of_reports_to_review_follows_the_services_and_the_admin(
    client, world, roadmap, root
):
    base = pending(page(client, world.bob, roadmap))
    report = f.report_progress(
        roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol
    )
    assert pending(page(client, world.bob, roadmap)) == base + 1
    progress_report_accept(report=report, by=world.bob)
    assert pending(page(client, world.bob, roadmap)) == base
    other = f.report_progress(
        roadmap=roadmap, number="1.2.", school=world.school_a1, by=world.carol
    )
    assert pending(page(client, world.bob, roadmap)) == base + 1
    other = ProgressReport.objects.get(pk=other.pk)
    sent = timezone.localtime(other.submitted_at)
    admin_change(
        client,
        root,
        ProgressReport,
        other,
        review_state="accepted",
        # The admin splits the date and the time of the sending into two fields.
        submitted_at_0=sent.strftime("%d.%m.%Y"),
        submitted_at_1=sent.strftime("%H:%M:%S"),
    )
    assert pending(page(client, world.bob, roadmap)) == base


# The list at the foot of the page, as the template's loop wrote it before it moved to
# Python (roadmaps.views.cascade.school_roadmap_list_html).
LIST_LOOP = (
    "{% for r in school_roadmaps %}<li><a href=\"{% url 'roadmaps:roadmap-detail' "
    'roadmap_pk=r.pk %}">{{ r.school }}</a> — {{ r.get_status_display }}</li>{% endfor %}'
)


def test_the_list_written_in_python_is_the_template_list(world, roadmap):
    from django.template import Context, Template

    from roadmaps.views.cascade import school_roadmap_list_html, school_roadmaps_read

    first = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    School.objects.filter(pk=world.school_a2.pk).update(short_name="Школа <№2> & К°")
    school_roadmap_start_from(municipal=roadmap, school=world.school_a2, by=world.bob)
    roadmap_approve(roadmap=Roadmap.objects.get(pk=first.pk), by=world.carol)
    children = school_roadmaps_read(roadmap=roadmap, user=world.bob)
    assert [c.school_id for c in children] == [world.school_a2.pk, world.school_a1.pk]
    template = Template(LIST_LOOP).render(
        Context({"school_roadmaps": roadmap.school_roadmaps.select_related("school")})
    )
    python = school_roadmap_list_html(children)
    assert "Школа &lt;№2&gt; &amp; К°</a> — проект" in python
    assert python == template


def test_the_list_follows_its_schools_and_their_roadmaps(client, world, roadmap, root):
    child = school_roadmap_start_from(municipal=roadmap, school=world.school_a1, by=world.carol)
    link = f'<a href="/roadmaps/{child.pk}/">'
    assert link + "Альфа-школа №1</a> — проект" in page(client, world.bob, roadmap)
    admin_change(
        client, root, School, School.objects.get(pk=world.school_a1.pk), short_name="Лицей №1"
    )
    assert link + "Лицей №1</a> — проект" in page(client, world.bob, roadmap)
    Roadmap.objects.filter(pk=child.pk).update(status="approved")
    assert link + "Лицей №1</a> — утверждена" in page(client, world.bob, roadmap)
