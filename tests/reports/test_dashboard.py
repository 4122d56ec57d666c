"""Each role opens the product and sees what needs it."""

import re
from datetime import date

import pytest
from django.utils import timezone

from reports.dashboard.blocks import dashboard, due_items_html
from roadmaps.services.report import progress_report_accept, progress_report_return
from schools.selectors import membership_list
from tests import factories as f

TODAY = date(2026, 1, 15)


@pytest.fixture
def roadmap(world):
    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[
            ("1.1.", "Анализ результатов ВПР на педагогических советах", "октябрь 2025"),
            ("1.2.", "Перекрёстная проверка работ", "март 2026"),
        ],
    )
    accepted = f.report_progress(
        roadmap=roadmap, number="1.1.", school=world.school_a1, by=world.carol
    )
    progress_report_accept(report=accepted, by=world.bob)
    return roadmap


def blocks_of(user):
    return dashboard(user=user, memberships=list(membership_list(user=user)), today=TODAY)


def test_the_official_sees_execution_overdue_schools_and_the_review_queue(world, roadmap):
    f.report_progress(
        roadmap=roadmap, number="1.2.", school=world.school_a2, by=world.bob, status="in_progress"
    )
    (block,) = blocks_of(world.bob)
    assert block["roadmap"] == roadmap
    assert block["execution"]["measures"]["total"] == 2
    assert [r["school_id"] for r in block["overdue"]] == [world.school_a2.pk]  # 1.1 in October
    assert world.school_a2.short_name in block["overdue_html"]
    assert block["queue_count"] == 1
    titles = re.findall(r"<title>([^<]*)</title>", block["school_chart"])
    assert "Альфа-школа №1: 50\u00a0%" in titles, titles


def test_the_officials_queue_follows_reports_sent_and_reviewed(world, roadmap):
    """The queue is cached under the roadmap's stamp: a report sent, then accepted,
    shows at the next look, not ten minutes later."""
    (block,) = blocks_of(world.bob)
    assert block["queue_count"] == 0 and block["queue"] == []
    sent = f.report_progress(roadmap=roadmap, number="1.2.", school=world.school_a2, by=world.bob)
    (block,) = blocks_of(world.bob)
    assert block["queue_count"] == 1 and [r["pk"] for r in block["queue"]] == [sent.pk]
    assert f'href="/roadmaps/reports/{sent.pk}/"' in block["queue_html"]
    progress_report_accept(report=sent, by=world.bob)
    (block,) = blocks_of(world.bob)
    assert block["queue_count"] == 0 and block["queue"] == [] and block["queue_html"] == ""


def test_the_deputy_sees_returned_reports_with_the_reason_and_what_is_due(world, roadmap):
    sent = f.report_progress(roadmap=roadmap, number="1.2.", school=world.school_a1, by=world.carol)
    progress_report_return(report=sent, reason="Приложите протокол педсовета", by=world.bob)
    (block,) = blocks_of(world.carol)
    assert [r.review_reason for r in block["returned"]] == ["Приложите протокол педсовета"]
    assert block["overdue"] == []  # 1.1 accepted, 1.2 is due in March
    march = dashboard(
        user=world.carol,
        memberships=list(membership_list(user=world.carol)),
        today=date(2026, 3, 2),
    )[0]
    assert [r["assignment"].measure.number for r in march["due_soon"]] == ["1.2."]


@pytest.mark.parametrize("today", [date(2025, 9, 1), TODAY, date(2026, 3, 2), date(2026, 6, 1)])
def test_the_deputys_dashboard_reads_the_rows_of_my_measures(world, roadmap, today):
    """The dashboard's light query gives the same rows, in the same order, with the
    same due dates and states as «Мои мероприятия» (which reads every report)."""
    from roadmaps.selectors.assignment import my_assignments, school_assignments_due

    f.report_progress(roadmap=roadmap, number="1.2.", school=world.school_a1, by=world.carol)
    rows = my_assignments(user=world.carol, today=today, school=world.school_a1)
    light = school_assignments_due(user=world.carol, today=today, school=world.school_a1)

    def key(r):
        return (r["assignment"].pk, r["due"], r["done"], r["overdue"])

    assert [key(r) for r in light] == [key(r) for r in rows] and len(rows) == 3


