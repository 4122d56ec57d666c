"""A realistic synthetic region with planted manipulation: the proof bench of
the objectivity checks (there is no public data with labelled cheating).

    region = generate_region(RegionSpec(n_schools=400), seed=7)
    region.data      # RegionData: schools, ВПР 4/5 × РУ/МА over `years`, ОГЭ, ВПР-КО
    region.truth     # {school row: Planted(kind, procedures)}

The model (all seeded through one numpy Generator):
- municipalities; schools of kinds rural_small (5–15 pupils per grade),
  ordinary (20–90), gymnasium/lyceum (50–120, genuinely abler intake);
- a school effect (by kind) with a small honest drift from year to year; a
  pupil's general ability = school effect + N(0, 1), subject ability mixes the
  general one with a subject part; a cohort writes grade 4 in year t and
  grade 5 in year t+1 (a little growth noise, another test);
- ВПР-like tests: ~15 tasks, maxima 1–3, levels Б/П/В with rising difficulty,
  scores from a graded response model; marks from boundaries set at regional
  quantiles; "not attempted" for some zeros;
- journal marks from ability plus a teacher's leniency per school plus noise;
- ОГЭ mean marks per school and year (grade 9 of the same school effect), and
  ВПР with objectivity control for a sample of schools (an honest re-run).

Manipulations (each planted school gets one kind, in chosen procedures):
- BOUNDARY: pupils one to three points below a mark boundary pushed over it;
- ANSWERS: answers supplied on the advanced/high tasks (solved regardless of
  ability) for most pupils;
- LENIENT: partial-credit tasks marked up by a point for everyone;
- COPYING: a group in a class hands in one pupil's work (identical vectors);
- SPIKE: one year of lenient marking plus supplied answers, honest otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assessments.objectivity.checks.data import (
    EXTERNAL_OBJECTIVE_VPR,
    EXTERNAL_OGE,
    INSTRUMENT_VPR,
    KIND_GYMNASIUM,
    KIND_LYCEUM,
    KIND_ORDINARY,
    KIND_RURAL_SMALL,
    LEVEL_ADVANCED,
    LEVEL_BASIC,
    LEVEL_HIGH,
    ExternalResult,
    Procedure,
    ProcedureResults,
    RegionData,
    SchoolTable,
    mark_of,
)

BOUNDARY = "boundary"
ANSWERS = "answers"
LENIENT = "lenient"
COPYING = "copying"
SPIKE = "spike"
MANIPULATIONS = (BOUNDARY, ANSWERS, LENIENT, COPYING, SPIKE)

SUBJECTS = ("Русский язык", "Математика")
GRADES = (4, 5)


@dataclass(frozen=True)
class RegionSpec:
    """Settings of a generated region; every default can be varied."""

    n_schools: int = 400
    n_municipalities: int = 12
    years: tuple[int, ...] = (2023, 2024, 2025, 2026)
    kind_shares: tuple[tuple[str, float], ...] = (
        (KIND_RURAL_SMALL, 0.28),
        (KIND_ORDINARY, 0.57),
        (KIND_GYMNASIUM, 0.08),
        (KIND_LYCEUM, 0.07),
    )
    size_range: tuple[tuple[str, int, int], ...] = (
        (KIND_RURAL_SMALL, 5, 15),
        (KIND_ORDINARY, 20, 90),
        (KIND_GYMNASIUM, 50, 120),
        (KIND_LYCEUM, 50, 120),
    )
    kind_effect: tuple[tuple[str, float], ...] = (
        (KIND_RURAL_SMALL, -0.25),
        (KIND_ORDINARY, 0.0),
        (KIND_GYMNASIUM, 0.6),
        (KIND_LYCEUM, 0.7),
    )
    school_sd: float = 0.35  # between-school sd of ability (pupil sd = 1)
    drift_sd: float = 0.08  # honest year-to-year change of a school
    class_size: int = 28
    journal_leniency_sd: float = 0.25
    journal_noise_sd: float = 0.55
    not_attempted: float = 0.3  # share of zero scores recorded as "not attempted"
    mark_quantiles: tuple[float, float, float] = (0.10, 0.45, 0.83)
    cheat_share: float = 0.12  # share of schools with a planted manipulation
    manipulations: tuple[str, ...] = MANIPULATIONS
    cheat_small_share: float = 0.15  # share of planted schools that are small rural ones
    intensity: float = 1.0  # scales every manipulation's probability (0.5 = subtler)
    target_year_index: int = 2  # the year every planted school manipulates
    objective_share: float = 0.1  # schools with ВПР under objectivity control per year
    oge: bool = True
    # Honest heterogeneity beyond ability: a school's curriculum makes some
    # tasks easier or harder there (sd of the difficulty shift per school ×
    # task), and a class's teacher shifts the class's ability.
    task_school_sd: float = 0.0
    class_sd: float = 0.0
    # BOUNDARY raises the mark alone (task scores and primary left as they were).
    boundary_marks_only: bool = False


@dataclass
class Planted:
    kind: str
    procedures: set[tuple[int, int, str]] = field(default_factory=set)  # (year, grade, subject)


@dataclass
class GeneratedRegion:
    data: RegionData
    truth: dict[int, Planted]
    spec: RegionSpec
    target_year: int
    school_effect: np.ndarray


def _task_structure(rng: np.random.Generator):
    """One ВПР-like test: maxima, levels, discriminations and step thresholds."""
    n_tasks = int(rng.integers(13, 17))
    n_high = int(rng.integers(1, 3))
    n_adv = int(round(n_tasks * rng.uniform(0.25, 0.35)))
    n_basic = n_tasks - n_adv - n_high
    levels = [LEVEL_BASIC] * n_basic + [LEVEL_ADVANCED] * n_adv + [LEVEL_HIGH] * n_high
    maxima, centres = [], []
    for level in levels:
        if level == LEVEL_BASIC:
            maxima.append(int(rng.choice([1, 1, 1, 2, 2])))
            centres.append(rng.normal(-0.9, 0.45))
        elif level == LEVEL_ADVANCED:
            maxima.append(int(rng.choice([1, 2, 2, 3])))
            centres.append(rng.normal(0.3, 0.35))
        else:
            maxima.append(int(rng.choice([2, 2, 3])))
            centres.append(rng.normal(1.2, 0.35))
    discrimination = rng.uniform(0.9, 1.8, size=n_tasks)
    steps = []
    for m, c in zip(maxima, centres, strict=True):
        spread = np.sort(rng.uniform(0.3, 0.8, size=m).cumsum())
        steps.append(c + spread - spread.mean())
    return np.array(maxima), np.array(levels, dtype=object), discrimination, steps


def _grm(rng, theta, discrimination, steps, offset=None):
    """Scores (N, T) from the graded response model; one uniform per pupil × task.
    `offset` (N, T) shifts a task's difficulty per pupil (a school's curriculum)."""
    n = len(theta)
    scores = np.zeros((n, len(steps)), dtype=np.int16)
    for j, b in enumerate(steps):
        u = rng.random(n)
        t = theta if offset is None else theta - offset[:, j]
        p = 1.0 / (1.0 + np.exp(-1.7 * discrimination[j] * (t[:, None] - b[None, :])))
        scores[:, j] = (u[:, None] < p).sum(axis=1)
    return scores


def generate_region(spec: RegionSpec | None = None, seed: int = 0) -> GeneratedRegion:
    spec = spec or RegionSpec()
    rng = np.random.default_rng(seed)
    years = tuple(spec.years)
    n_s = spec.n_schools

    # Schools.
    kinds_list = [k for k, _ in spec.kind_shares]
    shares = np.array([s for _, s in spec.kind_shares], dtype=float)
    kind = rng.choice(np.array(kinds_list, dtype=object), size=n_s, p=shares / shares.sum())
    municipality = rng.integers(1, spec.n_municipalities + 1, size=n_s)
    effect_by_kind = dict(spec.kind_effect)
    effect = np.array([effect_by_kind[k] for k in kind]) + rng.normal(0, spec.school_sd, n_s)
    size_by_kind = {k: (lo, hi) for k, lo, hi in spec.size_range}
    base_size = np.array([rng.integers(size_by_kind[k][0], size_by_kind[k][1] + 1) for k in kind])
    leniency = rng.normal(0, spec.journal_leniency_sd, n_s)
    drift = rng.normal(0, spec.drift_sd, (n_s, len(years) + 1)).cumsum(axis=1) * 0.7
    codes = [f"edu53{i:04d}" for i in range(n_s)]
    names = [f"Школа № {i + 1}" for i in range(n_s)]
    schools = SchoolTable(codes=codes, names=names, municipality=municipality, kind=kind)

    # Tests: one structure per grade × subject, re-drawn lightly each year.
    structures = {(g, s): _task_structure(rng) for g in GRADES for s in SUBJECTS}

    # Cohorts: cohort c writes grade 4 in year c and grade 5 in year c + 1.
    cohorts = {}
    class_counter = 0
    for c in range(years[0] - 1, years[-1] + 1):
        size = np.maximum(3, np.round(base_size * rng.normal(1, 0.1, n_s))).astype(int)
        school = np.repeat(np.arange(n_s), size)
        general = effect[school] + rng.normal(0, 1, len(school))
        pos = np.arange(len(school)) - np.repeat(np.cumsum(size) - size, size)
        n_classes = np.maximum(1, np.ceil(size / spec.class_size)).astype(int)
        cls = pos % n_classes[school]
        class_id = class_counter + np.repeat(np.cumsum(n_classes) - n_classes, size) + cls
        class_counter += int(n_classes.sum())
        subject_ability = {
            s: 0.85 * general + 0.53 * rng.normal(0, 1, len(school)) for s in SUBJECTS
        }
        cohorts[c] = {"school": school, "class": class_id, "ability": subject_ability}

    class_effect = rng.normal(0, spec.class_sd, class_counter) if spec.class_sd > 0 else None

    # Who cheats, how, where.
    truth: dict[int, Planted] = {}
    target_year = years[min(spec.target_year_index, len(years) - 1)]
    n_cheat = int(round(spec.cheat_share * n_s))
    big = np.flatnonzero(base_size >= 20)
    small = np.flatnonzero(base_size < 20)
    n_small = min(len(small), int(round(n_cheat * spec.cheat_small_share)))
    chosen = np.concatenate(
        [
            rng.choice(big, size=min(len(big), n_cheat - n_small), replace=False),
            rng.choice(small, size=n_small, replace=False),
        ]
    ).astype(int)
    manip = list(spec.manipulations)
    for i, s in enumerate(rng.permutation(chosen)):
        kind_m = manip[i % len(manip)]
        planted = Planted(kind=kind_m)
        if kind_m == SPIKE:
            cheat_years = [target_year]
            tests = [(g, subj) for g in GRADES for subj in SUBJECTS]
        else:
            # Most cheat in grade 4 (primary teachers), some also in grade 5; many for years.
            tests = [(4, subj) for subj in SUBJECTS if rng.random() < 0.8]
            tests = tests or [(4, SUBJECTS[int(rng.integers(2))])]
            if rng.random() < 0.3:
                tests.append((5, SUBJECTS[int(rng.integers(2))]))
            cheat_years = [y for y in years if y == target_year or rng.random() < 0.5]
        for y in cheat_years:
            for g, subj in tests:
                planted.procedures.add((y, g, subj))
        truth[int(s)] = planted
    intensity = {s: float(rng.uniform(0.7, 1.0)) * spec.intensity for s in truth}

    results: list[ProcedureResults] = []
    external: list[ExternalResult] = []
    for yi, y in enumerate(years):
        objective_schools = rng.random(n_s) < spec.objective_share
        objective_subject = SUBJECTS[int(rng.integers(2))]
        for g in GRADES:
            cohort = cohorts[y - (g - 4)]
            school = cohort["school"]
            for subj in SUBJECTS:
                maxima, levels, disc, steps = structures[(g, subj)]
                steps = [b + rng.normal(0, 0.1) for b in steps]
                theta = cohort["ability"][subj] + drift[school, yi]
                if spec.class_sd > 0:
                    theta = theta + class_effect[cohort["class"]]
                offset = None
                if spec.task_school_sd > 0:
                    shift = rng.normal(0, spec.task_school_sd, (n_s, len(maxima)))
                    offset = shift[school]
                if g == 5:
                    theta = theta + rng.normal(0, 0.3, len(theta))
                scores = _grm(rng, theta, disc, steps, offset)
                primary = scores.sum(axis=1)
                cut = np.quantile(primary, spec.mark_quantiles).round().astype(int) + 1
                boundaries = _strictly_increasing(cut, int(maxima.sum()))
                # Not attempted: some zeros recorded as "x" (before any manipulation,
                # so that copied work copies the "x" too).
                zero = (scores == 0) & (rng.random(scores.shape) < spec.not_attempted)
                scores[zero] = -1
                raised = []
                for s_idx, planted in truth.items():
                    if (y, g, subj) not in planted.procedures:
                        continue
                    rows = np.flatnonzero(school == s_idx)
                    if planted.kind == BOUNDARY and spec.boundary_marks_only:
                        raised.append((rows, intensity[s_idx]))
                        continue
                    _plant(
                        rng,
                        planted.kind,
                        scores,
                        rows,
                        cohort["class"],
                        maxima,
                        levels,
                        boundaries,
                        intensity[s_idx],
                    )
                primary = np.clip(scores, 0, None).sum(axis=1)
                mark = mark_of(primary, boundaries)
                for rows, p in raised:
                    # The mark alone raised for pupils just below a boundary.
                    gap = np.min(
                        [np.where(b > primary[rows], b - primary[rows], 99) for b in boundaries],
                        axis=0,
                    )
                    up = (gap <= 3) & (rng.random(len(rows)) < 0.9 * min(p * 1.1, 1.0))
                    mark[rows[up]] += 1
                journal = _journal(rng, theta, leniency[school], spec)
                results.append(
                    ProcedureResults(
                        procedure=Procedure(INSTRUMENT_VPR, y, g, subj),
                        task_max=maxima,
                        task_level=levels,
                        boundaries=boundaries,
                        school=school,
                        class_id=cohort["class"],
                        scores=scores,
                        primary=primary,
                        mark=mark,
                        journal=journal,
                        # The name the store writes (objectivity_store): grade and
                        # the cohort's class number, kept from grade 4 to 5.
                        class_name=np.array(
                            [f"{g}-{c % 1000}" for c in cohort["class"]], dtype=object
                        ),
                    )
                )
                if g == 4 and subj == objective_subject and spec.objective_share > 0:
                    # The same pupils under observers: a fresh honest draw.
                    rows = objective_schools[school]
                    redo = _grm(
                        rng, theta[rows], disc, steps, None if offset is None else offset[rows]
                    )
                    m = mark_of(redo.sum(axis=1), boundaries)
                    ids = school[rows]
                    cnt = np.bincount(ids, minlength=n_s)
                    tot = np.bincount(ids, weights=m, minlength=n_s)
                    has = np.flatnonzero(cnt > 0)
                    external.append(
                        ExternalResult(
                            kind=EXTERNAL_OBJECTIVE_VPR,
                            year=y,
                            subject=subj,
                            grade=g,
                            school=has,
                            mean=tot[has] / cnt[has],
                            n=cnt[has],
                        )
                    )
        if spec.oge:
            for subj in SUBJECTS:
                n9 = np.maximum(3, np.round(base_size * rng.normal(1, 0.1, n_s))).astype(int)
                sch = np.repeat(np.arange(n_s), n9)
                theta9 = effect[sch] + drift[sch, yi] + rng.normal(0, 1, len(sch))
                m9 = 2 + np.searchsorted(
                    np.array([-1.4, -0.2, 0.9]), theta9 + rng.normal(0, 0.4, len(sch))
                )
                tot = np.bincount(sch, weights=m9, minlength=n_s)
                external.append(
                    ExternalResult(
                        kind=EXTERNAL_OGE,
                        year=y,
                        subject=subj,
                        school=np.arange(n_s),
                        mean=tot / n9,
                        n=n9,
                    )
                )
    data = RegionData(schools=schools, results=results, external=external)
    return GeneratedRegion(
        data=data, truth=truth, spec=spec, target_year=target_year, school_effect=effect
    )


def _strictly_increasing(bounds, max_score):
    """Boundaries at least two points apart and inside 1..max_score."""
    out: list[int] = []
    for i, b in enumerate(bounds):
        b = max(int(b), (out[-1] + 2) if out else 1)
        out.append(min(b, max_score - 2 * (len(bounds) - 1 - i)))
    return tuple(out)


def _journal(rng, theta, leniency, spec):
    latent = 0.8 * theta + leniency + rng.normal(0, spec.journal_noise_sd, len(theta))
    cuts = np.quantile(latent, [0.04, 0.38, 0.78])
    journal = 2 + np.searchsorted(cuts, latent)
    journal[rng.random(len(theta)) < 0.05] = 0
    return journal


def _plant(rng, kind, scores, rows, class_id, maxima, levels, boundaries, p):
    """Apply one manipulation to the rows of one school in place (honest scores in)."""
    if len(rows) == 0:
        return
    raw = scores[rows].astype(np.int64)
    sub = np.clip(raw, 0, None)
    hard = np.isin(levels, [LEVEL_ADVANCED, LEVEL_HIGH])
    partial = maxima >= 2
    if kind == BOUNDARY:
        primary = sub.sum(axis=1)
        for b in boundaries:
            gap = b - primary
            pushed = (gap >= 1) & (gap <= 3) & (rng.random(len(rows)) < 0.9 * min(p * 1.1, 1.0))
            for i in np.flatnonzero(pushed):
                need = int(gap[i])
                room = np.flatnonzero(sub[i] < maxima)
                rng.shuffle(room)
                for j in room:
                    add = min(need, int(maxima[j] - sub[i, j]))
                    sub[i, j] += add
                    need -= add
                    if need == 0:
                        break
            primary = sub.sum(axis=1)
    elif kind in (ANSWERS, SPIKE):
        helped = rng.random(len(rows)) < (0.8 * p if kind == ANSWERS else 0.6 * p)
        give = helped[:, None] & hard[None, :] & (rng.random(sub.shape) < 0.85)
        sub = np.where(give, maxima[None, :], sub)
        if kind == SPIKE:
            up = partial[None, :] & (sub < maxima[None, :]) & (rng.random(sub.shape) < 0.6 * p)
            sub = sub + up
    elif kind == LENIENT:
        up = partial[None, :] & (sub < maxima[None, :]) & (rng.random(sub.shape) < 0.8 * p)
        sub = sub + up
    elif kind == COPYING:
        classes = class_id[rows]
        for c in np.unique(classes):
            members = np.flatnonzero(classes == c)
            if len(members) < 8:
                continue
            k = max(4, int(round(len(members) * rng.uniform(0.25, 0.45) * min(p * 1.2, 1.0))))
            group = rng.choice(members, size=min(k, len(members)), replace=False)
            # The source: a good paper, not a flawless one (a flawless paper
            # copied is indistinguishable from pupils who all earned full marks).
            total = sub[members].sum(axis=1)
            good = members[(total < maxima.sum()) & (total >= np.median(total))]
            source = rng.choice(good) if len(good) else members[np.argmax(total)]
            sub[group] = sub[source]
            raw[group] = raw[source]
    # Points given where none were keep the "x" only if still zero.
    scores[rows] = np.where((raw < 0) & (sub == 0), -1, sub)
