from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import ReminderPreference


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


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ["in_app", "email", "weekly_summary"]
