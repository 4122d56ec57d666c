"""Assessment procedures, their tasks and scales, pupils' results and the imports
that brought them in.

A procedure belongs to the region that holds it; results and per-school
aggregates belong to a school, with the school's region and municipality
copied onto the row so the scoping filter needs no join on a table of
millions of rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.results.fields import ScoresField
from infra.jobs import BackgroundJob
from infra.problems import Problem
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


class ImportBatch(BackgroundJob):
    """One uploaded file of results: who, what, how it went, and every problem found.
    A background job (`infra.jobs`): `started_at` and `queue_unavailable` come from there."""

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

    def stale_fields(self) -> dict:
        message = gettext(
            "Загрузка прервана: фоновый обработчик остановился; ничего не записано. "
            "Загрузите файл ещё раз."
        )
        return {
            "progress": 100,
            "problems": [Problem(file=self.file_name, message=message).as_dict()],
        }


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
    # procedure and the schools first; an import replaces a school's rows with one
    # DELETE by region, school, procedure and year (`services.imports.results_delete`).
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
    # A batch whose rows are still here is not deleted alone (RESTRICT), so that
    # nothing rewrites a region's rows to NULL; with its school, region or procedure
    # it goes together with the rows.
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="results",
        db_constraint=False,
        db_index=False,  # in result_region_batch
        verbose_name=_("загрузка"),
    )
    # The procedure's year, copied by the import as region and municipality are
    # copied from the school: the table is partitioned by it on PostgreSQL.
    year = models.PositiveSmallIntegerField(_("год"))
    class_name = models.CharField(_("класс"), max_length=20, blank=True)
    participant_code = models.CharField(_("код участника"), max_length=64)
    variant = models.CharField(_("вариант"), max_length=20, blank=True)
    scores = ScoresField(_("баллы по заданиям"), default=list)
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

    scope_paths = ScopePaths(
        region="region", municipality="municipality", school="school", region_always=True
    )
    objects = ScopedManager()

    class Meta:
        ordering = ["school", "class_name", "participant_code"]
        verbose_name = _("результат участника")
        verbose_name_plural = _("результаты участников")
        # Every unique constraint carries the region and the year (a test checks it),
        # so that the table can be partitioned by year and distributed by region
        # without changes (docs/scale.md).
        constraints = [
            models.UniqueConstraint(
                fields=["region", "school", "procedure", "participant_code", "year"],
                name="result_participant_unique",
                violation_error_message=_("Результат участника с таким кодом уже загружен."),
            )
        ]
        # Chosen from EXPLAIN at 10 million rows (bench/bench_large_tables.py): the API
        # pages in the order (procedure, id). On PostgreSQL the table's primary key is
        # (region, procedure, id, year) (migration 0011; no part of the state), so a
        # region's list is one range of the key; a municipality's and a class's lists
        # have their own index. A BRIN index on id (PostgreSQL only) answers lookups
        # by id alone. No index leads with the procedure alone: PostgreSQL then chose
        # to read a whole procedure and sort it.
        indexes = [
            models.Index(fields=["municipality", "procedure", "id"], name="result_muni_proc"),
            models.Index(
                fields=["region", "class_name", "procedure", "id"], name="result_region_class"
            ),
            # A batch's rows: counted, and checked before the batch is deleted.
            models.Index(fields=["region", "import_batch"], name="result_region_batch"),
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
