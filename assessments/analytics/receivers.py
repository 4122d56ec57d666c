"""What analytics does when results change (`assessments.results.signals`).
Connected in `AssessmentsConfig.ready`.

Learning routes (ИОМ) hold no database link to a result row: they name the pupil
by (school, procedure, participant code). When an import replaces a school's rows,
a route whose code is in the new rows follows it; the others are kept and marked
detached, and come back when their pupil does.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from assessments.analytics.models import LearningRoute
from assessments.analytics.tasks import warm_reference_tables
from assessments.results.models import Result
from infra.jobs import enqueue


def routes_count(*, procedure, school_ids, participants, **kwargs) -> dict[str, int]:
    """Before the write (and in a dry run): how many routes of the replaced schools
    follow their pupil into the new rows, and how many will be marked detached."""
    if not procedure.pk:
        return {}
    routes = LearningRoute.objects.filter(
        procedure=procedure, school_id__in=list(school_ids)
    ).values_list("school_id", "participant_code")
    followed = detached = 0
    for key in routes:
        if key in participants:
            followed += 1
        else:
            detached += 1
    return {"routes_followed": followed, "routes_detached": detached}


def routes_follow(*, procedure, school_ids, **kwargs) -> None:
    """After the write, in its transaction: a route is detached exactly when no
    result of its procedure, school and participant code exists (one UPDATE each way)."""
    routes = LearningRoute.objects.filter(procedure=procedure, school_id__in=list(school_ids))
    pupil = Exists(
        Result.objects.filter(
            region_id=OuterRef("region_id"),
            school_id=OuterRef("school_id"),
            procedure_id=OuterRef("procedure_id"),
            participant_code=OuterRef("participant_code"),
            year=procedure.year,
        )
    )
    routes.filter(pupil, detached=True).update(detached=False)
    routes.filter(~pupil, detached=False).update(detached=True)


def tables_warm(*, procedure, **kwargs) -> None:
    """After a committed import: the worker computes the procedure's reference
    tables once, so the first analytic page is fast."""
    enqueue(warm_reference_tables, procedure.pk)
