"""Background work of the roadmaps app: thin wrappers over the services.

Tasks take ids and resolve them through the scoping rule with the requesting
user, so a task never reads more than its requester may.
"""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from roadmaps.models import Roadmap
from roadmaps.services.assignment import assignments_create


@shared_task(acks_late=True)
def assignments_sync(roadmap_id: int, user_id: int) -> int:
    """Create the assignments a roadmap's measures call for (idempotent)."""
    user = get_user_model().objects.get(pk=user_id)
    roadmap = Roadmap.objects.visible_to(user).get(pk=roadmap_id)
    return assignments_create(roadmap=roadmap, by=user)


@shared_task(
    name="roadmaps.send_reminders", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60
)
def send_reminders() -> dict:
    """Daily (beat): one task per region, so that regions run side by side on as many
    workers as there are and a failure in one region leaves the others reminded."""
    from django.utils import timezone

    from infra.jobs import enqueue
    from schools.models import Region

    today = timezone.localdate().isoformat()
    regions = list(Region.objects.order_by("pk").values_list("pk", flat=True))
    queued = sum(enqueue(send_reminders_region, region_id, today) for region_id in regions)
    return {"regions": len(regions), "queued": queued}


@shared_task(
    name="roadmaps.send_reminders_region",
    acks_late=True,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    max_retries=3,
    autoretry_for=(ConnectionError, OperationalError, InterfaceError),
    retry_backoff=True,
)
def send_reminders_region(region_id: int, today: str) -> dict:
    """What falls due within a week and what is overdue, in one region. Safe to repeat:
    each reminder is told once."""
    from datetime import date

    from roadmaps.reminders import reminders_send

    return reminders_send(today=date.fromisoformat(today), region_id=region_id)


@shared_task(name="roadmaps.send_weekly_summary", acks_late=True)
def send_weekly_summary() -> int:
    from roadmaps.reminders import weekly_summary_send

    return weekly_summary_send()
