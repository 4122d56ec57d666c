"""Background work of the roadmaps app: thin wrappers over the services.

Tasks take ids and resolve them through the scoping rule with the requesting
user, so a task never reads more than its requester may.
"""

from celery import shared_task
from django.contrib.auth import get_user_model

from roadmaps.models import Roadmap
from roadmaps.services.assignment import assignments_create


@shared_task(acks_late=True)
def assignments_sync(roadmap_id: int, user_id: int) -> int:
    """Create the assignments a roadmap's measures call for (idempotent)."""
    user = get_user_model().objects.get(pk=user_id)
    roadmap = Roadmap.objects.visible_to(user).get(pk=roadmap_id)
    return assignments_create(roadmap=roadmap, by=user)
