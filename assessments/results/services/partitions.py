"""The results table's partitions: one a year on PostgreSQL (migration 0011,
docs/scale.md). There is no DEFAULT partition: a year must have its partition
before its rows are written, and a year outside `result_years()` is refused with a
message rather than given a partition nobody expects."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.results.models import Result
from infra.problems import ImportFailed, Problem

FIRST_YEAR = 2000


def result_years() -> range:
    """The years results may be written for: from 2000 to the next year."""
    return range(FIRST_YEAR, timezone.localdate().year + 2)


def result_year_validate(*, year: int, file: str = "") -> None:
    """Raise ImportFailed with a Russian message when `year` is outside `result_years()`."""
    years = result_years()
    if year not in years:
        message = _(
            "Год процедуры %(year)s вне допустимого диапазона %(first)s–%(last)s: "
            "результаты не записаны. Проверьте год процедуры."
        ) % {"year": year, "first": years[0], "last": years[-1]}
        raise ImportFailed([Problem(file=file, message=message)])


def _partition_sql(year: int) -> list[str]:
    table = Result._meta.db_table
    name = f"{table}_{int(year)}"
    return [
        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} FOR VALUES IN ({int(year)})",
        # As the migration: the planner reads a partition's own statistics.
        f"CREATE STATISTICS IF NOT EXISTS {name}_region_procedure (mcv, dependencies) "
        f"ON region_id, procedure_id FROM {name}",
        f"CREATE STATISTICS IF NOT EXISTS {name}_municipality_procedure (mcv, dependencies) "
        f"ON municipality_id, procedure_id FROM {name}",
    ]


def partition_exists(*, table: str, year: int) -> bool:
    """Whether `table` has its partition of `year` (always true off PostgreSQL)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname = %s",
            [table, f"{table}_{int(year)}"],
        )
        return cursor.fetchone() is not None


def result_partition_exists(*, year: int) -> bool:
    return partition_exists(table=Result._meta.db_table, year=year)


def finding_partition_ensure(*, table: str, year: int) -> bool:
    """The check's findings (`table`, partitioned by year like results, migration
    0013) get their year's partition before a run writes them, in its own short
    transaction. A run's year is the year it was asked for; no range applies."""
    if partition_exists(table=table, year=year):
        return False
    name = f"{table}_{int(year)}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} FOR VALUES IN ({int(year)})"
        )
    return True


def result_partition_ensure(*, year: int, file: str = "") -> bool:
    """The partition of `year` exists afterwards (PostgreSQL; elsewhere the table is
    one table). Creates it in its own short transaction, before the import's, so
    the import's transaction holds no lock on the parent table. Returns whether it
    was created; raises ImportFailed for a year outside `result_years()`."""
    result_year_validate(year=year, file=file)
    if result_partition_exists(year=year):
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _partition_sql(year):
            cursor.execute(statement)
    return True
