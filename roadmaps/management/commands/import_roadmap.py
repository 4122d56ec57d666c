import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from infra.files import FileRejected, read_bytes
from infra.problems import ImportFailed
from roadmaps.importers import parse_roadmap_document
from roadmaps.services.base import SYSTEM
from roadmaps.services.importing import parsed_roadmap_json, resolve_owner, roadmap_import

OWNER_HELP = (
    "владелец дорожной карты: код региона («39»), код региона и муниципалитета через "
    "двоеточие («39:01»), код региона и код школы («39:390102») или логин ФИС ОКО школы "
    "(«edu390102»)"
)


class Command(BaseCommand):
    help = (
        "Импорт дорожной карты из DOCX, XLSX, PDF с текстом или текста (формат определяется по "
        "содержимому). "
        "Дорожная карта создаётся проектом со всеми разделами и мероприятиями — всё или ничего."
    )
    # The system checks load the URL configuration (every view and API module) and
    # check nothing a command uses: they run in `make test` and at the container's start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="файл дорожной карты: .docx, .xlsx, .pdf или текст")
        parser.add_argument("--owner", required=True, help=OWNER_HELP)
        parser.add_argument(
            "--dry-run", action="store_true", help="разобрать и проверить, ничего не записывая"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="вывести найденное в JSON: приказ, разделы, мероприятия (срок как написан и "
            "разобранный, ответственные как написаны и найденные), предупреждения",
        )

    def handle(self, *args, path, owner, dry_run=False, as_json=False, **options):
        owner_obj = resolve_owner(owner)
        if owner_obj is None:
            raise CommandError(f"Владелец «{owner}» не найден. Укажите {OWNER_HELP}.")
        try:
            data, filename = read_bytes(path)
            parsed = parse_roadmap_document(data, filename)
        except FileRejected as exc:
            raise CommandError(str(exc)) from None
        except ImportFailed as failed:
            raise CommandError(
                "Импорт отклонён; ничего не записано: " + "; ".join(str(p) for p in failed.problems)
            ) from None
        try:
            result = roadmap_import(parsed, owner=owner_obj, by=SYSTEM, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(
                f"Файл «{filename}»: {' '.join(exc.messages)} Ничего не записано."
            ) from None
        if as_json:
            payload = parsed_roadmap_json(parsed, owner=owner_obj)
            payload["roadmap"] = None if dry_run else result.roadmap.pk
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        for warning in result.warnings:
            self.stderr.write(f"Предупреждение: {warning}")
        if dry_run:
            self.stdout.write(
                f"Проверено (ничего не записано): разделов {result.sections}, "
                f"мероприятий {result.measures}, нераспознанных сроков {len(result.unparsed_deadlines)}."
            )
        else:
            self.stdout.write(
                f"Импортирована дорожная карта №{result.roadmap.pk} «{result.roadmap.title}» "
                f"({owner_obj}): разделов {result.sections}, мероприятий {result.measures}, "
                f"нераспознанных сроков {len(result.unparsed_deadlines)}."
            )