# --- the deputy's rows, kept in the cache ---------------------------------------------
# Each change below goes through the product's service; the next look must show it.


def numbers(rows):
    return [r["assignment"].measure.number for r in rows]


def deputy_rows(user, today=TODAY):
    """The deputy's block; its lists' HTML (kept in the cache) is that of the rows read
    now, so each test below checks the page as well as the rows."""
    (block,) = dashboard(user=user, memberships=list(membership_list(user=user)), today=today)
    assert block["overdue_html"] == due_items_html(block["overdue"])
    assert block["due_soon_html"] == due_items_html(block["due_soon"])
    return block


@pytest.fixture
def late(world):
    """A roadmap whose measure 2.1 was due in October 2025 and is not done by A1."""
    return f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        title="Вторая дорожная карта",
        measures=[("2.1.", "Семинар для экспертов", "октябрь 2025")],
    )


def test_the_deputys_rows_follow_a_report_accepted(world, late):
    assert numbers(deputy_rows(world.carol)["overdue"]) == ["2.1."]
    sent = f.report_progress(roadmap=late, number="2.1.", school=world.school_a1, by=world.carol)
    assert numbers(deputy_rows(world.carol)["overdue"]) == ["2.1."]  # not accepted yet
    progress_report_accept(report=sent, by=world.bob)
    block = deputy_rows(world.carol)
    assert block["overdue"] == [] and "2.1." not in block["overdue_html"]


def test_the_deputys_rows_follow_a_measure_added_to_the_roadmap(world, late):
    from roadmaps.services.measure import measure_create

    assert numbers(deputy_rows(world.carol)["overdue"]) == ["2.1."]
    measure_create(
        roadmap=late,
        by=world.bob,
        number="2.2.",
        text="Открытый урок",
        deadline_text="ноябрь 2025",
        responsible_text="ОО",
    )
    block = deputy_rows(world.carol)
    assert (
        numbers(block["overdue"]) == ["2.1.", "2.2."] and "Открытый урок" in block["overdue_html"]
    )


def test_the_deputys_rows_follow_a_deadline_moved(world, late):
    from roadmaps.models import Measure
    from roadmaps.services.measure import measure_update

    assert numbers(deputy_rows(world.carol)["overdue"]) == ["2.1."]
    measure = Measure.objects.select_related("roadmap").get(roadmap=late, number="2.1.")
    measure_update(
        measure=measure, by=world.bob, version=measure.version, deadline_text="январь 2026"
    )
    block = deputy_rows(world.carol)
    assert block["overdue"] == [] and numbers(block["due_soon"]) == ["2.1."]
    assert "31.01.2026" in block["due_soon_html"]


def test_the_deputys_rows_follow_the_roadmaps_status(world, late):
    from roadmaps.services.roadmap import roadmap_close

    assert numbers(deputy_rows(world.carol)["overdue"]) == ["2.1."]
    roadmap_close(roadmap=late, by=world.bob)
    assert deputy_rows(world.carol)["overdue"] == []


def test_the_deputys_rows_follow_the_day(world, late):
    assert numbers(deputy_rows(world.carol, today=date(2025, 10, 2))["due_soon"]) == ["2.1."]
    assert deputy_rows(world.carol, today=date(2025, 10, 2))["overdue"] == []
    assert numbers(deputy_rows(world.carol, today=date(2025, 11, 2))["overdue"]) == ["2.1."]


def test_the_deputys_rows_are_the_schools_own(world, late):
    """Two deputies of two schools look at the same roadmap: each sees the own school's."""
    sent = f.report_progress(roadmap=late, number="2.1.", school=world.school_a1, by=world.carol)
    progress_report_accept(report=sent, by=world.bob)
    assert deputy_rows(world.carol)["overdue"] == []
    other = f.user("deputy_a2", role=f.Role.SCHOOL_DEPUTY, node=world.school_a2)
    assert numbers(deputy_rows(other)["overdue"]) == ["2.1."]


def test_the_regional_analyst_compares_municipalities(world, roadmap):
    (block,) = blocks_of(world.alice)
    rows = {r["municipality"].name: r for r in block["municipalities"]}
    assert set(rows) == {"Альфаград", "Бетаград"}
    assert rows["Альфаград"]["roadmap"] == roadmap and rows["Альфаград"]["share_done"] == 0.0


