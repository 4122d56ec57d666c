"""Assessment procedures, their tasks and scales, pupils' results and the imports
that brought them in.

A procedure belongs to the region that holds it; results and per-school
aggregates belong to a school, with the school's region and municipality
copied onto the row so the scoping filter needs no join on a table of
millions of rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.models import SchoolOwned
from schools.scoping import ScopedManager, ScopePaths


class Instrument(models.TextChoices):
    VPR = "vpr", _("ВПР")
    VPR_CONTROLLED = "vpr_control", _("ВПР с контролем объективности")
    OGE = "oge", _("ОГЭ")
    EGE = "ege", _("ЕГЭ")
    GVE = "gve", _("ГВЭ")
    NIKO = "niko", _("НИКО")
    RDR = "rdr", _("РДР")
    SCHOOL = "school", _("школьная работа")


class Subject(models.TextChoices):
    """School subjects as assessment procedures name them (reference data, not tenant data)."""

    RUSSIAN = "russian", _("Русский язык")
    MATH = "math", _("Математика")
    MATH_BASE = "math_base", _("Математика (базовый уровень)")
    MATH_PROFILE = "math_profile", _("Математика (профильный уровень)")
    WORLD = "world", _("Окружающий мир")
    HISTORY = "history", _("История")
    SOCIAL = "social", _("Обществознание")
    BIOLOGY = "biology", _("Биология")
    GEOGRAPHY = "geography", _("География")
    PHYSICS = "physics", _("Физика")
    CHEMISTRY = "chemistry", _("Химия")
    INFORMATICS = "informatics", _("Информатика")
    LITERATURE = "literature", _("Литература")
    ENGLISH = "english", _("Английский язык")
    GERMAN = "german", _("Немецкий язык")
    FRENCH = "french", _("Французский язык")
    SPANISH = "spanish", _("Испанский язык")
    CHINESE = "chinese", _("Китайский язык")
    READING = "reading", _("Читательская грамотность")
    OTHER = "other", _("Другой предмет")


class Season(models.TextChoices):
    SPRING = "spring", _("весна")
    AUTUMN = "autumn", _("осень")
    EARLY = "early", _("досрочный период")
    MAIN = "main", _("основной период")
    ADDITIONAL = "additional", _("дополнительный период")
    OTHER = "other", _("иное")


class Level(models.TextChoices):
    BASIC = "Б", _("базовый")
    ADVANCED = "П", _("повышенный")
    HIGH = "В", _("высокий")


class Procedure(models.Model):
    """One assessment: instrument × subject × grade × year × season, with its dates."""

    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.PROTECT,
        related_name="procedures",
        verbose_name=_("регион"),
    )
    instrument = models.CharField(_("процедура"), max_length=20, choices=Instrument.choices)
    subject = models.CharField(_("предмет"), max_length=20, choices=Subject.choices)
    grade = models.PositiveSmallIntegerField(_("класс (параллель)"))
    year = models.PositiveSmallIntegerField(_("год"))
    season = models.CharField(
        _("период"), max_length=20, choices=Season.choices, default=Season.SPRING
    )
    starts_on = models.DateField(_("начало проведения"), null=True, blank=True)
    ends_on = models.DateField(_("окончание проведения"), null=True, blank=True)
    max_score = models.PositiveSmallIntegerField(_("максимальный первичный балл"), default=0)
    note = models.CharField(_("примечание"), max_length=500, blank=True)

    scope_paths = ScopePaths(region="region", shared_down=True)
    objects = ScopedManager()

    class Meta:
        ordering = ["-year", "instrument", "grade", "subject"]
        verbose_name = _("оценочная процедура")
        verbose_name_plural = _("оценочные процедуры")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "instrument", "subject", "grade", "year", "season"],
                name="procedure_unique_in_region",
                violation_error_message=_("Такая процедура в регионе уже есть."),
            )
        ]

    def __str__(self):
        return (
            f"{self.get_instrument_display()}, {self.get_subject_display()}, "
            f"{self.grade} кл., {self.year} ({self.get_season_display()})"
        )


class Task(models.Model):
    """A task of a procedure (optionally of one variant), as numbered in the form."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("процедура")
    )
    variant = models.CharField(_("вариант"), max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(_("порядковый номер"))
    number = models.CharField(_("номер задания"), max_length=30)
    max_score = models.PositiveSmallIntegerField(_("максимальный балл"))
    level = models.CharField(_("уровень"), max_length=1, choices=Level.choices, blank=True)
    planned_result = models.TextField(_("проверяемый результат (кодификатор)"), blank=True)
    part = models.CharField(_("часть"), max_length=20, blank=True)

    scope_paths = ScopePaths(region="procedure__region", shared_down=True)
    objects = ScopedManager()

    class Meta:
        ordering = ["procedure", "variant", "position"]
        verbose_name = _("задание")
        verbose_name_plural = _("задания")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "variant", "number"],
                name="task_number_unique_in_procedure",
                violation_error_message=_("Задание с таким номером уже есть."),
            )
        ]

    def __str__(self):
        return f"{self.number} ({self.max_score} б.)"


