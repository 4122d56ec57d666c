"""What telling people costs: a check run's markers, a rerun, and the daily digest.

    .venv/bin/python bench/bench_notifications.py [--municipalities 30] [--schools 10]

Builds a throwaway database (the test database of DATABASE_URL, named
`<name>_bench_notify`, dropped at the end): a region of `municipalities` ×
`schools` schools, two officials per municipality and a deputy per school, all
with e-mail, and a finished check run with a marker on every school. Then it
times, with mail through Django's in-memory backend and Celery inline:
`markers_notify` of the run (a notification per official and marker, one message
per official), the same again (a rerun: every key already told), and
`digest_send` for everyone having chosen the daily digest. Prints wall time,
SQL statements and messages.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--municipalities", type=int, default=30)
    parser.add_argument("--schools", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("REDIS_URL", None)  # Celery inline: the mail task runs in this process
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the in-memory mail backend
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    name = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"{name}_bench_notify"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args, CaptureQueriesContext, connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args, CaptureQueriesContext, connection):  # noqa: N803
    from django.core import mail

    from assessments.objectivity.models import CheckFinding, CheckRun, CheckSchool
    from assessments.objectivity.services.runs import markers_notify
    from assessments.results.models import Procedure
    from schools.models import Notification, ReminderPreference
    from schools.notifications import digest_send
    from tests import factories as f

    region = f.region(code="93", name="Край замеров")
    procedure = Procedure.objects.create(
        region=region, instrument="vpr", subject="math", grade=4, year=2025
    )
    run_ = CheckRun.objects.create(region=region, year=2025, status=CheckRun.Status.DONE)
    officials = []
    for m in range(args.municipalities):
        municipality = f.municipality(region=region, name=f"Муниципалитет {m}", code=f"M{m}")
        for k in range(2):
            officials.append(
                f.user(
                    f"official{m}-{k}",
                    role=f.Role.MUNICIPAL_OFFICIAL,
                    node=municipality,
                    email=f"official{m}-{k}@example.ru",
                )
            )
        for s in range(args.schools):
            school = f.school(
                municipality=municipality, name=f"Школа {m}-{s}", code=f"93{m:03d}{s:03d}"
            )
            f.user(
                f"deputy{m}-{s}",
                role=f.Role.SCHOOL_DEPUTY,
                node=school,
                email=f"deputy{m}-{s}@example.ru",
            )
            row = CheckSchool.objects.create(
                run=run_,
                region=region,
                municipality=municipality,
                school=school,
                markers=1,
                marker_labels=["4 МА"],
            )
            CheckFinding.objects.create(
                run=run_,
                row=row,
                region=region,
                municipality=municipality,
                school=school,
                procedure=procedure,
                label="4 МА",
                pupils=40,
                marker=True,
                indicators=[],
            )
    markers = args.municipalities * args.schools

    def timed(label, call):
        mail.outbox = []
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = call()
        wall = time.perf_counter() - started
        print(
            f"{label:<44} {wall * 1000:8.0f} ms  {len(queries):6d} SQL  "
            f"{len(mail.outbox):5d} messages  ({result})"
        )

    print(
        f"{markers} markers in {args.municipalities} municipalities, "
        f"{len(officials)} officials, {connection.vendor}"
    )
    timed("markers_notify (first run)", lambda: markers_notify(run=run_))
    print(f"{'':<44} notifications: {Notification.objects.count()}")
    timed("markers_notify again (a rerun: nothing new)", lambda: markers_notify(run=run_))
    Notification.objects.update(emailed_at=None)
    ReminderPreference.objects.bulk_create(
        [ReminderPreference(user=u, email_digest=True) for u in officials]
    )
    timed("digest_send (every official reads a digest)", digest_send)


if __name__ == "__main__":
    main()
