from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _import_stopped(batch) -> None:
    from assessments.results.services.batches import import_notify

    import_notify(batch=batch)


def _check_stopped(run) -> None:
    from assessments.objectivity.services.runs import check_run_notify

    check_run_notify(run=run)


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Оценочные процедуры")

    def ready(self):
        # Celery's autodiscovery imports `assessments.tasks` only; the tasks live
        # in the sub-domain packages, so the workers register them here.
        from assessments.analytics import receivers as analytics_receivers
        from assessments.analytics import tasks as analytics_tasks  # noqa: F401
        from assessments.objectivity import receivers as objectivity_receivers
        from assessments.objectivity import tasks as objectivity_tasks
        from assessments.objectivity.models import CheckRun
        from assessments.results import signals
        from assessments.results import tasks as result_tasks
        from assessments.results.models import ImportBatch
        from infra import jobs

        # Results announces its imports; the apps above it act on them (results
        # imports neither). Order matters for `results_imported`: tables, then checks.
        signals.results_replacing.connect(
            analytics_receivers.routes_count, dispatch_uid="analytics.routes_count"
        )
        signals.results_replaced.connect(
            analytics_receivers.routes_follow, dispatch_uid="analytics.routes_follow"
        )
        signals.results_imported.connect(
            analytics_receivers.tables_warm, dispatch_uid="analytics.tables_warm"
        )
        signals.results_imported.connect(
            objectivity_receivers.checks_rerun, dispatch_uid="objectivity.checks_rerun"
        )

        jobs.register(
            ImportBatch,
            task=result_tasks.import_batch_task,
            notify=_import_stopped,
            counter="imports_failed",
        )
        jobs.register(
            CheckRun,
            task=objectivity_tasks.run_checks_task,
            notify=_check_stopped,
            counter="checks_failed",
        )
