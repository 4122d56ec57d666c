"""Finding 7b of issue #16: a form field over Django's limit, or too many fields,
gets the API's JSON error in Russian, not Django's HTML 400 page; nothing is written."""

import pytest

from roadmaps.models import ProgressReport
from tests.api.helpers import client_for


@pytest.fixture
def small_limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50


def _post(world, data, fmt):
    return client_for(world.carol).post("/api/v1/progress-reports/", data, format=fmt)


@pytest.mark.parametrize("fmt", ["multipart", None], ids=["multipart", "urlencoded"])
def test_an_oversized_field_gets_the_apis_json_error(world, small_limits, fmt):
    before = ProgressReport.objects.count()
    data = {"assignment": "1", "comment": "ж" * 5000}
    if fmt is None:
        from urllib.parse import urlencode

        response = client_for(world.carol).generic(
            "POST",
            "/api/v1/progress-reports/",
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = _post(world, data, fmt)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "too_big"
    assert "слишком велик" in error["message"]
    assert ProgressReport.objects.count() == before


def test_too_many_fields_get_the_apis_json_error(world, small_limits):
    response = _post(world, {f"f{i}": "1" for i in range(100)}, "multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_big"
