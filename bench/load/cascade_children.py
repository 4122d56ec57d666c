"""Start school roadmaps from a municipal roadmap of a load region, through the services:
the state of a municipality some weeks after the official sent the roadmap to the
schools. For a region built without them (bench/load/make_region.py --started 0, or one
built before make_region.py made them): there the cascade table of the municipal
roadmap's page reads no school roadmap and no copied measure.

    .venv/bin/python bench/load/cascade_children.py --database rm_pages_copy

Writes: run it on a copy of the region. Of the municipal roadmap of `--user`'s
municipality (the first in its list, as bench/bench_pages.py opens it), `--started`
schools start their roadmaps (its hundred measures copied each), every third of them
changes the deadline of its first measure, every fourth drops its last one and every
fifth approves its roadmap.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--user", default="official01")
    parser.add_argument("--started", type=int, default=40)
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from bench.load.make_region import edit_copy
    from roadmaps.models import Roadmap
    from roadmaps.services.cascade import roadmap_cascade, school_roadmap_start_from
    from roadmaps.services.roadmap import roadmap_approve
    from schools.models import Membership, Role, School

    official = get_user_model().objects.get(username=args.user)
    municipality = Membership.objects.filter(user=official).first().municipality
    municipal = (
        Roadmap.objects.visible_to(official)
        .filter(municipality=municipality, school__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if not municipal.requires_school_roadmaps:
        roadmap_cascade(roadmap=municipal, due=date(2026, 4, 1), by=official)
        municipal.refresh_from_db()
    schools = School.objects.filter(municipality=municipality, is_active=True).order_by("pk")
    for n, school in enumerate(schools[: args.started]):
        deputy = Membership.objects.filter(school=school, role=Role.SCHOOL_DEPUTY).first().user
        child = school_roadmap_start_from(municipal=municipal, school=school, by=deputy)
        edit_copy(child, n, by=deputy)
        if n % 5 == 0:
            roadmap_approve(roadmap=Roadmap.objects.get(pk=child.pk), by=deputy)
    print(f"{municipal}: {municipal.school_roadmaps.count()} school roadmaps made from it")


if __name__ == "__main__":
    main()
