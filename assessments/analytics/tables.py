"""The standard analytic tables of DOMAIN.md for one group, and side by side.

Every table carries `n` (the pupils it is computed from) and `size` (a
`GroupSize`): small groups are marked, never hidden. Shares are fractions
0…1 (templates and XLSX format them as percents). Every figure is computed
with numpy over the whole level at once.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from django.utils.translation import gettext_lazy as _

from .records import (
    LEVEL_BASIC,
    MARK_GROUP_MINIMUM,
    MARKS,
    GroupSize,
    PupilResult,
    ResultArrays,
    Scale,
    TaskInfo,
    as_arrays,
    at_least,
    share,
)

# Mastery bands used in schools (DOMAIN.md).
BASIC_MASTERED = Fraction(60, 100)
BASIC_NOT_MASTERED_BELOW = Fraction(57, 100)
ADVANCED_MASTERED = Fraction(30, 100)
ADVANCED_NOT_MASTERED_BELOW = Fraction(285, 1000)

# A test mark this far from the journal mark (or further) lists the pupil.
BIG_DIFFERENCE = 2


class Band(enum.StrEnum):
    MASTERED = "mastered"
    GREY = "grey"
    NOT_MASTERED = "not_mastered"

    @property
    def label(self) -> str:
        return str(BAND_LABELS[self])


BAND_LABELS = {
    Band.MASTERED: _("достигнут"),
    Band.GREY: _("на границе (серая зона)"),
    Band.NOT_MASTERED: _("не достигнут"),
}


def band_of(points: int, maximum: int, basic: bool) -> Band | None:
    """Mastery band of points out of maximum, exact at the thresholds."""
    if maximum <= 0:
        return None
    mastered, floor = (
        (BASIC_MASTERED, BASIC_NOT_MASTERED_BELOW)
        if basic
        else (ADVANCED_MASTERED, ADVANCED_NOT_MASTERED_BELOW)
    )
    if at_least(points, maximum, mastered):
        return Band.MASTERED
    if at_least(points, maximum, floor):
        return Band.GREY
    return Band.NOT_MASTERED


# --- mark statistics ---------------------------------------------------------


@dataclass(frozen=True)
class MarkStatistics:
    """Participants, each mark's count and share, успеваемость, качество."""

    SUPPRESS_FIELDS = (
        "n",
        "marked",
        "counts",
        "shares",
        "success_rate",
        "quality",
        "mean_mark",
        "mean_primary",
    )

    n: int | None  # participants
    marked: int | None  # participants with a mark (the base of the shares)
    counts: dict[int, int] | None
    shares: dict[int, float | None] | None
    success_rate: float | None  # успеваемость: 3 + 4 + 5
    quality: float | None  # качество: 4 + 5
    mean_mark: float | None
    mean_primary: float | None
    size: GroupSize
    suppressed: bool = False


def mark_statistics(group: ResultArrays) -> MarkStatistics:
    marks = group.mark
    counts = np.bincount(marks.astype(np.int64), minlength=6)
    by_mark = {m: int(counts[m]) for m in MARKS}
    marked = sum(by_mark.values())
    return MarkStatistics(
        n=len(group),
        marked=marked,
        counts=by_mark,
        shares={m: share(c, marked) for m, c in by_mark.items()},
        success_rate=share(by_mark[3] + by_mark[4] + by_mark[5], marked),
        quality=share(by_mark[4] + by_mark[5], marked),
        mean_mark=share(sum(m * c for m, c in by_mark.items()), marked),
        mean_primary=float(group.primary.mean()) if len(group) else None,
        size=GroupSize.of(len(group)),
    )


# --- agreement with journal marks --------------------------------------------


@dataclass(frozen=True)
class PupilMarkDifference:
    """A pupil whose test mark is 2 or more away from the journal mark."""

    SUPPRESS_DROP = True

    school_id: object
    class_name: str
    code: str
    mark: int
    journal_mark: int

    @property
    def n(self) -> int:
        return 1

    @property
    def difference(self) -> int:
        return self.mark - self.journal_mark


