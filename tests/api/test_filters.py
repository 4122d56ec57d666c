"""What an outside client meets in every list: strict filters, objects found by the codes
it knows (school code or ФИС ОКО login, municipality and region codes), and a JSON 404
for an address no endpoint serves."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.results.models import ImportBatch
from tests.api.helpers import client_for


def test_filtering_by_an_id_outside_the_scope_answers_like_a_missing_one(world):
    client = client_for(world.dan)
    theirs = client.get(f"/api/v1/results/?school={world.school_a1.pk}")
    missing = client.get("/api/v1/results/?school=987654")
    assert theirs.status_code == missing.status_code == 200
    assert theirs.json()["results"] == missing.json()["results"] == []
    assert client.get(f"/api/v1/roadmaps/?municipality={world.muni_a.pk}").json()["count"] == 0


def test_an_id_beyond_any_key_matches_nothing_instead_of_failing(world):
    response = client_for(world.bob).get("/api/v1/roadmaps/?school=-14273057873100542050304")
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/api/v1/procedures/?year=2025.5", "year", "Введите целое число."),
        ("/api/v1/schools/?municipality=1.0", "municipality", "Введите целое число."),
        ("/api/v1/progress-reports/?is_current=yes", "is_current", "Укажите true или false."),
        (
            "/api/v1/results/?page_size=ten",
            "page_size",
            "Укажите целое число записей на странице.",
        ),
    ],
)
def test_a_filter_value_of_the_wrong_kind_is_a_400_naming_the_field(world, url, field, message):
    response = client_for(world.bob).get(url)
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field] == [message]


@pytest.mark.parametrize(
    "query",
    ["region_code=39&region_code=24", "status=draft&status=approved", "school=1&school=1"],
)
def test_a_filter_given_twice_is_a_400_naming_it(world, query):
    response = client_for(world.bob).get(f"/api/v1/roadmaps/?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert name in str(response.json()) and "Укажите одно значение." in str(response.json())


def test_an_empty_filter_is_no_filter(world):
    client = client_for(world.bob)
    everything = client.get("/api/v1/progress-reports/").json()["count"]
    assert everything > 0
    assert client.get("/api/v1/progress-reports/?is_current=&assignment=").json()["count"] == (
        everything
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_address_no_endpoint_serves_is_a_json_404_in_russian(world, method):
    response = getattr(client_for(world.bob), method)("/api/v1/documents/0.5/commit/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "status": 404,
            "code": "not_found",
            "message": "Такого адреса в API нет.",
            "fields": {},
        }
    }


def test_the_schema_documents_the_errors_every_operation_may_answer(client, world):
    client.force_login(world.bob)
    paths = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "paths"
    ]
    assert set(paths["/api/v1/schools/"]["get"]["responses"]) == {
        "200",
        "400",
        "401",
        "404",
        "429",
    }
    patch = paths["/api/v1/measures/{id}/"]["patch"]["responses"]
    assert {"400", "401", "403", "404", "409", "429"} <= set(patch)
    error = patch["403"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/Error")


@pytest.mark.parametrize(
    ("url", "key", "expected"),
    [
        ("/api/v1/results/?school_code=770001", "participant_code", ["a-40001"]),
        ("/api/v1/results/?school_code=EDU770001", "participant_code", ["a-40001"]),
        ("/api/v1/results/?school_code=770002", "participant_code", []),
        ("/api/v1/results/?municipality_code=B", "participant_code", ["b-40001"]),
        ("/api/v1/documents/?municipality_code=A", "title", ["Отчёт Альфаград"]),
        ("/api/v1/roadmaps/?municipality_code=B", "title", ["Дорожная карта Бетаград"]),
        ("/api/v1/schools/?municipality_code=B", "short_name", ["Бета-школа №1"]),
        ("/api/v1/municipalities/?region_code=77", "code", ["A", "B"]),
        ("/api/v1/municipalities/?region_code=66", "code", []),
        ("/api/v1/import-batches/?school_code=edu770101", "file_name", ["b.xlsx"]),
    ],
)
def test_objects_are_found_by_the_codes_outside_systems_use(world, url, key, expected):
    response = client_for(world.alice).get(url)
    assert response.status_code == 200, response.content
    assert sorted(row[key] for row in response.json()["results"]) == expected


def test_a_code_outside_the_scope_finds_nothing(world):
    client = client_for(world.dan)
    assert client.get("/api/v1/results/?school_code=770001").json()["results"] == []
    assert client.get("/api/v1/documents/?municipality_code=A").json()["results"] == []


def _upload(client, **data):
    content = "Логин ФИС ОКО;Код;1 (1б);2 (2б)\nedu770001;1;1;2\n".encode()
    return client.post(
        "/api/v1/import-batches/",
        {"file": SimpleUploadedFile("svod.csv", content), **data},
        format="multipart",
    )


@pytest.mark.parametrize("code", ["770001", "EDU770001"])
def test_an_upload_names_its_school_by_code_or_ficoko_login(world, code):
    response = _upload(client_for(world.bob), school_code=code)
    assert response.status_code == 202, response.content
    assert response.json()["school"] == world.school_a1.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"school_code": "770101"}, "Школа с кодом «770101» не найдена."),
        ({"school_code": "000000"}, "Школа с кодом «000000» не найдена."),
        (
            {"school_code": "770001", "school": "SCHOOL_A2"},
            "Код школы и id школы указывают на разные школы.",
        ),
    ],
)
def test_an_upload_with_a_school_code_out_of_scope_or_contradicting_is_refused(
    world, data, message
):
    if data.get("school") == "SCHOOL_A2":
        data = {**data, "school": world.school_a2.pk}
    response = _upload(client_for(world.bob), **data)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["school_code"] == [message]
    assert not ImportBatch.objects.filter(file_name="svod.csv").exists()
