"""A line chart over ordered labels (years), with notes under the axis."""

from __future__ import annotations

from collections.abc import Sequence

from .svg import (
    DASHES,
    MARKERS,
    PALETTE,
    WIDTH,
    _describe_series,
    _heading,
    _key,
    _nice_max,
    _polyline,
    _shorten,
    _Svg,
    _value_axis,
    fmt_number,
    fmt_percent,
)


def line_chart(
    x_labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    desc: str | None = None,
    percent: bool = True,
    top_value: float | None = None,
    notes: dict[int, str] | None = None,
) -> str:
    """Values over years: a line, marker shape and dash pattern per series,
    every point labelled; a gap where a year has no figure. `notes` writes a
    short warning under the x label of the given positions (e.g. a negative
    trend), in bold so it reads in print too."""
    x_labels = [str(x) for x in x_labels]
    notes = notes or {}
    desc = desc or _describe_series(series, x_labels, percent)
    if notes:
        desc += ". " + "; ".join(
            f"{x_labels[i]}: {note}" for i, note in sorted(notes.items()) if i < len(x_labels)
        )
    height = 320 + (16 if notes else 0)
    svg = _Svg(
        height,
        title,
        desc,
        _key("line", x_labels, {k: list(v) for k, v in series.items()}, title, notes),
    )
    _heading(svg, title)
    left, right, top, bottom = 56, WIDTH - 24, 44, height - 62 - (16 if notes else 0)
    values = [v for vs in series.values() for v in vs if v is not None]
    if top_value is None:
        top_value = (
            min(1.0, _nice_max(max(values, default=0) * 1.15))
            if percent
            else _nice_max(max(values, default=1) * 1.15)
        )
    _value_axis(svg, left, top, right, bottom, top_value, percent)
    slot = (right - left) / max(len(x_labels), 1)
    fmt = fmt_percent if percent else fmt_number
    for i, label in enumerate(x_labels):
        svg.text(left + (i + 0.5) * slot, bottom + 16, label, size=11, anchor="middle")
        if i in notes:
            note = str(notes[i])
            svg.text(
                left + (i + 0.5) * slot,
                bottom + 31,
                _shorten(note, 9, slot - 2),
                size=9,
                anchor="middle",
                weight="bold",
                fill=PALETTE[5],
                full=note,
            )
    names = list(series)
    for s, name in enumerate(names):
        colour = PALETTE[s % len(PALETTE)]
        points = []
        for i in range(len(x_labels)):
            value = series[name][i] if i < len(series[name]) else None
            points.append(
                None
                if value is None
                else (
                    left + (i + 0.5) * slot,
                    bottom - (bottom - top) * min(value, top_value) / top_value,
                    value,
                )
            )
        _polyline(svg, points, colour, DASHES[s % len(DASHES)])
        for i, p in enumerate(points):
            if p:
                svg.marker(
                    p[0],
                    p[1],
                    MARKERS[s % len(MARKERS)],
                    colour,
                    f"{name}, {x_labels[i]}: {fmt(p[2])}",
                )
                # The label goes above the point when it is the highest at
                # this year, below otherwise, so two series never collide.
                others = [
                    series[o][i]
                    for o in names
                    if o != name and i < len(series[o]) and series[o][i] is not None
                ]
                dy = -9 if all(p[2] >= v for v in others) else 17
                svg.text(p[0], p[1] + dy, fmt(p[2]), size=9, anchor="middle")
    svg.legend([(n, PALETTE[s % len(PALETTE)], s) for s, n in enumerate(names)], height - 14)
    return svg.render()
