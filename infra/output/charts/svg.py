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

Inputs are plain lists and dicts. This module holds what every chart shares
(the palette, number formats, the SVG writer); the charts are in the modules
beside it, by kind. Adapters that take a domain's tables live with the domain
(`assessments.analytics.charts`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape as _xml_escape

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
