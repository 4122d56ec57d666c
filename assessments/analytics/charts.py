"""Charts of the analytic tables: adapters from `assessments.analytics` tables
(SideBySide, GroupTables, Dynamics) to the generic SVG charts of
`infra.output.charts`, with the wording of the domain."""

from __future__ import annotations

from django.utils.translation import gettext as _

from infra.output.charts import (
    fmt_number,
    grouped_bars,
    line_chart,
    score_histogram,
    stacked_bars,
    task_profile,
)
from infra.output.charts.svg import PALETTE


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
