from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Оценочные процедуры")

    def ready(self):
        # Celery's autodiscovery imports `assessments.tasks` only; the tasks live
        # in the sub-domain packages, so the workers register them here.
        from assessments.analytics import tasks as analytics_tasks  # noqa: F401
        from assessments.objectivity import tasks as objectivity_tasks  # noqa: F401
        from assessments.results import tasks as result_tasks  # noqa: F401
