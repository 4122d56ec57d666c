"""The API as an outside system uses it: a token, its scope, its errors."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from schools.models import ApiToken
from schools.tokens import api_token_issue, api_token_revoke
from tests import factories as f


def client_with(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_token_is_stored_hashed_and_acts_within_its_users_scope(world):
    token, key = api_token_issue(user=world.dan, name="выгрузка")
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    response = client_with(key).get("/api/v1/schools/")
    assert response.status_code == 200
    assert [s["short_name"] for s in response.json()["results"]] == ["Бета-школа №1"]


def test_an_object_outside_the_scope_is_a_404_in_the_one_error_format(world):
    _, key = api_token_issue(user=world.dan, name="выгрузка")
    response = client_with(key).get(f"/api/v1/schools/{world.school_a1.pk}/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "Объект не найден.", "fields": {}}
    }


def test_a_school_is_addressed_by_its_ficoko_login(world):
    _, key = api_token_issue(user=world.bob, name="выгрузка")
    response = client_with(key).get("/api/v1/schools/EDU770001/")
    assert response.status_code == 200 and response.json()["code"] == "770001"
    assert client_with(key).get("/api/v1/schools/?code=770002").json()["count"] == 1


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda t: api_token_revoke(token=t), "API-токен отозван."),
        (
            lambda t: ApiToken.objects.filter(pk=t.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            "Срок действия API-токена истёк.",
        ),
    ],
)
def test_revoked_and_expired_tokens_are_refused_with_a_reason(world, spoil, message):
    token, key = api_token_issue(user=world.bob, name="выгрузка")
    spoil(token)
    response = client_with(key).get("/api/v1/schools/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == message


def test_a_wrong_key_is_refused(world):
    _, key = api_token_issue(user=world.bob, name="выгрузка")
    response = client_with(key[:-2] + "xx").get("/api/v1/schools/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Неизвестный API-токен."


def test_a_read_only_token_cannot_write(world):
    _, key = api_token_issue(user=world.bob, name="чтение", read_only=True)
    response = client_with(key).post("/api/v1/schools/", {"code": "1"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Этот API-токен выдан только для чтения."


def test_anonymous_callers_are_asked_to_authenticate(world):
    response = APIClient().get("/api/v1/schools/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_school_list_runs_the_same_number_of_queries_for_more_rows(world):
    _, key = api_token_issue(user=world.alice, name="выгрузка")
    client = client_with(key)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/schools/").status_code == 200
        return len(queries)

    count()  # the first call also records when the token was last used
    before = count()
    for n in range(9):
        f.school(municipality=world.muni_a if n % 2 else world.muni_b)
    count()  # new schools are a new scope stamp: the memberships are read once afresh
    assert count() == before


def test_the_token_page_shows_a_new_key_once_and_revokes(client, world):
    client.force_login(world.bob)
    response = client.post("/account/tokens/", {"name": "для РЦОИ", "days": 30, "read_only": "on"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=world.bob)
    assert f"rk_{token.prefix}_" in html and "показан один раз" in html
    assert f"rk_{token.prefix}_" not in client.get("/account/tokens/").content.decode().replace(
        f"rk_{token.prefix}_…", ""
    )
    client.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_revokes_another_users_token(client, world):
    token, _ = api_token_issue(user=world.bob, name="выгрузка")
    client.force_login(world.dan)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_openapi_schema_and_its_documentation_page_are_served(client, world):
    client.force_login(world.bob)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/schools/" in schema.json()["paths"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
