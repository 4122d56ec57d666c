"""A region's municipalities, schools, classes and pupils, followed over the years.

Every random draw comes from a stream named by what it is for (`stream(seed, key…)`),
so one part of the model can change without moving the draws of another, and a
region with nothing planted is the same region as the one with its manipulations.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np


def stream(seed: int, *keys) -> np.random.Generator:
    """An independent random stream for `keys` under `seed` (stable across runs)."""
    words = [zlib.crc32(str(k).encode()) for k in keys]
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, *words]))


@dataclass(frozen=True)
class SchoolType:
    key: str
    kind_text: str  # the «Тип ОО» cell, as region lists write it
    short: str  # in the short name: «МБОУ гимназия № 3»
    long: str  # in the full name
    ability: float  # mean ability of its pupils against an ordinary school (logits)
    classes: tuple[int, int]  # classes a grade (inclusive)
    class_size: tuple[int, int]
    grades: tuple[int, ...] = (4, 5)


TYPES = {
    t.key: t
    for t in (
        SchoolType(
            "ordinary",
            "СОШ",
            "СОШ",
            "Средняя общеобразовательная школа",
            0.0,
            (1, 6),
            (20, 29),
        ),
        SchoolType(
            "rural",
            "СОШ",
            "СОШ",
            "Средняя общеобразовательная школа",
            -0.1,
            (1, 2),
            (9, 22),
        ),
        SchoolType(
            "small_rural",
            "СОШ",
            "СОШ",
            "Средняя общеобразовательная школа",
            -0.25,
            (1, 1),
            (5, 12),
        ),
        SchoolType(
            "basic",
            "ООШ",
            "ООШ",
            "Основная общеобразовательная школа",
            -0.2,
            (1, 1),
            (8, 20),
        ),
        SchoolType("gymnasium", "гимназия", "гимназия", "Гимназия", 0.6, (2, 5), (24, 30)),
        SchoolType("lyceum", "лицей", "лицей", "Лицей", 0.65, (2, 5), (24, 30)),
        SchoolType(
            "advanced",
            "СОШ с углублённым изучением отдельных предметов",
            "СОШ с УИОП",
            "Средняя общеобразовательная школа с углублённым изучением отдельных предметов",
            0.35,
            (2, 4),
            (22, 29),
        ),
        SchoolType(
            "centre", "центр образования", "ЦО", "Центр образования", -0.05, (1, 3), (15, 26)
        ),
        SchoolType(
            "primary",
            "НОШ",
            "НОШ",
            "Начальная общеобразовательная школа",
            0.0,
            (1, 2),
            (10, 25),
            grades=(4,),
        ),
    )
}
# Which types a municipality of each kind holds (weights).
TYPE_WEIGHTS = {
    "capital": {
        "ordinary": 0.55,
        "gymnasium": 0.15,
        "lyceum": 0.12,
        "advanced": 0.11,
        "centre": 0.05,
        "primary": 0.02,
    },
    "town": {
        "ordinary": 0.62,
        "gymnasium": 0.1,
        "lyceum": 0.07,
        "advanced": 0.06,
        "centre": 0.06,
        "basic": 0.05,
        "primary": 0.04,
    },
    "district": {
        "ordinary": 0.1,
        "rural": 0.3,
        "small_rural": 0.28,
        "basic": 0.18,
        "gymnasium": 0.04,
        "lyceum": 0.03,
        "centre": 0.05,
        "primary": 0.02,
    },
}
MUNICIPALITY_ABILITY = {"capital": 0.1, "town": 0.0, "district": -0.1}
ROOT_WORDS = (
    "Берёз Озёр Лип Кедр Сосн Камен Луг Рябин Дубрав Ольх Черёмух Ключ Родник Бор Холм "
    "Камыш Ясен Сокол Журавл Лебяж Медвед Клён Вишн Брусни Малин Калин Орех Ивов Осин "
    "Ель Грабов Тополь Ручь Заречь Полян Горк Белояр Красноярь Светл Тих Звон Студён "
    "Гусев Лосев Волч Соболь Бобр Орл Сорок Синиц Ключев Песчан Глин Мшан Остров"
)
ROOTS = tuple(ROOT_WORDS.split())
STREETS = ("Школьная", "Садовая", "Центральная", "Молодёжная", "Советская", "Лесная", "Мира")


@dataclass
class Municipality:
    code: str
    name: str
    kind: str  # capital, town, district
    place: str  # the town, or the district's adjective root
    ability: float


@dataclass
class School:
    index: int
    code: str
    fis_login: str
    municipality: str  # code
    type: str  # a key of TYPES
    full_name: str
    short_name: str
    address: str
    locality: str  # «город» / «село»
    ability: float  # the school's true mean (type + municipality + its own)
    rater: float  # honest marking severity on criteria tasks (logits, + lenient)

    @property
    def kind_text(self) -> str:
        return TYPES[self.type].kind_text

    @property
    def grades(self) -> tuple[int, ...]:
        return TYPES[self.type].grades


@dataclass
class Pupils:
    """Every pupil of every cohort, as parallel arrays.

    A cohort is named by the year it sits grade 4; it sits grade 5 the year after in
    the same classes, less the pupils who left (`class5` −1) and with newcomers
    (`class4` −1).
    """

    school: np.ndarray
    cohort: np.ndarray
    class4: np.ndarray
    class5: np.ndarray
    female: np.ndarray
    ability: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)  # (grade, subject)
    class_counts: dict[tuple[int, int, int], int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.school)


def build_municipalities(seed: int, schools: int, region_code: str) -> list[Municipality]:
    rng = stream(seed, "municipalities")
    count = max(3, round(schools / 11))
    roots = list(rng.permutation(ROOTS))
    found = []
    towns = max(1, min(3, count // 7))
    for i in range(count):
        root = roots[i % len(roots)]
        if i == 0:
            kind, name = "capital", f"Городской округ город {root}ск"
        elif i <= towns:
            kind, name = "town", f"Городской округ город {root}овск"
        else:
            kind, name = "district", f"{root}овский муниципальный район"
        ability = MUNICIPALITY_ABILITY[kind] + (rng.normal(0, 0.1) if kind == "district" else 0)
        found.append(Municipality(f"{i + 1:02d}", name, kind, root, float(ability)))
    return found


def build_schools(seed: int, count: int, municipalities, region_code: str) -> list[School]:
    """`count` schools: a quarter or more in the capital, the rest in towns and districts."""
    rng = stream(seed, "schools")
    weights = np.array(
        [{"capital": 7.0, "town": 1.6, "district": 1.0}[m.kind] for m in municipalities]
    )
    homes = rng.choice(len(municipalities), size=count, p=weights / weights.sum())
    homes[: len(municipalities)] = np.arange(len(municipalities))  # every one has a school
    types = []
    for home in homes:
        table = TYPE_WEIGHTS[municipalities[home].kind]
        keys = list(table)
        p = np.array([table[k] for k in keys])
        types.append(keys[rng.choice(len(keys), p=p / p.sum())])
    # A region has at least two gymnasiums and two lyceums, whatever its size.
    for wanted in ("gymnasium", "lyceum"):
        for i in range(max(0, 2 - types.count(wanted))):
            types[[j for j, t in enumerate(types) if t in ("ordinary", "rural")][i]] = wanted
    order = np.lexsort((np.arange(count), homes))
    schools, numbers, villages = [], {}, set()
    for index, i in enumerate(order):
        muni = municipalities[homes[i]]
        kind = TYPES[types[i]]
        # A district's ordinary schools, gymnasiums and lyceums stand in its centre, a town.
        urban = muni.kind != "district" or kind.key in ("ordinary", "gymnasium", "lyceum", "centre")
        if urban:
            numbers[muni.code] = numbers.get(muni.code, 0) + 1 + int(rng.integers(0, 3))
            town = muni.name.split()[-1] if muni.kind != "district" else f"{muni.place}овск"
            label = f"№ {numbers[muni.code]}"
            place = f"г. {town}"
        else:
            village = _village(rng, villages)
            label = village
            place = village
        school_code = f"{region_code}{index + 1:04d}"
        ability = kind.ability + muni.ability + rng.normal(0, 0.28)
        schools.append(
            School(
                index=index,
                code=school_code,
                fis_login=f"edu{school_code}",
                municipality=muni.code,
                type=kind.key,
                full_name=(
                    f"Муниципальное бюджетное общеобразовательное учреждение «{kind.long} {label}»"
                ),
                short_name=f"МБОУ {kind.short} {label}",
                address=f"{place}, ул. {rng.choice(STREETS)}, д. {int(rng.integers(1, 60))}",
                locality="город" if urban else "село",
                ability=float(ability),
                rater=float(rng.normal(0, 0.12)),
            )
        )
    return schools


def _village(rng, taken: set) -> str:
    while True:
        root = str(rng.choice(ROOTS))
        prefix, suffix = [("с.", "овка"), ("д.", "ино"), ("п.", "овый"), ("с.", "ое")][
            int(rng.integers(0, 4))
        ]
        name = f"{prefix} {root}{suffix}"
        if name not in taken:
            taken.add(name)
            return name


def build_pupils(seed: int, schools: list[School], years: tuple[int, ...]) -> Pupils:
    """Cohorts that sit grade 4 from the year before the first to the last year.

    Ability (logits, about N(0, 1) over a region) = the school's mean + the cohort's
    effect + the pupil's own; each subject adds its own deviation, girls do a little
    better in Russian; a year later (grade 5) every pupil has moved by their own growth.
    """
    parts = {k: [] for k in ("school", "cohort", "class4", "class5", "female", "base")}
    subject_parts = {k: [] for k in ("russian", "math")}
    class_counts = {}
    for school in schools:
        kind = TYPES[school.type]
        for cohort in range(years[0] - 1, years[-1] + 1):
            rng = stream(seed, "cohort", school.code, cohort)
            n_classes = int(rng.integers(kind.classes[0], kind.classes[1] + 1))
            sizes = rng.integers(kind.class_size[0], kind.class_size[1] + 1, size=n_classes)
            cohort_effect = rng.normal(0, 0.12)
            n = int(sizes.sum())
            class4 = np.repeat(np.arange(n_classes), sizes)
            stays = rng.random(n) > 0.04 if 5 in kind.grades else np.zeros(n, dtype=bool)
            class5 = np.where(stays, class4, -1)
            if 5 in kind.grades:
                # Newcomers in grade 5, about as many as left, in random classes.
                joined = int(rng.poisson(0.05 * n))
                class4 = np.concatenate([class4, np.full(joined, -1)])
                class5 = np.concatenate([class5, rng.integers(0, n_classes, size=joined)])
            total = len(class4)
            class_counts[(school.index, cohort, 4)] = n_classes
            class_counts[(school.index, cohort, 5)] = n_classes if 5 in kind.grades else 0
            female = rng.random(total) < 0.49
            base = school.ability + cohort_effect + rng.normal(0, 0.7, size=total)
            growth = rng.normal(0, 0.3, size=total)
            for subject in ("russian", "math"):
                own = rng.normal(0, 0.35, size=total)
                sex = np.where(female, 0.12, -0.12) if subject == "russian" else 0.0
                grade4 = base + own + sex
                grade5 = grade4 + growth + rng.normal(0, 0.2, size=total)
                subject_parts[subject].append((grade4, grade5))
            parts["school"].append(np.full(total, school.index))
            parts["cohort"].append(np.full(total, cohort))
            parts["class4"].append(class4)
            parts["class5"].append(class5)
            parts["female"].append(female)
    pupils = Pupils(
        school=np.concatenate(parts["school"]),
        cohort=np.concatenate(parts["cohort"]),
        class4=np.concatenate(parts["class4"]),
        class5=np.concatenate(parts["class5"]),
        female=np.concatenate(parts["female"]),
        class_counts=class_counts,
    )
    for subject, chunks in subject_parts.items():
        pupils.ability[(4, subject)] = np.concatenate([c[0] for c in chunks])
        pupils.ability[(5, subject)] = np.concatenate([c[1] for c in chunks])
    return pupils


def class_name(grade: int, index: int) -> str:
    return f"{grade}{'абвгде'[index]}"
