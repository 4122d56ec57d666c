"""Pure maths of the standard analytic tables (DOMAIN.md): plain records in,
plain dataclasses out, ready for templates, XLSX and JSON. No ORM here.

    tables = side_by_side({"Школа": school, "Район": municipality, "Регион": region},
                          tasks, {2: (0, 9), 3: (10, 15), 4: (16, 20), 5: (21, 24)})
    public = suppress(tables, minimum=10)

The package also holds the analytic pages (models, selectors, views, export);
the names below are imported on first use, so that loading the app's models at
start-up does not import numpy.
"""

from importlib import import_module

_WHERE = {
    "Band": "tables",
    "ClassDeficits": "learning",
    "DEFAULT_MINIMUM": "suppression",
    "Deficits": "learning",
    "Dynamics": "years",
    "GroupSize": "records",
    "GroupTables": "tables",
    "INFORMATIVE_MINIMUM": "records",
    "JournalAgreement": "tables",
    "MARK_GROUP_MINIMUM": "records",
    "MarkStatistics": "tables",
    "PlannedResults": "tables",
    "PupilResult": "records",
    "PupilRoute": "learning",
    "ROUGH_MINIMUM": "records",
    "ResultArrays": "records",
    "RouteStep": "learning",
    "Scale": "records",
    "ScoreDistribution": "tables",
    "SideBySide": "tables",
    "TaskInfo": "records",
    "TaskSuccess": "tables",
    "TaskSuccessByMark": "tables",
    "YearInput": "years",
    "YearRow": "years",
    "band_of": "tables",
    "deficits": "learning",
    "dynamics": "years",
    "group_tables": "tables",
    "journal_agreement": "tables",
    "mark_statistics": "tables",
    "planned_results": "tables",
    "score_distribution": "tables",
    "side_by_side": "tables",
    "split_by": "records",
    "suppress": "suppression",
    "task_success": "tables",
    "task_success_by_mark": "tables",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
