from django.core.management.base import BaseCommand

from schools.demo import DEMO_PASSWORD, build_demo_tree


class Command(BaseCommand):
    help = "Создать или обновить демонстрационные данные (повторный запуск ничего не дублирует)."

    def handle(self, *args, **options):
        summary = build_demo_tree()
        self.stdout.write(
            self.style.SUCCESS(
                f"Демо-данные готовы: регионов {summary['regions']}, муниципалитетов "
                f"{summary['municipalities']}, школ {summary['schools']}."
            )
        )
        self.stdout.write(f"Пароль всех демо-пользователей: {DEMO_PASSWORD}")
        for username, role, node in summary["users"]:
            self.stdout.write(f"  {username:<14} {role} — {node}")
