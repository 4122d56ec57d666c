"""The objectivity checks as stored: a region's settings, runs, per-school rows,
findings, schools' answers to flags, and the official lists of schools."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.results.models import Procedure
from infra.jobs import BackgroundJob, queue_unavailable_message
from schools.owners import SchoolOwned
from schools.scoping import ScopedManager, ScopePaths


class CheckSettings(models.Model):
    """A region's thresholds, minimum group sizes and marker rule for the objectivity
    checks: overrides of `assessments.objectivity.checks.CheckParams` by field name (the rest
    keep their defaults)."""

    region = models.OneToOneField(
        "schools.Region",
        on_delete=models.CASCADE,
        related_name="check_settings",
        verbose_name=_("регион"),
    )
    overrides = models.JSONField(
        _("изменённые параметры"),
        default=dict,
        blank=True,
        help_text=_('Например: {"min_school": 25, "min_agreeing": 2}.'),
    )
    updated_at = models.DateTimeField(_("изменены"), auto_now=True)

    scope_paths = ScopePaths(region="region", shared_down=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("параметры проверки объективности")
        verbose_name_plural = _("параметры проверки объективности")

    def __str__(self):
        return str(self.region)


class CheckRun(BackgroundJob):
    """One run of the objectivity checks for a year over a region or one of its
    municipalities (the region is the reference either way): its parameters, the
    method's version, what data it read, and every indicator of every school."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("выполняется")
        DONE = "done", _("готова")
        FAILED = "failed", _("ошибка")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("по запросу")
        IMPORT = "import", _("после загрузки результатов")
        COMMAND = "command", _("из командной строки")

    region = models.ForeignKey(
        "schools.Region", on_delete=models.CASCADE, related_name="check_runs"
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="check_runs",
        verbose_name=_("муниципалитет"),
    )
    year = models.PositiveSmallIntegerField(_("год"))
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    trigger = models.CharField(
        _("запуск"), max_length=10, choices=Trigger.choices, default=Trigger.MANUAL
    )
    progress = models.PositiveSmallIntegerField(_("выполнено, %"), default=0)
    method_version = models.CharField(_("версия метода"), max_length=40, blank=True)
    params = models.JSONField(_("параметры"), default=dict, blank=True)
    data_key = models.CharField(
        _("отпечаток данных"), max_length=64, blank=True, help_text=_("Что прочитала проверка.")
    )
    request_key = models.CharField(
        _("отпечаток запроса"),
        max_length=64,
        blank=True,
        help_text=_(
            "Область, год, параметры и данные при запросе: тот же запрос не запускается дважды."
        ),
    )
    counts = models.JSONField(_("итоги"), default=dict, blank=True)
    error = models.TextField(_("что пошло не так"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("запросил"),
    )
    created_at = models.DateTimeField(_("запрошена"), auto_now_add=True)
    started_at = models.DateTimeField(_("начата"), null=True, blank=True)
    finished_at = models.DateTimeField(_("завершена"), null=True, blank=True)

    # A region-wide run is read by the municipalities below it; what each reads of
    # it (the schools) is scoped row by row.
    scope_paths = ScopePaths(region="region", municipality="municipality", shared_down=True)
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("проверка объективности")
        verbose_name_plural = _("проверки объективности")

    @property
    def min_school(self) -> int:
        """The fewest pupils of a test the run read on its own (from its stored
        parameters; the default for a run stored without them)."""
        from assessments.objectivity.checks.params import CheckParams

        return self.params.get("min_school", CheckParams.min_school)

    def __str__(self):
        where = self.municipality or self.region
        return f"{where}, {self.year} ({self.get_status_display()})"

    # A background job (`infra.jobs`): its error says why it waits, and why it stopped.
    def unqueued_fields(self) -> dict:
        return {"error": queue_unavailable_message()}

    def requeued_fields(self) -> dict:
        return {"error": ""}

    def stale_fields(self) -> dict:
        return {
            "error": gettext(
                "Проверка прервана: фоновый обработчик остановился. Запустите проверку ещё раз."
            )
        }


class CheckSchool(SchoolOwned):
    """A school in a check run: its markers (one per procedure) and the roll-up."""

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="schools")
    # SchoolOwned's school, with the reverse accessor the code reads (school.check_rows).
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="check_rows"
    )
    markers = models.PositiveSmallIntegerField(_("количество маркеров"), default=0)
    marker_labels = models.JSONField(_("маркеры"), default=list, blank=True)
    low_result = models.BooleanField(_("низкие результаты (ШНОР)"), default=False)
    strong = models.BooleanField(_("высокие результаты без признаков"), default=False)

    class Meta:
        ordering = ["-markers", "school__short_name"]
        verbose_name = _("школа в проверке объективности")
        verbose_name_plural = _("школы в проверке объективности")
        constraints = [
            models.UniqueConstraint(fields=["run", "school"], name="check_school_unique")
        ]

    def __str__(self):
        return f"{self.school}: {self.markers}"


