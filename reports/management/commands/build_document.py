from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from reports.builders import DocumentParamsError
from reports.services import document_render_bytes


class Command(BaseCommand):
    help = (
        "Построить документ из командной строки: order (приказ), execution (отчёт о ходе "
        "реализации)… Пример: build_document order --param roadmap=1 --format pdf --out prikaz.pdf"
    )
    # The system checks load the URL configuration (every view and API module) and
    # check nothing a command uses: they run in `make test` and at the container's start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("kind", help="вид документа: order, execution, …")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="ИМЯ=ЗНАЧЕНИЕ",
            help="параметр документа, например roadmap=12 или as_of=2026-01-15",
        )
        parser.add_argument("--format", default="pdf", choices=["pdf", "docx", "xlsx"])
        parser.add_argument("--out", required=True, help="куда записать файл")
        parser.add_argument(
            "--user", help="от чьего имени (по умолчанию — первый суперпользователь)"
        )

    def handle(self, *args, kind, param, format, out, user=None, **options):  # noqa: A002
        params = {}
        for item in param:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise CommandError(f"Параметр «{item}» нужно писать как имя=значение.")
            params[name] = value
        User = get_user_model()
        person = (
            User.objects.filter(username=user).first()
            if user
            else User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        )
        if person is None:
            raise CommandError(
                f"Пользователь «{user}» не найден." if user else "Нет ни одного суперпользователя."
            )
        try:
            content, pages = document_render_bytes(
                kind=kind, fmt=format, params=params, user=person
            )
        except DocumentParamsError as exc:
            raise CommandError(str(exc)) from None
        except Http404:
            raise CommandError("Объект не найден или недоступен этому пользователю.") from None
        Path(out).write_bytes(content)
        self.stdout.write(
            self.style.SUCCESS(
                f"Записано {out}: {len(content)} байт"
                + (f", страниц: {pages}" if pages else "")
                + "."
            )
        )
