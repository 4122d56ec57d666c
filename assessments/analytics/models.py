"""Pupils' individual learning routes (ИОМ) as the schools keep them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.results.models import Procedure, Result
from schools.owners import SchoolOwned


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
            region_id=self.region_id,
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
