from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Регионы, муниципалитеты и школы")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from schools import policy  # noqa: F401  registers the permissions
        from schools.models import Notification

        # A notification saved or deleted one by one (the admin, a person's deletion)
        # changes its person's bell count (schools/notifications.py).
        post_save.connect(_notification_changed, sender=Notification)
        post_delete.connect(_notification_changed, sender=Notification)


def _notification_changed(sender, instance, **kwargs):
    from schools.notifications import unread_changed

    unread_changed([instance.user_id])
