"""Documents built from the rest of the product: what was asked, from what, and the file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from infra.choices import ChoiceLabels
from infra.jobs import BackgroundJob, queue_unavailable_message
from schools.owners import Owned


def document_upload_to(document, filename):
    return f"documents/{document.created_at:%Y/%m}/{document.inputs_key[:16]}/{filename}"


class Document(ChoiceLabels, Owned, BackgroundJob):
    class Kind(models.TextChoices):
        ORDER = "order", _("Приказ об утверждении дорожной карты")
        ANALYTIC = "analytic", _("Аналитическая справка по оценочной процедуре")
        EXECUTION = "execution", _("Отчёт о ходе реализации дорожной карты")
        OBJECTIVITY = "objectivity", _("Мониторинг объективности результатов")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("строится")
        DONE = "done", _("готов")
        FAILED = "failed", _("ошибка")

    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("формат"), max_length=5, choices=Format.choices)
    params = models.JSONField(_("параметры"), default=dict)
    inputs_key = models.CharField(
        max_length=64, help_text=_("Отпечаток вида, формата, параметров и исходных данных.")
    )
    title = models.CharField(_("название"), max_length=500)
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("готовность, %"), default=0)
    error = models.TextField(_("что пошло не так"), blank=True)
    file = models.FileField(_("файл"), upload_to=document_upload_to, blank=True)
    pages = models.PositiveIntegerField(_("страниц"), null=True, blank=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), null=True, blank=True)
    built_from = models.JSONField(
        _("построен по"), default=dict, help_text=_("Версии и выборки исходных данных.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("заказан"), auto_now_add=True)
    started_at = models.DateTimeField(_("начат"), null=True, blank=True)
    finished_at = models.DateTimeField(_("готов"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("документ")
        verbose_name_plural = _("документы")
        indexes = [models.Index(fields=["inputs_key"])]

    def __str__(self):
        return f"{self.title} ({self.get_format_display()})"

    # A background job (`infra.jobs`): its error says why it waits, and why it stopped.
    def unqueued_fields(self) -> dict:
        return {"error": queue_unavailable_message()}

    def requeued_fields(self) -> dict:
        return {"error": ""}

    def stale_fields(self) -> dict:
        message = gettext(
            "Построение документа прервано: фоновый обработчик остановился. "
            "Закажите документ ещё раз."
        )
        return {"error": message, "progress": 100}

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""
