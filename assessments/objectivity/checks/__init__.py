"""Objectivity checks: find schools with signs of biased results and explain
every flag. Pure numpy/scipy over plain column arrays; no ORM.

    from assessments.objectivity.checks import CheckParams, check_region
    result = check_region(region_data, year=2026, params=CheckParams(),
                          schools=rows_of_one_municipality,      # optional scope
                          earlier_markers={2025: had_marker})    # from stored runs
    result.as_json()   # {"run": {...}, "schools": [{"code", "name", "markers", "procedures": [...]}]}

Modules: `data` (plain inputs and outputs), `params` (thresholds, minimum
group sizes, the rule: one frozen dataclass per region), `indicators` (one
procedure; a package, one module per family, `indicators.classes` the
class-level ones), `crossing` (across procedures), `history` (the journal gap
against the school's own past years), `rules` (the run, the marker
rule, the roll-up, ШНОР), `budget` (thresholds from the false-alarm budget),
`pooled` (small schools' tests of a year read together).
The synthetic region with planted manipulation and its precision/recall/FPR
harness live with the tests (`tests/generators/first.py`, `first_evaluate.py`).

The method (METHOD_VERSION), per school × procedure × year, region as reference:
- level: mean mark as a random-effects z within the school's kind
  (gymnasiums/lyceums against their own kind; pooled with +1 z when too few);
- inversion: points on advanced/high tasks above those region pupils with the
  same total get (conditioning on the total makes a strong school unsuspicious);
  marking: the same for partial-credit tasks (lenient marking);
- person fit: share of pupils whose lz (step probabilities conditional on the
  total) is in the region's lowest 5%, with normed polytomous Guttman errors;
- journal: share "повысили" against the region (logit scale);
- scale mismatch: pupils whose mark (or primary) is above what the scale gives
  for the points of their tasks (strong from 5% of the school);
- bunching: excess at each boundary and deficit just below against the
  region's histogram tilted to the school (Poisson fit, windows excluded),
  parametric bootstrap p-value with refits; each test's evidence also read
  with the school's strongest other test of the year (a school pushes in
  the papers it marks, not in one test; Šidák for the choice, Stouffer, two
  looks; only for a test with some excess of its own; 2.4);
- similarity: identical score vectors per class against a score-conditional
  null, Poisson tail, Bonferroni over classes; identical runs (half the test)
  the same way, reported as evidence (not counted by default);
- cohort (grade g, year t vs grade g±1, year t±1), rise-then-fall (and the
  Jacob–Levitt score), ОГЭ/ЕГЭ regression residual, objective ВПР gap;
- persistence: markers in the previous two years (supports, never alone).
- journal gap: the pupils' scores above what their journal marks predict
  (region-wide table per journal mark), against the region's line on the
  school's mean journal mark (teachers mark against their own school);
- scale mismatch against the region's own share: a file-wide artefact (a
  journal column read as the mark) is a data problem the run reports, not
  evidence against every school.
- class level (one teacher's classes move the school's mean by a fraction):
  class journal gap — a class's scores above what its journal marks predict
  against the school's other pupils (the region's between-class spread as
  null; a grade-4 class read over both subjects its teacher marks), also
  above the region's classes; pair similarity — pairs in a class whose scores
  agree beyond their totals (the copier's agreement with the source's actual
  scores, weighted by how rarely a pupil of the copier's total scores so,
  ω-index style), counted per class against the region's rate with a
  quasi-Poisson dispersion; both Bonferroni over the school's classes;
- journal history: the journal gap against the school's own gap on the same
  test in the previous years (a school's marking culture is stable; supports,
  never alone).
- blanks: a class whose non-scoring answers are blanks more often than the
  region's pupils of the same totals show (a lenient marker raises a wrong
  attempt, never a blank; supports, never alone);
- lenient footprint (2.4): both footprints of lenient marking in the same
  class, or in the whole school's pupils of a test — scores above the
  journal marks and blanks above what the totals predict, from different
  columns of the file — Stouffer's sum over the region's correlation, a
  grade's class and school read across its subjects, Bonferroni over the
  school's classes and itself (`indicators.lenient`; may stand alone);
- small schools: a school under 20 pupils in each test but 20 or more over
  the year's tests has its between-school indicators pooled over them, and
  over each grade's tests apart (one cohort; 2.3), (`pooled`), decided at
  the year's strictest thresholds.
- a cohort's one-year spike read over its grade's subjects as one look
  (`cohort_look`): its contrasts against the same pupils a grade later, the
  school's other years, its other subject and grade, each over sqrt(τ² of
  the school's kind + sampling) on its kind's and size band's scale, with
  the journal's readings; the largest of each test's sum and the grade's,
  at a threshold of its own null spending `cohort_look_tests` tests' rates
  inside the budget (2.9; 2.4–2.8 summed the method's own footprint z).
Every z is calibrated against the region (median, robust between-school
variance, robust spread of z), so honest heterogeneity widens thresholds. No
indicator fires under 20 pupils (10 per class). A marker: two indicators
agree (inversion and marking, similarity, runs and pairs, the journal's three
readings count once; the blanks and the lenient footprint, which reads them
with the journal, count apart: 2.7), or one that may stand alone fires strongly (inversion, marking,
scale mismatch, bunching, similarity, cohort, journal gap, ОГЭ, objective
ВПР), or the combined evidence of inflated results (level, journal gap,
cohort, rise-then-fall; Stouffer under the null's correlations) passes its
threshold. With `thresholds="budget"` (the default) the three thresholds of
each test come from a false-alarm budget on the region's own null — see
`budget` — and the run reports them with the achieved rates
(`CheckResult.calibration`); `thresholds="fixed"` keeps each indicator's
constants.
"""

from .data import (
    METHOD_VERSION,
    CheckResult,
    ExternalResult,
    Indicator,
    Procedure,
    ProcedureCheck,
    ProcedureResults,
    RegionData,
    SchoolCheck,
    SchoolTable,
    boundaries_from_ranges,
    mark_of,
)
from .params import CheckParams
from .rules import check_region

__all__ = [
    "METHOD_VERSION",
    "CheckParams",
    "CheckResult",
    "ExternalResult",
    "Indicator",
    "Procedure",
    "ProcedureCheck",
    "ProcedureResults",
    "RegionData",
    "SchoolCheck",
    "SchoolTable",
    "boundaries_from_ranges",
    "check_region",
    "mark_of",
]
