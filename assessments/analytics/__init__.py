"""Pure maths of the standard analytic tables (DOMAIN.md): plain records in,
plain dataclasses out, ready for templates, XLSX and JSON. No ORM here.

    tables = side_by_side({"Школа": school, "Район": municipality, "Регион": region},
                          tasks, {2: (0, 9), 3: (10, 15), 4: (16, 20), 5: (21, 24)})
    public = suppress(tables, minimum=10)
"""

from .dynamics import Dynamics, YearInput, YearRow, dynamics
from .learning import ClassDeficits, Deficits, PupilRoute, RouteStep, deficits
from .records import (
    INFORMATIVE_MINIMUM,
    MARK_GROUP_MINIMUM,
    ROUGH_MINIMUM,
    GroupSize,
    PupilResult,
    ResultArrays,
    Scale,
    TaskInfo,
    split_by,
)
from .suppression import DEFAULT_MINIMUM, suppress
from .tables import (
    Band,
    GroupTables,
    JournalAgreement,
    MarkStatistics,
    PlannedResults,
    ScoreDistribution,
    SideBySide,
    TaskSuccess,
    TaskSuccessByMark,
    band_of,
    group_tables,
    journal_agreement,
    mark_statistics,
    planned_results,
    score_distribution,
    side_by_side,
    task_success,
    task_success_by_mark,
)

__all__ = [
    "DEFAULT_MINIMUM",
    "INFORMATIVE_MINIMUM",
    "MARK_GROUP_MINIMUM",
    "ROUGH_MINIMUM",
    "Band",
    "ClassDeficits",
    "Deficits",
    "Dynamics",
    "GroupSize",
    "GroupTables",
    "JournalAgreement",
    "MarkStatistics",
    "PlannedResults",
    "PupilResult",
    "PupilRoute",
    "ResultArrays",
    "RouteStep",
    "Scale",
    "ScoreDistribution",
    "SideBySide",
    "TaskInfo",
    "TaskSuccess",
    "TaskSuccessByMark",
    "YearInput",
    "YearRow",
    "band_of",
    "deficits",
    "dynamics",
    "group_tables",
    "journal_agreement",
    "mark_statistics",
    "planned_results",
    "score_distribution",
    "side_by_side",
    "split_by",
    "suppress",
    "task_success",
    "task_success_by_mark",
]
