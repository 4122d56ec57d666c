"""The environment under which a benchmark runs the product with its production
settings against a load region's PostgreSQL database: in process (`apply`) or in a
server it starts (`server_env`). One place for what every such benchmark sets."""

from __future__ import annotations

import os


def production_env(database: str, name: str, **extra: str) -> dict[str, str]:
    """The variables: production profile, DEBUG off, HTTP on loopback (no TLS redirect,
    cookies not marked secure), warnings only in the log. `name` makes the secret key
    each benchmark's own; `extra` adds or overrides variables."""
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_PROFILE": "production",
        "SECRET_KEY": f"bench-{name}-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.update(extra)
    return env


def apply(database: str, name: str, **extra: str) -> None:
    """Set those variables in this process, before django.setup()."""
    os.environ.update(production_env(database, name, **extra))
