"""The four ВПР tests the generator writes (grades 4 and 5, Russian and maths), their
tasks with maxima and levels, the year's scales, and the reference shares an honest
region is compared with. Sources are in the package docstring."""

from __future__ import annotations

from dataclasses import dataclass

SUBJECTS = {"russian": ("Русский язык", "РУ"), "math": ("Математика", "МА")}
LEVELS = ("Б", "П", "В")
MARKS = (2, 3, 4, 5)


@dataclass(frozen=True)
class FormTask:
    number: str  # as the form writes it: "5.1", "11.3 k1"
    max_score: int
    level: str  # Б (базовый), П (повышенный), В (высокий)

    @property
    def header(self) -> str:
        return f"{self.number} ({self.max_score}б)"

    @property
    def by_criteria(self) -> bool:
        """Marked against criteria by the school's teachers (room for judgement)."""
        return self.max_score > 1


@dataclass(frozen=True)
class Form:
    grade: int
    subject: str
    tasks: tuple[FormTask, ...]
    cuts: tuple[int, int, int]  # the lowest totals of «3», «4», «5» in the base scale
    # The share of the maximum a population N(0, 1) scores on average, and how far
    # apart the levels' difficulties are (a factor), set once so that an honest
    # region lands near REFERENCE_SHARES.
    mean_share: float
    stretch: float = 1.0

    @property
    def label(self) -> str:
        return f"{self.grade} {SUBJECTS[self.subject][1]}"

    @property
    def subject_name(self) -> str:
        return SUBJECTS[self.subject][0]

    @property
    def max_score(self) -> int:
        return sum(t.max_score for t in self.tasks)


def _tasks(spec: str) -> tuple[FormTask, ...]:
    """ "1:2:Б; 5.1:1:П" → tasks."""
    tasks = []
    for item in spec.split(";"):
        number, maximum, level = item.strip().split(":")
        tasks.append(FormTask(number, int(maximum), level))
    return tuple(tasks)


FORMS = {
    # The 2026 demonstration version: 12 tasks, 24 points; tasks 4, 9, 10, 12 up to 3,
    # tasks 1, 3, 5, 8 up to 2, the others 1; the scale 0–9 / 10–15 / 16–20 / 21–24.
    (4, "russian"): Form(
        4,
        "russian",
        _tasks(
            "1:2:Б; 2:1:Б; 3:2:Б; 4:3:Б; 5:2:Б; 6:1:Б; 7:1:Б; 8:2:П; 9:3:Б; 10:3:П; 11:1:Б; 12:3:В"
        ),
        (10, 16, 21),
        0.665,
        1.0,
    ),
    # The real school form in /work/shared/data (grade 4 maths, 20 points, task headers
    # as written there), with the scale used for that form: 0–5 / 6–9 / 10–14 / 15–20.
    (4, "math"): Form(
        4,
        "math",
        _tasks(
            "1:1:Б; 2:1:Б; 3:2:Б; 4:1:Б; 5.1:1:Б; 5.2:1:Б; 6.1:1:Б; 6.2:1:Б; 7:1:Б; 8:2:Б; "
            "9.1:1:П; 9.2:1:П; 10:2:П; 11.3 k1:2:П; 12:2:В"
        ),
        (6, 10, 15),
        0.58,
        1.4,
    ),
    # Modelled on the 2020–2024 grade 5 Russian form: a dictation marked by three
    # criteria, a language analysis by four, then short tasks; 45 points,
    # scale 0–17 / 18–28 / 29–38 / 39–45.
    (5, "russian"): Form(
        5,
        "russian",
        _tasks(
            "1 k1:4:Б; 1 k2:3:Б; 1 k3:2:Б; 2 k1:3:Б; 2 k2:3:Б; 2 k3:3:Б; 2 k4:3:Б; 3:2:Б; "
            "4:3:Б; 5:4:П; 6:2:Б; 7.1:1:Б; 7.2:2:П; 8:3:П; 9:2:Б; 10:1:Б; 11.1:1:Б; "
            "11.2:1:П; 11.3 k1:2:В"
        ),
        (18, 29, 39),
        0.57,
        1.15,
    ),
    # Modelled on the grade 5 maths form: 15 tasks, 20 points, scale 0–6 / 7–11 / 12–15 / 16–20.
    (5, "math"): Form(
        5,
        "math",
        _tasks(
            "1:1:Б; 2:1:Б; 3:1:Б; 4:1:Б; 5:1:Б; 6:1:Б; 7:1:Б; 8:2:П; 9:2:Б; 10:1:Б; "
            "11.1:1:Б; 11.2:1:Б; 12:2:П; 13:1:П; 14:2:В; 15:1:В"
        ),
        (7, 12, 16),
        0.54,
        1.2,
    ),
}

# Approximate shares of «2», «3», «4», «5» over Russia in the ВПР of recent years
# (rounded; grade 4 markedly higher than grade 5), used as the plausibility target.
REFERENCE_SHARES = {
    "4 РУ": (0.06, 0.31, 0.43, 0.20),
    "4 МА": (0.03, 0.22, 0.46, 0.29),
    "5 РУ": (0.15, 0.38, 0.34, 0.13),
    "5 МА": (0.11, 0.39, 0.34, 0.16),
}
# Teachers' previous-term marks: «2» is rare in a term mark, «4» the commonest.
JOURNAL_SHARES = {4: (0.01, 0.24, 0.47, 0.28), 5: (0.03, 0.38, 0.42, 0.17)}


@dataclass(frozen=True)
class Scale:
    """A year's scale: primary score ranges (inclusive) → mark."""

    instrument: str
    year: int
    grade: int
    subject: str
    ranges: tuple[tuple[int, int, int], ...]

    @property
    def max_score(self) -> int:
        return self.ranges[-1][1]

    @property
    def cuts(self) -> tuple[int, ...]:
        """The lowest totals of «3», «4», «5»."""
        return tuple(low for low, _high, _mark in self.ranges[1:])

    def mark(self, total: int) -> int:
        for low, high, mark in self.ranges:
            if low <= total <= high:
                return mark
        raise ValueError(f"{total} is outside the scale 0–{self.max_score}")


def year_scale(form: Form, year: int, shift: int) -> Scale:
    """The form's scale in a year whose variants are `shift` points easier (+) or
    harder (−) than the base: every boundary moves by `shift`."""
    cuts = [c + shift for c in form.cuts]
    bounds = [0, *cuts, form.max_score + 1]
    ranges = tuple((bounds[i], bounds[i + 1] - 1, MARKS[i]) for i in range(4))
    return Scale("vpr", year, form.grade, form.subject, ranges)
