"""Plain inputs of the analytic tables: pupils' results, tasks, a scale, and the
column arrays every table is computed from.

Nothing here knows the ORM: the integrator builds `PupilResult` records (or,
for a whole region, `ResultArrays` straight from `values_list`) and passes them
in. One level (class, school, municipality, region) is one `ResultArrays`;
every table is a few vectorised numpy operations over it.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from django.utils.translation import gettext_lazy as _

# Group-size rules of DOMAIN.md: a distribution of 50+ pupils is informative,
# 20–49 gives a rough picture, under 20 is too small; a mark group needs 10+.
INFORMATIVE_MINIMUM = 50
ROUGH_MINIMUM = 20
MARK_GROUP_MINIMUM = 10

LEVEL_BASIC = "Б"
LEVEL_ADVANCED = "П"
LEVEL_HIGH = "В"
LEVELS = (LEVEL_BASIC, LEVEL_ADVANCED, LEVEL_HIGH)
MARKS = (2, 3, 4, 5)


class GroupSize(enum.StrEnum):
    """How far a figure computed over a group may be read."""

    INFORMATIVE = "informative"
    ROUGH = "rough"
    TOO_SMALL = "too_small"

    @property
    def label(self) -> str:
        return str(GROUP_SIZE_LABELS[self])

    @classmethod
    def of(cls, n: int | None) -> GroupSize:
        if n is None or n < ROUGH_MINIMUM:
            return cls.TOO_SMALL
        if n < INFORMATIVE_MINIMUM:
            return cls.ROUGH
        return cls.INFORMATIVE


GROUP_SIZE_LABELS = {
    GroupSize.INFORMATIVE: _("достаточно участников"),
    GroupSize.ROUGH: _("мало участников: оценка приблизительная"),
    GroupSize.TOO_SMALL: _("слишком мало участников для выводов"),
}


@dataclass(frozen=True)
class PupilResult:
    """One pupil's result in one procedure.

    `scores` has one entry per task in the order of the tasks; None means the
    task was not attempted (it scores 0 but is counted apart). `mark` None
    means "derive it from the scale". `code` is the participant code, the only
    pupil identifier the tables show. There is deliberately no teacher field.
    """

    school_id: int | str
    class_name: str
    scores: tuple[int | None, ...]
    primary: int
    mark: int | None
    journal_mark: int | None
    sex: str = ""
    code: str = ""


@dataclass(frozen=True)
class TaskInfo:
    """A task as the кодификатор describes it."""

    number: str
    max_score: int
    level: str  # "Б", "П" or "В"
    planned_result: str

    @property
    def is_basic(self) -> bool:
        return self.level == LEVEL_BASIC


class Scale:
    """Primary score → mark boundaries, e.g. {2: (0, 9), 3: (10, 15), ...}.

    The ranges must be contiguous from 0 and ascending with the mark.
    """

    def __init__(self, boundaries: dict[int, tuple[int, int]]):
        if not boundaries:
            raise ValueError(str(_("Шкала пуста: нет ни одной отметки.")))
        items = sorted(boundaries.items())
        expected_low = 0
        for mark, (low, high) in items:
            if low != expected_low or high < low:
                raise ValueError(
                    str(
                        _(
                            "Шкала: границы отметки «%(mark)s» (%(low)s–%(high)s) не продолжают предыдущую."
                        )
                    )
                    % {"mark": mark, "low": low, "high": high}
                )
            expected_low = high + 1
        self.boundaries = {int(m): (int(lo), int(hi)) for m, (lo, hi) in items}
        self.marks = tuple(self.boundaries)
        self.max_score = items[-1][1][1]
        self._lows = np.array([lo for lo, _hi in self.boundaries.values()], dtype=np.int64)
        self._marks = np.array(self.marks, dtype=np.int8)

    @classmethod
    def coerce(cls, scale: Scale | dict | None) -> Scale | None:
        if scale is None or isinstance(scale, Scale):
            return scale
        return cls(scale)

    def marks_of(self, primary: np.ndarray) -> np.ndarray:
        """The mark of every primary score (vectorised)."""
        index = np.searchsorted(self._lows, primary, side="right") - 1
        return self._marks[np.clip(index, 0, len(self._marks) - 1)]

    def mark_of(self, primary: int) -> int:
        return int(self.marks_of(np.array([primary]))[0])

    def __eq__(self, other):
        return isinstance(other, Scale) and other.boundaries == self.boundaries

    def __hash__(self):
        return hash(tuple(self.boundaries.items()))

    def __repr__(self):
        return f"Scale({self.boundaries!r})"


@dataclass
class ResultArrays:
    """The pupils of one group as columns.

    scores: float64 (pupils × tasks), NaN = not attempted.
    primary: int64; mark, journal: int8 with 0 = unknown.
    school_id, class_name, sex, code: 1-d arrays (any dtype).
    """

    scores: np.ndarray
    primary: np.ndarray
    mark: np.ndarray
    journal: np.ndarray
    school_id: np.ndarray
    class_name: np.ndarray
    sex: np.ndarray
    code: np.ndarray

    def __len__(self) -> int:
        return int(self.primary.shape[0])

    @property
    def task_count(self) -> int:
        return int(self.scores.shape[1])

    @classmethod
    def empty(cls, task_count: int) -> ResultArrays:
        return cls(
            scores=np.zeros((0, task_count)),
            primary=np.zeros(0, dtype=np.int64),
            mark=np.zeros(0, dtype=np.int8),
            journal=np.zeros(0, dtype=np.int8),
            school_id=np.zeros(0, dtype=object),
            class_name=np.zeros(0, dtype=object),
            sex=np.zeros(0, dtype=object),
            code=np.zeros(0, dtype=object),
        )

    @classmethod
    def from_records(
        cls,
        records: Sequence[PupilResult],
        task_count: int,
        scale: Scale | dict | None = None,
    ) -> ResultArrays:
        """Columns of `records`; a missing mark is derived from `scale`."""
        if not records:
            return cls.empty(task_count)
        if any(len(r.scores) != task_count for r in records):
            position, record = next(
                (i, r) for i, r in enumerate(records) if len(r.scores) != task_count
            )
            raise ValueError(
                str(
                    _(
                        "Участник «%(code)s» (запись %(position)s): баллов за задания %(got)s, а заданий %(expected)s."
                    )
                )
                % {
                    "code": record.code,
                    "position": position + 1,
                    "got": len(record.scores),
                    "expected": task_count,
                }
            )
        # One flat list, then numpy turns None into NaN when asked for floats:
        # the fastest of the ways measured (np.array of tuples is ~2× slower).
        flat = list(itertools.chain.from_iterable(r.scores for r in records))
        scores = np.array(flat, dtype=np.float64).reshape(len(records), task_count)
        primary = np.fromiter((r.primary for r in records), dtype=np.int64, count=len(records))
        mark = np.fromiter((r.mark or 0 for r in records), dtype=np.int8, count=len(records))
        journal = np.fromiter(
            (r.journal_mark or 0 for r in records), dtype=np.int8, count=len(records)
        )
        return cls(
            scores=scores,
            primary=primary,
            mark=fill_marks(mark, primary, Scale.coerce(scale)),
            journal=journal,
            school_id=np.array([r.school_id for r in records], dtype=object),
            class_name=np.array([r.class_name for r in records], dtype=object),
            sex=np.array([r.sex for r in records], dtype=object),
            code=np.array([r.code for r in records], dtype=object),
        )

    def take(self, selector) -> ResultArrays:
        """The sub-group picked by a boolean mask or an index array."""
        return ResultArrays(
            scores=self.scores[selector],
            primary=self.primary[selector],
            mark=self.mark[selector],
            journal=self.journal[selector],
            school_id=self.school_id[selector],
            class_name=self.class_name[selector],
            sex=self.sex[selector],
            code=self.code[selector],
        )

    def groups_by(self, column: str) -> list[tuple[object, ResultArrays]]:
        """(value, sub-group) for every distinct value of a column, in natural
        order ("4а" before "10а")."""
        values = getattr(self, column)
        if len(values) == 0:
            return []
        keys, inverse = np.unique(values.astype(str), return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
        groups = [
            (values[order[bounds[i]]], self.take(order[bounds[i] : bounds[i + 1]]))
            for i in range(len(keys))
        ]
        return sorted(groups, key=lambda pair: natural_key(str(pair[0])))


def natural_key(text: str) -> tuple:
    """Sort key that puts "4а" before "10а" and "5.2" before "5.10"."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", text)
        if part
    )


