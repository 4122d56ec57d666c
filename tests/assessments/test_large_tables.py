"""The large tables (pupils' results, the check's findings) at the country's scale:
every unique constraint carries the region, so the tables can be distributed by
region without changes (docs/scale.md), and the indexes the API's pages read exist."""

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.models import RestrictedError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.analytics.selectors import reference_arrays, school_arrays
from assessments.objectivity.models import CheckFinding
from assessments.results.models import ImportBatch, Instrument, Procedure, Result, Subject
from assessments.results.selectors import procedure_school_summary, result_list
from assessments.results.services.imports import results_import
from assessments.results.services.partitions import (
    result_partition_ensure,
    result_partition_exists,
)
from infra.problems import ImportFailed
from roadmaps.models import Assignment
from tests import factories as f
from tests.api.helpers import client_for

FORM = "tests/data/vpr-result-form-example.xlsx"

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
    after the column its caller's scope names (bench/bench_large_tables.py); on
    PostgreSQL the region's is the primary key (region, procedure, id, year)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Result._meta.db_table)
    indexes = [tuple(c["columns"]) for c in constraints.values() if c["index"] or c["primary_key"]]
    leads = [("municipality_id",), ("region_id", "class_name")]
    if connection.vendor == "postgresql":
        leads.append(("region_id",))
    for lead in leads:
        assert any(
            columns[: len(lead) + 2] == (*lead, "procedure_id", "id") for columns in indexes
        ), (lead, indexes)
    assert ("region_id", "import_batch_id") in indexes, indexes


# --- phase 2: year, partitions, scores, the region in every hot query ------------------

YEARLY = {Result: "year", CheckFinding: "year"}


@pytest.mark.parametrize("model", LARGE, ids=lambda m: m.__name__)
def test_every_unique_constraint_of_a_large_table_carries_the_year(model):
    assert all(YEARLY[model] in fields for fields in unique_sets(model)), unique_sets(model)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
def test_results_are_partitioned_by_year_with_the_region_leading_the_key(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_partkeydef(%s::regclass), pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype = 'p'",
            [Result._meta.db_table] * 2,
        )
        partition_key, primary_key = cursor.fetchone()
    assert partition_key == "LIST (year)"
    assert primary_key == "PRIMARY KEY (region_id, procedure_id, id, year)"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_partkeydef(%s::regclass), pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype = 'p'",
            [CheckFinding._meta.db_table] * 2,
        )
        assert cursor.fetchone() == ("LIST (year)", "PRIMARY KEY (region_id, id, year)")
    this_year = timezone.localdate().year
    assert result_partition_exists(year=this_year) and result_partition_exists(year=this_year + 1)


def _region_in_every_results_query(queries) -> list[str]:
    sql = [q["sql"] for q in queries if Result._meta.db_table in q["sql"]]
    assert sql, "results were read"
    return [s for s in sql if '"region_id"' not in s]


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_the_results_api_names_the_region_for_every_role(world, who):
    client = client_for(getattr(world, who))
    procedure = world.extra["assessments"]["procedure"]
    for query in (
        "",
        "?year=2026",
        f"?procedure={procedure.pk}",
        f"?class_name=4а&school={world.school_a1.pk}",
    ):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/results/{query}")
        assert response.status_code == 200, response.content
        assert response.json()["results"], (who, query)
        assert _region_in_every_results_query(captured.captured_queries) == [], (who, query)
        if "year" in query or "procedure" in query:  # the partition is named
            listed = [
                q["sql"]
                for q in captured.captured_queries
                if 'FROM "assessments_result"' in q["sql"]
            ]
            assert all('"year"' in sql for sql in listed), (who, query)


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_the_results_selectors_name_the_region_for_every_role(world, who):
    user = getattr(world, who)
    procedure = world.extra["assessments"]["procedure"]
    with CaptureQueriesContext(connection) as captured:
        assert list(result_list(user=user, procedure=procedure))
        assert list(procedure_school_summary(user=user, procedure=procedure))
        arrays = school_arrays(
            user=user, procedure=procedure, school=world.school_a1, task_count=2, scale=None
        )
        assert len(arrays.primary) == 1
        reference_arrays(procedure=procedure, municipality=world.muni_a, task_count=2, scale=None)
        assert list(CheckFinding.objects.visible_to(user))
    assert _region_in_every_results_query(captured.captured_queries) == []
    finding_sql = [
        q["sql"] for q in captured.captured_queries if CheckFinding._meta.db_table in q["sql"]
    ]
    assert finding_sql and all('"region_id"' in s for s in finding_sql)


