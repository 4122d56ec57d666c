"""Login throttling, security headers, the production profile."""

import pytest


@pytest.fixture
def throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def test_repeated_failed_logins_lock_the_account_out_even_with_the_right_password(
    client, world, throttled
):
    for _ in range(3):
        response = client.post("/login/", {"username": "bob", "password": "wrong-password"})
    assert response.status_code in (403, 429)
    assert "Вход временно заблокирован" in response.content.decode()
    locked = client.post("/login/", {"username": "bob", "password": "Test-pass-2026!"})
    assert "Вход временно заблокирован" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_good_login_is_not_throttled(client, world, throttled):
    client.post("/login/", {"username": "bob", "password": "wrong-password"})
    response = client.post("/login/", {"username": "bob", "password": "Test-pass-2026!"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.bob.pk)


def test_pages_carry_a_content_security_policy_and_framing_is_refused(client, world):
    client.force_login(world.bob)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_documentation_page_works_under_the_policy(client, world):
    client.force_login(world.bob)
    html = client.get("/api/v1/docs/").content.decode()
    assert "<script>" not in html.replace(" ", "")  # no inline script for the CSP to block


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678901", "password123", "короткий"):
        with pytest.raises(ValidationError):
            validate_password(weak)