def test_the_official_of_another_municipality_sees_none_of_it(world, roadmap):
    (block,) = blocks_of(world.dan)
    assert block.get("roadmap") != roadmap
    schools_b = set(world.muni_b.schools.values_list("pk", flat=True))
    assert all(r["school_id"] in schools_b for r in block["overdue"])
    assert "Альфа" not in block.get("school_chart", "")


def test_the_home_page_shows_each_block(client, world, roadmap):
    client.force_login(world.bob)
    html = client.get("/").content.decode()
    assert roadmap.title in html and "Отчётов ждут проверки" not in html
    assert "Выполнение по школам" in html


# --- objectivity flags ------------------------------------------------------------------
# The world holds a finished run of 2026 for A and one for B (tests/assessments/world.py),
# each flagging one school in «4 МА», answered by a dismissal.

LABELS = {
    "4 МА": (4, "math"),
    "4 РУ": (4, "russian"),
    "5 МА": (5, "math"),
    "5 РУ": (5, "russian"),
}


def procedure_of(world, label, year):
    from assessments.results.models import Instrument, Procedure

    grade, subject = LABELS[label]
    procedure, _created = Procedure.objects.get_or_create(
        region=world.region,
        instrument=Instrument.VPR,
        subject=subject,
        grade=grade,
        year=year,
        defaults={"max_score": 10},
    )
    return procedure


def region_run(world, year, flagged, *, minutes_ago=0, status="done", municipality=None):
    """A check run of `year` over the region (or one municipality) in which each
    school of `flagged` ({school: [labels]}) has those markers; every test of
    the school is stored, the unflagged ones without a marker."""
    from datetime import timedelta

    from assessments.objectivity.models import CheckFinding, CheckRun, CheckSchool
    from assessments.results.services.partitions import finding_partition_ensure

    run = CheckRun.objects.create(
        region=world.region,
        municipality=municipality,
        year=year,
        status=status,
        finished_at=timezone.now() - timedelta(minutes=minutes_ago) if status == "done" else None,
        counts={"labels": list(LABELS)},
    )
    finding_partition_ensure(table=CheckFinding._meta.db_table, year=run.year)
    for school, labels in flagged.items():
        row = CheckSchool.objects.create(
            run=run,
            region=school.region,
            municipality=school.municipality,
            school=school,
            markers=len(labels),
            marker_labels=labels,
        )
        for label in LABELS:
            CheckFinding.objects.create(
                run=run,
                year=run.year,
                row=row,
                region=school.region,
                municipality=school.municipality,
                school=school,
                procedure=procedure_of(world, label, year),
                label=label,
                pupils=40,
                marker=label in labels,
                reasons=["bunching"] if label in labels else [],
                indicators=[],
            )
    return run


def finding(run, school, label):
    return run.findings.get(school=school, label=label)


def flags_of(user):
    (block,) = blocks_of(user)
    return block["objectivity"]


def test_the_official_sees_the_flagged_schools_of_their_municipality_and_what_is_answered(
    world, roadmap
):
    from assessments.objectivity.services import flags as flag_services

    own = flags_of(world.bob)
    assert own["run"] == world.extra["assessments"]["a"]["run"]  # A's own run
    assert [(s["row"].school, s["answered"], s["has_measure"]) for s in own["schools"]] == [
        (world.school_a1, 1, False)  # the world dismissed it
    ]
    run = region_run(
        world,
        2026,
        {
            world.school_a1: ["4 МА", "5 РУ"],
            world.school_a2: ["4 РУ"],
            world.school_b1: ["4 МА", "4 РУ", "5 МА"],
        },
    )
    measure = roadmap.measures.get(number="1.2.")
    flag_services.flag_answer_with_measure(
        finding=finding(run, world.school_a2, "4 РУ"), measure=measure, by=world.bob
    )
    flags = flags_of(world.bob)
    assert flags["run"] == run  # the region-wide run finished later the same year
    rows = [
        (
            s["row"].school,
            [m["finding"].label for m in s["markers"]],
            s["answered"],
            s["has_measure"],
        )
        for s in flags["schools"]
    ]
    # The dismissal of A1's «4 МА» is kept by school and test across runs.
    assert rows == [
        (world.school_a1, ["4 МА", "5 РУ"], 1, False),
        (world.school_a2, ["4 РУ"], 1, True),
    ]
    assert flags["unanswered"] == 1
    dan = flags_of(world.dan)
    assert [s["row"].school for s in dan["schools"]] == [world.school_b1]
    # B's own dismissal of «4 МА» answers one of the three.
    assert [(s["answered"], len(s["markers"])) for s in dan["schools"]] == [(1, 3)]