def test_scores_keep_not_attempted_apart_from_zero_through_every_reader(world):
    result = world.extra["assessments"]["a"]["result"]
    Result.objects.filter(pk=result.pk).update(scores=[None, 0])
    result.refresh_from_db()
    assert result.scores == [None, 0] and result.year == result.procedure.year
    procedure = result.procedure
    arrays = reference_arrays(
        procedure=procedure, municipality=world.muni_a, task_count=2, scale=None
    )
    assert arrays.scores.shape == (1, 2)
    assert np.isnan(arrays.scores[0, 0]) and arrays.scores[0, 1] == 0
    detail = school_arrays(
        user=world.carol, procedure=procedure, school=world.school_a1, task_count=2, scale=None
    )
    assert np.isnan(detail.scores[0, 0]) and detail.scores[0, 1] == 0
    api = client_for(world.carol).get(f"/api/v1/results/{result.pk}/").json()
    assert api["scores"] == [None, 0]


def test_a_year_outside_the_range_fails_with_a_message_and_writes_nothing(world):
    procedure = Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=1990
    )
    before = Result.objects.count()
    with pytest.raises(ImportFailed) as failed:
        results_import(source=FORM, user=world.carol, procedure=procedure)
    assert "Год процедуры 1990 вне допустимого диапазона" in failed.value.problems[0].message
    assert Result.objects.count() == before
    assert not ImportBatch.objects.filter(procedure=procedure).exists()


def test_an_import_creates_its_years_partition_and_replaces_rows_in_one_delete(world):
    year = timezone.localdate().year - 3
    procedure = Procedure.objects.create(
        region=world.region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=year
    )
    assert results_import(source=FORM, user=world.carol, procedure=procedure).rows
    assert result_partition_exists(year=year)
    assert set(Result.objects.filter(procedure=procedure).values_list("year", flat=True)) == {year}
    ImportBatch.objects.filter(procedure=procedure).update(sha256="other")  # not "unchanged"
    with CaptureQueriesContext(connection) as captured:
        outcome = results_import(source=FORM, user=world.carol, procedure=procedure)
    deletes = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("DELETE") and Result._meta.db_table in q["sql"]
    ]
    assert outcome.replaced == outcome.rows > 0
    assert len(deletes) == 1
    assert '"region_id"' in deletes[0] and '"year"' in deletes[0]


def _form_procedure(world) -> Procedure:
    """A procedure of last year's ВПР (the world's is this year's) whose tasks come
    from FORM's first import."""
    return Procedure.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        subject=Subject.MATH,
        grade=4,
        year=timezone.localdate().year - 1,
    )


def _results_reads(queries) -> list[str]:
    """The statements that read the results table's rows (not the ones that write
    them, nor the catalogue's look for a partition)."""
    table = f'FROM "{Result._meta.db_table}"'
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and table in q["sql"]]


@pytest.mark.parametrize("changed", [True, False], ids=["another file", "the same file"])
def test_a_re_import_reads_the_results_by_region_and_year(world, changed):
    """What an import reads of the rows it replaces (is it the same file? what did each
    school hold?) names the region and the year, as every hot query of the large
    table does: at 10 million rows, a read without them scanned every year's
    partition (1.8 s of a 200,000-pupil re-import, bench/results/large-phase2-import.txt)."""
    procedure = _form_procedure(world)
    first = results_import(source=FORM, user=world.carol, procedure=procedure)
    if changed:
        ImportBatch.objects.filter(procedure=procedure).update(sha256="other")
    with CaptureQueriesContext(connection) as captured:
        outcome = results_import(source=FORM, user=world.carol, procedure=procedure)
    assert outcome.unchanged is not changed
    assert outcome.replaced == (first.rows if changed else 0)
    reads = _results_reads(captured.captured_queries)
    assert [s for s in reads if '"region_id"' not in s or '"year"' not in s] == []
    # Another file is never "the same file" (no batch holds its hash): the rows are
    # read once, for the history of what it replaces. The same file is found so.
    assert len(reads) == 1, reads


