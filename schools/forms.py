from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import Notification, ReminderPreference


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Для чего токен"),
        max_length=200,
        help_text=_("Например: «выгрузка в региональную систему»."),
    )
    days = forms.IntegerField(
        label=_("Срок действия, дней"), min_value=1, max_value=3 * 365, initial=365
    )
    read_only = forms.BooleanField(label=_("Только чтение"), required=False, initial=True)


# The events a person may choose to receive by mail (the weekly summary has its own box).
MAIL_KINDS = [
    (k, label) for k, label in Notification.Kind.choices if k != Notification.Kind.SUMMARY
]


class ReminderPreferenceForm(forms.ModelForm):
    """How a person is told: reminders in the list, mail at all, which events by
    mail, each at once or one message a day."""

    email_kinds = forms.MultipleChoiceField(
        label=_("О каких событиях писать на почту"),
        choices=MAIL_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ReminderPreference
        fields = ["in_app", "email", "email_digest", "weekly_summary"]
        labels = {
            "in_app": _("Показывать напоминания о сроках в списке уведомлений"),
            "email": _("Присылать уведомления на электронную почту"),
        }

    def __init__(self, *args, show_summary=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_summary:  # the weekly summary goes to municipal officials only
            del self.fields["weekly_summary"]
        muted = set(self.instance.email_muted or [])
        self.fields["email_kinds"].initial = [k for k, _label in MAIL_KINDS if k not in muted]

    def save(self, commit=True):
        chosen = set(self.cleaned_data["email_kinds"])
        self.instance.email_muted = [k for k, _label in MAIL_KINDS if k not in chosen]
        return super().save(commit=commit)
