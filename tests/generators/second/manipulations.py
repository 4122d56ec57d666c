"""The manipulations planted in a region: what each does to the scores, and which
schools, tests, years and classes get it.

Each kind is a small frozen dataclass of its intensities; `make_region(kinds=…)`
takes the names (default intensities) or instances. A kind never touches the
journal marks: they were given before the test, by the pupils' own teachers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from tests.generators.second.population import stream


@dataclass(frozen=True)
class Lenient:
    """Lenient marking of every task: an imperfect answer is given one point more.
    Planted school-wide (every class of the chosen tests) or in single classes
    (one teacher), alternately."""

    share: float = 0.4  # of a pupil's imperfect answers, school-wide
    class_share: float = 0.5  # the same, where one teacher marks one or two classes
    name = "lenient"


@dataclass(frozen=True)
class Spike:
    """A one-year spike of one cohort: its grade 4 results that year come out as if
    the pupils were `shift` logits abler (answers improved, papers corrected); the
    same pupils in grade 5 next year, marked by other teachers, are back."""

    shift: float = 0.7
    name = "spike"


@dataclass(frozen=True)
class Boundary:
    """Boundary pushing: a pupil up to `window` points below a mark boundary (one
    more on a form of over 30 points) is raised to the boundary with probability
    `share`, the points found in the tasks marked by criteria first."""

    share: float = 0.6
    window: int = 2
    name = "boundary"


@dataclass(frozen=True)
class HardHelp:
    """Help on hard tasks: an answer to an advanced or high-level task (П, В) that
    fell short is made complete with probability `share`; basic tasks are left."""

    share: float = 0.3
    name = "hard_help"


@dataclass(frozen=True)
class Copying:
    """Copying within a class: a group of pupils writes the same answers as the
    strongest pupil over a long block of consecutive tasks (a few cells differ)."""

    group_share: float = 0.35
    min_group: int = 4
    min_block: float = 0.6  # the block covers at least this share of the tasks
    deviation: float = 0.05  # a copied cell keeps the pupil's own score
    name = "copying"


KIND_CLASSES = {k.name: k for k in (Lenient, Spike, Boundary, HardHelp, Copying)}
KINDS = tuple(KIND_CLASSES)
# The order in which planted schools are drawn by type, so that every kind reaches
# the gymnasiums and lyceums first, then every other type.
TYPE_ROTATION = (
    "gymnasium",
    "lyceum",
    "ordinary",
    "rural",
    "small_rural",
    "advanced",
    "basic",
    "centre",
    "primary",
)


def resolve(kind):
    if isinstance(kind, str):
        if kind not in KIND_CLASSES:
            raise ValueError(f"unknown manipulation kind {kind!r}; known: {', '.join(KINDS)}")
        return KIND_CLASSES[kind]()
    if type(kind) not in KIND_CLASSES.values():
        raise ValueError(f"unknown manipulation {kind!r}")
    return kind


@dataclass(frozen=True)
class Plan:
    """One school's manipulation: which tests ((grade, subject)), years, and for the
    class-scoped ones which classes ({(year, grade): class indexes})."""

    school: int  # index in region.schools
    spec: object
    scope: str  # "school" or "classes"
    tests: tuple[tuple[int, str], ...]
    years: tuple[int, ...]
    classes: dict

    def covers(self, year: int, grade: int, subject: str) -> bool:
        return year in self.years and (grade, subject) in self.tests

    def params(self) -> dict:
        return asdict(self.spec)


def plan(seed, schools, specs, count, years, target, class_sizes) -> list[Plan]:
    """`count` schools spread evenly over the kinds, each kind over the school types
    in TYPE_ROTATION order. `class_sizes(school, year, grade)` lists class sizes."""
    rng = stream(seed, "plan")
    by_type: dict[str, list[int]] = {}
    for school in rng.permutation(len(schools)):
        by_type.setdefault(schools[school].type, []).append(int(school))
    used: set[int] = set()
    plans = []
    for k, spec in enumerate(specs):
        wanted = count // len(specs) + (k < count % len(specs))
        for j in range(wanted):
            scope = "classes" if spec.name == "lenient" and j % 2 else "school"
            if spec.name == "copying":
                scope = "classes"
            found = None
            for step in range(len(TYPE_ROTATION)):
                kind = TYPE_ROTATION[(j + step) % len(TYPE_ROTATION)]
                for school in by_type.get(kind, []):
                    if school not in used and _eligible(
                        spec, scope, schools[school], years, target, class_sizes
                    ):
                        found = school
                        break
                if found is not None:
                    break
            if found is None:
                raise ValueError(f"no school left to plant {spec.name} in ({count} asked)")
            used.add(found)
            plans.append(_choose(rng, spec, scope, schools[found], years, target, class_sizes))
    return plans


def _eligible(spec, scope, school, years, target, class_sizes) -> bool:
    if spec.name == "spike":
        return 5 in school.grades and target + 1 in years
    if scope == "classes":
        return bool(_class_grades(spec, school, target, class_sizes))
    return True


def _class_grades(spec, school, year, class_sizes) -> list[int]:
    """The grades where a class-scoped kind can be planted: a class of eight or more
    to copy in, or two classes or more for one lenient teacher among others."""
    found = []
    for grade in school.grades:
        sizes = class_sizes(school.index, year, grade)
        wanted = max(sizes, default=0) >= 8 if spec.name == "copying" else len(sizes) >= 2
        if wanted:
            found.append(grade)
    return found


def _choose(rng, spec, scope, school, years, target, class_sizes) -> Plan:
    grades = school.grades
    subjects = ("russian", "math")
    both = rng.random() < 0.6
    if spec.name == "spike":
        tests = [(4, s) for s in subjects] if both else [(4, subjects[rng.integers(2)])]
        return Plan(school.index, spec, "school", tuple(tests), (target,), {})
    years_done = (target,)
    if target - 1 in years and rng.random() < 0.35:
        years_done = (target - 1, target)  # many schools are listed two years running
    if scope == "classes":
        grade = int(rng.choice(_class_grades(spec, school, target, class_sizes)))
        if spec.name == "copying" or grade == 5:
            tests = [(grade, subjects[rng.integers(2)])]
        else:
            tests = [(grade, s) for s in subjects]  # one primary teacher marks both
        classes = {}
        for year in years_done:
            sizes = class_sizes(school.index, year, grade)
            fit = [i for i, size in enumerate(sizes) if spec.name != "copying" or size >= 8]
            if not fit:
                continue
            many = 2 if len(sizes) >= (3 if spec.name == "copying" else 4) else 1
            chosen = rng.choice(fit, size=min(many, len(fit)), replace=False)
            classes[(year, grade)] = tuple(sorted(int(c) for c in chosen))
        years_done = tuple(sorted(y for y, _g in classes))
        return Plan(school.index, spec, scope, tuple(tests), years_done, classes)
    options = [(g, s) for g in grades for s in subjects]
    picked = rng.choice(len(options), size=min(len(options), 1 + int(both)), replace=False)
    tests = tuple(options[i] for i in sorted(picked))
    return Plan(school.index, spec, scope, tests, years_done, {})


def edit(plan: Plan, scores: np.ndarray, rows: np.ndarray, classes, items, cuts, key):
    """Apply `plan` in place to `rows`, the positions of the pupils it reaches in one
    test; `scores` is (n, T) with −1 for a blank, `classes` the class of every row,
    `key` (seed, year, grade, subject)."""
    spec = plan.spec
    rng = stream(key[0], "edit", plan.school, *key[1:])
    if not len(rows):
        return
    block = scores[rows]
    maxima = items.maxima[None, :]
    if spec.name == "lenient":
        share = spec.share if plan.scope == "school" else spec.class_share
        block += (block >= 0) & (block < maxima) & (rng.random(block.shape) < share)
    elif spec.name == "hard_help":
        helped = items.hard[None, :] & (block < maxima) & (rng.random(block.shape) < spec.share)
        block[helped] = np.broadcast_to(maxima, block.shape)[helped]
    elif spec.name == "boundary":
        _push(rng, block, items, cuts, spec)
    elif spec.name == "copying":
        for cls in np.unique(classes[rows]):
            _copy(rng, block, np.nonzero(classes[rows] == cls)[0], spec)
    scores[rows] = block


def _push(rng, block, items, cuts, spec):
    order = np.argsort(~items.by_criteria, kind="stable")  # criteria tasks first
    window = spec.window + (items.maxima.sum() > 30)
    for row in block:
        total = int(row.clip(0).sum())
        for cut in cuts:
            if not cut - window <= total < cut or rng.random() >= spec.share:
                continue
            need = cut - total
            room = [
                (t, int(items.maxima[t] - row[t])) for t in order if 0 <= row[t] < items.maxima[t]
            ]
            if sum(r for _t, r in room) < need:
                break
            first = [t for t, _r in room if items.by_criteria[t]]
            rest = [t for t, _r in room if not items.by_criteria[t]]
            for t in list(rng.permutation(first)) + list(rng.permutation(rest)):
                if need == 0:
                    break
                add = min(need, int(items.maxima[t] - row[t]))
                row[t] += add
                need -= add
            break


def _copy(rng, block, members, spec):
    if len(members) < 3:
        return
    totals = block[members].clip(0).sum(axis=1)
    source = members[int(np.argmax(totals))]
    others = members[members != source]
    group = min(len(others), max(spec.min_group, round(spec.group_share * len(members))))
    copiers = rng.choice(others, size=group, replace=False)
    count = block.shape[1]
    length = math.ceil(count * rng.uniform(spec.min_block, 1.0))
    start = int(rng.integers(0, count - length + 1))
    cells = slice(start, start + length)
    for row in copiers:
        keep = rng.random(length) < spec.deviation
        block[row, cells] = np.where(keep, block[row, cells], block[source, cells])