def test_a_batch_with_rows_is_not_deleted_alone_but_goes_with_its_school(world):
    made = world.extra["assessments"]["a"]
    with pytest.raises(RestrictedError):
        made["batch"].delete()
    assert Result.objects.filter(pk=made["result"].pk, import_batch=made["batch"]).exists()
    # A school with roadmap measures is closed, not deleted (tests/roadmaps/test_school_edits.py).
    Assignment.objects.filter(school=world.school_a1).delete()
    world.school_a1.delete()
    assert not Result.objects.filter(pk=made["result"].pk).exists()
    assert not ImportBatch.objects.filter(pk=made["batch"].pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_partitioning_migration_moves_the_rows_forward_and_back():
    """0011 with rows in the table, both ways: ids, years and scores (null apart from
    0) survive, and new rows continue the ids."""
    before, after = (
        [("assessments", "0010_background_job")],
        [("assessments", "0013_check_finding_partitions")],
    )
    region = f.region(code="78", name="Дельта-край")
    school = f.school(municipality=f.municipality(region=region, name="Дельтаград", code="D"))
    procedure = Procedure.objects.create(
        region=region, instrument=Instrument.VPR, subject=Subject.MATH, grade=4, year=2024
    )
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("assessments", "Result")
        rows = old.objects.bulk_create(
            old(
                procedure_id=procedure.pk,
                region_id=region.pk,
                municipality_id=school.municipality_id,
                school_id=school.pk,
                participant_code=f"p{i}",
                scores=[i, None, 0],
                primary_score=i,
            )
            for i in range(3)
        )
        ids = sorted(r.pk for r in old.objects.all())
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        moved = {r.participant_code: r for r in Result.objects.filter(procedure=procedure)}
        assert sorted(r.pk for r in moved.values()) == ids
        assert {r.year for r in moved.values()} == {2024}
        assert moved["p2"].scores == [2, None, 0]
        result_partition_ensure(year=2024)
        new = Result.objects.create(
            procedure=procedure,
            year=2024,
            region=region,
            municipality=school.municipality,
            school=school,
            participant_code="p9",
            scores=[None],
            primary_score=0,
        )
        assert new.pk > ids[-1]
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("assessments", "Result")
        back = {r.participant_code: r for r in old.objects.all()}
        assert sorted(r.pk for r in back.values()) == [*ids, new.pk]
        assert back["p2"].scores == [2, None, 0] and back["p9"].scores == [None]
        assert len(rows) == 3
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_admin_shows_and_saves_a_results_scores_as_a_list(world):
    result = world.extra["assessments"]["a"]["result"]
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "Root-2026!")
    client = Client()
    client.force_login(admin)
    url = f"/admin/assessments/result/{result.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "[1, null]" in page.content.decode()
    assert client.get(f"/admin/assessments/result/?year={result.year}").status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "year"}
    data.update(scores="[null, 0]", participant_code=result.participant_code)
    response = client.post(url, {**data, "_save": "1"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    result.refresh_from_db()
    assert result.scores == [None, 0] and result.year == result.procedure.year


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_findings_partitioning_migration_keeps_the_findings_both_ways(world):
    findings = sorted(CheckFinding.objects.values_list("pk", "year", "region_id", "label"))
    assert findings
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("assessments", "0012_check_finding_year")])
        plain = executor.loader.project_state(
            [("assessments", "0012_check_finding_year")]
        ).apps.get_model("assessments", "CheckFinding")
        assert sorted(plain.objects.values_list("pk", "year", "region_id", "label")) == findings
        executor = MigrationExecutor(connection)
        executor.migrate([("assessments", "0013_check_finding_partitions")])
        again = sorted(CheckFinding.objects.values_list("pk", "year", "region_id", "label"))
        assert again == findings
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
