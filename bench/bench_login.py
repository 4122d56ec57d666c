"""What a password hash and a login cost on this machine.

    .venv/bin/python bench/bench_login.py [--database rm_perf_load] [--runs 20]

Prints the median time of one hash with the project's first hasher (config.hashers)
and, for comparison, with Django's default Argon2 parameters and with PBKDF2 at
Django's iteration count; then the server time of a login POST (the Django test
client in this process against the load region's database, DEBUG off, the project's
middleware and django-axes on): the first login of an account whose hash is PBKDF2
(verified, then rewritten as Argon2), and the logins after it. The load average is
printed: on a busy machine every wall time grows, so the CPU time of this thread is
printed beside it (Django's default Argon2 hashes its 8 lanes in other threads,
which this does not count).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "Login-bench-2026!"


def median_ms(call, runs: int) -> str:
    """Median wall and CPU ms of `call` after a warm-up: the CPU time (of this thread)
    is what other processes on a busy machine do not inflate."""
    call()
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.thread_time()
        call()
        walls.append(time.perf_counter() - started)
        cpus.append(time.thread_time() - cpu)
    return (
        f"{statistics.median(walls) * 1000:8.1f} ms (CPU {statistics.median(cpus) * 1000:6.1f} ms)"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="rm_perf_load")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import (
        Argon2PasswordHasher,
        PBKDF2PasswordHasher,
        get_hasher,
    )
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    hasher = get_hasher()
    print(f"first hasher: {settings.PASSWORD_HASHERS[0]}")
    hashers = [("the project's hasher", hasher)]
    if isinstance(hasher, Argon2PasswordHasher):
        params = f"m={hasher.memory_cost} KiB, t={hasher.time_cost}, p={hasher.parallelism}"
        hashers[0] = (f"the project's hasher ({params})", hasher)
    hashers += [
        ("Django's default Argon2 (m=102400 KiB, t=2, p=8)", Argon2PasswordHasher()),
        (f"PBKDF2-SHA256, {PBKDF2PasswordHasher.iterations:,} iterations", PBKDF2PasswordHasher()),
    ]
    for label, each in hashers:
        runs = args.runs if "PBKDF2" not in label else max(3, args.runs // 4)
        figure = median_ms(lambda h=each: h.encode(PASSWORD, h.salt()), runs)
        print(f"  one hash, {label:<52} {figure}")

    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench_login")
    client = Client()

    def login():
        response = client.post("/login/", {"username": "bench_login", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        client.logout()

    client.get("/login/")  # the URL configuration and the views load on the first request
    # The first login of an account kept from before: PBKDF2, rewritten on the way in.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    started = time.perf_counter()
    login()
    first = (time.perf_counter() - started) * 1000
    user.refresh_from_db()
    print(
        f"  login POST, account with a PBKDF2 hash (rewritten: {user.password[:22]}…) {first:8.1f} ms"
    )
    print(f"  login POST, median of {args.runs}{'':<41} {median_ms(login, args.runs)}")
    user.delete()


if __name__ == "__main__":
    main()
