"""Plain inputs and outputs of the objectivity checks. No ORM here.

Input: one `RegionData` = a table of schools, one `ProcedureResults` per
(instrument, year, grade, subject) with pupil-level column arrays, and the
external results (ОГЭ/ЕГЭ school means, ВПР with objectivity control) when
the region has them. Pupil rows refer to schools by their row index in
`SchoolTable` (the integrator maps database ids to indices once).

Output: `CheckResult` — every indicator of every school × procedure of the
requested year, flagged or not, with the parameters and `METHOD_VERSION`;
`CheckResult.as_json()` is the shape of `check_objectivity --json`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from django.utils.translation import gettext_lazy as _

METHOD_VERSION = "objectivity-2.9"  # 2.9: the cohort look reads a grade's contrasts on their own z (the same pupils a grade later, the school's other years, its other subject and grade, each over sqrt(tau2 of the kind + sampling) on its kind's and size band's scale, with the journal's readings), the largest of each test's sum and the grade's, at the threshold of its own null spending one test's rate inside the budget, counted only where the cohort is written a grade later; 2.8: the thresholds spend the per-school rate whose count of alarmed honest schools keeps within the budget in 90 % of runs, each kind within its cap (a kind too small for one alarm promised none; stricter kinds get thresholds of their own); 2.7: the blanks and the lenient footprint count as two indicators towards agreement (the budget's draws carry their correlation); 2.6: persistence (an earlier marker) has its own threshold inside the false-alarm budget, the budget per school counts the cohort looks; 2.5: a small school's cohort read over its grade's subjects too, the sum's sd over the footprints it has; a class against itself a grade apart joins the lenient footprint (class names in the input); 2.4: lenient footprint, a cohort's spike footprints read over its subjects, bunching read with the school's other tests (issue #13 round 3); 2.3: small schools pooled by grade too; 2.2: source-conditioned pair agreement, small schools pooled

LEVEL_BASIC = "Б"
LEVEL_ADVANCED = "П"
LEVEL_HIGH = "В"

# School kinds. Gymnasiums and lyceums have a selective intake, so their level
# is compared with schools of their own kind (see indicators.level_anomaly).
KIND_ORDINARY = "ordinary"
KIND_RURAL_SMALL = "rural_small"
KIND_GYMNASIUM = "gymnasium"
KIND_LYCEUM = "lyceum"
SELECTIVE_KINDS = frozenset({KIND_GYMNASIUM, KIND_LYCEUM})
KIND_LABELS = {
    KIND_ORDINARY: _("городские школы"),
    KIND_RURAL_SMALL: _("сельские школы"),
    KIND_GYMNASIUM: _("гимназии и школы с углублённым изучением"),
    KIND_LYCEUM: _("лицеи"),
}

INSTRUMENT_VPR = "ВПР"
EXTERNAL_OGE = "ОГЭ"
EXTERNAL_EGE = "ЕГЭ"
EXTERNAL_OBJECTIVE_VPR = "ВПР-КО"  # ВПР written with observers and marked outside the school

# Indicator names (stable identifiers stored with a run) and what users read.
LEVEL = "level"
INVERSION = "inversion"
MARKING = "marking"
SCALE_MISMATCH = "scale_mismatch"
PERSON_FIT = "person_fit"
JOURNAL = "journal"
JOURNAL_GAP = "journal_gap"
BUNCHING = "bunching"
COHORT = "cohort"
RISE_FALL = "rise_fall"
EXTERNAL_EXAM = "external_exam"
EXTERNAL_OBJECTIVE = "external_objective"
SIMILARITY = "similarity"
RUNS = "identical_runs"
PERSISTENCE = "persistence"
CLASS_JOURNAL_GAP = "class_journal_gap"
PAIR_SIMILARITY = "pair_similarity"
JOURNAL_HISTORY = "journal_history"
COMBINED = "combined"  # the joint evidence of the indicators (see checks.budget)
BLANKS = "blank_share"  # zeros fewer than the blanks predict (see indicators.blanks)
POOLED = "pooled"  # a small school's tests of the year read together (see checks.pooled)
LENIENT_FOOTPRINT = "lenient_footprint"  # journal gap and blanks together (indicators.lenient)

INDICATOR_LABELS = {
    LEVEL: _("Результат выше региона (с учётом типа ОО)"),
    INVERSION: _("Инверсия трудности: сложные задания выполнены лучше лёгких"),
    MARKING: _("Задания с развёрнутым ответом оценены выше, чем у учеников с тем же баллом"),
    SCALE_MISMATCH: _("Отметки выше положенных по шкале за выполненные задания"),
    PERSON_FIT: _("Доля работ с нетипичным профилем ответов"),
    JOURNAL: _("Отметки за работу выше журнальных"),
    JOURNAL_GAP: _("Баллы за работу выше, чем предсказывают журнальные отметки"),
    BUNCHING: _("Пики первичных баллов на границах отметок"),
    COHORT: _("Расхождение с результатом той же параллели в соседнем году"),
    RISE_FALL: _("Резкий рост и последующее падение"),
    EXTERNAL_EXAM: _("Не подтверждается результатами ОГЭ/ЕГЭ"),
    EXTERNAL_OBJECTIVE: _("Не подтверждается ВПР с контролем объективности"),
    SIMILARITY: _("Совпадающие работы в классе"),
    RUNS: _("Длинные совпадающие фрагменты работ в классе"),
    PERSISTENCE: _("Признаки в предыдущие годы"),
    CLASS_JOURNAL_GAP: _(
        "Класс: баллы выше, чем предсказывают журнальные отметки (против классов региона)"
    ),
    JOURNAL_HISTORY: _(
        "Баллы выше предсказанных журнальными отметками сильнее, чем в прошлые годы у этой ОО"
    ),
    PAIR_SIMILARITY: _("Пары работ в классе, совпадающие сверх ожидаемого по их баллам"),
    COMBINED: _(
        "Результаты выше, чем предсказывают журнальные отметки, соседние годы,"
        " те же ученики классом позже и тип школы (совокупно)"
    ),
    POOLED: _("Малая школа: признаки по всем её работам года вместе"),
    BLANKS: _(
        "Класс: нулей за выполненные задания меньше, чем предсказывают пропуски"
        " (ответы без пропуска оценены мягче)"
    ),
    LENIENT_FOOTPRINT: _(
        "Мягкое оценивание: баллы выше предсказанных журнальными отметками и нулей меньше,"
        " чем предсказывают пропуски, в одном классе или во всей ОО (совокупно)"
    ),
}

# The supporting numbers of an indicator (its `details`), as users read them.
DETAIL_LABELS = {
    "z": _("отклонение, z"),
    "z_binomial": _("z (биномиальная оценка)"),
    "z_down": _("z доли «понизили»"),
    "z_sampling": _("z с учётом выборки"),
    "p_value": _("p-значение"),
    "share_45": _("доля «4» и «5»"),
    "region_share_45": _("доля «4» и «5» в регионе"),
    "region_mean": _("средняя отметка в регионе"),
    "municipality_mean": _("средняя отметка в муниципалитете"),
    "basic_success": _("выполнение базовых заданий"),
    "hard_success": _("выполнение повышенных и высоких"),
    "region_basic_success": _("базовые задания, регион"),
    "region_hard_success": _("повышенные и высокие, регион"),
    "basic_minus_region": _("базовые: школа минус регион"),
    "hard_minus_region": _("трудные: школа минус регион"),
    "partial_credit_success": _("выполнение заданий с развёрнутым ответом"),
    "region_partial_credit_success": _("развёрнутые ответы, регион"),
    "misfitting": _("работ с нетипичным профилем"),
    "lz_cut": _("порог lz (5% региона)"),
    "mean_guttman_normed": _("ошибки Гуттмана (норм.), школа"),
    "region_mean_guttman_normed": _("ошибки Гуттмана (норм.), регион"),
    "share_down": _("доля «понизили»"),
    "mean_journal": _("средняя журнальная отметка"),
    "region_share_down": _("доля «понизили» в регионе"),
    "municipality_share_up": _("доля «повысили» в муниципалитете"),
    "pupils_above_scale": _("учеников с отметкой выше шкалы"),
    "region_problem": _("в файле региона у большинства школ отметки выше шкалы"),
    "at_boundaries_observed": _("работ у границ отметок"),
    "at_boundaries_expected": _("ожидалось у границ"),
    "z_other_tests": _("z: скопление у границ в другой работе школы того же года"),
    "z_with_other_tests": _("z: скопление у границ вместе с другой работой школы"),
    "largest_identical_group": _("наибольшая группа совпадающих работ"),
    "classes": _("классов"),
    "run_from_task": _("фрагмент с задания №"),
    "run_length": _("длина фрагмента, заданий"),
    "previous_standing": _("положение в прошлом году"),
    "standing": _("положение в этом году"),
    "other_standing": _("положение той же параллели в соседнем году"),
    "other_pupils": _("участников в соседнем году"),
    "other_rank": _("место в соседнем году"),
    "other_is_next_year": _("сравнение со следующим годом"),
    "rank": _("место"),
    "rank_change": _("изменение места"),
    "jacob_levitt": _("показатель Джейкоба — Левитта"),
    "exam_mean": _("средний результат ОГЭ/ЕГЭ"),
    "exam_participants": _("участников ОГЭ/ЕГЭ"),
    "slope": _("наклон регрессии"),
    "objective_participants": _("участников ВПР с контролем"),
    "years": _("лет учтено"),
    "z_level": _("z: результат выше региона"),
    "z_journal_gap": _("z: выше журнальных отметок"),
    "z_cohort": _("z: расхождение с той же параллелью"),
    "z_rise_fall": _("z: рост и падение"),
    "z_sum": _("сумма z до приведения к разбросу региона"),
    "z_cohort_subjects": _(
        "z: всплеск параллели — против тех же учеников классом позже, других лет,"
        " другого предмета и других классов, журнала (наибольшее по каждой работе"
        " и по всем предметам параллели вместе)"
    ),
    "cohort_subjects_threshold": _(
        "порог для всплеска параллели (по его собственной нулевой модели)"
    ),
    "schools": _("школ"),
    "z_class": _(
        "z класса против других классов школы или классов региона (до поправки на число классов)"
    ),
    "class_gap": _("класс: баллы выше предсказанных журналом, ст. откл."),
    "other_classes_gap": _("то же у других классов школы"),
    "z_region_classes": _("класс среди классов региона, z"),
    "z_class_subjects": _("z класса по обоим предметам учителя"),
    "pairs_in_class": _("пар учеников в классе"),
    "dispersion": _("разброс между классами региона (сверх пуассоновского)"),
    "pair_z_cut": _("порог совпадения пары, z (квантиль региона)"),
    "largest_pair_z": _("наибольшее совпадение пары, z"),
    "pupils_pooled": _("участников во всех работах года"),
    "z_inversion": _("z: инверсия трудности"),
    "z_marking": _("z: задания с развёрнутым ответом"),
    "z_person_fit": _("z: нетипичные профили ответов"),
    "z_journal": _("z: отметки выше журнальных"),
    "z_journal_history": _("z: выше журнальных сильнее, чем в прошлые годы"),
    "z_external_exam": _("z: не подтверждается ОГЭ/ЕГЭ"),
    "z_external_objective": _("z: не подтверждается ВПР-КО"),
}

SUBJECT_SHORT = {"Русский язык": "РУ", "Математика": "МА"}


@dataclass(frozen=True)
class Procedure:
    """One test: instrument, year, grade, subject (e.g. ВПР 2026 4 РУ)."""

    instrument: str
    year: int
    grade: int
    subject: str

    @property
    def label(self) -> str:
        """The column title of the official lists: "4 РУ"."""
        return f"{self.grade} {SUBJECT_SHORT.get(self.subject, self.subject)}"

    @property
    def test(self) -> tuple[str, int, str]:
        """The procedure without its year: the same test over years."""
        return (self.instrument, self.grade, self.subject)


@dataclass
class SchoolTable:
    """Schools of the region, one row each; pupils refer to rows by index."""

    codes: Sequence[str]
    names: Sequence[str]
    municipality: np.ndarray  # int codes of municipalities, one per school
    kind: Sequence[str]  # KIND_* per school

    def __post_init__(self):
        self.municipality = np.asarray(self.municipality)
        self.kind = np.asarray(self.kind, dtype=object)

    def __len__(self) -> int:
        return len(self.codes)


@dataclass
class ProcedureResults:
    """Every pupil's result in one procedure across the region, as columns.

    `scores[i, j]` is pupil i's points on task j, -1 when not attempted (it
    counts as 0); a masked array or NaN for "not attempted" is accepted too. `boundaries` are the lowest primary scores of the marks
    3, 4 and 5 under the year's scale (see `boundaries_from_ranges`).
    `journal` is the previous-term journal mark 2–5, 0 when missing.
    `class_id` identifies a class region-wide (any int, unique per class).
    `class_name` is each pupil's class as the file names it («4а», «4 А»), or
    None when unknown: the same class a grade apart in another year is found
    by it (see `indicators.class_years`).
    """

    procedure: Procedure
    task_max: np.ndarray  # (T,) int
    task_level: Sequence[str]  # (T,) Б/П/В
    boundaries: tuple[int, ...]
    school: np.ndarray  # (N,) int, row of SchoolTable
    class_id: np.ndarray  # (N,) int
    scores: np.ndarray  # (N, T) int, -1 = not attempted
    primary: np.ndarray | None = None  # (N,) int; computed from scores when None
    mark: np.ndarray | None = None  # (N,) int; computed from boundaries when None
    journal: np.ndarray | None = None  # (N,) int, 0 = missing
    class_name: np.ndarray | None = None  # (N,) str, the class's name in the file

    def __post_init__(self):
        self.task_max = np.asarray(self.task_max, dtype=np.int64)
        self.task_level = np.asarray(self.task_level, dtype=object)
        self.school = np.asarray(self.school, dtype=np.int64)
        self.class_id = np.asarray(self.class_id, dtype=np.int64)
        if isinstance(self.scores, np.ma.MaskedArray):  # masked = not attempted
            self.scores = self.scores.astype(np.float64).filled(-1)
        scores = np.asarray(self.scores)
        if scores.dtype.kind == "f":  # NaN = not attempted
            scores = np.where(np.isnan(scores), -1, scores)
        self.scores = scores.astype(np.int16)
        if self.scores.ndim != 2 or self.scores.shape[1] != len(self.task_max):
            raise ValueError("scores must be (pupils, tasks)")
        if len(self.school) != len(self.scores) or len(self.class_id) != len(self.scores):
            raise ValueError("school and class_id need one entry per pupil")
        if len(self.scores) and (self.scores > self.task_max[None, :]).any():
            raise ValueError("a task score exceeds the task's maximum")
        if self.primary is None:
            self.primary = np.clip(self.scores, 0, None).sum(axis=1)
        self.primary = np.asarray(self.primary, dtype=np.int64)
        if self.mark is None:
            self.mark = mark_of(self.primary, self.boundaries)
        self.mark = np.asarray(self.mark, dtype=np.int64)
        if self.journal is None:
            self.journal = np.zeros(len(self.primary), dtype=np.int64)
        self.journal = np.asarray(self.journal, dtype=np.int64)
        if self.class_name is not None:
            self.class_name = np.asarray(self.class_name, dtype=object)
            if len(self.class_name) != len(self.scores):
                raise ValueError("class_name needs one entry per pupil")
        self.boundaries = tuple(int(b) for b in self.boundaries)

    def __len__(self) -> int:
        return len(self.primary)

    @property
    def max_score(self) -> int:
        return int(self.task_max.sum())


@dataclass
class ExternalResult:
    """School-level results of an outside measurement.

    `kind` is EXTERNAL_OGE / EXTERNAL_EGE (state exams, compared with the
    ВПР of the same school and year) or EXTERNAL_OBJECTIVE_VPR (the same ВПР
    written under observers: `grade` and `subject` say which). `mean` is the
    mean mark (ЕГЭ: mean test score), `n` the number of participants.
    """

    kind: str
    year: int
    subject: str
    school: np.ndarray  # (K,) row of SchoolTable
    mean: np.ndarray  # (K,) float
    n: np.ndarray  # (K,) int
    grade: int | None = None
    sd: np.ndarray | None = None  # pupil-level sd per school when known

    def __post_init__(self):
        self.school = np.asarray(self.school, dtype=np.int64)
        self.mean = np.asarray(self.mean, dtype=np.float64)
        self.n = np.asarray(self.n, dtype=np.int64)


@dataclass
class RegionData:
    schools: SchoolTable
    results: list[ProcedureResults]
    external: list[ExternalResult] = field(default_factory=list)

    def years(self) -> list[int]:
        return sorted({r.procedure.year for r in self.results})

    def find(self, instrument: str, year: int, grade: int, subject: str):
        for r in self.results:
            p = r.procedure
            if (p.instrument, p.year, p.grade, p.subject) == (instrument, year, grade, subject):
                return r
        return None


def boundaries_from_ranges(ranges: Mapping[int, tuple[int, int]] | Sequence) -> tuple[int, ...]:
    """{2: (0, 9), 3: (10, 15), ...} or [[0, 9, 2], ...] → (10, 16, 21)."""
    if isinstance(ranges, Mapping):
        items = [(int(m), int(lo)) for m, (lo, _hi) in ranges.items()]
    else:
        items = [(int(m), int(lo)) for lo, _hi, m in ranges]
    items.sort()
    return tuple(lo for _m, lo in items[1:])


def mark_of(primary: np.ndarray, boundaries: Sequence[int], lowest: int = 2) -> np.ndarray:
    """Marks from primary scores: `lowest` below the first boundary, +1 per boundary passed."""
    return lowest + np.searchsorted(np.asarray(boundaries), np.asarray(primary), side="right")


# ---------------------------------------------------------------------------
# Output


def _clean(x):
    """JSON-safe plain value: numpy scalars to Python, NaN/inf to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_clean(v) for v in x.tolist()]
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if not math.isfinite(x):
            return None
        # Six decimals, but small thresholds (p = 1e-8) keep six significant digits.
        return round(x, 6) if x == 0 or abs(x) >= 1e-3 else float(f"{x:.6g}")
    return x


