"""A histogram of primary scores, coloured by the mark each score gives."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from .svg import (
    GRID,
    INK,
    MARK_COLOURS,
    PALETTE,
    PATTERNS,
    WIDTH,
    _heading,
    _key,
    _nice_max,
    _Svg,
    _ticks,
    fmt_number,
)


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
