from django.core.management.base import BaseCommand

from schools.demo import DEMO_PASSWORD, build_demo_tree


class Command(BaseCommand):
    help = "Создать или обновить демонстрационные данные (повторный запуск ничего не дублирует)."

    def handle(self, *args, **options):
        from schools.notifications import mail_held

        # The demo's events fill the people's notification lists, without mail.
        with mail_held():
            self._build()

    def _build(self):
        from assessments.demo import build_demo_results
        from assessments.results.models import Procedure, Result
        from roadmaps.demo import build_demo_roadmaps
        from roadmaps.models import Measure, Roadmap

        summary = build_demo_tree()
        self.stdout.write(
            self.style.SUCCESS(
                f"Демо-данные готовы: регионов {summary['regions']}, муниципалитетов "
                f"{summary['municipalities']}, школ {summary['schools']}."
            )
        )
        build_demo_roadmaps()
        build_demo_results()
        from assessments.demo import build_demo_checks

        checks = build_demo_checks()
        self.stdout.write(
            f"Дорожных карт: {Roadmap.objects.count()}, мероприятий: {Measure.objects.count()}; "
            f"процедур: {Procedure.objects.count()}, результатов участников: {Result.objects.count()}."
        )
        self.stdout.write(
            f"Проверок объективности: {checks['runs']}, официальных перечней: {checks['lists']}."
        )
        self.stdout.write(f"Пароль всех демо-пользователей: {DEMO_PASSWORD}")
        for username, role, node in summary["users"]:
            self.stdout.write(f"  {username:<14} {role} — {node}")
