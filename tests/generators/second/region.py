"""`make_region`: a region's schools and pupils sitting four ВПР tests a year for
several years, with manipulations planted and the truth about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from tests.generators.second.forms import FORMS, JOURNAL_SHARES, SUBJECTS, Form, Scale, year_scale
from tests.generators.second.manipulations import KINDS, Plan, edit, plan, resolve
from tests.generators.second.population import (
    Municipality,
    School,
    build_municipalities,
    build_pupils,
    build_schools,
    class_name,
    stream,
)
from tests.generators.second.scores import blanks, draw_scores, items, journal_marks

ABSENT_SHARE = 0.04  # pupils on the list who did not sit the test
JOURNAL_WEIGHT = 0.85  # how much of the pupil's ability the teacher's mark follows
# Teachers mark partly against their own school: a strong school's pupils get lower
# term marks than the same ability would get elsewhere, a weak school's higher.
JOURNAL_SCHOOL_REFERENCE = 0.35


@dataclass(frozen=True, slots=True)
class PupilResult:
    """One pupil's row in a consolidated file. `scores` has None for a task not
    attempted («x»), which is not 0; `pupil` follows the pupil across years and is
    never written to a file."""

    school: str  # the school's code
    class_name: str
    sex: str
    participant_code: str
    variant: int
    scores: tuple
    journal_mark: int | None
    total: int
    mark: int
    pupil: int


@dataclass(frozen=True, slots=True)
class Absentee:
    school: str
    class_name: str
    sex: str
    participant_code: str
    variant: int


@dataclass(frozen=True, order=True)
class Sitting:
    year: int
    grade: int
    subject: str

    @property
    def label(self) -> str:
        return f"{self.grade} {SUBJECTS[self.subject][1]}"


@dataclass(frozen=True)
class Planted:
    """The truth about one manipulated school."""

    school: str
    school_type: str
    kind: str
    scope: str  # "school" or "classes"
    tests: tuple[str, ...]  # labels as in the official lists: "4 РУ", "5 МА"
    years: tuple[int, ...]
    classes: tuple[str, ...]  # "2025 4б" where the scope is classes
    pupils: int  # results in the manipulated tests, years and classes
    # Of them, results whose scores the manipulation changed: can be 0 where nobody
    # was near a boundary in a small school; such a school is in effect honest.
    changed: int
    params: dict = field(default_factory=dict)


@dataclass
class Region:
    seed: int
    code: str
    name: str
    years: tuple[int, ...]
    target_year: int
    municipalities: list[Municipality]
    schools: list[School]
    forms: dict[tuple[int, str], Form]
    scales: dict[Sitting, Scale] = field(default_factory=dict)
    results: dict[Sitting, list[PupilResult]] = field(default_factory=dict)
    absent: dict[Sitting, list[Absentee]] = field(default_factory=dict)
    truth: list[Planted] = field(default_factory=list)

    @property
    def tests(self) -> list[Sitting]:
        return sorted(self.results)

    def form(self, key: Sitting) -> Form:
        return self.forms[(key.grade, key.subject)]

    def school(self, code: str) -> School:
        return self._by_code[code]

    @cached_property
    def _by_code(self) -> dict[str, School]:
        return {s.code: s for s in self.schools}

    @property
    def planted(self) -> set[str]:
        return {p.school for p in self.truth}


def make_region(
    seed: int,
    *,
    schools: int = 240,
    manipulated: int = 40,
    kinds=KINDS,
    years=(2023, 2024, 2025, 2026),
    target_year: int | None = None,
    region_code: str = "53",
    region_name: str = "Новгородская область",
    plant: bool = True,
) -> Region:
    """A region of `schools` schools with `manipulated` of them manipulated, spread
    evenly over `kinds` (names or instances of the kinds in `manipulations`) and over
    school types. Every kind is planted in `target_year` (the last year but one by
    default, so that a spike's fall shows the year after); some schools repeat the
    year before. With `plant=False` the same region is made with the same truth but
    nothing applied: the honest counterfactual of every planted school."""
    years = tuple(sorted(set(years)))
    if not years:
        raise ValueError("at least one year")
    target = target_year if target_year is not None else years[max(0, len(years) - 2)]
    if target not in years:
        raise ValueError(f"target year {target} is not among {years}")
    specs = [resolve(k) for k in kinds]
    if manipulated and not specs:
        raise ValueError("manipulated schools asked for, but no kinds")
    if manipulated and any(s.name == "spike" for s in specs) and target + 1 not in years:
        raise ValueError(f"a spike in {target} shows only with {target + 1} among the years")
    municipalities = build_municipalities(seed, schools, region_code)
    school_list = build_schools(seed, schools, municipalities, region_code)
    pupils = build_pupils(seed, school_list, years)
    sizes = _class_sizes(pupils)
    plans = (
        plan(
            seed,
            school_list,
            specs,
            manipulated,
            years,
            target,
            lambda school, year, grade: sizes.get((school, year, grade), []),
        )
        if manipulated
        else []
    )
    region = Region(
        seed, region_code, region_name, years, target, municipalities, school_list, dict(FORMS)
    )
    tally = {id(p): [0, 0] for p in plans}
    school_ability = np.array([s.ability for s in school_list])
    reference = float(school_ability[pupils.school].mean())
    for year in years:
        for (grade, subject), form in FORMS.items():
            key = Sitting(year, grade, subject)
            _sit(seed, region, key, form, pupils, plans, plant, reference, tally)
    for p in plans:
        school = school_list[p.school]
        region.truth.append(
            Planted(
                school=school.code,
                school_type=school.type,
                kind=p.spec.name,
                scope=p.scope,
                tests=tuple(f"{g} {SUBJECTS[s][1]}" for g, s in p.tests),
                years=p.years,
                classes=tuple(
                    f"{year} {class_name(grade, c)}"
                    for (year, grade), chosen in sorted(p.classes.items())
                    for c in chosen
                ),
                pupils=tally[id(p)][0],
                changed=tally[id(p)][1],
                params=p.params(),
            )
        )
    return region


def _class_sizes(pupils) -> dict[tuple[int, int, int], list[int]]:
    """{(school, year, grade): sizes of its classes}, absentees included."""
    found: dict[tuple[int, int, int], list[int]] = {}
    for grade, classes, offset in ((4, pupils.class4, 0), (5, pupils.class5, 1)):
        keep = classes >= 0
        triples = np.stack([pupils.school[keep], pupils.cohort[keep] + offset, classes[keep]])
        unique, counts = np.unique(triples, axis=1, return_counts=True)
        for (school, year, cls), count in zip(unique.T, counts, strict=True):
            entry = found.setdefault((int(school), int(year), grade), [])
            entry.extend([0] * (int(cls) + 1 - len(entry)))
            entry[int(cls)] = int(count)
    return found


def _sit(seed, region: Region, key: Sitting, form: Form, pupils, plans, plant, reference, tally):
    """One test in one year: every pupil of the grade writes it (or is absent)."""
    year, grade, subject = key.year, key.grade, key.subject
    shift = int(stream(seed, "scale", form.label, year).choice([-1, 0, 0, 0, 1]))
    region.scales[key] = scale = year_scale(form, year, shift)
    tasks = items(seed, form, year, shift)
    cohort = year if grade == 4 else year - 1
    all_classes = pupils.class4 if grade == 4 else pupils.class5
    idx = np.nonzero((pupils.cohort == cohort) & (all_classes >= 0))[0]
    idx = idx[np.lexsort((idx, all_classes[idx], pupils.school[idx]))]
    school, cls = pupils.school[idx], all_classes[idx]
    n, count = len(idx), len(form.tasks)
    rng = stream(seed, "sitting", year, grade, subject)
    present = rng.random(n) >= ABSENT_SHARE
    uniform, blank_draw = rng.random((n, count)), rng.random((n, count))

    teacher, leniency, rater = np.zeros(n), np.zeros(n), np.zeros(n)
    starts = np.searchsorted(school, np.unique(school))
    bounds = list(zip(starts, [*starts[1:], n], strict=True))
    for start, stop in bounds:
        s = region.schools[school[start]]
        rows = slice(start, stop)
        # In grade 4 one teacher teaches a class both subjects; in grade 5 each has its own.
        shared = stream(seed, "teacher", s.code, cohort, grade).normal(0, 0.12, 6)
        own = stream(seed, "teacher", s.code, cohort, grade, subject).normal(0, 0.06, 6)
        teacher[rows] = (shared + own if grade == 4 else 2.5 * own)[cls[rows]]
        lenient = stream(seed, "journal", s.code, cohort, grade, subject).normal(0, 0.2, 6)
        leniency[rows] = lenient[cls[rows]]
        rater[rows] = s.rater + stream(seed, "rater", s.code, year, subject).normal(0, 0.05)

    ability = pupils.ability[(grade, subject)][idx] + teacher
    as_met = ability[:, None] + rater[:, None] * tasks.by_criteria[None, :]
    honest = draw_scores(as_met, tasks, uniform)
    honest[blanks(ability[:, None], tasks, honest, blank_draw)] = -1
    final = honest.copy()

    here = [p for p in plans if p.covers(year, grade, subject)]
    scoped = {id(p): _scope_rows(p, school, cls, key) for p in here}
    if plant:
        for p in here:
            rows = scoped[id(p)]
            if p.spec.name == "spike" and len(rows):
                shifted = ability[rows] + p.spec.shift
                redo = draw_scores(as_met[rows] + p.spec.shift, tasks, uniform[rows])
                redo[blanks(shifted[:, None], tasks, redo, blank_draw[rows])] = -1
                final[rows] = redo
        for p in here:
            if p.spec.name != "spike":
                edit(p, final, scoped[id(p)], cls, tasks, scale.cuts, (seed, year, grade, subject))
    for p in here:
        rows = scoped[id(p)]
        rows = rows[present[rows]]
        tally[id(p)][0] += len(rows)
        tally[id(p)][1] += int((final[rows] != honest[rows]).any(axis=1).sum())

    totals = final.clip(0).sum(axis=1)
    marks = 2 + np.searchsorted(np.array(scale.cuts), totals, side="right")
    school_means = np.array([s.ability for s in region.schools])[school]
    latent = (
        JOURNAL_WEIGHT * ability + leniency - JOURNAL_SCHOOL_REFERENCE * (school_means - reference)
    )
    journal = journal_marks(
        stream(seed, "journal", year, grade, subject), latent, JOURNAL_SHARES[grade]
    )

    results, absent = [], []
    subject_digit = list(SUBJECTS).index(subject)
    rows_scores = final.tolist()
    with_blank = (final < 0).any(axis=1).tolist()
    totals, marks, journal = totals.tolist(), marks.tolist(), journal.tolist()
    female, pupil_ids, classes = pupils.female[idx].tolist(), idx.tolist(), cls.tolist()
    sat = present.tolist()
    for start, stop in bounds:
        code = region.schools[school[start]].code
        for k, row in enumerate(range(start, stop), start=1):
            participant = f"{grade}{subject_digit}{k:03d}"
            name = class_name(grade, classes[row])
            sex = "ж" if female[row] else "м"
            variant = 1 + (k - 1) % 2
            if not sat[row]:
                absent.append(Absentee(code, name, sex, participant, variant))
                continue
            scores = rows_scores[row]
            results.append(
                PupilResult(
                    school=code,
                    class_name=name,
                    sex=sex,
                    participant_code=participant,
                    variant=variant,
                    scores=tuple(None if v < 0 else v for v in scores)
                    if with_blank[row]
                    else tuple(scores),
                    journal_mark=journal[row] or None,
                    total=totals[row],
                    mark=marks[row],
                    pupil=pupil_ids[row],
                )
            )
    region.results[key] = results
    region.absent[key] = absent


def _scope_rows(p: Plan, school, cls, key: Sitting) -> np.ndarray:
    rows = np.nonzero(school == p.school)[0]
    if p.scope == "classes":
        rows = rows[np.isin(cls[rows], p.classes.get((key.year, key.grade), ()))]
    return rows
