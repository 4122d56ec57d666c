from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = _("Дорожные карты")

    def ready(self):
        from django.db.models.signals import post_save

        from roadmaps.receivers import school_saved
        from roadmaps.search import register_sqlite_functions
        from schools.models import School

        # A school's name shows in the roadmaps' cached figures (roadmaps/receivers.py).
        post_save.connect(school_saved, sender=School, dispatch_uid="roadmaps-school-saved")

        # Case-insensitive Cyrillic search on SQLite (see roadmaps/search.py).
        connection_created.connect(register_sqlite_functions, dispatch_uid="roadmaps-casefold")
