"""Progress reports and measures written over the API exactly as in the browser."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmaps.models import Measure, ProgressReport
from roadmaps.selectors.period import reporting_periods
from roadmaps.services.base import SYSTEM
from roadmaps.services.measure import measure_create
from schools.history import ChangeRecord
from tests.api.helpers import client_for
from tests.roadmaps.world import PDF


def second_period(world):
    return reporting_periods(world.extra["roadmap_roadmap_a"])[1]


def submit(client, assignment, period, *, status="done", files=(), **extra):
    return client.post(
        "/api/v1/progress-reports/",
        {
            "assignment": assignment.pk,
            "period_start": period[0].isoformat(),
            "period_end": period[1].isoformat(),
            "status": status,
            "comment": "Проведён семинар",
            "files": [SimpleUploadedFile(name, data) for name, data in files],
            **extra,
        },
        format="multipart",
    )


def assignment_a(world):
    return world.extra["roadmap_measure_a"].assignments.get(school=world.school_a1)


def test_a_deputy_submits_a_report_with_a_file_and_the_history_records_it(world):
    period = second_period(world)
    response = submit(
        client_for(world.carol), assignment_a(world), period, files=[("справка.pdf", PDF)]
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["review_state"] == "submitted" and body["status"] == "done"
    assert [e["name"] for e in body["evidence"]] == ["справка.pdf"]
    assert body["permissions"] == {"report": True, "accept": False, "return": False}
    record = ChangeRecord.objects.filter(object_type="progressreport", object_id=body["id"]).get()
    assert record.action == "submit" and record.by == world.carol


def test_done_without_the_required_document_is_refused_as_in_the_browser(world):
    response = submit(client_for(world.carol), assignment_a(world), second_period(world))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["non_field_errors"] == [
        "Чтобы отметить мероприятие выполненным, приложите документ: справка."
    ]
    assert not ProgressReport.objects.filter(period_start=second_period(world)[0]).exists()


def test_a_period_outside_the_roadmaps_reporting_periods_is_refused(world):
    period = second_period(world)
    response = submit(
        client_for(world.carol),
        assignment_a(world),
        (period[0], period[1].replace(day=1)),
        status="in_progress",
    )
    assert response.status_code == 400
    assert "отчётный период" in response.json()["error"]["fields"]["period_start"][0]


def test_another_municipality_gets_404_for_the_assignment_and_the_report(world):
    client = client_for(world.dan)
    response = submit(client, assignment_a(world), second_period(world), status="in_progress")
    assert response.status_code == 404
    report = world.extra["roadmap_report_a"]
    assert client.post(f"/api/v1/progress-reports/{report.pk}/accept/").status_code == 404
    assert client.get(f"/api/v1/progress-reports/{report.pk}/").status_code == 404


def test_a_read_only_token_is_refused_for_every_write(world):
    client = client_for(world.bob, read_only=True)
    report = world.extra["roadmap_report_a"]
    measure = world.extra["roadmap_measure_a"]
    responses = [
        client.post(f"/api/v1/progress-reports/{report.pk}/accept/"),
        client.patch(
            f"/api/v1/measures/{measure.pk}/",
            {"version": measure.version, "text": "x"},
            format="json",
        ),
        submit(client, assignment_a(world), second_period(world), status="in_progress"),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert responses[0].json()["error"]["message"] == "Этот API-токен выдан только для чтения."


def test_an_official_accepts_once_and_a_second_accept_is_a_409(world):
    report = world.extra["roadmap_report_a"]
    client = client_for(world.bob)
    assert (
        client.get(f"/api/v1/progress-reports/{report.pk}/").json()["permissions"]["accept"] is True
    )
    response = client.post(f"/api/v1/progress-reports/{report.pk}/accept/")
    assert response.status_code == 200 and response.json()["review_state"] == "accepted"
    assert response.json()["permissions"]["accept"] is False
    again = client.post(f"/api/v1/progress-reports/{report.pk}/accept/")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "Этот отчёт уже проверен или заменён новым."


def test_a_deputy_cannot_review_and_a_return_needs_a_reason(world):
    report = world.extra["roadmap_report_a"]
    assert (
        client_for(world.carol).post(f"/api/v1/progress-reports/{report.pk}/accept/").status_code
        == 403
    )
    client = client_for(world.bob)
    empty = client.post(
        f"/api/v1/progress-reports/{report.pk}/return/", {"reason": ""}, format="json"
    )
    assert empty.status_code == 400 and "reason" in empty.json()["error"]["fields"]
    returned = client.post(
        f"/api/v1/progress-reports/{report.pk}/return/", {"reason": "Нет подписи"}, format="json"
    )
    assert returned.status_code == 200
    assert (
        returned.json()["review_state"] == "returned"
        and returned.json()["review_reason"] == "Нет подписи"
    )


def test_an_official_edits_a_measure_and_a_stale_version_gets_409_in_russian(world):
    measure = world.extra["roadmap_measure_a"]
    client = client_for(world.bob)
    seen = client.get(f"/api/v1/measures/{measure.pk}/").json()
    assert seen["permissions"] == {"edit": True}
    response = client.patch(
        f"/api/v1/measures/{measure.pk}/",
        {"version": seen["version"], "deadline_text": "до 1 марта 2026 года"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == seen["version"] + 1
    assert response.json()["deadline"]["text"] == "до 1 марта 2026 года"
    assert ChangeRecord.objects.filter(
        object_type="measure", object_id=measure.pk, action="update"
    ).exists()
    stale = client.patch(
        f"/api/v1/measures/{measure.pk}/",
        {"version": seen["version"], "text": "Другое"},
        format="json",
    )
    assert stale.status_code == 409
    assert "уже изменил(а)" in stale.json()["error"]["message"]
    assert Measure.objects.get(pk=measure.pk).text != "Другое"


def test_a_measure_edit_without_a_version_names_the_field(world):
    measure = world.extra["roadmap_measure_a"]
    response = client_for(world.bob).patch(
        f"/api/v1/measures/{measure.pk}/", {"text": "x"}, format="json"
    )
    assert response.status_code == 400 and "version" in response.json()["error"]["fields"]


def test_others_see_what_they_may_not_do_and_are_refused(world):
    measure = world.extra["roadmap_measure_a"]
    assert client_for(world.victor).get(f"/api/v1/measures/{measure.pk}/").json()[
        "permissions"
    ] == {"edit": False}
    response = client_for(world.victor).patch(
        f"/api/v1/measures/{measure.pk}/", {"version": measure.version, "text": "x"}, format="json"
    )
    assert response.status_code == 403
    assert (
        client_for(world.dan)
        .patch(
            f"/api/v1/measures/{measure.pk}/",
            {"version": measure.version, "text": "x"},
            format="json",
        )
        .status_code
        == 404
    )


def test_measure_and_report_lists_keep_their_query_count_as_rows_grow(world):
    roadmap = world.extra["roadmap_roadmap_a"]
    client = client_for(world.bob)

    def grow(n):
        for i in range(n):
            measure_create(roadmap=roadmap, text=f"Мероприятие {i}", by=SYSTEM)
            ProgressReport.objects.create(
                assignment=assignment_a(world),
                municipality=world.muni_a,
                period_start=second_period(world)[0],
                period_end=second_period(world)[1],
                status="in_progress",
                submitted_at=world.extra["roadmap_report_a"].submitted_at,
                is_current=False,
            )

    for url in ("/api/v1/measures/", "/api/v1/progress-reports/"):

        def count(url=url):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            return len(queries)

        count()
        grow(3)
        at_n = count()
        grow(6)
        assert count() == at_n, url


def test_each_row_of_the_measure_list_says_what_its_detail_says_may_be_done(world):
    """The list asks once per roadmap: a deputy's page mixes the municipal roadmap
    (read only) and her school's own (hers to edit), and each row tells them apart."""
    from datetime import date

    from roadmaps.services.roadmap import roadmap_create

    own = roadmap_create(
        owner=world.school_a1,
        title="Дорожная карта школы",
        by=SYSTEM,
        period_start=date(2025, 9, 1),
        period_end=date(2026, 8, 31),
    )
    for i in range(3):
        measure_create(roadmap=own, text=f"Своё мероприятие {i}", by=SYSTEM)
    for person in (world.carol, world.bob, world.alice, world.victor):
        client = client_for(person)
        rows = client.get("/api/v1/measures/").json()["results"]
        assert rows
        for row in rows:
            detail = client.get(f"/api/v1/measures/{row['id']}/").json()
            assert row["permissions"] == detail["permissions"], (person.username, row["id"])
    carol_rows = client_for(world.carol).get("/api/v1/measures/").json()["results"]
    edit = {row["roadmap"]: row["permissions"]["edit"] for row in carol_rows}
    assert edit == {world.extra["roadmap_roadmap_a"].pk: False, own.pk: True}
