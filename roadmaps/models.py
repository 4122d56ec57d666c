"""Roadmaps as structured data: sections, measures with parsed deadlines and
responsible parties, indicators, assignments to schools and bodies, progress
reports with evidence, revisions and a change history.

Every model hangs from the tree through its roadmap, except the assignment
(and what hangs from it), which carries its own school so that a school's
deputy reaches the assignments of a municipal roadmap made to that school.
Writes go through roadmaps/services/ (one module per object); history: schools.history.ChangeRecord.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from infra.choices import ChoiceLabels
from roadmaps import labels
from roadmaps.deadlines import KINDS
from roadmaps.indexes import (
    ASSIGNMENT_CONSTRAINTS,
    PROGRESS_REPORT_CONSTRAINTS,
    PROGRESS_REPORT_INDEXES,
    ROADMAP_INDEXES,
)
from roadmaps.scope import roadmap_scope
from schools.models import Body, Municipality, Region, School
from schools.scoping import ScopedManager, ScopePaths

DEADLINE_KIND_LABELS = {
    "date": _("дата"),
    "dates": _("несколько дат"),
    "range": _("период"),
    "month": _("месяц"),
    "months": _("несколько месяцев"),
    "month_range": _("месяцы с … по …"),
    "quarters": _("четверти"),
    "recurring": _("регулярно"),
    "continuous": _("в течение периода"),
    "event": _("по графику процедуры"),
    "on_demand": _("по мере необходимости"),
    "end_of_year": _("до конца учебного года"),
    "unparsed": _("не распознан"),
}
DEADLINE_KIND_CHOICES = [(kind, DEADLINE_KIND_LABELS.get(kind, kind)) for kind in KINDS]


class DocumentKind(models.TextChoices):
    """The document that proves a measure was done."""

    PROTOCOL = "protocol", _("протокол")
    CERTIFICATE = "certificate", _("справка")
    ORDER = "order", _("приказ")
    ANALYTIC_REPORT = "analytic_report", _("аналитический отчёт")
    PLAN = "plan", _("план")
    OTHER = "other", _("иное")


class Roadmap(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("проект")
        APPROVED = "approved", _("утверждена")
        IN_FORCE = "in_force", _("действует")
        CLOSED = "closed", _("закрыта")

    class ReportingPeriod(models.TextChoices):
        MONTH = "month", _("месяц")
        QUARTER = "quarter", _("квартал")
        HALF_YEAR = "half_year", _("полугодие")
        YEAR = "year", _("год")

    # The owner node: region always, municipality and school when lower.
    # The owner triple kept explicit, not schools.Owned: PROTECT (a node cannot vanish under
    # its roadmaps) and the reverse accessors region.roadmaps, school.roadmaps are read.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="roadmaps", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmaps",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmaps",
        verbose_name=_("школа"),
    )
    title = models.CharField(_("наименование"), max_length=1000)
    period_start = models.DateField(_("начало периода"), null=True, blank=True)
    period_end = models.DateField(_("конец периода"), null=True, blank=True)
    academic_year = models.CharField(
        _("учебный год"), max_length=9, blank=True, help_text=_("Например: 2023/2024.")
    )
    purpose = models.TextField(_("цель"), blank=True)
    tasks = models.TextField(_("задачи"), blank=True)
    preamble = models.TextField(_("пояснительная записка"), blank=True)
    closing = models.TextField(_("текст после плана"), blank=True)
    approvals = models.JSONField(_("грифы «Утверждено» / «Согласовано»"), default=list, blank=True)
    status = models.CharField(
        _("статус"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The approving order.
    order_number = models.CharField(_("номер приказа"), max_length=50, blank=True)
    order_date = models.DateField(_("дата приказа"), null=True, blank=True)
    order_place = models.CharField(_("место издания"), max_length=200, blank=True)
    order_title = models.CharField(_("заголовок приказа"), max_length=1000, blank=True)
    order_signatory = models.CharField(_("подписал"), max_length=200, blank=True)
    order_signatory_position = models.CharField(
        _("должность подписавшего"), max_length=500, blank=True
    )
    order_body = models.CharField(_("издавший орган"), max_length=500, blank=True)
    order_preamble = models.TextField(_("преамбула приказа"), blank=True)
    order_items = models.JSONField(_("пункты приказа"), default=list, blank=True)
    approved_at = models.DateTimeField(_("утверждена"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("утвердил(а)"),
    )
    # The cascade.
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="school_roadmaps",
        verbose_name=_("муниципальная дорожная карта"),
    )
    requires_school_roadmaps = models.BooleanField(
        _("школы принимают свои дорожные карты"), default=False
    )
    school_roadmaps_due = models.DateField(_("срок принятия школьных карт"), null=True, blank=True)
    reporting_period = models.CharField(
        _("отчётный период"),
        max_length=10,
        choices=ReportingPeriod.choices,
        default=ReportingPeriod.QUARTER,
    )
    version = models.PositiveIntegerField(_("версия"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("создал(а)"),
    )
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    # Schools read the municipal (and regional) roadmap they follow; only reading.
    scope_paths = roadmap_scope()
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("дорожная карта")
        verbose_name_plural = _("дорожные карты")
        indexes = ROADMAP_INDEXES  # roadmaps/indexes.py: why
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=True) | Q(municipality__isnull=False),
                name="roadmap_school_has_municipality",
                violation_error_message=_("У школы должен быть указан муниципалитет."),
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def owner(self):
        return self.school or self.municipality or self.region

    @property
    def owner_name(self) -> str:
        if self.school_id:
            return self.school.short_name or self.school.full_name
        return str(self.municipality or self.region)

    @property
    def period_label(self) -> str:
        return labels.period_label(self.academic_year, self.period_start, self.period_end)

    @property
    def order_label(self) -> str:
        draft = self.status == self.Status.DRAFT
        return labels.order_label(self.order_number, self.order_date, draft=draft)

    @property
    def short_label(self) -> str:
        """«ДК 2023/24, приказ № 215-од от 01.09.2023»: tells apart roadmaps of one owner."""
        return labels.short_label(self.period_label, self.order_label)

    @property
    def label(self) -> str:
        """The roadmap's name in selectors, lists and titles: owner, period and order.
        Reads the owner: select_related("region", "municipality", "school") in lists."""
        return f"{self.owner_name}: {self.short_label}"

    @property
    def level(self) -> str:
        if self.school_id:
            return "school"
        if self.municipality_id:
            return "municipality"
        return "region"

    @property
    def is_editable(self) -> bool:
        return self.status != self.Status.CLOSED


class RoadmapActivity(models.Model):
    """A token of the latest change to a roadmap or to anything its figures are made
    of: its sections, measures, assignments and reports. Written afresh with every
    line of the roadmap's history (roadmaps.services.base._record and the admin's
    admin_record), in the same transaction as the change, so the stamps that key the
    cached figures (roadmaps.selectors.execution.roadmap_stamps) read one row instead
    of aggregating every assignment and report. A row of its own, not a column of
    Roadmap: a roadmap saved whole from an instance read earlier would write an old
    token back."""

    roadmap = models.OneToOneField(
        Roadmap,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="activity",
        verbose_name=_("дорожная карта"),
    )
    token = models.CharField(_("метка изменения"), max_length=32)

    scope_paths = roadmap_scope("roadmap__")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("метка изменения дорожной карты")
        verbose_name_plural = _("метки изменения дорожных карт")

    def __str__(self):
        return f"{self.roadmap_id}: {self.token}"


class Section(models.Model):
    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="sections", verbose_name=_("дорожная карта")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("раздел верхнего уровня"),
    )
    number = models.CharField(_("номер"), max_length=30, blank=True)
    title = models.CharField(_("наименование"), max_length=1000, blank=True)
    position = models.PositiveIntegerField(_("порядок"), default=0)

    scope_paths = roadmap_scope("roadmap__")
    objects = ScopedManager()

    class Meta:
        ordering = ["roadmap", "position", "pk"]
        verbose_name = _("раздел")
        verbose_name_plural = _("разделы")

    def __str__(self):
        return " ".join(p for p in (self.number, self.title) if p) or str(_("Без раздела"))


# Keys of Measure.extra the product writes for itself (flags_into_roadmap): they
# tie a measure to the check run it answers and are not columns of the document.
INTERNAL_EXTRA_KEYS = frozenset({"flag_measure", "run"})


def extra_text(value) -> str:
    """A value of Measure.extra as a person writes it in a table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("да") if value else _("нет"))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {extra_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(extra_text(v) for v in value)
    return str(value)


class Measure(ChoiceLabels, models.Model):
    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="measures", verbose_name=_("дорожная карта")
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("раздел"),
    )
    number = models.CharField(_("номер"), max_length=30, blank=True)
    text = models.TextField(_("мероприятие"))
    participants = models.TextField(_("участники"), blank=True)
    deadline_text = models.CharField(_("срок (как написан)"), max_length=500, blank=True)
    deadline_kind = models.CharField(
        _("вид срока"), max_length=20, choices=DEADLINE_KIND_CHOICES, default="unparsed"
    )
    deadline_dates = models.JSONField(_("даты срока"), default=list, blank=True)
    deadline_event = models.CharField(_("процедура"), max_length=50, blank=True)
    responsible_text = models.TextField(_("ответственные (как написано)"), blank=True)
    responsible_bodies = models.ManyToManyField(
        Body, blank=True, related_name="measures", verbose_name=_("ответственные органы")
    )
    responsible_schools = models.ManyToManyField(
        School, blank=True, related_name="measures", verbose_name=_("ответственные школы")
    )
    for_all_schools = models.BooleanField(
        _("все школы"), default=False, help_text=_("Ответственными названы ОО/ОУ (все школы).")
    )
    result = models.TextField(_("результат"), blank=True)
    document_kind = models.CharField(
        _("подтверждающий документ"),
        max_length=20,
        choices=DocumentKind.choices,
        blank=True,
    )
    document_text = models.CharField(_("документ (как написан)"), max_length=500, blank=True)
    requires_evidence = models.BooleanField(_("нужен подтверждающий документ"), default=False)
    extra = models.JSONField(
        _("другие графы"), default=dict, blank=True, help_text=_("Графы таблицы без своего поля.")
    )
    source_measure = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="derived_measures",
        verbose_name=_("мероприятие муниципальной карты"),
    )
    position = models.PositiveIntegerField(_("порядок"), default=0)
    version = models.PositiveIntegerField(_("версия"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("изменил(а)"),
    )
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    scope_paths = roadmap_scope("roadmap__")
    objects = ScopedManager()

    class Meta:
        ordering = ["roadmap", "position", "pk"]
        verbose_name = _("мероприятие")
        verbose_name_plural = _("мероприятия")

    def __str__(self):
        text = self.text if len(self.text) <= 80 else self.text[:79] + "…"
        return f"{self.number} {text}".strip()

    @property
    def deadline_parsed(self) -> bool:
        return self.deadline_kind != "unparsed"

    @property
    def visible_extra(self) -> dict[str, str]:
        """The extra columns a person reads, as text: without the keys the product
        keeps for itself (which flag measure, which check run)."""
        return {
            str(k): extra_text(v)
            for k, v in (self.extra or {}).items()
            if k not in INTERNAL_EXTRA_KEYS and v not in (None, "")
        }

    @property
    def flag_run_id(self) -> int | None:
        """The objectivity check run this measure answers, when it was put in from flags."""
        run = (self.extra or {}).get("run") if isinstance(self.extra, dict) else None
        return run if isinstance(run, int) and "flag_measure" in self.extra else None

    @property
    def due_dates(self) -> list:
        from datetime import date

        return [date.fromisoformat(d) for d in self.deadline_dates or []]


class Indicator(ChoiceLabels, models.Model):
    class Comparator(models.TextChoices):
        AT_LEAST = ">=", _("не менее")
        AT_MOST = "<=", _("не более")
        EQUAL = "=", _("равно")

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("мероприятие")
    )
    text = models.CharField(_("показатель"), max_length=1000)
    comparator = models.CharField(
        _("условие"), max_length=2, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    target_value = models.DecimalField(
        _("целевое значение"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("единица"), max_length=50, blank=True)
    actual_value = models.DecimalField(
        _("фактическое значение"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    scope_paths = roadmap_scope("measure__roadmap__")
    objects = ScopedManager()

    class Meta:
        ordering = ["measure", "pk"]
        verbose_name = _("показатель")
        verbose_name_plural = _("показатели")

    def __str__(self):
        return self.text

    def reached(self, value) -> bool | None:
        if value is None or self.target_value is None:
            return None
        if self.comparator == self.Comparator.AT_LEAST:
            return value >= self.target_value
        if self.comparator == self.Comparator.AT_MOST:
            return value <= self.target_value
        return value == self.target_value


class Assignment(models.Model):
    """A measure given to one school, one body, or (when neither matched) to the
    persons named in its text. Scoped by its own node so a school reaches it."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("мероприятие")
    )
    # The owner triple kept explicit, not schools.Owned: PROTECT on all three (a school's
    # measures and reports are evidence: it is closed, not deleted); school.roadmap_assignments is read.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmap_assignments",
        verbose_name=_("школа"),
    )
    body = models.ForeignKey(
        Body,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roadmap_assignments",
        verbose_name=_("орган"),
    )
    assignee_text = models.CharField(_("исполнитель (как написан)"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("назначено"), auto_now_add=True)

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedManager()

    class Meta:
        ordering = ["measure__position", "pk"]
        verbose_name = _("поручение")
        verbose_name_plural = _("поручения")
        constraints = ASSIGNMENT_CONSTRAINTS

    def __str__(self):
        return f"{self.measure} → {self.assignee}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:  # the reports carry its node (ProgressReport.region): moved along
            ProgressReport.objects.filter(assignment=self).update(
                region_id=self.region_id, municipality_id=self.municipality_id
            )

    @property
    def assignee(self):
        return self.school or self.body or self.assignee_text


class ProgressReport(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("не начато")
        IN_PROGRESS = "in_progress", _("выполняется")
        DONE = "done", _("выполнено")
        NOT_DONE = "not_done", _("не выполнено")
        CANCELLED = "cancelled", _("отменено")

    class Review(models.TextChoices):
        SUBMITTED = "submitted", _("на проверке")
        ACCEPTED = "accepted", _("принят")
        RETURNED = "returned", _("возвращён")

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("поручение")
    )
    period_start = models.DateField(_("начало периода"))
    period_end = models.DateField(_("конец периода"))
    status = models.CharField(_("состояние"), max_length=12, choices=Status.choices)
    comment = models.TextField(_("комментарий"), blank=True)
    actual_value = models.DecimalField(
        _("фактическое значение показателя"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("отправил(а)"),
    )
    submitted_at = models.DateTimeField(_("отправлен"))
    review_state = models.CharField(
        _("проверка"), max_length=10, choices=Review.choices, default=Review.SUBMITTED
    )
    review_reason = models.TextField(_("причина возврата"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("проверил(а)"),
    )
    reviewed_at = models.DateTimeField(_("проверен"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resubmissions",
        verbose_name=_("предыдущий отчёт"),
    )
    is_current = models.BooleanField(_("последний за период"), default=True)
    # The assignment's region and municipality, copied by save() (and Assignment.save):
    # the scoping rule reads them here, so the API list counts a region's reports without
    # joining each to its assignment, and the review queue reads a municipality's from
    # progressreport_queue_muni_idx.
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", editable=False, verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        editable=False,
        verbose_name=_("муниципалитет"),
    )

    scope_paths = ScopePaths(
        region="region",
        municipality="municipality",
        school="assignment__school",
    )
    objects = ScopedManager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = PROGRESS_REPORT_INDEXES  # roadmaps/indexes.py: why each one
        verbose_name = _("отчёт о выполнении")
        verbose_name_plural = _("отчёты о выполнении")
        constraints = PROGRESS_REPORT_CONSTRAINTS

    def __str__(self):
        return f"{self.assignment} · {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if fields is None or {"assignment", "region", "municipality"} & set(fields):
            self.region_id = self.assignment.region_id
            self.municipality_id = self.assignment.municipality_id
        super().save(*args, **kwargs)


class Evidence(models.Model):
    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("отчёт")
    )
    file = models.FileField(_("файл"), upload_to="roadmaps/evidence/%Y/%m/", max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=255)
    kind = models.CharField(
        _("вид документа"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    size = models.PositiveBigIntegerField(_("размер, байт"))
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(_("тип"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("загрузил(а)"),
    )
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    scope_paths = ScopePaths(
        region="report__assignment__region",
        municipality="report__assignment__municipality",
        school="report__assignment__school",
    )
    objects = ScopedManager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("подтверждающий документ")
        verbose_name_plural = _("подтверждающие документы")

    def __str__(self):
        return self.original_name


class Revision(models.Model):
    """A readable snapshot of a roadmap's sections and measures at approval or a correction."""

    roadmap = models.ForeignKey(
        Roadmap,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("дорожная карта"),
    )
    number = models.PositiveIntegerField(_("номер редакции"))
    snapshot = models.JSONField(_("содержание"))
    reason = models.TextField(_("основание"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("создал(а)"),
    )
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    scope_paths = roadmap_scope("roadmap__")
    objects = ScopedManager()

    class Meta:
        ordering = ["roadmap", "number"]
        verbose_name = _("редакция")
        verbose_name_plural = _("редакции")
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "number"],
                name="revision_number_unique",
                violation_error_message=_("Редакция с таким номером уже есть."),
            )
        ]

    def __str__(self):
        return str(_("Редакция %(n)d") % {"n": self.number})
