from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = _("Дорожные карты")

    def ready(self):
        from django.db.models.signals import post_save

        from roadmaps.receivers import body_saved, school_saved
        from roadmaps.search import register_sqlite_functions
        from schools.models import Body, School

        # A school's name shows in the roadmaps' cached figures (roadmaps/receivers.py).
        post_save.connect(school_saved, sender=School, dispatch_uid="roadmaps-school-saved")
        # A body's name shows in the rows of the measures it is responsible for.
        post_save.connect(body_saved, sender=Body, dispatch_uid="roadmaps-body-saved")

        # Case-insensitive Cyrillic search on SQLite (see roadmaps/search.py).
        connection_created.connect(register_sqlite_functions, dispatch_uid="roadmaps-casefold")