@dataclass
class Indicator:
    """One indicator of one school in one procedure.

    `value` is the school's figure, `reference` the region's figure it is
    compared with, `threshold` the value past which it fires (same units as
    `value`), `n` the pupils it rests on. `fired` is never true when `n` is
    under the minimum group size (then `value` may still be shown). `strong`
    marks a deviation so far past the threshold that it raises a marker alone.
    `details` holds the supporting numbers (z, p-value, municipality figure…).
    """

    name: str
    value: float | None
    reference: float | None
    threshold: float | None
    fired: bool
    n: int
    strong: bool = False
    details: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(INDICATOR_LABELS.get(self.name, self.name))

    def as_json(self) -> dict:
        # Fields are plain Python values already (see rules._plain); _clean
        # only what a caller may have set by hand.
        return {
            "name": self.name,
            "value": _clean(self.value),
            "reference": _clean(self.reference),
            "threshold": _clean(self.threshold),
            "fired": bool(self.fired),
            "strong": bool(self.strong),
            "n": int(self.n),
            "details": self.details,
        }


@dataclass
class ProcedureCheck:
    procedure: Procedure
    pupils: int
    indicators: Sequence[Indicator]  # a list, or the run's lazily built sequence
    marker: bool = False
    reasons: list[str] = field(default_factory=list)
    low_result: bool = False

    def indicator(self, name: str) -> Indicator | None:
        return next((i for i in self.indicators if i.name == name), None)

    def as_json(self) -> dict:
        p = self.procedure
        return {
            "instrument": p.instrument,
            "year": int(p.year),
            "grade": int(p.grade),
            "subject": p.subject,
            "label": p.label,
            "pupils": int(self.pupils),
            "marker": bool(self.marker),
            "reasons": list(self.reasons),
            "low_result": bool(self.low_result),
            "indicators": (
                self.indicators.as_json_list()
                if hasattr(self.indicators, "as_json_list")
                else [i.as_json() for i in self.indicators]
            ),
        }


