"""FastSelect writes exactly what Django's Select writes."""

import pytest
from django import forms

from schools.models import School
from schools.widgets import FastSelect

CHOICES = [
    ("", "---------"),
    ("1", "Школа «Ромашка» <№1> & Co"),
    ("2", "Вторая"),
    ("Группа <a>", [("3", "Третья"), ("4", "Четвёртая")]),
]


@pytest.mark.parametrize("value", [None, "", "2", "4", ["1", "4"]])
@pytest.mark.parametrize("attrs", [None, {"id": "id_x", "required": True, "disabled": False}])
def test_fast_select_writes_the_html_of_djangos_select(value, attrs):
    assert FastSelect(choices=CHOICES).render("x", value, attrs) == forms.Select(
        choices=CHOICES
    ).render("x", value, attrs)


def test_fast_select_of_a_model_choice_field_matches_djangos(world):
    class Slow(forms.Form):
        school = forms.ModelChoiceField(School.objects.order_by("pk"), required=False)

    class Fast(forms.Form):
        school = forms.ModelChoiceField(
            School.objects.order_by("pk"), required=False, widget=FastSelect
        )

    school = School.objects.order_by("pk").first()
    for data in (None, {"school": str(school.pk)}, {"school": "<script>"}):
        slow, fast = str(Slow(data)["school"]), str(Fast(data)["school"])
        assert fast == slow
    assert f'value="{school.pk}"' in fast
