import json

from django.core.management.base import BaseCommand, CommandError

from assessments.results.importers.columns import MEANINGS, RULE_TEXT
from assessments.results.importers.common import (
    ProcedureKey,
    instrument_from_text,
    season_from_text,
    subject_from_text,
)
from assessments.results.models import Procedure
from assessments.results.services.batches import results_announce
from assessments.results.services.imports import results_import
from infra.problems import ImportFailed
from schools.models import School


class Command(BaseCommand):
    help = (
        "Импорт результатов оценочной процедуры (форма ВПР, сводный файл, протокол ОГЭ/ЕГЭ, "
        "сводные показатели школ) из XLSX или CSV: всё или ничего."
    )
    # The system checks load the URL configuration (every view and API module) and
    # check nothing a command uses: they run in `make test` and at the container's start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--procedure", type=int, help="id процедуры")
        parser.add_argument("--instrument", help="ВПР, ОГЭ, ЕГЭ, НИКО, РДР…")
        parser.add_argument("--subject", help="предмет: «Русский язык», «Математика»…")
        parser.add_argument("--grade", type=int, help="класс (параллель)")
        parser.add_argument("--year", type=int, help="год")
        parser.add_argument("--season", help="весна, осень, основной период…")
        parser.add_argument("--school", help="код ОО или логин ФИС ОКО (для формы одной школы)")
        parser.add_argument("--region", help="код региона, если код ОО неоднозначен")
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="ЗАГОЛОВОК=значение",
            help="что означает столбец, если импорт понял его не так: "
            "«Отметка за предыдущее полугодие=journal_mark»; значения: " + ", ".join(MEANINGS),
        )
        parser.add_argument("--dry-run", action="store_true", help="проверить, ничего не записывая")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="вывести результат в JSON"
        )

    def handle(self, *args, path, dry_run=False, as_json=False, column=(), **options):
        procedure = None
        if options.get("procedure"):
            procedure = Procedure.objects.filter(pk=options["procedure"]).first()
            if procedure is None:
                raise CommandError(f"Процедура с id {options['procedure']} не найдена.")
        key = self._key(options)
        school = None
        if options.get("school"):
            schools = School.objects.all()
            if options.get("region"):
                schools = schools.filter(region__code=options["region"].zfill(2))
            code = options["school"].strip()
            school = (schools.filter(code=code) | schools.filter(fis_login=code.lower())).first()
            if school is None:
                raise CommandError(f"Школа с кодом {code} не найдена.")
        overrides = {}
        for pair in column or ():
            header, sep, meaning = pair.rpartition("=")
            if not sep or not header.strip():
                raise CommandError(
                    f"«--column {pair}»: укажите «ЗАГОЛОВОК=значение», например "
                    "«Отметка за предыдущее полугодие=journal_mark»."
                )
            overrides[header.strip()] = meaning.strip()
        try:
            outcome = results_import(
                source=path,
                procedure=procedure,
                procedure_key=key,
                school=school,
                dry_run=dry_run,
                columns=overrides,
            )
        except ImportFailed as failed:
            if as_json:
                self._print_json(
                    {
                        "file": path,
                        "dry_run": dry_run,
                        "ok": False,
                        **failed.details,
                        "problems": [p.as_dict() for p in failed.problems],
                    }
                )
            else:
                for problem in failed.problems:
                    self.stderr.write(str(problem))
            raise CommandError(
                f"Импорт отклонён: найдено проблем — {len(failed.problems)}; ничего не записано."
            ) from None
        if not dry_run and not outcome.unchanged and outcome.procedure_id:
            # As the worker does after a background import: tables warmed, checks re-run.
            results_announce(procedure_id=outcome.procedure_id, batch_id=outcome.batch_id)
        if as_json:
            self._print_json(dict(outcome.as_dict(), ok=True))
            return
        for warning in outcome.warnings:
            self.stderr.write(f"предупреждение: {warning}")
        if dry_run:
            self._print_columns(outcome.columns)
        if outcome.unchanged:
            verb = "Без изменений (этот файл уже загружен)"
        elif dry_run:
            verb = "Проверено (ничего не записано)"
        else:
            verb = "Импортировано"
        created = " (создана)" if outcome.procedure_created else ""
        self.stdout.write(
            f"{verb}: {outcome.procedure}{created}; участников {outcome.rows}, "
            f"отсутствовали {outcome.absent}, школ {outcome.schools}, "
            f"заменено прежних строк {outcome.replaced}, "
            f"расхождений со шкалой {outcome.mark_mismatches}."
        )

    def _key(self, options) -> ProcedureKey | None:
        values = {}
        if options.get("instrument"):
            values["instrument"] = instrument_from_text(options["instrument"])
            if values["instrument"] is None:
                raise CommandError(f"Процедура «{options['instrument']}» не распознана.")
        if options.get("subject"):
            values["subject"] = subject_from_text(options["subject"])
            if values["subject"] is None:
                raise CommandError(f"Предмет «{options['subject']}» не распознан.")
        if options.get("season"):
            values["season"] = season_from_text(options["season"])
            if values["season"] is None:
                raise CommandError(f"Период «{options['season']}» не распознан.")
        for name in ("grade", "year"):
            if options.get(name):
                values[name] = options[name]
        return ProcedureKey(**values) if values else None

    def _print_columns(self, columns):
        """The mapping a dry run found, one column a line (tasks in one line)."""
        tasks = [c["header"] for c in columns if c["meaning"] == "task"]
        for column in columns:
            if column["meaning"] == "task":
                continue
            meaning = MEANINGS.get(column["meaning"], "не понят")
            rule = RULE_TEXT.get(column["rule"], "")
            header = " ".join(column["header"].split())
            self.stdout.write(f"  «{header}» → {meaning}" + (f" ({rule})" if rule else ""))
        if tasks:
            self.stdout.write(f"  задания: {len(tasks)} ({tasks[0]} … {tasks[-1]})")

    def _print_json(self, payload):
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
