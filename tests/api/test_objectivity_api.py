"""Objectivity checks over the API: runs, findings with every indicator, answers,
official lists; scoped like the pages, with the same services behind them."""

from assessments.objectivity.models import CheckRun, FlagAnswer, OfficialListEntry
from tests import factories as f
from tests.api.helpers import client_for


def test_findings_carry_every_indicator_and_only_the_callers_schools(world):
    rows = client_for(world.bob).get("/api/v1/check-findings/").json()["results"]
    assert {r["school_name"] for r in rows} == {"Альфа-школа №1"}
    finding = rows[0]
    assert finding["marker"] is True and finding["label"] == "4 МА"
    indicator = finding["indicators"][0]
    assert indicator["name"] == "bunching" and indicator["threshold"] == 0.11
    assert indicator["label"] == "Пики первичных баллов на границах отметок"
    a = world.extra["assessments"]["a"]["finding"]
    assert client_for(world.dan).get(f"/api/v1/check-findings/{a.pk}/").status_code == 404


def test_findings_are_found_by_the_school_login(world):
    client = client_for(world.alice)
    rows = client.get("/api/v1/check-findings/", {"school_code": "EDU770101"}).json()["results"]
    assert [r["school_name"] for r in rows] == ["Бета-школа №1"]


def test_a_run_is_requested_by_municipality_code_and_polled(
    world, django_capture_on_commit_callbacks
):
    client = client_for(world.bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/check-runs/", {"year": 2026, "municipality_code": "A"}, format="json"
        )
    assert response.status_code == 202, response.content
    polled = client.get(f"/api/v1/check-runs/{response.json()['id']}/").json()
    # The world's procedure has too few pupils and no second school: the run
    # finishes and stores what it found.
    assert polled["status"] in ("done", "failed")
    assert polled["municipality_code"] == "A"


def test_a_run_of_another_municipality_or_a_year_without_results_is_refused(world):
    client = client_for(world.bob)
    other = client.post(
        "/api/v1/check-runs/", {"year": 2026, "municipality_code": "B"}, format="json"
    )
    assert other.status_code == 400 and "municipality" in other.json()["error"]["fields"]
    empty = client.post(
        "/api/v1/check-runs/", {"year": 2001, "municipality_code": "A"}, format="json"
    )
    assert empty.status_code == 400
    assert "нет результатов ВПР за 2001 год" in str(empty.json()["error"]["fields"])
    assert not CheckRun.objects.filter(year=2001).exists()


def test_a_deputy_cannot_request_a_run_and_a_read_only_token_writes_nothing(world):
    deputy = client_for(world.carol)
    response = deputy.post(
        "/api/v1/check-runs/", {"year": 2026, "municipality_code": "A"}, format="json"
    )
    assert response.status_code in (400, 403)
    finding = world.extra["assessments"]["a"]["finding"]
    read_only = client_for(world.bob, read_only=True)
    before = FlagAnswer.objects.count()
    response = read_only.post(
        "/api/v1/flag-answers/",
        {"finding": finding.pk, "kind": "dismissed", "reason": "Перепроверка подтвердила"},
        format="json",
    )
    assert response.status_code == 403 and FlagAnswer.objects.count() == before


def test_an_official_answers_a_marker_with_a_measure_and_withdraws_it(world):
    client = client_for(world.bob)
    finding = world.extra["assessments"]["a"]["finding"]
    measure = world.extra["roadmap_measure_a"]
    response = client.post(
        "/api/v1/flag-answers/",
        {"finding": finding.pk, "kind": "measure", "measure": measure.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["kind"] == "measure" and answer["measure"] == measure.pk
    # Another municipality's measure is a 404, as if it did not exist.
    other = client.post(
        "/api/v1/flag-answers/",
        {"finding": finding.pk, "kind": "measure", "measure": world.extra["roadmap_measure_b"].pk},
        format="json",
    )
    assert other.status_code == 404
    assert client.delete(f"/api/v1/flag-answers/{answer['id']}/").status_code == 204
    assert not FlagAnswer.objects.filter(pk=answer["id"]).exists()
    short = client.post(
        "/api/v1/flag-answers/",
        {"finding": finding.pk, "kind": "dismissed", "reason": "нет"},
        format="json",
    )
    assert short.status_code == 400


def test_an_official_list_is_dry_run_then_uploaded(world, tmp_path):
    region = f.region(code="05", name="Республика Дагестан")
    municipality = f.municipality(region=region, name="Агульский район", code="AG")
    f.school(municipality=municipality, name="Тпигская СОШ", code="3001", fis_login="edu053001")
    analyst = f.user("dag", role=f.Role.REGIONAL_ANALYST, node=region)
    client = client_for(analyst)
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(
        ["Год", "Логин", "Муниципалитет", "ОО", "4 РУ", "5 РУ", "Количество маркеров"]
    )
    book.active.append([2023, "edu053001", "Агульский", "Тпигская СОШ", None, 1, 1])
    path = tmp_path / "perechen.xlsx"
    book.save(path)
    with open(path, "rb") as handle:
        dry = client.post("/api/v1/official-lists/", {"file": handle, "region": region.pk})
    assert dry.status_code == 200 and dry.json()["entries"] == 1
    assert not OfficialListEntry.objects.filter(region=region).exists()
    with open(path, "rb") as handle:
        done = client.post(
            "/api/v1/official-lists/",
            {"file": handle, "region": region.pk, "dry_run": "false"},
        )
    assert done.status_code == 201, done.content
    entry = OfficialListEntry.objects.get(region=region)
    assert entry.markers == ["5 РУ"] and entry.year == 2023
    # Another region's analyst does not see the list.
    listed = client_for(world.gina).get("/api/v1/official-lists/").json()["results"]
    assert all(item["region"] != region.pk for item in listed)
