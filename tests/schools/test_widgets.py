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


def _builder_forms(user):
    from reports.builders import REGISTRY
    from reports.services import _load_builders

    _load_builders()
    return [b.params_form(user=user) for b in REGISTRY.values() if hasattr(b, "params_form")]


@pytest.mark.parametrize("who", ["bob", "mia", "alice"])
def test_choices_read_once_write_the_same_forms_with_fewer_queries(world, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from roadmaps.services.base import SYSTEM
    from schools.widgets import choices_read_once
    from tests import factories as f

    roadmap = f.approved_roadmap(
        municipality=world.muni_a,
        by=SYSTEM,
        title="Карта <1> & план",
        measures=[("1.", "Семинар", "до 1 мая 2026 г.")],
    )
    user = getattr(world, who)
    with CaptureQueriesContext(connection) as plain:
        before = [form.as_p() for form in _builder_forms(user)]
    with CaptureQueriesContext(connection) as once:
        forms_ = _builder_forms(user)
        choices_read_once(*forms_)
        after = [form.as_p() for form in forms_]
    assert after == before
    if who != "mia":  # the official and the analyst build documents of the roadmap
        assert f'<option value="{roadmap.pk}">' in "".join(after)
    assert len(once) < len(plain)