@dataclass(frozen=True)
class JournalAgreement:
    """понизили / подтвердили / повысили: test mark below / equal to / above
    the journal mark, over pupils who have both."""

    SUPPRESS_FIELDS = (
        "n",
        "lowered",
        "confirmed",
        "raised",
        "lowered_share",
        "confirmed_share",
        "raised_share",
    )

    n: int | None
    lowered: int | None
    confirmed: int | None
    raised: int | None
    lowered_share: float | None
    confirmed_share: float | None
    raised_share: float | None
    size: GroupSize
    big_differences: list[PupilMarkDifference] = field(default_factory=list)
    big_difference_count: int | None = 0
    suppressed: bool = False


def journal_agreement(group: ResultArrays, *, pupil_list: bool = True) -> JournalAgreement:
    both = (group.mark > 0) & (group.journal > 0)
    diff = group.mark[both].astype(np.int64) - group.journal[both].astype(np.int64)
    n = int(both.sum())
    lowered, confirmed, raised = (
        int((diff < 0).sum()),
        int((diff == 0).sum()),
        int((diff > 0).sum()),
    )
    big = np.abs(diff) >= BIG_DIFFERENCE
    pupils = []
    if pupil_list:
        idx = np.flatnonzero(both)[big]
        pupils = [
            PupilMarkDifference(
                school_id=group.school_id[i],
                class_name=str(group.class_name[i]),
                code=str(group.code[i]),
                mark=int(group.mark[i]),
                journal_mark=int(group.journal[i]),
            )
            for i in idx
        ]
        pupils.sort(key=lambda p: (-abs(p.difference), str(p.class_name), p.code))
    return JournalAgreement(
        n=n,
        lowered=lowered,
        confirmed=confirmed,
        raised=raised,
        lowered_share=share(lowered, n),
        confirmed_share=share(confirmed, n),
        raised_share=share(raised, n),
        size=GroupSize.of(n),
        big_differences=pupils,
        big_difference_count=int(big.sum()),
    )


# --- primary-score distribution ----------------------------------------------


@dataclass(frozen=True)
class ScoreDistribution:
    """Pupils per primary score 0…max, with the scale's boundaries."""

    SUPPRESS_FIELDS = ("n", "counts", "shares")

    n: int | None
    max_score: int
    counts: list[int] | None  # index = primary score
    shares: list[float | None] | None
    boundaries: dict[int, tuple[int, int]]
    size: GroupSize
    suppressed: bool = False


def score_distribution(
    group: ResultArrays, max_score: int, scale: Scale | None
) -> ScoreDistribution:
    primary = group.primary
    if len(primary) and (primary.min() < 0 or primary.max() > max_score):
        raise ValueError(
            str(_("Первичный балл %(score)s вне диапазона 0–%(max)s."))
            % {
                "score": int(primary.max() if primary.max() > max_score else primary.min()),
                "max": max_score,
            }
        )
    counts = np.bincount(primary, minlength=max_score + 1).tolist()
    n = len(group)
    return ScoreDistribution(
        n=n,
        max_score=max_score,
        counts=counts,
        shares=[share(c, n) for c in counts],
        boundaries=dict(scale.boundaries) if scale else {},
        size=GroupSize.of(n),
    )


# --- task success --------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    number: str
    max_score: int
    level: str
    planned_result: str
    points: int | None  # all points scored on the task by the group
    success: float | None  # mean share of the maximum; not attempted = 0
    not_attempted: float | None  # share of pupils who did not attempt it


@dataclass(frozen=True)
class TaskSuccess:
    SUPPRESS_FIELDS = ("n", "rows")

    n: int | None
    rows: list[TaskRow] | None
    size: GroupSize
    suppressed: bool = False


@dataclass(frozen=True)
class TaskSums:
    """One pass over a level's score matrix: what every task table needs."""

    points: np.ndarray  # int64 per task, not attempted = 0
    missing: np.ndarray  # int64 per task: pupils who did not attempt it
    mark_points: np.ndarray  # int64 (mark 0…5) × task
    mark_counts: np.ndarray  # int64 per mark 0…5


# Rows per block: a block of 15 float64 columns stays in the CPU cache, which
# makes one pass about three times faster than whole-matrix temporaries.
_BLOCK = 32_768


