"""Build the load-test region on PostgreSQL: 1,000 schools, 2,000 municipal measures
and, with the default `--started`, 800 school roadmaps made from them (about 80,000
copied measures, 156,000 assignments).

    .venv/bin/python bench/load/make_region.py [--database roadmaps_load] [--started 0.8]

Drops and re-creates the database, migrates, and writes in bulk: 20
municipalities of 50 schools; per municipality an official, a methodist and a
viewer, per school a deputy, one regional analyst; an approved municipal
roadmap of 100 measures per municipality (every school assigned); progress
reports for a third of the assignments. Every user's password is `Load-2026!`;
usernames are printed.

Then the cascade, through the services as users make it (`cascade`): each official
requires school roadmaps of the municipal one, and `--started` (0.8) of each
municipality's schools have started theirs from it (its hundred measures copied);
of those, every third changed a deadline, every fourth dropped a measure and
seven in ten approved theirs (which assigns its measures to the school). This is
the state some months into the year, after the date set for the school roadmaps:
most schools have one, a few are late, and a few of those made are still drafts.
A school that has not started keeps a plan of its own of 8 measures, made in bulk.
`--started 0` builds the region as it was before (no school roadmap made from a
municipal one, so no cascade to read; every school with its plan of 8 measures).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PASSWORD = "Load-2026!"  # noqa: S105


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="roadmaps_load")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--started",
        type=float,
        default=0.8,
        help="share of each municipality's schools with a roadmap made from the municipal one",
    )
    args = parser.parse_args()
    url = f"postgres://postgres@{args.host}:5432/{args.database}"
    subprocess.run(
        ["dropdb", "-h", args.host, "-U", "postgres", "--if-exists", "--force", args.database],
        check=True,
    )
    subprocess.run(["createdb", "-h", args.host, "-U", "postgres", args.database], check=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build(started_share=args.started)
    print(f"region built in {time.perf_counter() - started:.1f} s; DATABASE_URL={url}")


def started_schools(schools, share: float) -> set[int]:
    """The ids of the schools that have made their roadmap from the municipal one: the
    first `share` of each municipality's schools in a shuffled order (the same every run)."""
    rng = random.Random(98)
    by_municipality = {}
    for school in schools:
        by_municipality.setdefault(school.municipality_id, []).append(school)
    chosen = set()
    for members in by_municipality.values():
        members = sorted(members, key=lambda s: s.pk)
        rng.shuffle(members)
        chosen.update(s.pk for s in members[: round(len(members) * share)])
    return chosen


