"""The tree every tenant-owned object hangs from: region → municipality → school,
the bodies that appear as responsible parties, and people's memberships."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from infra.choices import ChoiceLabels
from schools.history import ChangeRecord  # noqa: F401  the history log is a model of this app
from schools.scoping import ScopedManager, ScopePaths

FIS_LOGIN_RE = re.compile(r"^edu(\d{2})(\d{4})$", re.IGNORECASE)


def parse_fis_login(value: str) -> tuple[str, str] | None:
    """`edu053001` → ("05", "3001"); None when `value` is not a ФИС ОКО login."""
    match = FIS_LOGIN_RE.match((value or "").strip())
    return (match.group(1), match.group(2)) if match else None


class Region(models.Model):
    """A subject of the Russian Federation, by its official two-digit code."""

    code = models.CharField(
        _("код субъекта"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^\d{2}$", _("Код субъекта — две цифры, например 39."))],
    )
    name = models.CharField(_("наименование"), max_length=200)

    scope_paths = ScopePaths(region="pk")
    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")

    def __str__(self):
        return self.name


class Municipality(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("муниципальный район")
        URBAN_OKRUG = "urban_okrug", _("городской округ")
        MUNICIPAL_OKRUG = "municipal_okrug", _("муниципальный округ")
        CITY_DISTRICT = "city_district", _("район города федерального значения")
        OTHER = "other", _("иное")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("регион")
    )
    code = models.CharField(_("код"), max_length=20)
    name = models.CharField(_("наименование"), max_length=200)
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.DISTRICT)

    scope_paths = ScopePaths(region="region", municipality="pk")
    objects = ScopedManager()

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("муниципалитет")
        verbose_name_plural = _("муниципалитеты")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "code"],
                name="municipality_code_unique_in_region",
                violation_error_message=_("Муниципалитет с таким кодом в регионе уже есть."),
            )
        ]

    def __str__(self):
        return self.name


class School(ChoiceLabels, models.Model):
    class Locality(models.TextChoices):
        URBAN = "urban", _("городская")
        RURAL = "rural", _("сельская")

    class Kind(models.TextChoices):
        SECONDARY = "secondary", _("средняя общеобразовательная школа")
        BASIC = "basic", _("основная общеобразовательная школа")
        PRIMARY = "primary", _("начальная общеобразовательная школа")
        GYMNASIUM = "gymnasium", _("гимназия")
        LYCEUM = "lyceum", _("лицей")
        ADVANCED = "advanced", _("школа с углублённым изучением предметов")
        EDUCATION_CENTRE = "centre", _("центр образования")
        BOARDING = "boarding", _("школа-интернат")
        SPECIAL = "special", _("коррекционная школа")
        EVENING = "evening", _("вечерняя (сменная) школа")
        OTHER = "other", _("иная")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="schools", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="schools",
        verbose_name=_("муниципалитет"),
    )
    code = models.CharField(
        _("код ОО"),
        max_length=20,
        help_text=_("Код, под которым школа стоит в данных оценочных процедур."),
    )
    fis_login = models.CharField(
        _("логин ФИС ОКО"),
        max_length=9,
        blank=True,
        validators=[
            RegexValidator(FIS_LOGIN_RE, _("Логин ФИС ОКО — «edu», код региона и четыре цифры."))
        ],
    )
    full_name = models.CharField(_("полное наименование"), max_length=500)
    short_name = models.CharField(_("краткое наименование"), max_length=200)
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    locality = models.CharField(
        _("местность"), max_length=10, choices=Locality.choices, default=Locality.URBAN
    )
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.SECONDARY)
    is_active = models.BooleanField(_("действует"), default=True)

    scope_paths = ScopePaths(region="region", municipality="municipality", school="pk")
    objects = ScopedManager()

    class Meta:
        ordering = ["municipality__name", "short_name"]
        verbose_name = _("школа")
        verbose_name_plural = _("школы")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "code"],
                name="school_code_unique_in_region",
                violation_error_message=_("Школа с таким кодом в регионе уже есть."),
            ),
            models.UniqueConstraint(
                fields=["fis_login"],
                condition=~Q(fis_login=""),
                name="school_fis_login_unique",
                violation_error_message=_("Школа с таким логином ФИС ОКО уже есть."),
            ),
        ]

    def __str__(self):
        return self.short_name

    def save(self, *args, **kwargs):
        self.fis_login = (self.fis_login or "").lower()
        if self.municipality_id and not self.region_id:
            self.region_id = self.municipality.region_id
        super().save(*args, **kwargs)

    def clean(self):
        if (
            self.municipality_id
            and self.region_id
            and self.municipality.region_id != self.region_id
        ):
            raise ValidationError({"municipality": _("Муниципалитет относится к другому региону.")})
        login = parse_fis_login(self.fis_login)
        if login and self.region_id and login[0] != self.region.code:
            raise ValidationError(
                {"fis_login": _("Код региона в логине ФИС ОКО не совпадает с регионом школы.")}
            )


class Body(models.Model):
    """An organisation named as a responsible party in roadmaps: the education
    authority, a methodological centre, an association of teachers."""

    class Kind(models.TextChoices):
        AUTHORITY = "authority", _("орган управления образованием")
        METHODOLOGICAL = "methodological", _("методическая служба (ИМЦ, РМК, методкабинет)")
        ASSESSMENT_CENTRE = "assessment_centre", _("центр оценки качества / РЦОИ")
        ASSOCIATION = "association", _("методическое объединение (РМО, ШМО)")
        INSTITUTE = "institute", _("институт развития образования / ИПК")
        OTHER = "other", _("иное")

    # The owner triple kept explicit, not Owned: PROTECT (a body named in roadmaps cannot
    # vanish with its node) and the reverse accessors region.bodies etc. are read.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="bodies", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("школа"),
    )
    name = models.CharField(_("наименование"), max_length=500)
    short_name = models.CharField(_("краткое наименование"), max_length=100, blank=True)
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    aliases = models.TextField(
        _("другие написания"),
        blank=True,
        help_text=_("По одному на строке: так орган называют в дорожных картах (УО, ИМЦ…)."),
    )

    # Schools name their municipality's bodies as responsible parties, so they read them.
    scope_paths = ScopePaths(
        region="region", municipality="municipality", school="school", shared_down=True
    )
    objects = ScopedManager()

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("орган, организация")
        verbose_name_plural = _("органы и организации")

    def __str__(self):
        return self.short_name or self.name

    def clean(self):
        if self.school_id:
            self.municipality_id = self.school.municipality_id
        if self.municipality_id:
            if self.region_id and self.municipality.region_id != self.region_id:
                raise ValidationError(
                    {"municipality": _("Муниципалитет относится к другому региону.")}
                )
            self.region_id = self.municipality.region_id

    @property
    def names(self) -> list[str]:
        """Every way this body is written, for matching roadmap text."""
        extra = [line.strip() for line in self.aliases.splitlines() if line.strip()]
        return [n for n in (self.name, self.short_name, *extra) if n]


class Role(models.TextChoices):
    REGIONAL_ANALYST = "regional_analyst", _("региональный аналитик")
    MUNICIPAL_OFFICIAL = "municipal_official", _("специалист органа управления образованием")
    METHODIST = "methodist", _("методист")
    SCHOOL_DEPUTY = "school_deputy", _("заместитель директора")
    VIEWER = "viewer", _("наблюдатель (только чтение)")


class Membership(ChoiceLabels, models.Model):
    """One role of one person at one node of the tree; it reaches the node's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("пользователь"),
    )
    role = models.CharField(_("роль"), max_length=30, choices=Role.choices)
    # The owner triple kept explicit, not Owned: the reverse accessors (region.memberships
    # etc.) are read, and the triple places the membership rather than a record.
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("школа"),
    )
    position = models.CharField(_("должность"), max_length=200, blank=True)
    body = models.ForeignKey(
        Body,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("орган (место работы)"),
        help_text=_(
            "ИМЦ, РМК, управление образования…: человек получает мероприятия, "
            "за которые отвечает этот орган."
        ),
    )

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("членство")
        verbose_name_plural = _("членства")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(municipality__isnull=True),
                name="membership_unique_at_region",
                violation_error_message=_("Такая роль у пользователя уже есть."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=Q(municipality__isnull=False, school__isnull=True),
                name="membership_unique_at_municipality",
                violation_error_message=_("Такая роль у пользователя уже есть."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=Q(school__isnull=False),
                name="membership_unique_at_school",
                violation_error_message=_("Такая роль у пользователя уже есть."),
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=True) | Q(municipality__isnull=False),
                name="membership_school_has_municipality",
                violation_error_message=_("У школы должен быть указан муниципалитет."),
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.node}"

    @property
    def node(self):
        return self.school or self.municipality or self.region

    @property
    def level(self) -> str:
        if self.school_id:
            return "school"
        if self.municipality_id:
            return "municipality"
        return "region"

    def clean(self):
        # The node is given by its lowest level; the higher levels follow from it.
        if self.school_id:
            self.municipality_id = self.school.municipality_id
            self.region_id = self.school.region_id
        elif self.municipality_id:
            self.region_id = self.municipality.region_id
        if self.role == Role.SCHOOL_DEPUTY and not self.school_id:
            raise ValidationError({"school": _("Заместитель директора назначается в школу.")})
        if self.role == Role.MUNICIPAL_OFFICIAL and not self.municipality_id:
            raise ValidationError(
                {"municipality": _("Специалист органа управления назначается в муниципалитет.")}
            )
        if self.body_id and not self._body_fits():
            raise ValidationError(
                {"body": _("Орган должен относиться к тому же региону, муниципалитету или школе.")}
            )

    def _body_fits(self) -> bool:
        body = self.body
        if body.region_id != self.region_id:
            return False
        if body.municipality_id and body.municipality_id != self.municipality_id:
            return False
        return not (body.school_id and body.school_id != self.school_id)


