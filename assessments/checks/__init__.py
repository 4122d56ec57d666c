"""Objectivity checks: find schools with signs of biased results and explain
every flag. Pure numpy/scipy over plain column arrays; no ORM.

    from assessments.checks import CheckParams, check_region
    result = check_region(region_data, year=2026, params=CheckParams())
    result.as_json()

`data` holds the plain inputs and outputs, `indicators` and `crossing` the
indicators, `rules` the marker rule and roll-up, `generator` a synthetic
region with planted manipulation and `evaluate` the proof figures.
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
