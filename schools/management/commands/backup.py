from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schools.backup import BackupError, backup_create, backup_restore


class Command(BaseCommand):
    help = "Резервная копия базы и загруженных файлов (create) и восстановление из неё (restore)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "restore"])
        parser.add_argument("path", help="папка резервной копии")

    def handle(self, *args, action, path, **options):
        try:
            if action == "create":
                manifest = backup_create(target=Path(path))
                total = sum(manifest["counts"].values())
                self.stdout.write(
                    self.style.SUCCESS(f"Резервная копия записана в {path}: строк {total}.")
                )
            else:
                counts = backup_restore(source=Path(path))
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Восстановлено из {path}: строк {sum(counts.values())}, всё сходится с копией."
                    )
                )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
