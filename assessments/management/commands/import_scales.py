import json

from django.core.management.base import BaseCommand, CommandError

from assessments.results.services.scale_import import scales_import
from infra.problems import ImportFailed
from schools.models import Region


class Command(BaseCommand):
    help = (
        "Импорт шкал перевода баллов: процедура, год, класс, предмет, отметка (или тестовый "
        "балл) и диапазон первичного балла («0–9»). Всё или ничего."
    )
    # The system checks load the URL configuration (every view and API module) and
    # check nothing a command uses: they run in `make test` and at the container's start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--region", help="код региона; без него шкалы общие (федеральные)")
        parser.add_argument("--dry-run", action="store_true", help="проверить, ничего не записывая")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="вывести результат в JSON"
        )

    def handle(self, *args, path, region=None, dry_run=False, as_json=False, **options):
        region_obj = None
        if region:
            region_obj = Region.objects.filter(code=region.zfill(2)).first()
            if region_obj is None:
                raise CommandError(f"Регион с кодом {region} не найден.")
        try:
            outcome = scales_import(source=path, region=region_obj, dry_run=dry_run)
        except ImportFailed as failed:
            if as_json:
                payload = {
                    "file": path,
                    "ok": False,
                    "problems": [p.as_dict() for p in failed.problems],
                }
                self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            else:
                for problem in failed.problems:
                    self.stderr.write(str(problem))
            raise CommandError(
                f"Импорт отклонён: найдено проблем — {len(failed.problems)}; ничего не записано."
            ) from None
        if as_json:
            self.stdout.write(
                json.dumps(dict(outcome.as_dict(), ok=True), ensure_ascii=False, indent=2)
            )
            return
        verb = "Проверено (ничего не записано)" if dry_run else "Импортировано"
        self.stdout.write(
            f"{verb}: шкал {outcome.scales}; создано {outcome.created}, обновлено {outcome.updated}."
        )