class ApiToken(models.Model):
    """A machine's key to the API, acting as its user within the user's memberships.

    Only a hash of the key is stored; the key itself is shown once, when issued.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("пользователь"),
    )
    name = models.CharField(_("назначение"), max_length=200)
    prefix = models.CharField(_("начало ключа"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    read_only = models.BooleanField(_("только чтение"), default=False)
    created_at = models.DateTimeField(_("выдан"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API-токен")
        verbose_name_plural = _("API-токены")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > timezone.now()


class Notification(ChoiceLabels, models.Model):
    """A message in a person's in-app list (and, if they want it, by e-mail).

    `key` makes each reminder unique per person, so a daily job that runs twice
    tells nobody anything twice.
    """

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("поручено мероприятие")
        SUBMITTED = "submitted", _("отчёт на проверку")
        RETURNED = "returned", _("отчёт возвращён")
        ACCEPTED = "accepted", _("отчёт принят")
        DUE_SOON = "due_soon", _("скоро срок")
        OVERDUE = "overdue", _("просрочено")
        MARKER = "marker", _("маркер необъективности")
        MARKER_ANSWERED = "marker_answered", _("ответ на маркер")
        CHECK_DONE = "check_done", _("проверка объективности завершена")
        CHECK_FAILED = "check_failed", _("проверка объективности не выполнена")
        DOCUMENT_DONE = "document_done", _("документ готов")
        DOCUMENT_FAILED = "document_failed", _("документ не построен")
        IMPORT_DONE = "import_done", _("загрузка завершена")
        IMPORT_FAILED = "import_failed", _("загрузка не удалась")
        SUMMARY = "summary", _("сводка за неделю")

    # Reminders follow the `in_app` choice; every other kind is an event someone caused.
    REMINDER_KINDS = frozenset({"due_soon", "overdue"})

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200)
    title = models.CharField(_("заголовок"), max_length=500)
    body = models.TextField(_("текст"), blank=True)
    url = models.CharField(_("ссылка"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("отправлено письмом"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")
        ]

    def __str__(self):
        return self.title


class ReminderPreference(models.Model):
    """How a person wants to be reminded; without a row, the defaults apply."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    in_app = models.BooleanField(_("напоминания в списке уведомлений"), default=True)
    email = models.BooleanField(_("напоминания по электронной почте"), default=True)
    weekly_summary = models.BooleanField(_("еженедельная сводка по муниципалитету"), default=True)
    email_muted = models.JSONField(
        _("события, о которых не писать на почту"),
        default=list,
        blank=True,
        help_text=_("Виды уведомлений, которые приходят только в список на сайте."),
    )
    email_digest = models.BooleanField(
        _("одно письмо в день со всеми событиями вместо письма о каждом"), default=False
    )

    class Meta:
        verbose_name = _("настройки напоминаний")
        verbose_name_plural = _("настройки напоминаний")

    def __str__(self):
        return str(self.user)

    def wants_email(self, kind: str) -> bool:
        """Whether `kind` goes by mail at all (now, or in the daily digest)."""
        if kind == Notification.Kind.SUMMARY:
            return self.weekly_summary
        return self.email and kind not in (self.email_muted or [])


