"""Forms of the roadmap pages; every choice comes from a scoped queryset."""

from django import forms
from django.utils.translation import gettext_lazy as _

from roadmaps.models import DocumentKind, Indicator, Measure, ProgressReport, Roadmap, Section
from schools.models import Municipality, Region, School
from schools.policy import roles_for

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def owner_choices(user) -> list[tuple[str, str]]:
    """The nodes where `user` may create a roadmap: "r:<id>", "m:<id>", "s:<id>"."""
    roles = roles_for("roadmaps.edit_roadmap")
    choices = []
    for region in Region.objects.visible_to(user, roles=roles).order_by("code"):
        choices.append((f"r:{region.pk}", f"{region} ({_('регион')})"))
    for municipality in Municipality.objects.visible_to(user, roles=roles).order_by("name"):
        choices.append((f"m:{municipality.pk}", str(municipality)))
    for school in (
        School.objects.visible_to(user, roles=roles)
        .select_related("municipality")
        .order_by("municipality__name", "short_name")
    ):
        choices.append((f"s:{school.pk}", f"{school.short_name} ({school.municipality})"))
    return choices


def owner_from_choice(value: str, user):
    """The node behind an owner choice, through the scoping rule (None when out of reach)."""
    roles = roles_for("roadmaps.edit_roadmap")
    kind, _sep, pk = (value or "").partition(":")
    model = {"r": Region, "m": Municipality, "s": School}.get(kind)
    if model is None or not pk.isdigit():
        return None
    return model.objects.visible_to(user, roles=roles).filter(pk=int(pk)).first()


class OwnerChoiceMixin:
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].choices = owner_choices(user)

    def clean_owner(self):
        owner = owner_from_choice(self.cleaned_data["owner"], self.user)
        if owner is None:
            raise forms.ValidationError(_("Выберите владельца дорожной карты из списка."))
        return owner


class RoadmapForm(forms.ModelForm):
    class Meta:
        model = Roadmap
        fields = [
            "title",
            "period_start",
            "period_end",
            "academic_year",
            "purpose",
            "tasks",
            "preamble",
            "reporting_period",
        ]
        widgets = {
            "period_start": DATE_INPUT,
            "period_end": DATE_INPUT,
            "title": forms.Textarea(attrs={"rows": 2}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "tasks": forms.Textarea(attrs={"rows": 3}),
            "preamble": forms.Textarea(attrs={"rows": 4}),
        }

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("Конец периода раньше его начала."))
        return data


class RoadmapCreateForm(OwnerChoiceMixin, RoadmapForm):
    owner = forms.ChoiceField(label=_("Владелец"))

    class Meta(RoadmapForm.Meta):
        fields = ["owner", *RoadmapForm.Meta.fields]


