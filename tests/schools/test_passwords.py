"""Passwords are kept as Argon2id hashes; older PBKDF2 hashes are upgraded at login."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, identify_hasher

from config import settings as project_settings

PASSWORD = "Старый-пароль-2020"


@pytest.fixture
def production_hashers(settings):
    """The project's hashers, instead of the fast MD5 the other tests use."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


@pytest.fixture
def bob_with_pbkdf2_hash(world):
    # An account from before the change: PBKDF2 (few iterations, to keep the test fast;
    # the iteration count is read from the hash itself).
    world.bob.password = PBKDF2PasswordHasher().encode(PASSWORD, "pepper-salt-1", iterations=1000)
    world.bob.save(update_fields=["password"])
    return world.bob


def test_new_passwords_are_hashed_with_argon2id(world, production_hashers):
    world.carol.set_password("Новый-пароль-2026")
    world.carol.save()
    world.carol.refresh_from_db()
    assert world.carol.password.startswith("argon2$argon2id$")
    assert identify_hasher(world.carol.password).algorithm == "argon2"


def test_an_old_pbkdf2_password_logs_in_and_is_rewritten_as_argon2(
    client, bob_with_pbkdf2_hash, production_hashers
):
    response = client.post("/login/", {"username": "bob", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bob_with_pbkdf2_hash.pk)
    bob_with_pbkdf2_hash.refresh_from_db()
    assert bob_with_pbkdf2_hash.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(PASSWORD, bob_with_pbkdf2_hash.password)
    client.logout()
    again = client.post("/login/", {"username": "bob", "password": PASSWORD})
    assert again.status_code == 302


def test_a_wrong_password_leaves_the_old_hash_alone(
    client, bob_with_pbkdf2_hash, production_hashers
):
    before = bob_with_pbkdf2_hash.password

    response = client.post("/login/", {"username": "bob", "password": "не-тот-пароль"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    bob_with_pbkdf2_hash.refresh_from_db()
    assert bob_with_pbkdf2_hash.password == before
