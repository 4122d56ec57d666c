"""Bar charts: grouped (series side by side), stacked (parts of a whole), horizontal."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from .memo import remembered
from .svg import (
    GRID,
    INK,
    PALETTE,
    PATTERNS,
    WIDTH,
    _describe_series,
    _heading,
    _key,
    _nice_max,
    _shorten,
    _Svg,
    _text_width,
    _ticks,
    _value_axis,
    fmt_number,
    fmt_percent,
)


@remembered
def grouped_bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    desc: str | None = None,
    percent: bool = True,
    top_value: float | None = None,
) -> str:
    """Bars grouped by category, one hatched colour per series (e.g. the
    shares of marks 2–5 for school | municipality | region), each labelled
    with its value; a missing value (suppressed) is drawn as "—"."""
    desc = desc or _describe_series(series, categories, percent)
    height = 340
    svg = _Svg(
        height,
        title,
        desc,
        _key("grouped", list(categories), {k: list(v) for k, v in series.items()}, title),
    )
    _heading(svg, title)
    left, right, top, bottom = 56, WIDTH - 16, 44, height - 62
    values = [v for vs in series.values() for v in vs if v is not None]
    top_value = top_value or (
        min(1.0, _nice_max(max(values, default=0) * 1.1))
        if percent
        else _nice_max(max(values, default=1) * 1.1)
    )
    _value_axis(svg, left, top, right, bottom, top_value, percent)
    names = list(series)
    slot = (right - left) / max(len(categories), 1)
    bar = min(slot * 0.8 / max(len(names), 1), 60)
    fmt = fmt_percent if percent else fmt_number
    fills = [
        svg.fill(PALETTE[i % len(PALETTE)], PATTERNS[i % len(PATTERNS)]) for i in range(len(names))
    ]
    for c, category in enumerate(categories):
        start = left + c * slot + (slot - bar * len(names)) / 2
        for s, name in enumerate(names):
            value = series[name][c] if c < len(series[name]) else None
            x = start + s * bar
            label = fmt(value)
            if value is not None:
                h = (bottom - top) * min(value, top_value) / top_value
                svg.rect(
                    x + 1, bottom - h, bar - 2, h, fill=fills[s], tip=f"{name}, {category}: {label}"
                )
                y = bottom - h - 4
            else:
                y = bottom - 4
            size = 10 if bar >= 34 else 8
            svg.text(x + bar / 2, y, label, size=size, anchor="middle")
        svg.text(
            left + (c + 0.5) * slot,
            bottom + 16,
            _shorten(str(category), 11, slot - 4),
            size=11,
            anchor="middle",
            full=str(category),
        )
    svg.legend(list(zip(names, fills, strict=True)), height - 16)
    return svg.render()


def stacked_bars(
    rows: Sequence[str],
    parts: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str,
    desc: str | None = None,
    colours: Sequence[str] | None = None,
) -> str:
    """Horizontal 100 % bars, one per row, split into parts with their share
    written inside (or beside when too narrow). A row without figures
    (suppressed) shows "нет данных"."""
    if desc is None:
        desc = "; ".join(
            f"{row}: "
            + ", ".join(f"{p} — {fmt_percent(v)}" for p, v in zip(parts, vals, strict=False))
            for row, vals in zip(rows, values, strict=True)
        )
    bar_h = 30
    height = 70 + len(rows) * (bar_h + 14) + 40
    svg = _Svg(
        height,
        title,
        desc,
        _key("stacked", list(rows), list(parts), [list(v) for v in values], title),
    )
    _heading(svg, title)
    label_room = 150
    left, right, top = 16 + label_room, WIDTH - 20, 42
    colours = colours or PALETTE
    fills = [
        svg.fill(colours[i % len(colours)], PATTERNS[i % len(PATTERNS)]) for i in range(len(parts))
    ]
    for r, row in enumerate(rows):
        y = top + r * (bar_h + 14)
        svg.text(
            left - 8,
            y + bar_h / 2 + 4,
            _shorten(str(row), 11, label_room),
            size=11,
            anchor="end",
            full=str(row),
        )
        vals = values[r]
        if not vals or all(v is None for v in vals):
            svg.rect(left, y, right - left, bar_h, fill="#ffffff", stroke=GRID)
            svg.text(
                (left + right) / 2, y + bar_h / 2 + 4, _("нет данных"), size=11, anchor="middle"
            )
            continue
        x = left
        for p, value in enumerate(vals):
            if not value:
                continue
            w = (right - left) * value
            svg.rect(x, y, w, bar_h, fill=fills[p], tip=f"{row}, {parts[p]}: {fmt_percent(value)}")
            label = fmt_percent(value)
            if _text_width(label, 10) + 6 < w:
                svg.add(
                    f'<rect x="{x + w / 2 - _text_width(label, 10) / 2 - 2:.1f}" y="{y + bar_h / 2 - 8:.1f}" '
                    f'width="{_text_width(label, 10) + 4:.1f}" height="13" fill="#ffffff" opacity="0.85"/>'
                )
                svg.text(x + w / 2, y + bar_h / 2 + 4, label, size=10, anchor="middle")
            else:
                svg.text(x + w / 2, y + bar_h + 11, label, size=9, anchor="middle")
            x += w
    bottom = top + len(rows) * (bar_h + 14)
    for tick in _ticks(1.0, 4):
        x = left + (right - left) * tick
        svg.line(x, bottom - 8, x, bottom - 4, stroke=INK)
        svg.text(x, bottom + 6, fmt_percent(tick, 0), size=9, anchor="middle")
    svg.legend(list(zip([str(p) for p in parts], fills, strict=True)), height - 14)
    return svg.render()


@remembered
def horizontal_bars(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    desc: str | None = None,
    percent: bool = True,
    target: float | None = None,
) -> str:
    """One bar per item (e.g. execution share of each roadmap section or
    school), the label on the left, the value written at the end; an optional
    target drawn as a dashed line."""
    fmt = fmt_percent if percent else fmt_number
    desc = desc or "; ".join(f"{label}: {fmt(v)}" for label, v in items)
    bar_h = 18
    height = 60 + len(items) * (bar_h + 8) + 34
    svg = _Svg(height, title, desc, _key("hbars", list(items), title, target))
    _heading(svg, title)
    label_room = 220
    left, right, top = 16 + label_room, WIDTH - 70, 40
    values = [v for _label, v in items if v is not None]
    top_value = 1.0 if percent else _nice_max(max(values, default=1))
    fill = svg.fill(PALETTE[0], "solid")
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + 8)
        svg.text(
            left - 8,
            y + bar_h / 2 + 4,
            _shorten(str(label), 11, label_room),
            size=11,
            anchor="end",
            full=str(label),
        )
        svg.rect(left, y, right - left, bar_h, fill="#ffffff", stroke=GRID, width=0.6)
        if value is not None:
            w = (right - left) * min(value, top_value) / top_value
            svg.rect(left, y, w, bar_h, fill=fill, tip=f"{label}: {fmt(value)}")
            svg.text(left + w + 4, y + bar_h / 2 + 4, fmt(value), size=10)
        else:
            svg.text(left + 4, y + bar_h / 2 + 4, "—", size=10)
    bottom = top + len(items) * (bar_h + 8)
    for tick in _ticks(top_value, 4):
        x = left + (right - left) * tick / top_value
        svg.line(x, bottom - 4, x, bottom, stroke=INK)
        svg.text(
            x,
            bottom + 12,
            fmt_percent(tick, 0) if percent else fmt_number(tick),
            size=9,
            anchor="middle",
        )
    if target is not None:
        x = left + (right - left) * min(target, top_value) / top_value
        svg.line(x, top - 6, x, bottom, stroke=PALETTE[5], width=1.6, dash="5 3")
        svg.text(
            x,
            top - 9,
            _("цель %(value)s") % {"value": fmt(target)},
            size=10,
            anchor="middle",
            fill=INK,
        )
    return svg.render()
