"""A schedule said in a short Russian phrase, for the editor and the lists."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from .schedule import Schedule, occurrences


def describe(schedule: Schedule) -> str:
    """The schedule in a short Russian phrase, for the editor and the lists.

    The warning (if any) is not included: show `schedule.warning` beside it.
    """
    dates = occurrences(schedule)
    shown = ", ".join(_fmt(d) for d in dates[:6]) + (" …" if len(dates) > 6 else "")
    kind = schedule.kind
    if kind == "unparsed":
        if not schedule.text.strip():
            return _("Срок не указан")
        return _("Срок не распознан")
    if kind == "on_demand":
        return _("По мере необходимости")
    if kind == "continuous":
        if schedule.start and schedule.end:
            return _("Постоянно, с %(start)s по %(end)s") % {
                "start": _fmt(schedule.start),
                "end": _fmt(schedule.end),
            }
        return _("Постоянно")
    if kind == "event":
        named = schedule.details.get("events") or ([schedule.event] if schedule.event else [])
        names = ", ".join(named)
        if names:
            head = _("По графику %(names)s") % {"names": names}
        elif schedule.details.get("source") == "каникулы":
            head = _("В каникулы")
        elif schedule.details.get("source"):
            head = _cap(schedule.details["source"])
        else:
            head = _("По графику")
        if dates:
            return f"{head}: {shown}"
        if names:
            return _("%(head)s (даты появятся из календаря оценочных процедур)") % {"head": head}
        return _("%(head)s (даты появятся из календаря)") % {"head": head}
    if not dates:
        return _("Срок без даты в периоде дорожной карты")
    if kind == "range" and schedule.start and schedule.end:
        return _("С %(start)s по %(end)s") % {
            "start": _fmt(schedule.start),
            "end": _fmt(schedule.end),
        }
    if kind == "month":
        text = _("%(month)s (до %(date)s)") % {
            "month": _month_label(dates[0]),
            "date": _fmt(dates[0]),
        }
        return _cap(text)
    if kind == "months":
        return _cap(", ".join(_month_label(d) for d in dates))
    if kind == "month_range":
        text = _("%(first)s – %(last)s, до конца каждого месяца") % {
            "first": _month_label(dates[0]),
            "last": _month_label(dates[-1]),
        }
        return _cap(text)
    if kind == "quarters":
        numbers = ", ".join(_ROMAN[n] for n in schedule.details.get("numbers", ()) if n in _ROMAN)
        unit = _("квартал") if schedule.details.get("unit") == "quarter" else _("четверть")
        return f"{numbers} {unit}: {shown}" if numbers else f"{unit}: {shown}"
    if kind == "recurring":
        label = _frequency_labels().get(schedule.details.get("frequency", ""), "")
        return f"{label}: {shown}" if label else shown
    if kind == "end_of_year":
        return _("До конца учебного года: %(dates)s") % {"dates": shown}
    return _("До %(dates)s") % {"dates": shown}


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _frequency_labels() -> dict[str, str]:
    return {
        "yearly": _("Ежегодно"),
        "half_yearly": _("Раз в полугодие"),
        "quarterly": _("Ежеквартально"),
        "monthly": _("Ежемесячно"),
        "weekly": _("Еженедельно"),
    }


def _month_names() -> tuple[str, ...]:
    return (
        _("январь"), _("февраль"), _("март"), _("апрель"), _("май"), _("июнь"),
        _("июль"), _("август"), _("сентябрь"), _("октябрь"), _("ноябрь"), _("декабрь"),
    )  # fmt: skip


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fmt(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def _month_label(day: date) -> str:
    return f"{_month_names()[day.month - 1]} {day.year}"
