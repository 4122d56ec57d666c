"""Server-made SVG charts as strings: the same markup on screen and in
WeasyPrint PDFs, no JavaScript and no chart library.

Every chart:
- has a fixed viewBox (640 px wide = 170 mm, the text width of an A4 page with
  20 mm margins) and scales down with `max-width: 100%`;
- is `role="img"` with an aria-label, a `<title>` and a `<desc>` that states
  the figures in words for screen readers;
- uses the Okabe–Ito colour-blind-safe palette and, in addition, a hatch
  pattern or marker shape per series plus direct value labels, so it reads in
  black-and-white print;
- writes Russian numbers with a decimal comma ("12,5 %");
- escapes every text it is given.

Inputs are plain lists and dicts; the adapters at the bottom take the
analytic tables (`assessments.analytics`) directly.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape as _xml_escape

from django.utils.translation import gettext as _

WIDTH = 640
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
NBSP = "\u00a0"

# Okabe & Ito (2008), "Color Universal Design".
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",
)
# Marks 2…5: vermillion, orange, sky blue, bluish green (bad → good).
MARK_COLOURS = {2: "#D55E00", 3: "#E69F00", 4: "#56B4E9", 5: "#009E73"}
PATTERNS = ("solid", "diagonal", "dots", "cross", "horizontal", "vertical", "backdiagonal", "grid")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2")
INK = "#222222"
GRID = "#d0d0d0"


# --- formatting -------------------------------------------------------------


def escape(text) -> str:
    """XML-escape text for element content and double-quoted attributes."""
    return _xml_escape(str(text), {'"': "&quot;", "'": "&#39;"})


def fmt_number(value: float | None, digits: int = 1) -> str:
    """12.5 → "12,5"; whole numbers lose the ",0"; None → "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",").replace("-", "−")


