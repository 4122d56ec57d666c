"""A class against itself a grade apart: the lenient marking's third footprint.

A teacher who marks her own class leniently raises that class's scores in
that year only; the same pupils a year earlier or later (4а of year Y against
5а of year Y + 1, 5а against 4а of Y − 1), marked by other teachers, stand
where they were. The class's mean score in region SDs, now minus then, is
read against the region's own classes (median, robust spread): honest
classes move a quarter of an SD either way (pupils, teachers and sampling).

Classes are matched by the name the file gives them: the school, the letter
after normalising («4а», «4 А», «4-А», «4А класс», a Latin «A» are one
class), and the grade the name carries, when it carries one, equal to the
test's grade (the other year's to its own). A class without a name, without
its other year or with fewer than `min_class` pupils in either has no value.

This is not a look of its own: `lenient.lenient_footprint` adds it to the
class's evidence of the other two footprints (their correlation over the
region's classes scales the sum), so the budget's looks do not grow.
"""

from __future__ import annotations

import re

import numpy as np

from ..data import Procedure, ProcedureResults, RegionData
from ..params import CheckParams

# Latin letters that files use for the Cyrillic ones they look like.
_LOOKALIKE = str.maketrans("aeopcxykmhtb", "аеорсхукмнтв")
_NOISE = re.compile(r"[\s\-_.,/\\\"'«»()№]+")
_GRADE = re.compile(r"^\s*(\d{1,2})(?!\d)")


def normalise(name) -> tuple[int | None, str]:
    """(grade or None, letter) of a class name: «4 А» → (4, "а"), "4-2" → (4, "2"),
    "" → (None, "")."""
    text = str(name or "").lower().replace("ё", "е").replace("класс", "")
    m = _GRADE.match(text)
    rest = text[m.end() :] if m else text
    return (int(m[1]) if m else None), _NOISE.sub("", rest).translate(_LOOKALIKE)


def _class_keys(res: ProcedureResults, grade: int) -> np.ndarray:
    """Per pupil the class's letter (object), "" where the name is missing or
    names another grade."""
    names, inverse = np.unique(res.class_name.astype(str), return_inverse=True)
    letters = []
    for name in names:
        g, letter = normalise(name)
        letters.append(letter if g in (None, grade) else "")
    return np.array(letters, dtype=object)[inverse.ravel()]


def _region_z(res: ProcedureResults) -> np.ndarray:
    x = res.primary.astype(np.float64)
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def _means(res: ProcedureResults, grade: int, min_class: int) -> dict:
    """{(school, letter): (mean region z, pupils)} of one test, classes of
    `min_class` pupils and more."""
    letters = _class_keys(res, grade)
    z = _region_z(res)
    named = letters != ""
    keys = list(zip(res.school[named].tolist(), letters[named].tolist(), strict=True))
    out: dict = {}
    for key, value in zip(keys, z[named].tolist(), strict=True):
        total, n = out.get(key, (0.0, 0))
        out[key] = (total + value, n + 1)
    return {k: (t / n, n) for k, (t, n) in out.items() if n >= min_class}


def class_change(
    data: RegionData | None, proc: Procedure, res: ProcedureResults, params: CheckParams
) -> tuple[np.ndarray, np.ndarray] | None:
    """(class ids, calibrated z of the class now against its other year) of one
    test; NaN where a class has no other year. None without names or other years."""
    if data is None or res.class_name is None:
        return None
    others = []
    for step in (-1, 1):
        other = data.find(proc.instrument, proc.year + step, proc.grade + step, proc.subject)
        if other is not None and other.class_name is not None and len(other):
            others.append(_means(other, proc.grade + step, params.min_class))
    if not others:
        return None
    ids, first = np.unique(res.class_id, return_index=True)
    now = _means(res, proc.grade, params.min_class)
    letters = _class_keys(res, proc.grade)
    z = np.full(len(ids), np.nan)
    for k, row in enumerate(first):
        key = (int(res.school[row]), letters[row])
        if key not in now:
            continue
        then = [o[key] for o in others if key in o]
        if not then:
            continue
        n_then = sum(n for _m, n in then)
        mean_then = sum(m * n for m, n in then) / n_then
        mean_now, n_now = now[key]
        # The change over its sampling error as if the pupils were new ones (the
        # region's spread below sets the scale; this only weighs class size).
        z[k] = (mean_now - mean_then) / np.sqrt(1 / n_now + 1 / n_then)
    ok = np.isfinite(z)
    if ok.sum() < 20:
        return None
    med = float(np.median(z[ok]))
    spread = 1.4826 * float(np.median(np.abs(z[ok] - med)))
    # Honest changes have heavier tails than a normal: the scale is also read
    # from the region's lower tail (lenient marking only raises a class, so the
    # upper tail is where the planted classes are).
    tail = (med - float(np.quantile(z[ok], 0.01))) / 2.326
    unit = max(spread, tail, 1e-9)
    return ids, (z - med) / unit