def test_the_official_block_links_to_the_run_and_every_marker_and_shows_no_other_municipality(
    client, world
):
    from django.urls import reverse

    run = region_run(world, 2026, {world.school_a1: ["5 МА"], world.school_b1: ["4 РУ"]})
    client.force_login(world.bob)
    html = client.get("/").content.decode()
    assert "Школы с признаками необъективности" in html
    assert f"{reverse('objectivity:run-detail', args=[run.pk])}?municipality={world.muni_a.pk}" in (
        html
    )
    marker = finding(run, world.school_a1, "5 МА")
    assert reverse("objectivity:finding-detail", args=[marker.pk]) in html
    assert "0 из 1" in html
    for label in ("4 РУ",):  # B's marker
        other = finding(run, world.school_b1, label)
        assert reverse("objectivity:finding-detail", args=[other.pk]) not in html
    assert "Бета" not in html
    client.force_login(world.dan)
    html = client.get("/").content.decode()
    assert "Бета-школа №1" in html
    assert not any(marker in html for marker in world.municipality_markers)


def test_an_official_of_two_municipalities_sees_each_one_flags_in_its_own_block(world):
    region_run(world, 2026, {world.school_a1: ["4 МА"], world.school_b1: ["5 РУ"]})
    both = f.user("olga", role=f.Role.MUNICIPAL_OFFICIAL, node=world.muni_a)
    f.membership(both, role=f.Role.MUNICIPAL_OFFICIAL, node=world.muni_b)
    blocks = {b["membership"].municipality: b["objectivity"] for b in blocks_of(both)}
    assert [s["row"].school for s in blocks[world.muni_a]["schools"]] == [world.school_a1]
    assert [s["row"].school for s in blocks[world.muni_b]["schools"]] == [world.school_b1]


def test_without_a_finished_check_the_official_is_told_so_and_offered_to_run_one(client, world):
    from django.urls import reverse

    from assessments.objectivity.models import CheckRun

    CheckRun.objects.all().delete()
    region_run(world, 2026, {world.school_a1: ["4 МА"]}, status="running")
    flags = flags_of(world.bob)
    assert flags["run"] is None and flags["can_run"]
    client.force_login(world.bob)
    html = client.get("/").content.decode()
    assert "Проверка объективности результатов ещё не проводилась." in html
    assert f'href="{reverse("objectivity:run-list")}"' in html.split("ещё не проводилась")[1]


def test_a_municipality_without_flags_in_the_latest_run_reads_so(client, world):
    region_run(world, 2026, {world.school_b1: ["4 МА"]})
    assert flags_of(world.bob)["schools"] == []
    client.force_login(world.bob)
    html = client.get("/").content.decode()
    assert "В проверке 2026 года у школ муниципалитета признаков необъективности нет." in html


def test_the_deputy_sees_the_school_markers_with_the_municipality_answers(client, world, roadmap):
    from django.urls import reverse

    from assessments.objectivity.services import flags as flag_services

    run = region_run(
        world, 2026, {world.school_a1: ["4 МА", "5 МА", "5 РУ"], world.school_a2: ["4 РУ"]}
    )
    measure = roadmap.measures.get(number="1.2.")
    flag_services.flag_answer_with_measure(
        finding=finding(run, world.school_a1, "5 МА"), measure=measure, by=world.bob
    )
    flags = flags_of(world.carol)
    assert flags["run"] == run
    marks = {m["finding"].label: m for m in flags["markers"]}
    assert list(marks) == ["4 МА", "5 МА", "5 РУ"]
    assert [a.kind for a in marks["4 МА"]["answers"]] == ["dismissed"]
    assert [a.measure for a in marks["5 МА"]["answers"]] == [measure]
    assert marks["5 РУ"]["answers"] == []
    assert marks["5 МА"]["reasons"] == ["Пики первичных баллов на границах отметок"]

    client.force_login(world.carol)
    html = client.get("/").content.decode()
    assert "Признаки необъективности у школы" in html
    assert "Перепроверка подтвердила отметки." in html  # the dismissal's reason
    assert "1.2. Перекрёстная проверка работ" in html
    assert "пока нет" in html
    url = reverse("objectivity:finding-detail", args=[finding(run, world.school_a1, "5 РУ").pk])
    assert url in html
    assert client.get(url).status_code == 200  # the deputy can read the evidence
    # The other school of the municipality is not the deputy's business.
    assert "Альфа-школа №2" not in html
    assert (
        reverse("objectivity:finding-detail", args=[finding(run, world.school_a2, "4 РУ").pk])
        not in html
    )


