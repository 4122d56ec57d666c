import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessments.objectivity.models import CheckRun, CheckSchool
from assessments.objectivity.services.runs import check_run_request, run_as_json
from schools.models import Municipality, Region


class Command(BaseCommand):
    help = (
        "Проверка объективности результатов ВПР за год по региону или муниципалитету: "
        "показатели каждой школы, маркеры по работам. Результат сохраняется как проверка."
    )
    # The system checks load the URL configuration (every view and API module) and
    # check nothing a command uses: they run in `make test` and at the container's start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="год проверки")
        parser.add_argument("--region", help="код региона (например, 39)")
        parser.add_argument("--municipality", help="код муниципалитета (регион — эталон)")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="вывести все показатели в JSON"
        )

    def handle(self, *args, year, region=None, municipality=None, as_json=False, **options):
        region_obj, municipality_obj = self._scope(region, municipality)
        try:
            run = check_run_request(
                user=None,
                year=year,
                region=region_obj,
                municipality=municipality_obj,
                trigger=CheckRun.Trigger.COMMAND,
                queue=False,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if run.status != CheckRun.Status.DONE:
            raise CommandError(run.error or "Проверка не выполнена.")
        rows = (
            CheckSchool.objects.filter(run=run)
            .select_related("school", "municipality")
            .order_by("-markers", "municipality__name", "school__short_name")
        )
        if as_json:
            payload = run_as_json(run=run, rows=rows)
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1))
            return
        counts = run.counts
        self.stdout.write(
            f"Проверка №{run.pk}: {run}. Школ: {counts.get('schools', 0)}, "
            f"с маркерами: {counts.get('flagged', 0)}, маркеров: {counts.get('markers', 0)}."
        )
        for row in rows:
            if row.markers:
                labels = ", ".join(row.marker_labels)
                self.stdout.write(f"  {row.school.short_name} ({row.municipality.name}): {labels}")

    def _scope(self, region_code, municipality_code):
        regions = Region.objects.all()
        if region_code:
            regions = regions.filter(code=str(region_code).strip().zfill(2))
        if municipality_code:
            found = Municipality.objects.filter(
                code=str(municipality_code).strip(), region__in=regions
            ).select_related("region")
            count = found.count()
            if count == 0:
                raise CommandError(f"Муниципалитет с кодом {municipality_code} не найден.")
            if count > 1:
                raise CommandError(
                    f"Код муниципалитета {municipality_code} есть в нескольких регионах: "
                    "укажите --region."
                )
            municipality = found.get()
            return municipality.region, municipality
        if not region_code:
            if regions.count() != 1:
                raise CommandError("Укажите регион (--region) или муниципалитет (--municipality).")
            return regions.get(), None
        region = regions.first()
        if region is None:
            raise CommandError(f"Регион с кодом {region_code} не найден.")
        return region, None
