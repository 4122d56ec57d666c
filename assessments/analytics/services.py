"""Writes of the analytics sub-domain: a school's version of a pupil's ИОМ."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.results.models import (
    Result,
)


def learning_route_save(
    *, result: Result, steps: list[dict], note: str, by, version: int | None = None
):
    """Keep the school's version of a pupil's ИОМ. A stale `version` is refused.

    `steps` come in the draft's order; each keeps its planned result and tasks
    as drafted, with the teacher's forms of work, due date and done mark.
    """
    from django.core.exceptions import PermissionDenied, ValidationError

    from assessments.analytics.models import LearningRoute

    if not by.has_perm("assessments.edit_learning_route", result.school):
        raise PermissionDenied(_("Маршрут ведёт заместитель директора школы."))
    cleaned = []
    for step in steps:
        forms_text = str(step.get("forms", "")).strip()[:1000]
        due = str(step.get("due", "")).strip()
        if due:
            try:
                date.fromisoformat(due)
            except ValueError as exc:
                raise ValidationError(
                    _("Срок «%s» — не дата (ожидается ГГГГ-ММ-ДД).") % due
                ) from exc
        cleaned.append(
            {
                "planned_result": str(step.get("planned_result", ""))[:1000],
                "tasks": str(step.get("tasks", ""))[:200],
                "forms": forms_text,
                "due": due,
                "done": bool(step.get("done")),
            }
        )
    with transaction.atomic():
        route = LearningRoute.for_result(result).select_for_update().first()
        if route is None:
            route = LearningRoute(
                procedure_id=result.procedure_id,
                participant_code=result.participant_code,
                region_id=result.region_id,
                municipality_id=result.municipality_id,
                school_id=result.school_id,
            )
        elif version is not None and route.version != version:
            who = (
                route.updated_by.get_full_name() or route.updated_by.username
                if route.updated_by
                else "—"
            )
            raise ValidationError(
                _("Маршрут уже изменил(а) %(who)s; обновите страницу.") % {"who": who}
            )
        else:
            route.version += 1
        route.steps, route.note, route.updated_by = cleaned, note.strip(), by
        route.detached = False  # saved from the pupil's current row
        route.save()
    return route
