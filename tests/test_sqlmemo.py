"""The digests that key cached pages keep their SQL per process (infra.sqlmemo) under
the values it is built from: for every person of the cast the kept statement is the
statement built afresh for them, whoever filled the entry first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra import sqlmemo
from roadmaps.selectors.assignment import (
    my_assignment_rows_digest,
    school_assignments_due_digest,
)
from schools.models import Membership
from tests import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL is kept on PostgreSQL only"
)


@pytest.fixture
def people(world):
    f.approved_roadmap(
        municipality=world.muni_a,
        by=world.bob,
        measures=[("1.1.", "Анализ результатов ВПР", "до 1 октября 2025 г.")],
    )
    # Methodists who work in a body (ИМЦ) read its measures too: the same reach, not
    # the same bodies.
    Membership.objects.filter(user=world.mia).update(body=world.body_a)
    max_ = f.user("max", role=f.Role.METHODIST, node=world.muni_a)
    Membership.objects.filter(user=max_).update(body=world.body_b)
    # ... and the same body, not the same reach.
    nina = f.user("nina", role=f.Role.METHODIST, node=world.muni_b)
    Membership.objects.filter(user=nina).update(body=world.body_a)
    return [
        max_,
        nina,
        world.alice,
        world.bob,
        world.carol,
        f.user("olga", role=f.Role.SCHOOL_DEPUTY, node=world.school_a1),
        f.user("petr", role=f.Role.SCHOOL_DEPUTY, node=world.school_a2),
        world.dan,
        world.victor,
        world.mia,
        world.gina,
        f.user("root", is_superuser=True, is_staff=True),
    ]


def statements(people, read) -> list[str | None]:
    """The statement `read` runs for each person, in turn."""
    found = []
    for person in people:
        with CaptureQueriesContext(connection) as captured:
            read(person)
        # None: a reach of nothing, no statement at all.
        found.append(captured.captured_queries[-1]["sql"] if captured.captured_queries else None)
    return found


def afresh(people, read) -> list[str | None]:
    found = []
    for person in people:
        sqlmemo.forget()
        found.extend(statements([person], read))
    return found


@pytest.mark.parametrize(
    "read",
    [
        lambda person: my_assignment_rows_digest(user=person),
        lambda person: school_assignments_due_digest(user=person, school=person.school_of_test),
    ],
    ids=["my-rows", "school-due"],
)
def test_the_kept_sql_is_the_sql_built_afresh_for_everyone(world, people, read):
    schools = [world.school_a1, world.school_a2, world.school_b1]
    for i, person in enumerate(people):
        person.school_of_test = schools[i % len(schools)]
    sqlmemo.forget()
    statements(people, read)  # the entries filled, each by the first person of its key
    kept = statements(people, read)
    assert kept == afresh(people, read)
    assert len(set(kept)) > 3  # the cast does not all read the same statement