class Scale(models.Model):
    """Primary score → mark (ВПР, ОГЭ) or → test score (ЕГЭ) for one instrument, year,
    grade and subject.

    `ranges` is a list of [from, to, value] (inclusive); `conditions` a list of
    {"tasks": [task numbers], "min": points, "mark": value, "text": wording}:
    when the pupil has fewer than `min` points from those tasks, the value is
    at most `mark` (ОГЭ maths: at least 2 points from geometry for a pass).
    A scale without a region is the federal one; a region's own scale of the
    same key wins over it.
    """

    class Kind(models.TextChoices):
        MARK = "mark", _("отметка")
        TEST_SCORE = "test_score", _("тестовый балл")

    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scales",
        verbose_name=_("регион"),
        help_text=_("Пусто — общая (федеральная) шкала."),
    )
    instrument = models.CharField(_("процедура"), max_length=20, choices=Instrument.choices)
    year = models.PositiveSmallIntegerField(_("год"))
    grade = models.PositiveSmallIntegerField(_("класс"))
    subject = models.CharField(_("предмет"), max_length=20, choices=Subject.choices)
    kind = models.CharField(
        _("переводит в"), max_length=20, choices=Kind.choices, default=Kind.MARK
    )
    max_score = models.PositiveSmallIntegerField(_("максимальный первичный балл"))
    ranges = models.JSONField(_("диапазоны первичного балла"), default=list)
    conditions = models.JSONField(_("дополнительные условия"), default=list, blank=True)
    minimum_score = models.PositiveSmallIntegerField(_("минимальный балл"), null=True, blank=True)
    admission_minimum = models.PositiveSmallIntegerField(
        _("минимальный балл для поступления в вуз"), null=True, blank=True
    )
    source = models.CharField(_("источник"), max_length=500, blank=True)

    scope_paths = ScopePaths(region="region", shared_down=True)
    objects = ScopedManager()

    class Meta:
        ordering = ["-year", "instrument", "grade", "subject"]
        verbose_name = _("шкала перевода баллов")
        verbose_name_plural = _("шкалы перевода баллов")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "instrument", "year", "grade", "subject"],
                condition=models.Q(region__isnull=False),
                name="scale_unique_per_region",
                violation_error_message=_("Такая шкала в регионе уже есть."),
            ),
            models.UniqueConstraint(
                fields=["instrument", "year", "grade", "subject"],
                condition=models.Q(region__isnull=True),
                name="scale_unique_federal",
                violation_error_message=_("Такая общая шкала уже есть."),
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_instrument_display()}, {self.get_subject_display()}, "
            f"{self.grade} кл., {self.year}"
        )


class ResultPrivacy(models.Model):
    """A region's choice about personal data in exam protocols.

    Names are kept only when `store_names` is on; otherwise a hash of the name
    and document, salted with the region's secret, joins a person across years.
    """

    region = models.OneToOneField(
        "schools.Region",
        on_delete=models.CASCADE,
        related_name="result_privacy",
        verbose_name=_("регион"),
    )
    store_names = models.BooleanField(_("хранить ФИО участников ОГЭ/ЕГЭ"), default=False)
    salt = models.CharField(_("соль хеша"), max_length=64)

    scope_paths = ScopePaths(region="region")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("настройка персональных данных")
        verbose_name_plural = _("настройки персональных данных")

    def __str__(self):
        return str(self.region)