def build(*, started_share: float = 0.8):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from roadmaps.models import Assignment, Measure, ProgressReport, Roadmap, Section
    from schools.models import Membership, Municipality, Region, Role, School

    rng = random.Random(2026)
    password = make_password(PASSWORD)
    User = get_user_model()
    deadlines = [
        "сентябрь 2025",
        "октябрь 2025",
        "декабрь 2025",
        "ежемесячно",
        "в течение года",
        "по графику проведения ВПР",
        "до конца учебного года",
        "март 2026",
        "I, II четверть",
    ]
    with transaction.atomic():
        region = Region.objects.create(code="98", name="Нагрузочная область")
        municipalities = Municipality.objects.bulk_create(
            Municipality(region=region, code=f"{m:02d}", name=f"Район №{m}") for m in range(1, 21)
        )
        schools = School.objects.bulk_create(
            School(
                region=region,
                municipality=mu,
                code=f"98{i:04d}",
                fis_login=f"edu98{i:04d}",
                full_name=f"Муниципальная общеобразовательная школа №{i}",
                short_name=f"Школа №{i}",
            )
            for i, mu in ((n, municipalities[(n - 1) // 50]) for n in range(1, 1001))
        )
        users = [User(username="analyst", password=password, first_name="Аналитик")]
        for m in municipalities:
            users += [
                User(
                    username=f"official{m.code}", password=password, email=f"o{m.code}@example.ru"
                ),
                User(username=f"methodist{m.code}", password=password),
                User(username=f"viewer{m.code}", password=password),
            ]
        users += [
            User(username=f"deputy{s.code}", password=password, email=f"d{s.code}@example.ru")
            for s in schools
        ]
        users = {u.username: u for u in User.objects.bulk_create(users)}
        memberships = [Membership(user=users["analyst"], role=Role.REGIONAL_ANALYST, region=region)]
        for m in municipalities:
            memberships += [
                Membership(
                    user=users[f"official{m.code}"],
                    role=Role.MUNICIPAL_OFFICIAL,
                    region=region,
                    municipality=m,
                ),
                Membership(
                    user=users[f"methodist{m.code}"],
                    role=Role.METHODIST,
                    region=region,
                    municipality=m,
                ),
                Membership(
                    user=users[f"viewer{m.code}"], role=Role.VIEWER, region=region, municipality=m
                ),
            ]
        memberships += [
            Membership(
                user=users[f"deputy{s.code}"],
                role=Role.SCHOOL_DEPUTY,
                region=region,
                municipality=s.municipality,
                school=s,
            )
            for s in schools
        ]
        Membership.objects.bulk_create(memberships)
        started = started_schools(schools, started_share)
        own_plans = [s for s in schools if s.pk not in started]

        now = timezone.now()
        roadmaps = Roadmap.objects.bulk_create(
            [
                Roadmap(
                    region=region,
                    municipality=m,
                    title=f"Дорожная карта объективности: {m.name}",
                    status=Roadmap.Status.IN_FORCE,
                    approved_at=now - timedelta(days=90),
                    period_start=date(2025, 9, 1),
                    period_end=date(2026, 8, 31),
                    order_number=str(100 + i),
                    order_date=date(2025, 9, 1),
                )
                for i, m in enumerate(municipalities)
            ]
            + [
                Roadmap(
                    region=region,
                    municipality=s.municipality,
                    school=s,
                    title=f"План {s.short_name}",
                    status=Roadmap.Status.APPROVED,
                    approved_at=now - timedelta(days=60),
                    period_start=date(2025, 9, 1),
                    period_end=date(2026, 8, 31),
                )
                for s in own_plans
            ]
        )
        municipal, school_maps = roadmaps[:20], roadmaps[20:]
        sections = Section.objects.bulk_create(
            Section(roadmap=r, number=f"{k}.", title=f"Раздел {k}", position=k)
            for r in municipal
            for k in range(1, 6)
        )
        by_roadmap = {}
        for s in sections:
            by_roadmap.setdefault(s.roadmap_id, []).append(s)
        measures = []
        for r in municipal:
            for k in range(100):
                section = by_roadmap[r.pk][k // 20]
                measures.append(
                    Measure(
                        roadmap=r,
                        section=section,
                        number=f"{section.number}{k % 20 + 1}.",
                        text=f"Мероприятие {k + 1}: анализ результатов оценочных процедур и "
                        "обеспечение объективности их проведения в общеобразовательных организациях",
                        deadline_text=rng.choice(deadlines),
                        deadline_kind="month",
                        deadline_dates=[
                            (date(2025, 9, 30) + timedelta(days=30 * (k % 9))).isoformat()
                        ],
                        responsible_text="ОО",
                        for_all_schools=True,
                        position=k,
                    )
                )
        for r in school_maps:
            for k in range(8):
                measures.append(
                    Measure(
                        roadmap=r,
                        number=f"{k + 1}.",
                        text=f"Школьное мероприятие {k + 1}",
                        deadline_text="в течение года",
                        deadline_kind="continuous",
                        responsible_text="Заместитель директора по УВР",
                        position=k,
                    )
                )
        measures = Measure.objects.bulk_create(measures, batch_size=2000)
        schools_of = {}
        for s in schools:
            schools_of.setdefault(s.municipality_id, []).append(s)
        assignments = [
            Assignment(
                measure=m, region=region, municipality_id=m.roadmap.municipality_id, school=s
            )
            for m in measures
            if m.for_all_schools
            for s in schools_of[m.roadmap.municipality_id]
        ]
        assignments = Assignment.objects.bulk_create(assignments, batch_size=5000)
        reports = [
            ProgressReport(
                assignment=a,
                region_id=a.region_id,
                municipality_id=a.municipality_id,
                period_start=date(2025, 9, 1),
                period_end=date(2025, 11, 30),
                status=rng.choice(["done", "in_progress", "done"]),
                comment="Выполнено по плану",
                submitted_by=users[f"deputy{a.school.code}"],
                submitted_at=now - timedelta(days=20),
                review_state=rng.choice(["submitted", "accepted", "accepted"]),
            )
            for a in assignments
            if rng.random() < 0.33
        ]
        ProgressReport.objects.bulk_create(reports, batch_size=5000)
    cascade_started = (
        cascade(municipal=municipal, schools=[s for s in schools if s.pk in started])
        if started
        else "no cascade"
    )
    # Fresh statistics and visibility map, as autovacuum would leave them after a bulk
    # load (it is off on the shared benchmark machine): without the statistics the
    # planner guesses a few rows per roadmap and joins by the wrong index; without the
    # visibility map it counts a municipality's review queue through the region-wide
    # queue index (14 ms) instead of an index-only scan of its own (0.15 ms).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"schools {len(schools)}, users {len(users)}, roadmaps {len(roadmaps)}, measures {len(measures)}, "
        f"assignments {len(assignments)}, reports {len(reports)}; {cascade_started}; "
        f"password {PASSWORD}"
    )


def edit_copy(child, n: int, *, by) -> None:
    """What the `n`-th school does to the copy it started: every third changes its
    first measure's deadline, every fourth drops its last measure."""
    from roadmaps.services.measure import measure_delete, measure_update

    measures = list(child.measures.order_by("position", "pk"))
    if n % 3 == 0:
        first = measures[0]
        measure_update(measure=first, version=first.version, deadline_text="Июнь 2026 г.", by=by)
    if n % 4 == 0:
        measure_delete(measure=measures[-1], by=by)


def cascade(*, municipal, schools) -> str:
    """The cascade as users make it, through the services (roadmaps.services.cascade):
    each official requires the school roadmaps, each listed school's deputy starts one
    from the municipal roadmap and edits or approves it. Returns a line of counts."""
    from roadmaps.models import Measure, Roadmap
    from roadmaps.services.cascade import roadmap_cascade, school_roadmap_start_from
    from roadmaps.services.roadmap import roadmap_approve
    from schools.models import Membership, Role

    people = {
        (m.role, m.municipality_id if m.role == Role.MUNICIPAL_OFFICIAL else m.school_id): m.user
        for m in Membership.objects.filter(
            role__in=[Role.MUNICIPAL_OFFICIAL, Role.SCHOOL_DEPUTY]
        ).select_related("user")
    }
    of_municipality = {}
    for roadmap in municipal:
        official = people[(Role.MUNICIPAL_OFFICIAL, roadmap.municipality_id)]
        roadmap_cascade(roadmap=roadmap, due=date(2025, 10, 15), by=official)
        of_municipality[roadmap.municipality_id] = roadmap
    approved = 0
    for n, school in enumerate(sorted(schools, key=lambda s: s.pk)):
        deputy = people[(Role.SCHOOL_DEPUTY, school.pk)]
        child = school_roadmap_start_from(
            municipal=of_municipality[school.municipality_id], school=school, by=deputy
        )
        edit_copy(child, n, by=deputy)
        if n % 10 < 7:
            roadmap_approve(roadmap=Roadmap.objects.get(pk=child.pk), by=deputy)
            approved += 1
    copied = Measure.objects.filter(roadmap__parent__isnull=False).count()
    return (
        f"school roadmaps from the municipal ones {len(schools)} ({approved} approved, "
        f"{copied} measures copied into them)"
    )


if __name__ == "__main__":
    main()
