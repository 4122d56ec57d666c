"""Deficits per class and per pupil, and a draft individual learning route
(ИОМ) per pupil built from them.

A pupil's deficit is a planned result (кодификатор item) whose tasks the pupil
did not master by the same bands as the group tables (basic ≥ 60 %, advanced
and high ≥ 30 %, with the grey zone under them). The route is a draft the
teacher edits: the order only proposes where to start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .records import GroupSize, PupilResult, ResultArrays, Scale, TaskInfo, as_arrays
from .tables import (
    ADVANCED_MASTERED,
    ADVANCED_NOT_MASTERED_BELOW,
    BASIC_MASTERED,
    BASIC_NOT_MASTERED_BELOW,
    Band,
    PlannedResults,
    PlannedRow,
    band_of,
    planned_items,
    planned_results_from_points,
)


@dataclass(frozen=True)
class ClassDeficits:
    """A class's planned results with their bands, and what it did not master."""

    SUPPRESS_FIELDS = ("n", "planned", "not_mastered", "grey", "tasks_not_mastered")

    class_name: str
    n: int | None
    size: GroupSize
    planned: PlannedResults | None
    not_mastered: list[PlannedRow] | None
    grey: list[PlannedRow] | None
    tasks_not_mastered: list[str] | None  # task numbers under their own band
    suppressed: bool = False


@dataclass(frozen=True)
class RouteStep:
    """One planned result for a pupil to work on."""

    order: int
    planned_result: str
    levels: tuple[str, ...]
    task_numbers: tuple[str, ...]
    not_attempted: tuple[str, ...]  # of those tasks, the ones left blank
    points: int
    max_score: int
    band: Band  # NOT_MASTERED or GREY
    class_band: Band | None  # the class's band on the same item

    @property
    def success(self) -> float:
        return self.points / self.max_score if self.max_score else 0.0

    @property
    def whole_class(self) -> bool:
        """The class did not master it either: better taught to the class."""
        return self.class_band == Band.NOT_MASTERED


@dataclass(frozen=True)
class PupilRoute:
    """A pupil's deficits as a draft ИОМ, in the order proposed."""

    SUPPRESS_DROP = True

    school_id: object
    class_name: str
    code: str
    primary: int
    mark: int | None
    steps: list[RouteStep]
    tasks_not_mastered: tuple[str, ...] = ()  # by the task's own band

    @property
    def n(self) -> int:
        return 1

    @property
    def not_mastered(self) -> list[RouteStep]:
        return [s for s in self.steps if s.band == Band.NOT_MASTERED]


@dataclass(frozen=True)
class Deficits:
    classes: list[ClassDeficits]
    pupils: list[PupilRoute]


def _bands(points: np.ndarray, maxima: np.ndarray, basic: np.ndarray) -> np.ndarray:
    """Band codes per cell: 2 mastered, 1 grey, 0 not mastered (exact integers)."""
    hi_num = np.where(basic, BASIC_MASTERED.numerator, ADVANCED_MASTERED.numerator)
    hi_den = np.where(basic, BASIC_MASTERED.denominator, ADVANCED_MASTERED.denominator)
    lo_num = np.where(
        basic, BASIC_NOT_MASTERED_BELOW.numerator, ADVANCED_NOT_MASTERED_BELOW.numerator
    )
    lo_den = np.where(
        basic, BASIC_NOT_MASTERED_BELOW.denominator, ADVANCED_NOT_MASTERED_BELOW.denominator
    )
    mastered = points * hi_den >= hi_num * maxima
    grey = points * lo_den >= lo_num * maxima
    return mastered.astype(np.int8) + grey.astype(np.int8)


_BAND_BY_CODE = {0: Band.NOT_MASTERED, 1: Band.GREY, 2: Band.MASTERED}