class ApproveForm(forms.Form):
    order_number = forms.CharField(label=_("Номер приказа"), max_length=50)
    order_date = forms.DateField(label=_("Дата приказа"), widget=DATE_INPUT)
    order_place = forms.CharField(label=_("Место издания"), max_length=200, required=False)
    order_signatory = forms.CharField(label=_("Подписал"), max_length=200, required=False)
    order_signatory_position = forms.CharField(
        label=_("Должность подписавшего"), max_length=500, required=False
    )
    order_body = forms.CharField(label=_("Издавший орган"), max_length=500, required=False)
    order_items = forms.CharField(
        label=_("Пункты приказа"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("По одному на строке."),
    )

    def clean_order_items(self):
        return [
            line.strip() for line in self.cleaned_data["order_items"].splitlines() if line.strip()
        ]


class ReviseForm(forms.Form):
    reason = forms.CharField(
        label=_("Основание корректировки"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CascadeForm(forms.Form):
    due = forms.DateField(label=_("Школы принимают свои дорожные карты до"), widget=DATE_INPUT)


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["parent", "number", "title"]

    def __init__(self, *args, roadmap, **kwargs):
        super().__init__(*args, **kwargs)
        parents = roadmap.sections.all()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            self.fields["parent"].disabled = True
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = False


class SectionChoiceField(forms.ModelChoiceField):
    """A section of the roadmap; the measure's own section (`known`) is taken
    without a query when the form sends it back unchanged."""

    known = None

    def to_python(self, value):
        if self.known is not None and str(value) == str(self.known.pk):
            return self.known
        return super().to_python(value)


class MeasureForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Measure
        field_classes = {"section": SectionChoiceField}
        fields = [
            "section",
            "number",
            "text",
            "participants",
            "deadline_text",
            "responsible_text",
            "responsible_bodies",
            "for_all_schools",
            "responsible_schools",
            "result",
            "document_text",
            "document_kind",
            "requires_evidence",
        ]
        widgets = {
            "responsible_bodies": forms.CheckboxSelectMultiple,
            # A list of checkboxes with a search box (static/js/picker.js), not a
            # multi-select that needs Ctrl-click.
            "responsible_schools": forms.CheckboxSelectMultiple,
            "text": forms.Textarea(attrs={"rows": 3}),
            "participants": forms.Textarea(attrs={"rows": 1}),
            "responsible_text": forms.Textarea(attrs={"rows": 1}),
            "result": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, roadmap, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = roadmap.sections.order_by("position", "pk")
        self.fields["section"].required = False
        self.fields["document_kind"].required = False
        self.fields["deadline_text"].widget.attrs["data-deadline-input"] = "1"
        # Pick responsible parties from the owner's part of the tree; the text is
        # matched automatically, a pick made here overrides the match.
        from roadmaps.services.matching import responsible_candidate_querysets

        bodies, schools = responsible_candidate_querysets(roadmap.owner)
        self.fields["responsible_bodies"].queryset = bodies
        self.fields["responsible_schools"].queryset = schools.order_by("short_name")
        if self.instance.section_id is not None:
            self.fields["section"].known = self.instance.section

    def _get_validation_exclusions(self):
        # The section field already checked the section against the roadmap's
        # sections; the model's own check would read it once more.
        exclude = super()._get_validation_exclusions()
        exclude.add("section")
        return exclude
        self.fields["responsible_bodies"].required = False
        self.fields["responsible_schools"].required = False
        self.fields["responsible_bodies"].help_text = _(
            "Подбираются по тексту «Ответственные»; отметьте вручную, если подбор ошибся."
        )


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["text", "comparator", "target_value", "unit"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ProgressReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Отчётный период"))
    status = forms.ChoiceField(label=_("Состояние"), choices=ProgressReport.Status.choices)
    comment = forms.CharField(
        label=_("Комментарий"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    actual_value = forms.DecimalField(
        label=_("Фактическое значение показателя"), required=False, max_digits=12, decimal_places=2
    )
    evidence_kind = forms.ChoiceField(
        label=_("Вид документа"), choices=DocumentKind.choices, required=False
    )
    files = MultipleFileField(
        label=_("Подтверждающие документы"),
        required=False,
        help_text=_("PDF, DOCX, XLSX, PNG или JPEG."),
    )

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = {f"{s.isoformat()}:{e.isoformat()}": (s, e) for s, e in periods}
        self.fields["period"].choices = [
            (key, f"{s:%d.%m.%Y} — {e:%d.%m.%Y}") for key, (s, e) in self.periods.items()
        ]

    def clean_period(self):
        return self.periods[self.cleaned_data["period"]]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Причина возврата"), widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(OwnerChoiceMixin, forms.Form):
    owner = forms.ChoiceField(label=_("Чья дорожная карта"))
    file = forms.FileField(
        label=_("Файл"),
        help_text=_("DOCX, XLSX, PDF с текстом (не скан) или текст, скопированный из PDF."),
    )


class ProofPackForm(forms.Form):
    start = forms.DateField(label=_("С"), widget=DATE_INPUT)
    end = forms.DateField(label=_("по"), widget=DATE_INPUT)