def split_by(
    group: Sequence[PupilResult] | ResultArrays,
    column: str,
    task_count: int,
    scale: Scale | dict | None = None,
) -> dict[str, ResultArrays]:
    """Sub-groups by "class_name", "school_id" or "sex", keyed by the value as
    text and sorted, e.g. the classes of a school for `side_by_side`."""
    arrays = as_arrays(group, task_count, Scale.coerce(scale))
    return {str(value): sub for value, sub in arrays.groups_by(column)}


def fill_marks(mark: np.ndarray, primary: np.ndarray, scale: Scale | None) -> np.ndarray:
    """Marks with the unknown ones (0) derived from the scale, if there is one."""
    if scale is None:
        return mark
    missing = mark == 0
    if missing.any():
        mark = mark.copy()
        mark[missing] = scale.marks_of(primary[missing])
    return mark


def as_arrays(
    group: Sequence[PupilResult] | ResultArrays, task_count: int, scale: Scale | None
) -> ResultArrays:
    if isinstance(group, ResultArrays):
        if group.task_count != task_count and len(group):
            raise ValueError(
                str(_("Баллов за задания %(got)s, а заданий %(expected)s."))
                % {"got": group.task_count, "expected": task_count}
            )
        return group
    return ResultArrays.from_records(list(group), task_count, scale)


def share(part: int, whole: int) -> float | None:
    """part / whole, None when the whole is empty."""
    return part / whole if whole else None


def at_least(points: int, maximum: int, threshold: Fraction) -> bool:
    """points / maximum ≥ threshold, exactly (no float rounding at 60 % etc.)."""
    return points * threshold.denominator >= threshold.numerator * maximum
