"""`get_<field>_display()` without Django's cost: Model._get_FIELD_display builds a
dict of the field's choices at every call, hashing each lazy label (a translation
lookup apiece); a list of a hundred rows with two such fields made thousands of
lookups a page. The labels are read once per field and language here."""

from __future__ import annotations

from functools import lru_cache

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@lru_cache(maxsize=1024)
def _labels(field, language: str | None) -> dict:
    # The choices of the models are static (TextChoices); `language` keys the cache,
    # the labels are evaluated in the active one.
    return {make_hashable(value): str(label) for value, label in field.flatchoices}


def choice_labels(field) -> dict:
    """{value: label} of a model field's choices in the active language."""
    return _labels(field, get_language())


class ChoiceLabels:
    """Put before models.Model: the same `get_<field>_display()` (the label, or the
    value itself when it is not a choice), from the labels read once."""

    def _get_FIELD_display(self, field):  # noqa: N802 - Django's name
        value = getattr(self, field.attname)
        return force_str(choice_labels(field).get(make_hashable(value), value), strings_only=True)
