"""How a roadmap is named, from plain values: the model's properties (Roadmap.label and
the rest) and the API's rows written from values_list (roadmaps.api_rows) share these."""

from django.utils.translation import gettext as _


def period_label(academic_year, start, end) -> str:
    """«2023/24» for a school year, «2023» for a calendar one, «2023–2025» otherwise."""
    year = (academic_year or "").replace(" ", "")
    first, _sep, second = year.partition("/")
    if first.isdigit() and second.isdigit():
        return f"{first}/{second[-2:]}"
    if start and end:
        if start.year == end.year:
            return str(start.year)
        if end.year == start.year + 1 and start.month >= 7 and end.month <= 8:
            return f"{start.year}/{str(end.year)[-2:]}"
        return f"{start.year}–{end.year}"
    if start or end:
        return str((start or end).year)
    return ""


def order_label(number, day, *, draft: bool) -> str:
    if number or day:
        text = _("приказ") + (f" № {number}" if number else "")
        if day:
            text += " " + _("от") + f" {day:%d.%m.%Y}"
        return text
    return str(_("проект") if draft else _("без приказа"))


def short_label(period: str, order: str) -> str:
    """«ДК 2023/24, приказ № 215-од от 01.09.2023»: tells apart roadmaps of one owner."""
    return f"{_('ДК')} {period}, {order}" if period else f"{_('ДК')}, {order}"