@dataclass
class SchoolCheck:
    index: int
    code: str
    name: str
    kind: str
    municipality: int
    procedures: list[ProcedureCheck]
    low_result: bool = False  # ШНОР: low results without signs of inflation
    strong: bool = False  # high results without any marker

    @property
    def markers(self) -> int:
        return sum(1 for p in self.procedures if p.marker)

    @property
    def marker_labels(self) -> list[str]:
        return [p.procedure.label for p in self.procedures if p.marker]

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "municipality": int(self.municipality),
            "markers": self.markers,
            "marker_labels": self.marker_labels,
            "low_result": bool(self.low_result),
            "strong": bool(self.strong),
            "procedures": [p.as_json() for p in self.procedures],
        }


@dataclass
class CheckResult:
    year: int
    params: dict
    schools: list[SchoolCheck]
    method_version: str = METHOD_VERSION
    # The false-alarm budget, each test's thresholds and achieved rates, and the
    # data problems seen (see checks.budget); empty with fixed thresholds.
    calibration: dict = field(default_factory=dict)

    def flagged(self) -> list[SchoolCheck]:
        return [s for s in self.schools if s.markers]

    def as_json(self) -> dict:
        return {
            "run": _clean(
                {
                    "year": self.year,
                    "method_version": self.method_version,
                    "params": self.params,
                    "schools": len(self.schools),
                    "flagged": len(self.flagged()),
                    "calibration": self.calibration,
                }
            ),
            "schools": [s.as_json() for s in self.schools],
        }


def params_as_dict(params) -> dict:
    return _clean(asdict(params))
