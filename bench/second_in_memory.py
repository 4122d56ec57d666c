"""A region of the second generator handed to the method directly, without files
and without the database: for evaluating the checks on many seeds quickly.

The end-to-end path (files → import commands → `check_objectivity`) is
bench/evaluate_second_generator.py; this one skips the importer, so it measures
the method alone. School kinds are read as the product reads them
(`assessments.objectivity.selectors.SELECTIVE`: gymnasium, lyceum, school with advanced
study are selective; a village school is rural), tasks' levels from the forms.
"""

from __future__ import annotations

import numpy as np

from assessments.objectivity.checks import Procedure, ProcedureResults, RegionData, SchoolTable
from assessments.objectivity.checks.data import (
    INSTRUMENT_VPR,
    KIND_GYMNASIUM,
    KIND_LYCEUM,
    KIND_ORDINARY,
    KIND_RURAL_SMALL,
)

SELECTIVE_TYPES = {"gymnasium": KIND_GYMNASIUM, "lyceum": KIND_LYCEUM, "advanced": KIND_GYMNASIUM}


def method_kind(school) -> str:
    if school.type in SELECTIVE_TYPES:
        return SELECTIVE_TYPES[school.type]
    return KIND_RURAL_SMALL if school.locality == "село" else KIND_ORDINARY


def region_data(region) -> RegionData:
    """The method's input for a `tests.generators.second.Region`."""
    schools = region.schools
    row = {s.code: i for i, s in enumerate(schools)}
    table = SchoolTable(
        codes=[s.code for s in schools],
        names=[s.short_name for s in schools],
        municipality=np.array([int(s.municipality) for s in schools]),
        kind=[method_kind(s) for s in schools],
    )
    results = []
    class_ids: dict = {}
    for key in region.tests:
        rows = region.results[key]
        if not rows:
            continue
        form = region.form(key)
        scale = region.scales[key]
        scores = np.array([[-1 if v is None else v for v in p.scores] for p in rows], dtype=int)
        school = np.array([row[p.school] for p in rows])
        cls = np.array(
            [class_ids.setdefault((p.school, key.year, p.class_name), len(class_ids)) for p in rows]
        )
        results.append(
            ProcedureResults(
                procedure=Procedure(INSTRUMENT_VPR, key.year, key.grade, form.subject_name),
                task_max=[t.max_score for t in form.tasks],
                task_level=[t.level for t in form.tasks],
                boundaries=scale.cuts,
                school=school,
                class_id=cls,
                scores=scores,
                primary=np.array([p.total for p in rows]),
                mark=np.array([p.mark for p in rows]),
                journal=np.array([p.journal_mark or 0 for p in rows]),
                class_name=np.array([p.class_name for p in rows], dtype=object),
            )
        )
    return RegionData(schools=table, results=results)
