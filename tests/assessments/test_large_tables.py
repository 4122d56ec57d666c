"""The large tables (pupils' results, the check's findings) at the country's scale:
every unique constraint carries the region, so the tables can be distributed by
region without changes (docs/scale.md), and the indexes the API's pages read exist."""

import pytest
from django.db import connection, models

from assessments.objectivity.models import CheckFinding
from assessments.results.models import Result

LARGE = [Result, CheckFinding]


def unique_sets(model):
    """Every set of columns the model declares unique, apart from the primary key."""
    sets = [
        tuple(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)
    ]
    sets += [tuple(fields) for fields in model._meta.unique_together]
    sets += [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    return sets


@pytest.mark.parametrize("model", LARGE, ids=lambda m: m.__name__)
def test_every_unique_constraint_of_a_large_table_carries_the_region(model):
    sets = unique_sets(model)
    assert sets, "the natural key is declared"
    assert all("region" in fields for fields in sets), sets


@pytest.mark.parametrize("model", LARGE, ids=lambda m: m.__name__)
def test_the_database_holds_no_unique_index_without_the_region(model, db):
    """The migrations agree with the models: no unique index the models forgot."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    unique = [c["columns"] for c in constraints.values() if c["unique"] and not c["primary_key"]]
    assert unique and all("region_id" in columns for columns in unique), unique


def test_the_pages_of_the_results_api_have_their_indexes(db):
    """Each list of the API reads an index in the order of its pages (procedure, id)
    after the column its caller's scope names (bench/bench_large_tables.py)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Result._meta.db_table)
    indexes = [tuple(c["columns"]) for c in constraints.values() if c["index"]]
    for lead in (("region_id",), ("municipality_id",), ("region_id", "class_name")):
        assert (*lead, "procedure_id", "id") in indexes, (lead, indexes)
    assert any(columns[0] == "import_batch_id" for columns in indexes), indexes
