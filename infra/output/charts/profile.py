"""The task profile: the share of success per task, one line per series."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from .svg import (
    DASHES,
    MARKERS,
    PALETTE,
    WIDTH,
    _describe_series,
    _heading,
    _key,
    _polyline,
    _shorten,
    _Svg,
    _text_width,
    _value_axis,
    fmt_number,
    fmt_percent,
)


def task_profile(
    tasks: Sequence[tuple[str, str]],
    series: dict[str, Sequence[float | None]],
    *,
    title: str | None = None,
    desc: str | None = None,
    basic_threshold: float = 0.6,
    advanced_threshold: float = 0.3,
) -> str:
    """Success per task: the first series as bars, the others as lines with
    markers. Advanced and high tasks (level "П"/"В") stand on a hatched grey
    background and carry their level under the number; the mastery threshold
    of each kind (60 % basic, 30 % advanced) is drawn over its tasks."""
    title = title or _("Выполнение заданий")
    numbers = [str(t[0]) for t in tasks]
    levels = [t[1] for t in tasks]
    if desc is None:
        desc = _describe_series(
            series, [f"{_('задание')} {n} ({lvl})" for n, lvl in zip(numbers, levels, strict=True)]
        )
    height = 380
    svg = _Svg(
        height,
        title,
        desc,
        _key("profile", list(tasks), {k: list(v) for k, v in series.items()}, title),
    )
    _heading(svg, title)
    left, right, top, bottom = 56, WIDTH - 16, 44, height - 104
    _value_axis(svg, left, top, right, bottom, 1.0, True)
    slot = (right - left) / max(len(tasks), 1)
    grey = svg.fill("#eeeeee", "backdiagonal")
    for i, level in enumerate(levels):
        if level != "Б":
            svg.rect(
                left + i * slot,
                top,
                slot,
                bottom - top,
                fill=grey,
                stroke="none",
                width=0,
                tip=_("Задание повышенного или высокого уровня"),
            )
    names = list(series)
    fill0 = PALETTE[0]
    if names:
        first = series[names[0]]
        for i in range(len(tasks)):
            value = first[i] if i < len(first) else None
            if value is None:
                continue
            h = (bottom - top) * min(value, 1.0)
            svg.rect(
                left + i * slot + slot * 0.2,
                bottom - h,
                slot * 0.6,
                h,
                fill=fill0,
                tip=f"{names[0]}, {_('задание')} {numbers[i]}: {fmt_percent(value)}",
            )
            if slot >= 26:
                svg.text(
                    left + (i + 0.5) * slot,
                    bottom - h - 3,
                    fmt_number(value * 100, 0),
                    size=9,
                    anchor="middle",
                )
    for s, name in enumerate(names[1:], start=1):
        colour = PALETTE[s % len(PALETTE)]
        points = []
        for i in range(len(tasks)):
            value = series[name][i] if i < len(series[name]) else None
            points.append(
                None
                if value is None
                else (left + (i + 0.5) * slot, bottom - (bottom - top) * min(value, 1.0), value)
            )
        _polyline(svg, points, colour, DASHES[s % len(DASHES)])
        for i, p in enumerate(points):
            if p:
                svg.marker(
                    p[0],
                    p[1],
                    MARKERS[s % len(MARKERS)],
                    colour,
                    f"{name}, {_('задание')} {numbers[i]}: {fmt_percent(p[2])}",
                )
    for i, level in enumerate(levels):
        threshold = basic_threshold if level == "Б" else advanced_threshold
        y = bottom - (bottom - top) * threshold
        svg.line(
            left + i * slot, y, left + (i + 1) * slot, y, stroke=PALETTE[5], width=2, dash="4 2"
        )
    for i, (number, level) in enumerate(zip(numbers, levels, strict=True)):
        x = left + (i + 0.5) * slot
        size = 10 if _text_width(number, 10) <= slot else 8
        svg.text(
            x, bottom + 14, _shorten(number, size, slot), size=size, anchor="middle", full=number
        )
        svg.text(
            x,
            bottom + 27,
            level,
            size=9,
            anchor="middle",
            weight="bold" if level != "Б" else "normal",
        )
    svg.text(
        (left + right) / 2,
        bottom + 44,
        _("Задание и его уровень (Б — базовый, П — повышенный, В — высокий)"),
        size=10,
        anchor="middle",
    )
    entries: list[tuple] = []
    if names:
        entries.append((names[0], fill0))
    entries += [(name, PALETTE[k % len(PALETTE)], k) for k, name in enumerate(names[1:], start=1)]
    svg.legend(entries, height - 14)
    note = _("порог достижения: %(basic)s для базовых, %(advanced)s для повышенных и высоких") % {
        "basic": fmt_percent(basic_threshold),
        "advanced": fmt_percent(advanced_threshold),
    }
    x = (WIDTH - _text_width(note, 10) - 26) / 2
    svg.line(x, bottom + 58, x + 20, bottom + 58, stroke=PALETTE[5], width=2, dash="4 2")
    svg.text(x + 26, bottom + 62, note, size=10)
    return svg.render()
