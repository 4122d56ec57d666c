"""Filters that turn stored codes and ISO dates into the words people read."""

from datetime import date

from django import template
from django.utils import formats

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