def task_sums(group: ResultArrays) -> TaskSums:
    tasks = group.task_count
    points = np.zeros(tasks)
    missing = np.zeros(tasks, dtype=np.int64)
    mark_points = np.zeros((6, tasks))
    marks = np.clip(group.mark.astype(np.int64), 0, 5)
    for start in range(0, len(group), _BLOCK):
        block = group.scores[start : start + _BLOCK]
        absent = np.isnan(block)
        filled = np.where(absent, 0.0, block)
        points += filled.sum(axis=0)
        missing += absent.sum(axis=0)
        onehot = marks[start : start + _BLOCK, None] == np.arange(6)[None, :]
        mark_points += onehot.T.astype(np.float64) @ filled
    return TaskSums(
        points=np.rint(points).astype(np.int64),
        missing=missing,
        mark_points=np.rint(mark_points).astype(np.int64),
        mark_counts=np.bincount(marks, minlength=6),
    )


def task_success(
    group: ResultArrays, tasks: Sequence[TaskInfo], sums: TaskSums | None = None
) -> TaskSuccess:
    n = len(group)
    sums = sums or task_sums(group)
    points, missing = sums.points, sums.missing
    rows = [
        TaskRow(
            number=t.number,
            max_score=t.max_score,
            level=t.level,
            planned_result=t.planned_result,
            points=int(points[i]),
            success=share(int(points[i]), n * t.max_score),
            not_attempted=share(int(missing[i]), n),
        )
        for i, t in enumerate(tasks)
    ]
    return TaskSuccess(n=n, rows=rows, size=GroupSize.of(n))


@dataclass(frozen=True)
class MarkGroupSuccess:
    """Task success of the pupils who got one mark."""

    SUPPRESS_FIELDS = ("n", "success")

    mark: int
    n: int | None
    success: list[float | None] | None  # per task, in task order
    too_small: bool  # under 10 pupils: shown, but not to be read
    suppressed: bool = False


@dataclass(frozen=True)
class TaskSuccessByMark:
    n: int | None
    tasks: list[TaskInfo]
    groups: list[MarkGroupSuccess]  # marks 2, 3, 4, 5
    size: GroupSize


def task_success_by_mark(
    group: ResultArrays, tasks: Sequence[TaskInfo], sums: TaskSums | None = None
) -> TaskSuccessByMark:
    maxima = np.array([t.max_score for t in tasks], dtype=np.int64)
    sums = sums or task_sums(group)
    groups = []
    for mark in MARKS:
        count = int(sums.mark_counts[mark])
        points = sums.mark_points[mark]
        groups.append(
            MarkGroupSuccess(
                mark=mark,
                n=count,
                success=[share(int(points[i]), count * int(maxima[i])) for i in range(len(tasks))],
                too_small=count < MARK_GROUP_MINIMUM,
            )
        )
    return TaskSuccessByMark(
        n=len(group), tasks=list(tasks), groups=groups, size=GroupSize.of(len(group))
    )


# --- planned results -----------------------------------------------------------


@dataclass(frozen=True)
class PlannedItem:
    """One кодификатор item at one level kind, with the tasks that check it."""

    planned_result: str
    basic: bool
    levels: tuple[str, ...]
    task_numbers: tuple[str, ...]
    task_indexes: tuple[int, ...]
    max_score: int  # per pupil, over its tasks


def planned_items(tasks: Sequence[TaskInfo]) -> list[PlannedItem]:
    """Group tasks by planned result, keeping basic and advanced/high apart
    (they have different mastery thresholds); in the order of first task."""
    order: list[tuple[str, bool]] = []
    members: dict[tuple[str, bool], list[int]] = {}
    for i, t in enumerate(tasks):
        key = (t.planned_result.strip() or t.number, t.level == LEVEL_BASIC)
        if key not in members:
            members[key] = []
            order.append(key)
        members[key].append(i)
    items = []
    for key in order:
        idx = members[key]
        items.append(
            PlannedItem(
                planned_result=key[0],
                basic=key[1],
                levels=tuple(dict.fromkeys(tasks[i].level for i in idx)),
                task_numbers=tuple(tasks[i].number for i in idx),
                task_indexes=tuple(idx),
                max_score=sum(tasks[i].max_score for i in idx),
            )
        )
    return items


