"""Procedures, tasks, results and imports over the API, as an outside system uses them."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.results.models import ImportBatch, Instrument, Procedure, Result, Subject
from assessments.results.services.partitions import result_partition_ensure
from tests.api.helpers import client_for

FORM = "tests/data/vpr-result-form-example.xlsx"


def add_results(world, n, *, school=None, procedure=None):
    school = school or world.school_a1
    procedure = procedure or world.extra["assessments"]["procedure"]
    start = Result.objects.count()
    result_partition_ensure(year=procedure.year)
    Result.objects.bulk_create(
        Result(
            procedure=procedure,
            year=procedure.year,
            region=school.region,
            municipality=school.municipality,
            school=school,
            class_name="4б",
            participant_code=f"x-{start + i}",
            scores=[1, 2],
            primary_score=3,
            mark=5,
        )
        for i in range(n)
    )


def test_results_are_scoped_to_the_callers_municipality(world):
    codes = [
        r["participant_code"]
        for r in client_for(world.dan).get("/api/v1/results/").json()["results"]
    ]
    assert codes == ["b-40001"]
    mine = world.extra["assessments"]["a"]["result"]
    assert client_for(world.dan).get(f"/api/v1/results/{mine.pk}/").status_code == 404


def test_result_pages_follow_the_cursor_without_gaps_or_repeats(world):
    add_results(world, 25)
    client = client_for(world.bob)
    url, seen = "/api/v1/results/?page_size=10", []
    while url:
        page = client.get(url).json()
        seen.extend(r["id"] for r in page["results"])
        url = page["next"]
    expected = list(
        Result.objects.filter(municipality=world.muni_a)
        .order_by("procedure_id", "id")
        .values_list("id", flat=True)
    )
    assert seen == expected and len(seen) == 26


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("year=2026", 6),
        ("year=2025", 0),
        ("subject=math&grade=4", 6),
        ("grade=5", 0),
        ("school_code=770001", 6),
        ("school_code=770002", 0),
        ("municipality_code=A", 6),
        ("mark=5", 5),
    ],
)
def test_results_filter_by_the_fields_people_ask_about(world, query, count):
    add_results(world, 5)
    page = client_for(world.bob).get(f"/api/v1/results/?{query}").json()
    assert len(page["results"]) == count


def test_a_filter_with_a_wrong_value_is_a_400_in_russian(world):
    response = client_for(world.bob).get("/api/v1/results/?grade=четвёртый")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["grade"] == ["Введите целое число."]


def test_the_export_streams_csv_and_json_lines_of_the_scope_only(world):
    add_results(world, 3)
    add_results(world, 2, school=world.school_b1)
    client = client_for(world.bob)
    csv_response = client.get("/api/v1/results/export/?as=csv")
    assert csv_response.status_code == 200 and csv_response.streaming
    lines = b"".join(csv_response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id;procedure;municipality;school;school_code")
    assert len(lines) == 1 + 4 and all(";770001;" in line for line in lines[1:])
    jsonl = client.get("/api/v1/results/export/?as=jsonl&class_name=4б")
    rows = [json.loads(line) for line in b"".join(jsonl.streaming_content).decode().splitlines()]
    assert [r["scores"] for r in rows] == [[1, 2]] * 3
    assert client.get("/api/v1/results/export/?as=xml").status_code == 400


@pytest.mark.parametrize(
    "url", ["/api/v1/results/", "/api/v1/procedures/", "/api/v1/tasks/", "/api/v1/import-batches/"]
)
def test_lists_run_the_same_number_of_queries_at_n_and_3n_rows(world, url):
    client = client_for(world.alice)

    def grow(n):
        add_results(world, n)
        for i in range(n):
            procedure = Procedure.objects.create(
                region=world.region,
                instrument=Instrument.OGE,
                subject=Subject.RUSSIAN,
                grade=9,
                year=2000 + Procedure.objects.count() * 7 + i,
            )
            procedure.tasks.create(position=1, number="1", max_score=1)
            ImportBatch.objects.create(
                region=world.region,
                municipality=world.muni_a,
                school=world.school_a2,
                created_by=world.bob,
                file_name=f"{procedure.pk}.xlsx",
                sha256="c" * 64,
                procedure=procedure,
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()
    grow(3)
    at_n = count()
    grow(6)
    assert count() == at_n


def upload(client, name, content, **data):
    return client.post(
        "/api/v1/import-batches/",
        {"file": SimpleUploadedFile(name, content), **data},
        format="multipart",
    )


@pytest.fixture
def procedure(world):
    return Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2025
    )


def test_a_deputy_dry_runs_the_form_then_commits_it(
    world, procedure, django_capture_on_commit_callbacks
):
    client = client_for(world.carol)
    with open(FORM, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "форма.xlsx", handle.read(), procedure=procedure.pk)
    assert response.status_code == 202, response.content
    checked = client.get(f"/api/v1/import-batches/{response.json()['id']}/").json()
    assert checked["dry_run"] is True and checked["status"] == "done" and checked["problems"] == []
    assert not Result.objects.filter(procedure=procedure).exists()
    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(f"/api/v1/import-batches/{checked['id']}/commit/")
    assert committed.status_code == 202
    batch = client.get(f"/api/v1/import-batches/{committed.json()['id']}/").json()
    assert batch["status"] == "done" and batch["dry_run"] is False and batch["counts"]["rows"] == 18
    assert Result.objects.filter(procedure=procedure, school=world.school_a1).count() == 18


def test_a_bad_file_lists_its_problems_and_cannot_be_committed(
    world, django_capture_on_commit_callbacks
):
    client = client_for(world.bob)
    content = "Логин ФИС ОКО;Код;1 (1б);2 (2б)\nedu770001;1;1;3\nedu770101;2;1;1\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "svod.csv", content)
    batch = client.get(f"/api/v1/import-batches/{response.json()['id']}/").json()
    assert batch["status"] == "failed"
    assert [(p["row"], p["column"]) for p in batch["problems"]] == [
        (2, "2 (2б)"),
        (3, "Логин ФИС ОКО"),
    ]
    refused = client.post(f"/api/v1/import-batches/{batch['id']}/commit/")
    assert refused.status_code == 409 and "без ошибок" in refused.json()["error"]["message"]


def test_another_municipalitys_batch_is_a_404_even_to_commit(world):
    batch = world.extra["assessments"]["a"]["batch"]
    client = client_for(world.dan)
    assert client.get(f"/api/v1/import-batches/{batch.pk}/").status_code == 404
    assert client.post(f"/api/v1/import-batches/{batch.pk}/commit/").status_code == 404


def test_an_upload_without_a_file_names_the_field(world):
    response = client_for(world.bob).post("/api/v1/import-batches/", {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] == ["Ни одного файла не было отправлено."]


def test_a_read_only_token_and_a_viewer_cannot_upload(world):
    for client in (client_for(world.bob, read_only=True), client_for(world.victor)):
        response = upload(client, "svod.csv", b"x")
        assert response.status_code == 403
    assert not ImportBatch.objects.filter(file_name="svod.csv").exists()


def _interleaved_results(world, n):
    """Rows of three procedures of municipality A written in turn, so that the order of
    ids and the order of procedures differ."""
    first = world.extra["assessments"]["procedure"]
    others = [
        Procedure.objects.create(
            region=world.region, instrument=Instrument.VPR, subject=subject, grade=4, year=year
        )
        for subject, year in ((Subject.RUSSIAN, 2026), (Subject.MATH, 2025))
    ]
    for i in range(n):
        add_results(world, 1, procedure=[first, *others][i % 3])
    return [first, *others]


def _follow(client, url, link):
    pages = []
    while url:
        page = client.get(url).json()
        pages.append([r["id"] for r in page["results"]])
        url = page[link]
    return pages


def test_result_pages_are_ordered_by_procedure_then_id_forward_and_back(world):
    _interleaved_results(world, 17)
    client = client_for(world.alice)
    forward = _follow(client, "/api/v1/results/?page_size=4", "next")
    expected = list(
        Result.objects.filter(region=world.region)
        .order_by("procedure_id", "id")
        .values_list("id", flat=True)
    )
    assert [row for page in forward for row in page] == expected
    assert [len(page) for page in forward] == [4, 4, 4, 4, 3]
    # From the last page back to the first by `previous`: the same pages.
    last = client.get("/api/v1/results/?page_size=4")
    for _ in range(4):
        last = client.get(last.json()["next"])
    backward = _follow(client, last.json()["previous"], "previous")
    assert backward == forward[-2::-1]


def test_result_pages_of_a_year_hold_only_that_years_procedures(world):
    procedures = _interleaved_results(world, 12)
    client = client_for(world.bob)
    seen = [
        row
        for page in _follow(client, "/api/v1/results/?year=2026&page_size=3", "next")
        for row in page
    ]
    expected = list(
        Result.objects.filter(municipality=world.muni_a, procedure__year=2026)
        .order_by("procedure_id", "id")
        .values_list("id", flat=True)
    )
    assert seen == expected and len(seen) == 1 + 8  # the world's row and 2 of every 3 added
    assert client.get("/api/v1/results/?year=2024").json()["results"] == []
    assert procedures[2].year == 2025


def test_pages_of_several_procedures_cross_them_forward_and_back(world):
    """A year names several procedures: the pages read them one by one, across
    procedure boundaries inside a page and past a procedure without rows, and the
    previous links give the same pages back."""
    _interleaved_results(world, 12)
    Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.RUSSIAN, grade=5, year=2026
    )  # of the year, no rows
    add_results(
        world,
        2,
        procedure=Procedure.objects.create(
            region=world.region,
            instrument=Instrument.VPR,
            subject=Subject.MATH,
            grade=6,
            year=2026,
        ),
    )
    client = client_for(world.bob)
    expected = list(
        Result.objects.filter(municipality=world.muni_a, procedure__year=2026)
        .order_by("procedure_id", "id")
        .values_list("id", flat=True)
    )
    forward = _follow(client, "/api/v1/results/?year=2026&page_size=3", "next")
    assert [row for page in forward for row in page] == expected
    assert [len(page) for page in forward] == [3, 3, 3, 2]
    last = client.get("/api/v1/results/?year=2026&page_size=3")
    for _ in range(len(forward) - 1):
        last = client.get(last.json()["next"])
    assert last.json()["next"] is None
    assert _follow(client, last.json()["previous"], "previous") == forward[-2::-1]
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/v1/results/?year=2026&page_size=3")
    reads = [q["sql"] for q in captured if 'FROM "assessments_result"' in q["sql"]]
    assert reads and all('"assessments_result"."procedure_id" = ' in sql for sql in reads), reads


@pytest.mark.parametrize("cursor", ["abc", "cD0x", "cD14Lnk%3D", "%D1%8B", "cD1hYmM="])
def test_a_cursor_that_is_not_ours_is_a_400_in_russian(world, cursor):
    response = client_for(world.bob).get(f"/api/v1/results/?cursor={cursor}")
    assert response.status_code == 400
    assert "курсор" in json.dumps(response.json(), ensure_ascii=False)