class ScopeStamp(models.Model):
    """One row: a random token that PostgreSQL (or SQLite) triggers write afresh in the
    same transaction as every change to a membership, a region, a municipality or a
    school (schools/migrations/0007_scopestamp.py), whoever makes it: services, the
    admin, cascades, bulk deletes, `update()`, imports, a restore. The user's row is
    read with it in one query (schools.backends), and the user's memberships are
    cached under it (schools.scoping.memberships_of): a changed tree is a new token,
    so the very next request reads the memberships again."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(_("метка изменения"), max_length=32)

    class Meta:
        verbose_name = _("метка изменения членств и дерева")
        verbose_name_plural = _("метки изменения членств и дерева")

    def __str__(self):
        return self.token


class TableStamp(models.Model):
    """A random token per table, written afresh by PostgreSQL (or SQLite) triggers in
    the same transaction as every change to that table
    (schools/migrations/0008_tablestamp.py), whoever makes it: services, the admin,
    `bulk_create`, `update()`, imports, a restore. What is cached from those tables is
    keyed by their tokens (infra.api.pagination: the API lists' counts), so the very
    next read after a change computes it afresh. A table without a row is not stamped:
    nothing read from it is cached."""

    name = models.CharField(_("таблица"), max_length=63, primary_key=True)
    token = models.CharField(_("метка изменения"), max_length=32)

    class Meta:
        verbose_name = _("метка изменения таблицы")
        verbose_name_plural = _("метки изменения таблиц")

    def __str__(self):
        return f"{self.name}: {self.token}"
