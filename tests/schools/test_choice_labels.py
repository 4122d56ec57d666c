"""get_<field>_display() of the models with ChoiceLabels (infra.choices) answers what
Django's own method answers, for every choice of every field and for a value that is
not a choice, and follows the active language."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from infra.choices import ChoiceLabels

MODELS = [m for m in apps.get_models() if issubclass(m, ChoiceLabels)]


def test_the_models_that_list_rows_have_fast_labels():
    names = {m.__name__ for m in MODELS}
    assert {"School", "Municipality", "Measure", "ProgressReport", "Document"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_labels_are_djangos(model, language):
    fields = [f for f in model._meta.concrete_fields if f.choices]
    assert fields
    for field in fields:
        for value in [*(v for v, _label in field.flatchoices), "not-a-choice"]:
            obj = model()
            setattr(obj, field.attname, value)
            with translation.override(language):
                ours = getattr(obj, f"get_{field.name}_display")()
                django = models.Model._get_FIELD_display(obj, field)
            assert ours == django and isinstance(ours, str)
