"""The item-response model: task parameters of a year's form, scores drawn from the
generalized partial credit model, blanks («x»), and the teachers' journal marks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from tests.generators.second.forms import Form
from tests.generators.second.population import stream

# Difficulty (logits) by level: mean and spread across the tasks of that level.
LEVEL_DIFFICULTY = {"Б": (-1.2, 0.45), "П": (0.1, 0.4), "В": (1.0, 0.35)}
STEP_SPREAD = 0.55  # distance between the steps of a task worth several points
REFERENCE = norm.ppf((np.arange(100) + 0.5) / 100)  # a population N(0, 1), by quantiles


@dataclass(frozen=True)
class Items:
    """A year's form on the ability scale."""

    maxima: np.ndarray  # (T,)
    slope: np.ndarray  # (T,) discrimination
    difficulty: np.ndarray  # (T,) mean step difficulty
    steps: tuple[np.ndarray, ...]  # per task, the step difficulties (max_score of them)
    by_criteria: np.ndarray  # (T,) bool
    hard: np.ndarray  # (T,) bool: level П or В
    late: np.ndarray  # (T,) position in the form, 0…1


def items(seed: int, form: Form, year: int, shift: int) -> Items:
    """The form's tasks as the variants of `year` make them: the form's own difficulties
    (fixed for the seed), a year's jitter, and easier (+) or harder (−) by as much as
    moves the mean total by `shift` points (the year's scale moves its boundaries as
    much, so the shares of marks stay about the same, as the federal scales do)."""
    base = stream(seed, "form", form.label)
    jitter = stream(seed, "form", form.label, year)
    # The tasks of a level take evenly spaced quantiles of the level's difficulty in a
    # random order: a seed changes which task is hard, not how hard the form is.
    own = {}
    for level in LEVEL_DIFFICULTY:
        count = sum(t.level == level for t in form.tasks)
        spaced = norm.ppf((np.arange(count) + 0.5) / max(count, 1))
        own[level] = list(base.permutation(spaced))
    slope = base.permutation(np.linspace(0.7, 1.3, len(form.tasks)))
    difficulty = np.array(
        [
            form.stretch * (mean + spread * own[task.level].pop())
            for task in form.tasks
            for mean, spread in [LEVEL_DIFFICULTY[task.level]]
        ]
    )
    maxima = np.array([t.max_score for t in form.tasks])
    # The whole form is placed so that a reference population N(0, 1) scores
    # `form.mean_share` of the maximum (plus `shift` points in an easier year).
    wanted = form.mean_share * form.max_score + shift
    low, high = -4.0, 4.0
    for _step in range(20):
        middle = (low + high) / 2
        if _mean_total(REFERENCE, slope, difficulty + middle, maxima) > wanted:
            low = middle
        else:
            high = middle
    difficulty += (low + high) / 2 + jitter.normal(0, 0.15, size=len(difficulty))
    count = len(form.tasks)
    return Items(
        maxima=maxima,
        slope=slope,
        difficulty=difficulty,
        steps=tuple(_steps(b, m) for b, m in zip(difficulty, maxima, strict=True)),
        by_criteria=np.array([t.by_criteria for t in form.tasks]),
        hard=np.array([t.level != "Б" for t in form.tasks]),
        late=np.arange(count) / max(1, count - 1),
    )


def _steps(difficulty: float, maximum: int) -> np.ndarray:
    return difficulty + STEP_SPREAD * (np.arange(1, maximum + 1) - (maximum + 1) / 2)


def _mean_total(theta, slope, difficulty, maxima) -> float:
    total = 0.0
    for a, b, m in zip(slope, difficulty, maxima, strict=True):
        z = np.zeros((len(theta), m + 1))
        z[:, 1:] = np.cumsum(a * (theta[:, None] - _steps(b, m)[None, :]), axis=1)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        total += float((p / p.sum(axis=1, keepdims=True) @ np.arange(m + 1)).mean())
    return total


def draw_scores(theta: np.ndarray, items: Items, uniform: np.ndarray) -> np.ndarray:
    """Scores (n, T) by the generalized partial credit model, read off one uniform draw
    per cell: a pupil with more ability never scores less on the same draw.

    `theta` is (n, T): the pupil's ability as each task meets it.
    """
    n, count = theta.shape
    scores = np.zeros((n, count), dtype=np.int16)
    for t in range(count):
        steps = items.steps[t]
        # log-numerators of categories 0…m: the cumulative sums of a(θ − b_k)
        z = np.zeros((n, len(steps) + 1))
        z[:, 1:] = np.cumsum(items.slope[t] * (theta[:, t, None] - steps[None, :]), axis=1)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        cdf = np.cumsum(p, axis=1) / p.sum(axis=1, keepdims=True)
        scores[:, t] = (uniform[:, t, None] > cdf[:, :-1]).sum(axis=1)
    return scores


def blanks(theta: np.ndarray, items: Items, scores: np.ndarray, uniform: np.ndarray):
    """Cells left blank («x»): only where the pupil would have scored 0, more often on
    hard and late tasks and by weaker pupils. Returns a bool mask."""
    logit = -3.2 + 0.8 * (items.difficulty[None, :] - theta) + 1.2 * items.late[None, :]
    return (scores == 0) & (uniform < 1 / (1 + np.exp(-logit)))


def journal_marks(
    rng: np.random.Generator, latent: np.ndarray, shares: tuple[float, ...]
) -> np.ndarray:
    """Term marks 2–5 cut from the teachers' view of each pupil at the region's shares;
    about one pupil in a hundred has none (0)."""
    noisy = latent + rng.normal(0, 0.25, size=len(latent))
    cuts = np.quantile(noisy, np.cumsum(shares)[:-1]) if len(noisy) else np.zeros(3)
    marks = 2 + np.searchsorted(cuts, noisy, side="right")
    marks[rng.random(len(latent)) < 0.01] = 0
    return marks