def test_the_deputy_of_a_school_without_markers_reads_so(client, world):
    region_run(world, 2026, {world.school_a1: [], world.school_a2: ["4 РУ"]})
    flags = flags_of(world.carol)
    assert flags["checked"] and flags["markers"] == []
    client.force_login(world.carol)
    html = client.get("/").content.decode()
    assert "В проверке результатов ВПР 2026 года признаков необъективности у школы нет." in html


def test_the_analyst_compares_flagged_schools_of_municipalities_over_the_years(client, world):
    region_run(world, 2024, {world.school_a1: ["4 МА"], world.school_b1: []})
    # An earlier run of 2025, superseded by a re-run the same year.
    region_run(
        world,
        2025,
        {world.school_a1: ["4 МА"], world.school_a2: ["4 РУ"], world.school_b1: ["5 МА"]},
        minutes_ago=60,
    )
    latest = region_run(
        world,
        2025,
        {world.school_a1: ["4 МА", "5 МА"], world.school_a2: [], world.school_b1: ["5 МА"]},
    )
    # Neither a municipality's own run nor an unfinished one counts for the region.
    region_run(world, 2025, {world.school_a2: ["4 РУ"]}, municipality=world.muni_a)
    region_run(world, 2026, {world.school_a2: ["4 РУ"]}, status="running")

    flags = flags_of(world.alice)
    assert [r.year for r in flags["runs"]] == [2024, 2025]
    assert flags["runs"][1] == latest
    table = {r["municipality"].name: [n for _run, n in r["cells"]] for r in flags["rows"]}
    assert table == {"Альфаград": [1, 1], "Бетаград": [0, 1]}
    assert flags["totals"] == [1, 2]
    tips = re.findall(r"<title>([^<]*)</title>", flags["chart"])
    assert "2024, Альфаград: 1" in tips and "2025, Бетаград: 1" in tips, tips
    assert "2025, Альфаград: 1" in tips  # the re-run of 2025, not the earlier run (2)

    client.force_login(world.alice)
    html = client.get("/").content.decode()
    assert "Признаки необъективности по муниципалитетам" in html
    assert "<svg" in html.split("Признаки необъективности по муниципалитетам")[1]

    # The analyst of another region sees none of it.
    gina = flags_of(world.gina)
    assert gina["runs"] == []
    client.force_login(world.gina)
    html = client.get("/").content.decode()
    assert not any(marker in html for marker in world.region_markers)


def test_the_methodist_sees_the_latest_run_and_the_flagged_schools_in_scope(client, world):
    from django.urls import reverse

    run = region_run(
        world,
        2026,
        {world.school_a1: ["4 МА"], world.school_a2: ["5 РУ"], world.school_b1: ["4 РУ"]},
    )
    flags = flags_of(world.mia)
    assert flags["run"] == run and flags["flagged"] == 2  # B's school is not in her scope
    client.force_login(world.mia)
    html = client.get("/").content.decode()
    assert f"{reverse('objectivity:run-detail', args=[run.pk])}?municipality={world.muni_a.pk}" in (
        html
    )


