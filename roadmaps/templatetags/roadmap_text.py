"""Filters that turn stored codes and ISO dates into the words people read."""

from datetime import date
from functools import lru_cache

from django import template
from django.template.defaultfilters import stringfilter
from django.utils import formats, translation
from django.utils.text import Truncator

from roadmaps.models import DEADLINE_KIND_LABELS

register = template.Library()


@register.filter
def deadline_kind_label(kind: str) -> str:
    """«month» → «месяц»: the kind of a deadline as the measure form names it."""
    return str(DEADLINE_KIND_LABELS.get(kind, DEADLINE_KIND_LABELS["unparsed"]))


@register.filter
def iso_date(value) -> str:
    """«2026-12-04» (as JSON keeps dates) → «04.12.2026»; anything else as it is."""
    if isinstance(value, date):
        return formats.date_format(value, "d.m.Y")
    try:
        return formats.date_format(date.fromisoformat(str(value)), "d.m.Y")
    except ValueError:
        return value


@register.filter(is_safe=True)
@stringfilter
def shortened(text: str, length) -> str:
    """`truncatechars`, remembered: the lists of measures shorten the same texts to
    the same length on every request (a hundred a page, each counted character by
    character), so the shortened text is kept per process."""
    return _shortened(text, int(length), translation.get_language())


@lru_cache(maxsize=16384)
def _shortened(text: str, length: int, language: str) -> str:
    return Truncator(text).chars(length)
