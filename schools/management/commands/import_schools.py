import json

from django.core.management.base import BaseCommand, CommandError

from infra.problems import ImportFailed
from schools.models import Region
from schools.services import schools_import


class Command(BaseCommand):
    help = "Импорт списка муниципалитетов и школ региона из XLSX или CSV (всё или ничего)."
    # The system checks load the URL configuration (every view and API module) and
    # check nothing a command uses: they run in `make test` and at the container's start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--region", help="код региона, если его нет в файле")
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
            result = schools_import(source=path, region=region_obj, dry_run=dry_run)
        except ImportFailed as failed:
            if as_json:
                self._print_json(
                    {
                        "file": path,
                        "dry_run": dry_run,
                        "ok": False,
                        "problems": [p.as_dict() for p in failed.problems],
                    }
                )
            else:
                for problem in failed.problems:
                    self.stderr.write(str(problem))
            raise CommandError(
                f"Импорт отклонён: найдено проблем — {len(failed.problems)}; ничего не записано."
            ) from None
        if as_json:
            self._print_json(dict(result.as_dict(), ok=True))
            return
        for warning in result.warnings:
            self.stderr.write(f"Предупреждение: {warning}")
        verb = "Проверено (ничего не записано)" if dry_run else "Импортировано"
        self.stdout.write(
            f"{verb}: строк {result.rows}; муниципалитетов создано {result.municipalities_created}; "
            f"школ создано {result.schools_created}, обновлено {result.schools_updated}, "
            f"без изменений {result.schools_unchanged}."
        )

    def _print_json(self, payload):
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
