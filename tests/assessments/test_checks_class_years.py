"""A class against itself a grade apart (`indicators.class_years`): the class's
name arrives through every path that builds the method's input (the database,
the first generator in memory, the second generator in memory), names written
differently are one class, a class marked leniently stands above its own other
year and the same class marked honestly does not (second generator, seed 712:
a development seed of this indicator, not an evaluation one)."""

from collections import Counter

import numpy as np
import pytest

from assessments.objectivity.checks import CheckParams
from assessments.objectivity.checks.indicators.class_years import class_change, normalise
from assessments.objectivity.checks.indicators.lenient import with_class_change
from assessments.objectivity.loading import region_data_load
from bench.second_in_memory import region_data
from tests.generators.first import RegionSpec, generate_region
from tests.generators.objectivity_store import generated_region_store
from tests.generators.second import make_region
from tests.generators.second.manipulations import Lenient

PARAMS = CheckParams()


@pytest.mark.parametrize("name", ["4а", "4 А", "4-А", "4А класс", "4A", " 4 «а» ", "4а класс"])
def test_names_written_differently_are_one_class(name):
    assert normalise(name) == (4, "а")


def test_a_name_without_grade_or_without_anything_is_told_apart():
    assert normalise("Б") == (None, "б")
    assert normalise("") == (None, "")
    assert normalise(None) == (None, "")
    assert normalise("10б") == (10, "б")
    assert normalise("4-41") == (4, "41")  # numbered classes (the first generator's)
    assert normalise("4б") != normalise("4в")


def test_the_first_generator_in_memory_names_a_cohort_s_class_the_same_a_grade_apart():
    spec = RegionSpec(n_schools=30, n_municipalities=2, years=(2024, 2025), target_year_index=1)
    region = generate_region(spec, seed=12)
    four = region.data.find("ВПР", 2024, 4, "Математика")
    five = region.data.find("ВПР", 2025, 5, "Математика")
    assert four.class_name is not None and five.class_name is not None
    # The cohort's pupils in the same rows: grade changes, the class does not.
    assert [normalise(n)[1] for n in four.class_name] == [normalise(n)[1] for n in five.class_name]
    assert {normalise(n)[0] for n in four.class_name} == {4}
    assert {normalise(n)[0] for n in five.class_name} == {5}


@pytest.mark.django_db
def test_the_class_name_arrives_through_the_database_as_in_memory():
    spec = RegionSpec(n_schools=30, n_municipalities=2, years=(2024, 2025), target_year_index=1)
    region = generate_region(spec, seed=12)
    stored = generated_region_store(region, code="93", name="Край классов")
    loaded = region_data_load(region=stored, year=2025).data
    # The store writes the schools in the table's order: rows are comparable.
    assert len(loaded.schools) == len(region.data.schools)
    assert loaded.results
    for res in loaded.results:
        p = res.procedure
        mine = region.data.find(p.instrument, p.year, p.grade, p.subject)
        assert res.class_name is not None
        got = Counter(zip(res.school.tolist(), res.class_name, strict=True))
        want = Counter(zip(mine.school.tolist(), mine.class_name, strict=True))
        assert got == want


def test_the_second_generator_in_memory_carries_the_file_s_class_names():
    region = make_region(712, schools=40, manipulated=0, plant=False)
    data = region_data(region)
    key = next(iter(region.tests))
    rows = region.results[key]
    res = next(r for r in data.results if r.procedure.year == key.year and len(r) == len(rows))
    assert list(res.class_name) == [p.class_name for p in rows]


def test_without_class_names_there_is_nothing_to_compare():
    region = make_region(712, schools=40, manipulated=0, plant=False)
    data = region_data(region)
    res = data.results[0]
    res.class_name = None
    assert class_change(data, res.procedure, res, PARAMS) is None
    # The lenient evidence is then left as it was.
    got = (np.arange(3), np.array([1.0, np.nan, 2.0]))
    assert with_class_change(got, None) is got


@pytest.fixture(scope="module")
def lenient_pair():
    kinds = (Lenient(share=0.6, class_share=1.0),)
    region = make_region(712, schools=160, manipulated=16, kinds=kinds)
    honest = make_region(712, schools=160, manipulated=16, kinds=kinds, plant=False)
    return (region, region_data(region)), (honest, region_data(honest))


def _class_z(region, data):
    """{(school code, class name, test label): z} of the checked year."""
    year = region.target_year
    codes = list(data.schools.codes)
    out = {}
    for res in data.results:
        if res.procedure.year != year:
            continue
        got = class_change(data, res.procedure, res, PARAMS)
        assert got is not None, "every test of the year has the class's other year"
        ids, z = got
        _ids, first = np.unique(res.class_id, return_index=True)
        for k, row in enumerate(first):
            out[(codes[res.school[row]], res.class_name[row], res.procedure.label)] = z[k]
    return out


def test_a_lenient_class_stands_above_its_other_year_and_the_same_honest_class_does_not(
    lenient_pair,
):
    (region, data), (honest, honest_data) = lenient_pair
    year = region.target_year
    z, z_honest = _class_z(region, data), _class_z(honest, honest_data)
    planted = [
        (t.school, c.split()[1], label)
        for t in region.truth
        if t.kind == "lenient" and t.scope == "classes" and t.changed and year in t.years
        for c in t.classes
        if int(c.split()[0]) == year
        for label in t.tests
        if label.split()[0] == c.split()[1][0]
    ]
    planted = [k for k in planted if np.isfinite(z.get(k, np.nan))]
    assert len(planted) >= 5
    lifted = np.array([z[k] for k in planted])
    same_honest = np.array([z_honest[k] for k in planted])
    # The planted classes stand above the same pupils marked honestly.
    assert np.median(lifted - same_honest) > 1.0
    assert np.median(lifted) > 1.0
    # Honest classes of the honest region: centred, a standard scale, a thin tail.
    values = np.array([v for v in z_honest.values() if np.isfinite(v)])
    assert len(values) > 200
    assert abs(float(np.median(values))) < 0.1
    assert float(np.mean(values > 3.0)) <= 0.01
