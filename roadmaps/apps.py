from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = _("Дорожные карты")

    def ready(self):
        from roadmaps.search import register_sqlite_functions

        # Case-insensitive Cyrillic search on SQLite (see roadmaps/search.py).
        connection_created.connect(register_sqlite_functions, dispatch_uid="roadmaps-casefold")
