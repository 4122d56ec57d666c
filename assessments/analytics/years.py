"""Dynamics over years: the mark statistics of each year, the change in the
share of "2", and whether consecutive years can be compared at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from .records import GroupSize, PupilResult, ResultArrays, Scale, TaskInfo, as_arrays
from .tables import (
    MarkStatistics,
    PlannedResults,
    TaskSuccess,
    mark_statistics,
    planned_results,
    task_success,
    task_sums,
)

# A rise of the share of "2" by this much (10 percentage points) or more is a
# negative trend (DOMAIN.md).
NEGATIVE_TREND_RISE = Fraction(10, 100)


@dataclass(frozen=True)
class YearInput:
    """One year's group: pupils with the year's tasks and scale, or, for years
    known only from aggregated tables, the mark statistics themselves."""

    group: Sequence[PupilResult] | ResultArrays | None = None
    tasks: Sequence[TaskInfo] | None = None
    scale: Scale | dict | None = None
    statistics: MarkStatistics | None = None


@dataclass(frozen=True)
class YearRow:
    year: object
    marks: MarkStatistics
    two_change: float | None  # share of "2" minus last year's, as a fraction
    negative_trend: bool
    comparable: bool | None  # with the year before; None = first or unknown
    note: str = ""
    tasks: TaskSuccess | None = None  # None for years known only as aggregates
    planned: PlannedResults | None = None

    @property
    def size(self) -> GroupSize:
        return self.marks.size


@dataclass(frozen=True)
class Dynamics:
    rows: list[YearRow]

    @property
    def negative_years(self) -> list[object]:
        return [r.year for r in self.rows if r.negative_trend]


def skills_signature(tasks: Sequence[TaskInfo]) -> tuple:
    """What a test checks, regardless of numbering: the sorted skills with
    their level and maximum."""
    return tuple(sorted((t.planned_result.strip().lower(), t.level, t.max_score) for t in tasks))


def dynamics(years: dict[object, YearInput]) -> Dynamics:
    """Rows in the order of `years` (oldest first)."""
    rows: list[YearRow] = []
    previous: tuple[MarkStatistics, YearInput] | None = None
    for year, data in years.items():
        task_table = planned = None
        if data.statistics is not None:
            stats = data.statistics
        else:
            tasks = list(data.tasks or [])
            arrays = as_arrays(data.group or [], len(tasks), Scale.coerce(data.scale))
            stats = mark_statistics(arrays)
            sums = task_sums(arrays)
            task_table = task_success(arrays, tasks, sums)
            planned = planned_results(arrays, tasks, sums)
        change = None
        negative = False
        comparable = None
        note = ""
        if previous is not None:
            before, before_data = previous
            two_now = _two_share(stats)
            two_then = _two_share(before)
            if two_now is not None and two_then is not None:
                change = float(two_now - two_then)
                negative = two_now - two_then >= NEGATIVE_TREND_RISE
            if data.tasks is not None and before_data.tasks is not None:
                comparable = skills_signature(data.tasks) == skills_signature(before_data.tasks)
                if not comparable:
                    note = str(
                        _(
                            "Состав проверяемых умений изменился: сравнение с прошлым годом приблизительное."
                        )
                    )
            else:
                note = str(
                    _("Структура заданий одного из лет неизвестна: сопоставимость не проверена.")
                )
        rows.append(
            YearRow(
                year=year,
                marks=stats,
                two_change=change,
                negative_trend=negative,
                comparable=comparable,
                note=note,
                tasks=task_table,
                planned=planned,
            )
        )
        previous = (stats, data)
    return Dynamics(rows=rows)


def _two_share(stats: MarkStatistics) -> Fraction | None:
    if stats.suppressed or not stats.marked or stats.counts is None:
        return None
    return Fraction(stats.counts[2], stats.marked)