def deficits(
    group: Sequence[PupilResult] | ResultArrays,
    tasks: Sequence[TaskInfo],
    scale: Scale | dict | None = None,
) -> Deficits:
    """Deficits of every class in the group and a draft route for every pupil.

    Meant for a school (or a class): one route per pupil.
    """
    arrays = as_arrays(group, len(tasks), Scale.coerce(scale))
    items = planned_items(tasks)
    task_basic = np.array([t.is_basic for t in tasks], dtype=bool)
    task_max = np.array([t.max_score for t in tasks], dtype=np.int64)
    item_max = np.array([it.max_score for it in items], dtype=np.int64)
    item_basic = np.array([it.basic for it in items], dtype=bool)
    # tasks × items indicator: pupil × item points in one product.
    indicator = np.zeros((len(tasks), len(items)), dtype=np.int64)
    for j, item in enumerate(items):
        indicator[list(item.task_indexes), j] = 1

    missing = np.isnan(arrays.scores)
    filled = np.rint(np.where(missing, 0.0, arrays.scores)).astype(np.int64)

    classes: list[ClassDeficits] = []
    class_bands: dict[str, list[Band | None]] = {}
    for class_name, sub in arrays.groups_by("class_name"):
        n = len(sub)
        sub_filled = np.rint(np.nan_to_num(sub.scores, nan=0.0)).astype(np.int64)
        task_points = sub_filled.sum(axis=0)
        planned = planned_results_from_points(n, task_points, items)
        task_codes = _bands(task_points, task_max * n, task_basic)
        classes.append(
            ClassDeficits(
                class_name=str(class_name),
                n=n,
                size=GroupSize.of(n),
                planned=planned,
                not_mastered=[r for r in planned.rows if r.band == Band.NOT_MASTERED],
                grey=[r for r in planned.rows if r.band == Band.GREY],
                tasks_not_mastered=[
                    t.number for t, code in zip(tasks, task_codes, strict=True) if code == 0
                ],
            )
        )
        class_bands[str(class_name)] = [r.band for r in planned.rows]

    pupil_points = filled @ indicator  # pupils × items
    pupil_codes = _bands(pupil_points, item_max[np.newaxis, :], item_basic[np.newaxis, :])
    task_codes_by_pupil = _bands(filled, task_max[np.newaxis, :], task_basic[np.newaxis, :])
    pupils: list[PupilRoute] = []
    for i in range(len(arrays)):
        class_name = str(arrays.class_name[i])
        todo = np.flatnonzero(pupil_codes[i] < 2)
        # Not mastered before grey, basic before advanced, weakest first, then
        # the test's own order.
        todo = sorted(
            todo,
            key=lambda j: (
                pupil_codes[i, j] != 0,
                not item_basic[j],
                pupil_points[i, j] / item_max[j] if item_max[j] else 0.0,
                j,
            ),
        )
        steps = []
        for order, j in enumerate(todo, start=1):
            item = items[j]
            steps.append(
                RouteStep(
                    order=order,
                    planned_result=item.planned_result,
                    levels=item.levels,
                    task_numbers=item.task_numbers,
                    not_attempted=tuple(
                        tasks[k].number for k in item.task_indexes if missing[i, k]
                    ),
                    points=int(pupil_points[i, j]),
                    max_score=int(item_max[j]),
                    band=_BAND_BY_CODE[int(pupil_codes[i, j])],
                    class_band=class_bands[class_name][j],
                )
            )
        pupils.append(
            PupilRoute(
                school_id=arrays.school_id[i],
                class_name=class_name,
                code=str(arrays.code[i]),
                primary=int(arrays.primary[i]),
                mark=int(arrays.mark[i]) or None,
                steps=steps,
                tasks_not_mastered=tuple(
                    tasks[k].number for k in np.flatnonzero(task_codes_by_pupil[i] == 0)
                ),
            )
        )
    pupils.sort(key=lambda p: (p.class_name, p.code))
    return Deficits(classes=classes, pupils=pupils)


def pupil_band(points: int, maximum: int, basic: bool) -> Band | None:
    """The band of one pupil on one item (the same rule as for groups)."""
    return band_of(points, maximum, basic)


__all__ = [
    "ClassDeficits",
    "Deficits",
    "PupilRoute",
    "RouteStep",
    "deficits",
    "pupil_band",
]