class CheckFinding(SchoolOwned):
    """One school × procedure of a run, flagged or not: every indicator with its
    value, the region's reference, the threshold and whether it fired."""

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="findings")
    row = models.ForeignKey(CheckSchool, on_delete=models.CASCADE, related_name="findings")
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="check_findings"
    )
    label = models.CharField(_("работа"), max_length=40)
    pupils = models.PositiveIntegerField(_("участников"))
    marker = models.BooleanField(_("маркер"), default=False)
    reasons = models.JSONField(_("сработавшие показатели"), default=list, blank=True)
    low_result = models.BooleanField(_("низкие результаты"), default=False)
    # [{"name", "value", "reference", "threshold", "fired", "strong", "n", "details"}]
    indicators = models.JSONField(_("показатели"), default=list)
    # The run's year, as results carry their procedure's (docs/scale.md).
    year = models.PositiveSmallIntegerField(_("год"))

    scope_paths = ScopePaths(
        region="region", municipality="municipality", school="school", region_always=True
    )

    class Meta:
        ordering = ["row", "procedure__grade", "procedure__subject"]
        verbose_name = _("результат проверки по работе")
        verbose_name_plural = _("результаты проверки по работам")
        constraints = [
            # The region and the year in every unique constraint of the large tables
            # (docs/scale.md), the region leading.
            models.UniqueConstraint(
                fields=["region", "run", "school", "procedure", "year"],
                name="check_finding_unique",
            )
        ]

    def __str__(self):
        return f"{self.school}, {self.label}: {'маркер' if self.marker else 'нет'}"


class FlagAnswer(SchoolOwned):
    """How the municipality answered a school's marker in a procedure: a roadmap
    measure for that school, or a dismissal with a written reason. Keyed by
    school and procedure, so a re-run of the same year keeps the answer."""

    class Kind(models.TextChoices):
        MEASURE = "measure", _("мероприятие дорожной карты")
        DISMISSED = "dismissed", _("признак снят с обоснованием")

    # SchoolOwned's school, with the reverse accessor the code reads (school.flag_answers).
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="flag_answers"
    )
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="flag_answers")
    kind = models.CharField(_("ответ"), max_length=10, choices=Kind.choices)
    measure = models.ForeignKey(
        "roadmaps.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flag_answers",
        verbose_name=_("мероприятие"),
    )
    reason = models.TextField(_("обоснование"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("когда"), auto_now=True)

    class Meta:
        ordering = ["-answered_at"]
        verbose_name = _("ответ на признак необъективности")
        verbose_name_plural = _("ответы на признаки необъективности")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "procedure", "measure"],
                condition=models.Q(measure__isnull=False),
                name="flag_answer_unique_measure",
                violation_error_message=_("Это мероприятие уже записано ответом на признак."),
            ),
            models.UniqueConstraint(
                fields=["school", "procedure"],
                condition=models.Q(kind="dismissed"),
                name="flag_answer_unique_dismissal",
                violation_error_message=_("Признак уже снят."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind="measure", measure__isnull=False)
                | models.Q(kind="dismissed"),
                name="flag_answer_kind_fields",
                violation_error_message=_("Ответ мероприятием должен указывать мероприятие."),
            ),
        ]

    def __str__(self):
        return f"{self.school}, {self.procedure}: {self.get_kind_display()}"


class OfficialList(models.Model):
    """An official list of schools with signs of biased results (the federal or
    regional XLSX: Год, Логин, Муниципалитет, ОО, 4 РУ, 4 МА, 5 РУ, 5 МА,
    Количество маркеров), as imported."""

    region = models.ForeignKey(
        "schools.Region", on_delete=models.CASCADE, related_name="official_lists"
    )
    title = models.CharField(_("название"), max_length=300)
    file_name = models.CharField(_("имя файла"), max_length=255)
    sha256 = models.CharField(max_length=64)
    years = models.JSONField(_("годы"), default=list)
    labels = models.JSONField(_("работы (столбцы)"), default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    scope_paths = ScopePaths(region="region", shared_down=True)
    objects = ScopedManager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("официальный перечень ОО с признаками необъективности")
        verbose_name_plural = _("официальные перечни ОО с признаками необъективности")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "sha256"],
                name="official_list_unique_file",
                violation_error_message=_("Этот файл уже загружен."),
            )
        ]

    def __str__(self):
        return self.title


class OfficialListEntry(SchoolOwned):
    """One school × year of an official list, with its markers by test label."""

    official_list = models.ForeignKey(
        OfficialList, on_delete=models.CASCADE, related_name="entries"
    )
    # SchoolOwned's school, with the reverse accessor the code reads (school.official_list_entries).
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="official_list_entries"
    )
    year = models.PositiveSmallIntegerField(_("год"))
    markers = models.JSONField(_("маркеры"), default=list)  # ["4 РУ", "5 МА"]
    count = models.PositiveSmallIntegerField(_("количество маркеров"), default=0)

    class Meta:
        ordering = ["year", "school__short_name"]
        verbose_name = _("строка официального перечня")
        verbose_name_plural = _("строки официального перечня")
        constraints = [
            models.UniqueConstraint(
                fields=["official_list", "school", "year"], name="official_entry_unique"
            )
        ]

    def __str__(self):
        return f"{self.year} {self.school}: {self.count}"