def _flag_many(world, roadmap, count, *, minutes_ago):
    """A region-wide run of 2026 with `count` more flagged schools in each
    municipality, every marker answered (a measure in A, a dismissal in B)."""
    from assessments.objectivity.services import flags as flag_services

    schools = {world.school_a1: ["4 МА", "5 РУ"][: 1 + count % 2]}
    for i in range(count):
        schools[f.school(municipality=world.muni_a, name=f"Альфа-школа доп. {count}-{i}")] = [
            "4 МА",
            "4 РУ",
        ]
        schools[f.school(municipality=world.muni_b, name=f"Бета-школа доп. {count}-{i}")] = ["5 МА"]
    run = region_run(world, 2026, schools, minutes_ago=minutes_ago)
    measure = roadmap.measures.get(number="1.2.")
    for item in run.findings.filter(marker=True).select_related("school"):
        if item.municipality_id == world.muni_a.pk:
            flag_services.flag_answer_with_measure(finding=item, measure=measure, by=world.bob)
        else:
            flag_services.flag_dismiss(
                finding=item, reason="Перепроверка подтвердила.", by=world.dan
            )
    # A year more of region-wide runs for the analyst's table.
    region_run(world, 2025, schools, minutes_ago=minutes_ago)


def _queries(client, user):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # the analyst's comparison is cached; count the cold page
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


def test_dashboard_queries_do_not_grow_with_flagged_schools(client, world, roadmap):
    from reports.dashboard import blocks as d

    people = (world.bob, world.carol, world.alice, world.mia)
    _flag_many(world, roadmap, 2, minutes_ago=10)
    few = [_queries(client, user) for user in people]
    _flag_many(world, roadmap, 6, minutes_ago=0)
    more = [_queries(client, user) for user in people]
    assert more == few
    assert len(flags_of(world.bob)["schools"]) == 7
    assert len(flags_of(world.alice)["rows"]) == 2

    # What each part of the blocks reads, pinned (reach of each user computed first).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    (mia,) = membership_list(user=world.mia)
    for user in people:
        user.has_perm("assessments.run_checks")
        d._latest_run_covering(user, region=world.region)
    pinned = {
        # run, schools, findings, answers
        "official": (lambda: d._official_flags(world.bob, world.muni_a), 4),
        # run, findings, answers
        "deputy": (lambda: d._school_flags(world.carol, world.school_a1), 3),
        # runs, counts per municipality (and nothing per row for the chart)
        "analyst": (
            lambda: d._flags_by_municipality(
                world.alice, world.region, [world.muni_a, world.muni_b]
            ),
            2,
        ),
        # run, count
        "methodist": (
            lambda: d._scope_flag_count(world.mia, mia),
            2,
        ),
    }
    for name, (read, expected) in pinned.items():
        with CaptureQueriesContext(connection) as captured:
            read()
        assert len(captured) == expected, (name, [q["sql"] for q in captured])


def test_the_analysts_comparison_is_cached_until_a_report_changes(client, world, roadmap):
    from django.core.cache import cache

    from roadmaps.models import ProgressReport

    cache.clear()
    cold = _queries_warm(client, world.alice)
    warm = _queries_warm(client, world.alice)
    assert warm < cold
    # A report sent through the service changes its roadmap's stamp: that roadmap's
    # figures are computed again, never stale.
    sent = f.report_progress(roadmap=roadmap, number="1.2.", school=world.school_a2, by=world.bob)
    assert ProgressReport.objects.filter(pk=sent.pk).exists()
    # More than the warm look: that roadmap's figures are read again; fewer than the cold
    # look less the bell's count (remembered since then): the other municipality's
    # share, whose stamp did not change, still comes from the cache.
    assert warm < _queries_warm(client, world.alice) < cold - 1


def _queries_warm(client, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


def test_the_officials_figures_follow_a_deadline_moved(world, roadmap):
    """The execution figures are cached under the roadmap's stamp: a deadline moved in
    the roadmap in force (no report, no assignment changed) shows on the next look."""
    from roadmaps.models import Measure
    from roadmaps.services.measure import measure_update

    (block,) = blocks_of(world.bob)
    assert block["execution"]["measures"]["overdue"] == 1  # 1.1 in October, 1.2 in March
    measure = Measure.objects.select_related("roadmap").get(roadmap=roadmap, number="1.2.")
    measure_update(
        measure=measure, by=world.bob, version=measure.version, deadline_text="декабрь 2025"
    )
    (block,) = blocks_of(world.bob)
    assert block["execution"]["measures"]["overdue"] == 2