class ImportBatch(models.Model):
    """One uploaded file of results: who, what, how it went, and every problem found."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("выполняется")
        DONE = "done", _("загружен")
        FAILED = "failed", _("отклонён")

    class Format(models.TextChoices):
        UNKNOWN = "", _("не определён")
        VPR_FORM = "vpr_form", _("форма сбора результатов ВПР (одна школа)")
        CONSOLIDATED = "consolidated", _("сводный файл результатов нескольких школ")
        PROTOCOL = "protocol", _("протокол ОГЭ/ЕГЭ")
        AGGREGATE = "aggregate", _("сводные показатели по школам")

    # The owner triple kept explicit, not schools.Owned: the reverse accessors
    # (school.import_batches etc.) are read.
    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        related_name="import_batches",
        verbose_name=_("регион"),
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_batches",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_batches",
        verbose_name=_("школа"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("загрузил"),
    )
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)
    finished_at = models.DateTimeField(_("обработан"), null=True, blank=True)
    file = models.FileField(_("файл"), upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("имя файла"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField(
        _("формат"), max_length=20, choices=Format.choices, blank=True, default=""
    )
    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_batches",
        verbose_name=_("процедура"),
    )
    options = models.JSONField(_("параметры"), default=dict, blank=True)
    dry_run = models.BooleanField(_("только проверка"), default=False)
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("выполнено, %"), default=0)
    counts = models.JSONField(_("итоги"), default=dict, blank=True)
    problems = models.JSONField(_("проблемы"), default=list, blank=True)
    warnings = models.JSONField(_("предупреждения"), default=list, blank=True)

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("загрузка результатов")
        verbose_name_plural = _("загрузки результатов")

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"


class Result(models.Model):
    """One pupil's result in one procedure.

    `scores` lists the points per task in the procedure's task order; None
    means the task was not attempted (`x` in the form), which is not 0.
    """

    class Sex(models.TextChoices):
        MALE = "м", _("мужской")
        FEMALE = "ж", _("женский")
        UNKNOWN = "", _("не указан")

    # Indexes and foreign-key constraints are few on purpose: each slows the COPY of
    # a million rows. Rows are written only by the import, which resolves the
    # procedure and the schools first; deletes go through the ORM, which cascades.
    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,  # in result_region_proc and result_muni_proc
        db_constraint=False,  # checked by the import; a per-row FK check triples COPY time
        verbose_name=_("процедура"),
    )
    # Copies of the school's place in the tree, for a fast scoped filter.
    # The owner triple kept explicit, not schools.SchoolOwned: no FK constraint and no index
    # of their own, for the speed of COPY (see the school field).
    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("регион"),
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,  # led by result_participant_unique
        db_constraint=False,  # checked by the import; a per-row FK check triples COPY time
        verbose_name=_("школа"),
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="results",
        db_constraint=False,
        db_index=False,
        verbose_name=_("загрузка"),
    )
    class_name = models.CharField(_("класс"), max_length=20, blank=True)
    participant_code = models.CharField(_("код участника"), max_length=64)
    variant = models.CharField(_("вариант"), max_length=20, blank=True)
    scores = models.JSONField(_("баллы по заданиям"), default=list)
    primary_score = models.PositiveSmallIntegerField(_("первичный балл"))
    mark = models.PositiveSmallIntegerField(_("отметка"), null=True, blank=True)
    test_score = models.PositiveSmallIntegerField(_("тестовый балл"), null=True, blank=True)
    file_mark = models.PositiveSmallIntegerField(_("отметка (балл) в файле"), null=True, blank=True)
    mark_mismatch = models.BooleanField(_("не совпадает со шкалой"), default=False)
    journal_mark = models.PositiveSmallIntegerField(_("отметка в журнале"), null=True, blank=True)
    sex = models.CharField(_("пол"), max_length=1, choices=Sex.choices, blank=True)
    person_hash = models.CharField(_("хеш участника"), max_length=64, blank=True)
    last_name = models.CharField(_("фамилия"), max_length=100, blank=True)
    first_name = models.CharField(_("имя"), max_length=100, blank=True)
    patronymic = models.CharField(_("отчество"), max_length=100, blank=True)
    exam_point = models.CharField(_("ППЭ"), max_length=20, blank=True)
    room = models.CharField(_("аудитория"), max_length=20, blank=True)
    answers = models.CharField(_("краткие ответы"), max_length=200, blank=True)

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedManager()

    class Meta:
        ordering = ["school", "class_name", "participant_code"]
        verbose_name = _("результат участника")
        verbose_name_plural = _("результаты участников")
        # Every unique constraint carries the region (a test checks it), so that the
        # table can be distributed by region without changes (docs/scale.md); the
        # school leads, as a deputy's queries name only the school.
        constraints = [
            models.UniqueConstraint(
                fields=["school", "procedure", "participant_code", "region"],
                name="result_participant_unique",
                violation_error_message=_("Результат участника с таким кодом уже загружен."),
            )
        ]
        # Chosen from EXPLAIN at 10 million rows (bench/bench_large_tables.py): the API
        # pages in the order (procedure, id), so a region's or a municipality's list,
        # filtered by year, test or class or not, is one ordered range of an index that
        # stops after a page; the reads of a procedure name its region or municipality.
        # No index leads with the procedure alone: PostgreSQL then chose to read a whole
        # procedure and sort it (an incremental sort costed for small groups).
        indexes = [
            models.Index(fields=["municipality", "procedure", "id"], name="result_muni_proc"),
            models.Index(fields=["region", "procedure", "id"], name="result_region_proc"),
            models.Index(
                fields=["region", "class_name", "procedure", "id"], name="result_region_class"
            ),
            # A batch's rows: counted, re-linked when the batch is deleted.
            models.Index(
                fields=["import_batch"],
                name="result_batch",
                condition=models.Q(import_batch__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.participant_code}: {self.primary_score}"


class SchoolAggregate(models.Model):
    """A school's result in a procedure when only totals are known (older years).

    `mark_counts` maps "2".."5" to the number of pupils; `histogram[i]` is the
    number of pupils with primary score i.
    """

    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.CASCADE,
        related_name="school_aggregates",
        verbose_name=_("процедура"),
    )
    # The owner triple kept explicit, not schools.SchoolOwned: school.result_aggregates is
    # read.
    region = models.ForeignKey(
        "schools.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="result_aggregates",
        verbose_name=_("школа"),
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aggregates",
        verbose_name=_("загрузка"),
    )
    participants = models.PositiveIntegerField(_("участников"))
    mark_counts = models.JSONField(_("число отметок"), default=dict, blank=True)
    histogram = models.JSONField(_("распределение первичных баллов"), default=list, blank=True)

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedManager()

    class Meta:
        ordering = ["procedure", "school"]
        verbose_name = _("сводный результат школы")
        verbose_name_plural = _("сводные результаты школ")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "school"],
                name="aggregate_unique_per_school",
                violation_error_message=_("Сводный результат школы по процедуре уже есть."),
            )
        ]

    def __str__(self):
        return f"{self.school}: {self.participants}"


class LearningRoute(SchoolOwned):
    """A pupil's individual learning route (ИОМ) as the school keeps it: the draft
    made from the pupil's deficits, with what the teacher plans for each and what
    was done.

    Identified by its natural key (school, procedure, participant code), never a
    name and never a database link to a result row: a corrected results file
    replaces the rows, and the route follows the pupil's new row by the code. A
    route whose code is missing from the latest file is kept and marked detached.
    """

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="+", verbose_name=_("процедура")
    )
    participant_code = models.CharField(_("код участника"), max_length=64)
    detached = models.BooleanField(
        _("участника нет в последней загрузке"),
        default=False,
        help_text=_("Маршрут сохранён, но в последнем загруженном файле такого кода нет."),
    )
    # [{"planned_result", "tasks", "forms", "due", "done"}] in the draft's order
    steps = models.JSONField(_("шаги маршрута"), default=list)
    note = models.TextField(_("комментарий учителя"), blank=True)
    version = models.PositiveIntegerField(_("версия"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("индивидуальный образовательный маршрут")
        verbose_name_plural = _("индивидуальные образовательные маршруты")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "procedure", "participant_code"],
                name="learning_route_participant_unique",
                violation_error_message=_("Маршрут участника с таким кодом уже есть."),
            )
        ]

    def __str__(self):
        return f"ИОМ {self.participant_code}"

    def result(self):
        """The pupil's current result row, or None when the latest file lacks the code."""
        return Result.objects.filter(
            school_id=self.school_id,
            procedure_id=self.procedure_id,
            participant_code=self.participant_code,
        ).first()

    @classmethod
    def for_result(cls, result):
        """The queryset of the route of one result row (by the natural key)."""
        return cls.objects.filter(
            school_id=result.school_id,
            procedure_id=result.procedure_id,
            participant_code=result.participant_code,
        )


# --- objectivity checks ------------------------------------------------------------------


class CheckSettings(models.Model):
    """A region's thresholds, minimum group sizes and marker rule for the objectivity
    checks: overrides of `assessments.checks.CheckParams` by field name (the rest
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


class CheckRun(models.Model):
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

    def __str__(self):
        where = self.municipality or self.region
        return f"{where}, {self.year} ({self.get_status_display()})"


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

    class Meta:
        ordering = ["row", "procedure__grade", "procedure__subject"]
        verbose_name = _("результат проверки по работе")
        verbose_name_plural = _("результаты проверки по работам")
        constraints = [
            # The region in every unique constraint of the large tables (docs/scale.md).
            models.UniqueConstraint(
                fields=["run", "school", "procedure", "region"], name="check_finding_unique"
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
