"""Precision, recall and false-positive rates of the checks on generated regions.

A planted school counts as detected when it gets a marker in one of the
procedures it manipulated in the target year; it counts towards the recall
target when one of those procedures has at least `min_school` pupils.
An honest school is a false positive when it gets any marker in the target
year; rates are given over all honest schools of a kind and over the
"eligible" ones (with at least `min_school` pupils in some procedure), the
stricter figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from assessments.objectivity.checks.data import (
    BUNCHING,
    COHORT,
    INVERSION,
    MARKING,
    RISE_FALL,
    SCALE_MISMATCH,
    SIMILARITY,
)
from assessments.objectivity.checks.params import CheckParams
from assessments.objectivity.checks.rules import check_region
from tests.generators.first import ANSWERS, BOUNDARY, COPYING, LENIENT, SPIKE, GeneratedRegion

# The indicator that names each form of manipulation: a flagged school whose
# marker rests on it is "suspected" of that form (for precision per form).
SIGNATURE = {
    BOUNDARY: (BUNCHING, SCALE_MISMATCH),
    ANSWERS: (INVERSION,),
    LENIENT: (MARKING,),
    COPYING: (SIMILARITY,),
    SPIKE: (RISE_FALL, COHORT),
}


@dataclass
class Evaluation:
    detected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    planted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    small_detected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    small_planted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_pos: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    honest: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_pos_eligible: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    honest_eligible: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    flagged: int = 0
    flagged_planted: int = 0
    suspected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    suspected_planted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    suspected_exact: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missed: list = field(default_factory=list)
    false_alarms: list = field(default_factory=list)

    def add(self, other: Evaluation) -> None:
        for name in (
            "detected",
            "planted",
            "small_detected",
            "small_planted",
            "false_pos",
            "honest",
            "false_pos_eligible",
            "honest_eligible",
            "suspected",
            "suspected_planted",
            "suspected_exact",
        ):
            mine = getattr(self, name)
            for k, v in getattr(other, name).items():
                mine[k] += v
        self.flagged += other.flagged
        self.flagged_planted += other.flagged_planted
        self.missed.extend(other.missed)
        self.false_alarms.extend(other.false_alarms)

    def recall(self, kind: str | None = None) -> float:
        if kind is None:
            d, p = sum(self.detected.values()), sum(self.planted.values())
        else:
            d, p = self.detected[kind], self.planted[kind]
        return d / p if p else float("nan")

    def precision(self, kind: str | None = None, exact: bool = False) -> float:
        """Share of flagged schools that were planted; with `kind`, among the
        flagged schools suspected of that form (its signature indicator fired
        in a marked procedure), the share planted (any form, or with `exact`
        that very form)."""
        if kind is None:
            return self.flagged_planted / self.flagged if self.flagged else float("nan")
        hits = (self.suspected_exact if exact else self.suspected_planted)[kind]
        return hits / self.suspected[kind] if self.suspected[kind] else float("nan")

    def fpr(self, kind: str | None = None, eligible: bool = True) -> float:
        fp = self.false_pos_eligible if eligible else self.false_pos
        hn = self.honest_eligible if eligible else self.honest
        if kind is None:
            f, h = sum(fp.values()), sum(hn.values())
        else:
            f, h = fp[kind], hn[kind]
        return f / h if h else float("nan")


def evaluate_region(region: GeneratedRegion, params: CheckParams | None = None) -> Evaluation:
    params = params or CheckParams()
    year = region.target_year
    result = check_region(region.data, year, params)
    ev = Evaluation()
    for school in result.schools:
        planted = region.truth.get(school.index)

        any_marker = school.markers > 0
        ev.flagged += any_marker
        for form, names in SIGNATURE.items():
            if any(p.marker and set(p.reasons) & set(names) for p in school.procedures):
                ev.suspected[form] += 1
                ev.suspected_planted[form] += planted is not None
                ev.suspected_exact[form] += planted is not None and planted.kind == form
        if planted is None:
            eligible = any(p.pupils >= params.min_school for p in school.procedures)
            ev.honest[school.kind] += 1
            ev.false_pos[school.kind] += any_marker
            if eligible:
                ev.honest_eligible[school.kind] += 1
                ev.false_pos_eligible[school.kind] += any_marker
                if any_marker:
                    ev.false_alarms.append((school.code, school.kind, school.marker_labels))
            continue
        ev.flagged_planted += any_marker
        mine = [
            p
            for p in school.procedures
            if (p.procedure.year, p.procedure.grade, p.procedure.subject) in planted.procedures
        ]
        if not mine:
            continue
        hit = any(p.marker for p in mine)
        if max(p.pupils for p in mine) >= params.min_school:
            ev.planted[planted.kind] += 1
            ev.detected[planted.kind] += hit
            if not hit:
                ev.missed.append((school.code, planted.kind, [p.pupils for p in mine]))
        else:
            ev.small_planted[planted.kind] += 1
            ev.small_detected[planted.kind] += hit
    return ev
