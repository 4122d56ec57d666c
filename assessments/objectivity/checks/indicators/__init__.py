"""The indicators of one procedure, for every school of the region at once.

Each function takes a `Prepared` procedure (column arrays grouped by school)
and `CheckParams`, and returns a `Column` (see `base`). One module a family:
`base` (Column, Prepared, calibration), `results` (level, difficulty
inversion, lenient marking), `person_fit`, `journal` (journal agreement and
gap), `bunching`, `similarity` (identical work and runs), `scale` (marks above
the scale), `classes` (class-level indicators: one class against its school's
others and the region's classes; pairwise similarity of answers in a class).
"""

from .base import (
    CHUNK,
    Column,
    Decision,
    Prepared,
    _empty,
    _full,
    _poisson,
    _stats,
    _z_of_p,
    calibrate,
    decide,
)
from .blanks import blank_share
from .bunching import _fit_tilt, _solve3, bunching
from .classes import class_journal_gap, pair_similarity
from .journal import _robust_line, journal_agreement, journal_gap
from .person_fit import _guttman, guttman_max, person_fit
from .results import _conditional_residual, difficulty_inversion, lenient_marking, level_anomaly
from .scale import scale_mismatch
from .similarity import (
    _class_pairs,
    _classes,
    _pairs,
    _row_hash,
    _worst_class_column,
    identical_runs,
    similarity,
)

SINGLE_PROCEDURE = (
    level_anomaly,
    difficulty_inversion,
    lenient_marking,
    person_fit,
    journal_agreement,
    journal_gap,
    scale_mismatch,
    bunching,
    similarity,
    identical_runs,
    class_journal_gap,
    pair_similarity,
    blank_share,
)

__all__ = [
    "CHUNK",
    "SINGLE_PROCEDURE",
    "Column",
    "Decision",
    "Prepared",
    "_class_pairs",
    "_classes",
    "_conditional_residual",
    "_empty",
    "_fit_tilt",
    "_full",
    "_guttman",
    "_pairs",
    "_poisson",
    "_robust_line",
    "_row_hash",
    "_solve3",
    "_stats",
    "_worst_class_column",
    "_z_of_p",
    "blank_share",
    "bunching",
    "calibrate",
    "class_journal_gap",
    "decide",
    "difficulty_inversion",
    "guttman_max",
    "identical_runs",
    "journal_agreement",
    "journal_gap",
    "lenient_marking",
    "pair_similarity",
    "level_anomaly",
    "person_fit",
    "scale_mismatch",
    "similarity",
]