def fmt_percent(share: float | None, digits: int = 1) -> str:
    """0.125 → "12,5 %" (with a no-break space); None → "—"."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    return f"{fmt_number(share * 100, digits)}{NBSP}%"


def _text_width(text: str, size: float) -> float:
    return len(text) * size * 0.6


def _shorten(text: str, size: float, room: float) -> str:
    if _text_width(text, size) <= room:
        return text
    keep = max(1, int(room / (size * 0.6)) - 1)
    return text[:keep].rstrip() + "…"


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above value."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-12:
            return candidate
    return 10 ** (exponent + 1)


def _ticks(top: float, count: int = 5) -> list[float]:
    return [top * i / count for i in range(count + 1)]


# --- the SVG builder ----------------------------------------------------------


class _Svg:
    def __init__(self, height: int, title: str, desc: str, key: str):
        self.height = height
        self.title = title
        self.desc = desc
        self.prefix = "c" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:8]
        self.defs: dict[str, str] = {}
        self.parts: list[str] = []

    def add(self, markup: str):
        self.parts.append(markup)

    def text(
        self,
        x,
        y,
        text,
        *,
        size=11,
        anchor="start",
        weight="normal",
        fill=INK,
        rotate=None,
        full=None,
    ):
        transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
        tip = f"<title>{escape(full)}</title>" if full and full != text else ""
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{transform}>{tip}{escape(text)}</text>'
        )

    def line(self, x1, y1, x2, y2, *, stroke=INK, width=1.0, dash=""):
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{stroke}" stroke-width="{width}"{dash_attr}/>'
        )

    def rect(self, x, y, w, h, *, fill, stroke=INK, width=0.6, tip=None):
        inner = f"<title>{escape(tip)}</title>" if tip else ""
        self.add(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width}">{inner}</rect>'
        )

    def fill(self, colour: str, pattern: str) -> str:
        """A fill: the colour itself, or a hatch pattern over it."""
        if pattern == "solid":
            return colour
        pid = f"{self.prefix}-{pattern}-{colour.lstrip('#')}"
        if pid not in self.defs:
            overlay = {
                "diagonal": '<path d="M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2" stroke="#000" stroke-width="1.1"/>',
                "backdiagonal": '<path d="M-1,7 l2,2 M0,0 l8,8 M7,-1 l2,2" stroke="#000" stroke-width="1.1"/>',
                "dots": '<circle cx="2" cy="2" r="1.2" fill="#000"/><circle cx="6" cy="6" r="1.2" fill="#000"/>',
                "cross": '<path d="M0,0 l8,8 M8,0 l-8,8" stroke="#000" stroke-width="0.9"/>',
                "horizontal": '<path d="M0,2 h8 M0,6 h8" stroke="#000" stroke-width="1"/>',
                "vertical": '<path d="M2,0 v8 M6,0 v8" stroke="#000" stroke-width="1"/>',
                "grid": '<path d="M0,4 h8 M4,0 v8" stroke="#000" stroke-width="0.9"/>',
            }[pattern]
            self.defs[pid] = (
                f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<rect width="8" height="8" fill="{colour}"/><g opacity="0.55">{overlay}</g></pattern>'
            )
        return f"url(#{pid})"

    def marker(self, x, y, shape: str, colour: str, tip: str | None = None):
        inner = f"<title>{escape(tip)}</title>" if tip else ""
        common = f'fill="{colour}" stroke="{INK}" stroke-width="0.8"'
        if shape == "square":
            self.add(
                f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" {common}>{inner}</rect>'
            )
        elif shape == "triangle":
            self.add(
                f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 4:.1f} L{x - 5:.1f},{y + 4:.1f} Z" {common}>{inner}</path>'
            )
        elif shape == "diamond":
            self.add(
                f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y:.1f} L{x:.1f},{y + 5:.1f} L{x - 5:.1f},{y:.1f} Z" {common}>{inner}</path>'
            )
        elif shape == "cross":
            self.add(
                f'<path d="M{x - 4:.1f},{y - 4:.1f} L{x + 4:.1f},{y + 4:.1f} M{x + 4:.1f},{y - 4:.1f} L{x - 4:.1f},{y + 4:.1f}" '
                f'stroke="{colour}" stroke-width="2.2">{inner}</path>'
            )
        else:
            self.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.2" {common}>{inner}</circle>')

    def legend(self, entries: list[tuple], y: float):
        """One centred row of legend entries: (label, fill) for a box, or
        (label, colour, series_index) for a line with its marker and dash."""
        size = 11
        widths = [28 + _text_width(str(e[0]), size) + 14 for e in entries]
        x = max(8.0, (WIDTH - sum(widths)) / 2)
        for entry, width in zip(entries, widths, strict=True):
            if len(entry) == 3:
                label, colour, index = entry
                self.line(
                    x,
                    y - 4,
                    x + 22,
                    y - 4,
                    stroke=colour,
                    width=2.2,
                    dash=DASHES[index % len(DASHES)],
                )
                self.marker(x + 11, y - 4, MARKERS[index % len(MARKERS)], colour)
            else:
                label, fill = entry
                self.rect(x + 2, y - 10, 18, 12, fill=fill)
            self.text(x + 28, y, str(label), size=size)
            x += width

    def render(self) -> str:
        title = escape(self.title)
        defs = f"<defs>{''.join(self.defs.values())}</defs>" if self.defs else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {self.height}" '
            f'width="{WIDTH}" height="{self.height}" role="img" aria-label="{title}" '
            f'aria-labelledby="{self.prefix}-title {self.prefix}-desc" '
            f'class="chart" font-family="{FONT}">'
            f'<title id="{self.prefix}-title">{title}</title>'
            f'<desc id="{self.prefix}-desc">{escape(self.desc)}</desc>'
            f"{defs}"
            f'<rect width="{WIDTH}" height="{self.height}" fill="#ffffff"/>'
            f"{''.join(self.parts)}</svg>"
        )


def _key(*parts) -> str:
    return repr(parts)


def _heading(svg: _Svg, title: str):
    svg.text(
        WIDTH / 2,
        20,
        _shorten(title, 14, WIDTH - 20),
        size=14,
        anchor="middle",
        weight="bold",
        full=title,
    )


def _value_axis(svg: _Svg, left, top, right, bottom, top_value, percent: bool):
    for tick in _ticks(top_value):
        y = bottom - (bottom - top) * (tick / top_value)
        svg.line(left, y, right, y, stroke=GRID, width=0.7)
        label = fmt_percent(tick, 0) if percent else fmt_number(tick, 1)
        svg.text(left - 6, y + 4, label, size=10, anchor="end")
    svg.line(left, top, left, bottom, stroke=INK, width=1)
    svg.line(left, bottom, right, bottom, stroke=INK, width=1)


def _describe_series(
    series: dict[str, Sequence[float | None]], categories: Sequence[str], percent=True
) -> str:
    fmt = fmt_percent if percent else fmt_number
    return "; ".join(
        f"{name}: " + ", ".join(f"{c} — {fmt(v)}" for c, v in zip(categories, values, strict=False))
        for name, values in series.items()
    )


# --- charts ---------------------------------------------------------------------


def score_histogram(
    counts: Sequence[int | None],
    boundaries: dict[int, tuple[int, int]],
    *,
    title: str | None = None,
    desc: str | None = None,
) -> str:
    """Pupils per primary score 0…max, bars coloured and hatched by mark, a
    dashed line at every mark boundary labelled with the mark and its lowest
    score ("«3» от 10 б.")."""
    title = title or _("Распределение первичных баллов")
    counts = [c or 0 for c in counts]
    max_score = len(counts) - 1
    mark_of = {}
    for mark, (low, high) in boundaries.items():
        for score in range(low, high + 1):
            mark_of[score] = mark
    if desc is None:
        total = sum(counts)
        peak = max(range(len(counts)), key=lambda s: counts[s]) if total else None
        parts = [_("Участников: %(n)s.") % {"n": total}]
        parts += [
            _("Отметка «%(mark)s»: от %(low)s до %(high)s баллов, %(count)s чел.")
            % {"mark": m, "low": lo, "high": hi, "count": sum(counts[lo : hi + 1])}
            for m, (lo, hi) in sorted(boundaries.items())
        ]
        if peak is not None:
            parts.append(
                _("Чаще всего — %(score)s баллов (%(count)s чел.).")
                % {"score": peak, "count": counts[peak]}
            )
        desc = " ".join(parts)
    height = 340
    svg = _Svg(height, title, desc, _key("hist", counts, sorted(boundaries.items()), title))
    _heading(svg, title)
    left, right, top, bottom = 52, WIDTH - 16, 62, height - 70
    top_value = _nice_max(max(counts) if counts else 1)
    top_value = max(top_value, 1)
    for tick in _ticks(top_value):
        y = bottom - (bottom - top) * tick / top_value
        svg.line(left, y, right, y, stroke=GRID, width=0.7)
        svg.text(left - 6, y + 4, fmt_number(tick, 1), size=10, anchor="end")
    slot = (right - left) / (max_score + 1)
    marks_sorted = sorted(boundaries)
    for score, count in enumerate(counts):
        mark = mark_of.get(score)
        colour = MARK_COLOURS.get(mark, PALETTE[0])
        pattern = (
            PATTERNS[marks_sorted.index(mark) % len(PATTERNS)] if mark in marks_sorted else "solid"
        )
        h = (bottom - top) * count / top_value
        x = left + score * slot + slot * 0.1
        svg.rect(
            x,
            bottom - h,
            slot * 0.8,
            h,
            fill=svg.fill(colour, pattern),
            tip=_("%(score)s б.: %(count)s чел.") % {"score": score, "count": count},
        )
        if count and slot >= 14:
            svg.text(
                x + slot * 0.4,
                bottom - h - 3,
                str(count),
                size=9 if slot < 20 else 10,
                anchor="middle",
            )
        step = 1 if max_score <= 30 else (2 if max_score <= 60 else 5)
        if score % step == 0 or score == max_score:
            svg.text(left + (score + 0.5) * slot, bottom + 14, str(score), size=10, anchor="middle")
    svg.line(left, top, left, bottom)
    svg.line(left, bottom, right, bottom)
    svg.text((left + right) / 2, bottom + 32, _("Первичный балл"), size=11, anchor="middle")
    svg.text(14, (top + bottom) / 2, _("Число участников"), size=11, anchor="middle", rotate=-90)
    for index, mark in enumerate(marks_sorted):
        low = boundaries[mark][0]
        if index == 0:
            continue
        x = left + low * slot
        svg.line(x, top - 14, x, bottom, stroke=INK, width=1.3, dash="5 3")
        label = _("«%(mark)s» от %(low)s б.") % {"mark": mark, "low": low}
        row = index % 2  # alternate rows so neighbouring labels never overlap
        svg.text(x + 3, top - 18 + 12 * row - 12, label, size=10, weight="bold")
    svg.legend(
        [
            (
                _("«%(mark)s»: %(low)s–%(high)s")
                % {"mark": m, "low": boundaries[m][0], "high": boundaries[m][1]},
                svg.fill(MARK_COLOURS.get(m, PALETTE[0]), PATTERNS[i % len(PATTERNS)]),
            )
            for i, m in enumerate(marks_sorted)
        ],
        height - 14,
    )
    return svg.render()


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


def _polyline(svg: _Svg, points, colour: str, dash: str):
    """Line segments through consecutive known points (a gap where None)."""
    run: list[tuple[float, float]] = []
    for p in [*points, None]:
        if p is None:
            if len(run) > 1:
                d = " ".join(
                    f"{'M' if k == 0 else 'L'}{x:.1f},{y:.1f}" for k, (x, y) in enumerate(run)
                )
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                svg.add(
                    f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.2"{dash_attr}/>'
                )
            run = []
        else:
            run.append((p[0], p[1]))


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


def journal_agreement_chart(
    levels: dict[str, tuple[float | None, float | None, float | None]], *, title: str | None = None
) -> str:
    """Stacked bars of понизили / подтвердили / повысили per level."""
    return stacked_bars(
        list(levels),
        [_("Понизили"), _("Подтвердили"), _("Повысили")],
        [list(v) for v in levels.values()],
        title=title or _("Соответствие отметок за работу отметкам в журнале"),
        colours=(PALETTE[4], PALETTE[2], PALETTE[5]),
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


# --- adapters for the analytic tables ----------------------------------------


def mark_shares_chart(tables, *, title: str | None = None) -> str:
    """Grouped bars of the shares of 2–5 for every level of a SideBySide."""
    series = {
        name: [(g.marks.shares or {}).get(m) for m in (2, 3, 4, 5)]
        for name, g in tables.levels.items()
    }
    return grouped_bars(
        ["«2»", "«3»", "«4»", "«5»"], series, title=title or _("Распределение отметок")
    )


def histogram_chart(group, *, title: str | None = None) -> str:
    """Histogram of one GroupTables (its distribution and the scale)."""
    d = group.distribution
    return score_histogram(
        d.counts or [0] * (d.max_score + 1),
        d.boundaries,
        title=title or _("Распределение первичных баллов: %(name)s") % {"name": group.name},
    )


def task_profile_chart(tables, *, title: str | None = None) -> str:
    return task_profile(
        [(t.number, t.level) for t in tables.tasks],
        {
            name: [r.success for r in g.tasks.rows] if g.tasks.rows else [None] * len(tables.tasks)
            for name, g in tables.levels.items()
        },
        title=title,
    )


def agreement_chart(tables, *, title: str | None = None) -> str:
    return journal_agreement_chart(
        {
            name: (g.agreement.lowered_share, g.agreement.confirmed_share, g.agreement.raised_share)
            for name, g in tables.levels.items()
        },
        title=title,
    )


def dynamics_chart(result, *, title: str | None = None) -> str:
    """Shares of "2" and of 4+5 over the years of a Dynamics, with the years
    of a negative trend and the years not comparable with the one before
    written under the axis."""
    years = [str(r.year) for r in result.rows]
    notes = {}
    for i, r in enumerate(result.rows):
        if r.negative_trend:
            notes[i] = _("«2» +%(points)s п. п.") % {"points": fmt_number(r.two_change * 100, 1)}
        elif r.comparable is False:
            notes[i] = _("несопоставимо")
    return line_chart(
        years,
        {
            _("Доля «2»"): [(r.marks.shares or {}).get(2) for r in result.rows],
            _("Качество (4+5)"): [r.marks.quality for r in result.rows],
        },
        title=title or _("Динамика по годам"),
        notes=notes,
    )