@dataclass(frozen=True)
class PlannedRow:
    planned_result: str
    levels: tuple[str, ...]
    task_numbers: tuple[str, ...]
    success: float | None
    band: Band | None


@dataclass(frozen=True)
class PlannedResults:
    SUPPRESS_FIELDS = ("n", "rows")

    n: int | None
    rows: list[PlannedRow] | None
    size: GroupSize
    suppressed: bool = False

    @property
    def not_mastered(self) -> list[PlannedRow]:
        return [r for r in self.rows or [] if r.band == Band.NOT_MASTERED]


def planned_results_from_points(
    n: int, points: np.ndarray, items: Sequence[PlannedItem]
) -> PlannedResults:
    rows = []
    for item in items:
        got = int(points[list(item.task_indexes)].sum())
        whole = n * item.max_score
        rows.append(
            PlannedRow(
                planned_result=item.planned_result,
                levels=item.levels,
                task_numbers=item.task_numbers,
                success=share(got, whole),
                band=band_of(got, whole, item.basic) if n else None,
            )
        )
    return PlannedResults(n=n, rows=rows, size=GroupSize.of(n))


def planned_results(
    group: ResultArrays, tasks: Sequence[TaskInfo], sums: TaskSums | None = None
) -> PlannedResults:
    sums = sums or task_sums(group)
    return planned_results_from_points(len(group), sums.points, planned_items(tasks))


# --- all tables of one group, and side by side ---------------------------------


@dataclass(frozen=True)
class GroupTables:
    """Every standard table of one group (a class, school, municipality, region)."""

    name: str
    n: int
    size: GroupSize
    marks: MarkStatistics
    agreement: JournalAgreement
    distribution: ScoreDistribution
    tasks: TaskSuccess
    by_mark: TaskSuccessByMark
    planned: PlannedResults


def group_tables(
    name: str,
    group: Sequence[PupilResult] | ResultArrays,
    tasks: Sequence[TaskInfo],
    scale: Scale | dict | None = None,
    *,
    pupil_lists: bool = True,
) -> GroupTables:
    """All tables for one group. `pupil_lists` False skips the per-pupil list
    of big journal differences (not wanted for a whole region)."""
    scale = Scale.coerce(scale)
    arrays = as_arrays(group, len(tasks), scale)
    max_score = scale.max_score if scale else sum(t.max_score for t in tasks)
    sums = task_sums(arrays)
    return GroupTables(
        name=name,
        n=len(arrays),
        size=GroupSize.of(len(arrays)),
        marks=mark_statistics(arrays),
        agreement=journal_agreement(arrays, pupil_list=pupil_lists),
        distribution=score_distribution(arrays, max_score, scale),
        tasks=task_success(arrays, tasks, sums),
        by_mark=task_success_by_mark(arrays, tasks, sums),
        planned=planned_results(arrays, tasks, sums),
    )


@dataclass(frozen=True)
class SideBySide:
    """The tables of several levels in ФИС ОКО order (e.g. school |
    municipality | region); `levels` keeps that order."""

    tasks: list[TaskInfo]
    scale: Scale | None
    levels: dict[str, GroupTables]

    @property
    def names(self) -> list[str]:
        return list(self.levels)

    def __getitem__(self, name: str) -> GroupTables:
        return self.levels[name]


def side_by_side(
    levels: dict[str, Sequence[PupilResult] | ResultArrays],
    tasks: Sequence[TaskInfo],
    scale: Scale | dict | None = None,
    *,
    pupil_lists_for: Sequence[str] | None = None,
) -> SideBySide:
    """The tables of each level, in the order given. Per-pupil lists are made
    for `pupil_lists_for` only (default: the first level, the user's own)."""
    scale = Scale.coerce(scale)
    if pupil_lists_for is None:
        pupil_lists_for = list(levels)[:1]
    return SideBySide(
        tasks=list(tasks),
        scale=scale,
        levels={
            name: group_tables(name, group, tasks, scale, pupil_lists=name in pupil_lists_for)
            for name, group in levels.items()
        },
    )
