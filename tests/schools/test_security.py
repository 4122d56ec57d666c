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


def test_sessions_are_read_from_the_redis_cache_when_it_is_configured():
    from django.conf import settings

    if settings.CACHES["default"]["BACKEND"] == "config.cache.TolerantRedisCache":
        assert settings.SESSION_ENGINE == "config.sessions"
    else:
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_the_cache_copy_of_a_session_lives_ten_minutes_at_most(client, world, settings):
    from django.core.cache import caches

    from config import sessions

    settings.SESSION_ENGINE = "config.sessions"
    cache = caches[settings.SESSION_CACHE_ALIAS]
    if not hasattr(cache, "_cache") or not hasattr(cache._cache, "get_client"):
        pytest.skip("the test settings have no Redis cache")
    client.post("/login/", {"username": "bob", "password": "Test-pass-2026!"})
    store = sessions.SessionStore(client.cookies["sessionid"].value)
    raw = cache._cache.get_client(store.cache_key)
    ttl = raw.ttl(cache.make_key(store.cache_key))
    assert 0 < ttl <= sessions.CACHE_SECONDS
    assert store.load()["_auth_user_id"] == str(world.bob.pk)


def test_a_session_ended_by_logout_no_longer_opens_pages(client, world):
    client.post("/login/", {"username": "bob", "password": "Test-pass-2026!"})
    cookie = client.cookies["sessionid"].value
    assert client.get("/").status_code == 200
    client.post("/logout/")
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_password_change_ends_the_other_sessions_of_the_account(client, world):
    from django.test import Client

    other = Client()
    other.post("/login/", {"username": "bob", "password": "Test-pass-2026!"})
    assert other.get("/").status_code == 200
    world.bob.set_password("Другой-пароль-2026")
    world.bob.save()
    response = other.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_account_deactivated_by_a_query_no_longer_opens_pages(client, world):
    """The session's user is read on every request (schools.backends.get_user): an
    update() that no signal sees ends the access at the next page."""
    from django.contrib.auth import get_user_model

    client.post("/login/", {"username": "bob", "password": "Test-pass-2026!"})
    assert client.get("/").status_code == 200
    get_user_model().objects.filter(pk=world.bob.pk).update(is_active=False)
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_deleted_account_no_longer_opens_pages(client, world):
    client.post("/login/", {"username": "dan", "password": "Test-pass-2026!"})
    assert client.get("/").status_code == 200
    world.dan.delete()
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
