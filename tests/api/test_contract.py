"""The API keeps its published contract: every operation of the OpenAPI schema,
called with generated inputs by a token holder who has data, answers without a
server error and as the schema says (status codes, content types, bodies), and
refuses inputs the schema forbids.

The schema is the one the app serves at /api/v1/schema/, loaded in-process
through WSGI; schemathesis generates the requests from it, writes included
(they land in the test's own database).
"""

import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig

from config.urls import router
from config.wsgi import application
from tests.api.helpers import key_for
from tests.api.test_query_counts import list_queryset

EXAMPLES = 10

# Writes have rules the schema cannot state: a document's params depend on its
# kind, a period must be one of the roadmap's reporting periods, an upload must
# be a readable results file, an id must name an object in the caller's scope.
# Schema-valid input may break them, so a documented 400 in the one error
# format is an acceptable answer to a write; every other check stays on.
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-method": method,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
                    }
                },
            }
            for method in ("POST", "PATCH")
        ]
        # A page cursor is opaque: the schema cannot tell a crafted one from one taken
        # from `next`, and a crafted one is answered with the documented Russian 400.
        + [
            {
                "include-path": "/api/v1/results/",
                "include-method": "GET",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404"]
                    }
                },
            }
        ]
    }
)


@pytest.fixture(autouse=True)
def keep_the_tests_connection():
    """Calling the WSGI application directly fires request_started/finished, whose
    close_old_connections reads the test's open transaction (autocommit off) as an
    unusable connection and closes it: on PostgreSQL the test's data and
    connection are gone. Django's test client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Serving the schema reads no database, so it loads when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, world):
    # Bob, the official of municipality A: roadmaps, reports to review, results, documents.
    bob = world.bob
    # Generated ids rarely name a row; every other valid case asks for one Bob sees, so
    # the bodies of found objects (and writes on them) are checked as well as the 404s.
    path_id = (case.path_parameters or {}).get("id")
    if (
        path_id is not None
        and not case.meta.generation.mode.is_negative
        and zlib.crc32(str(path_id).encode()) % 2
    ):
        real = _a_row_of(case.operation.path, bob)
        if real is not None:
            case.path_parameters["id"] = real
    case.call_and_validate(headers={"Authorization": f"Bearer {key_for(bob)}"})


def _a_row_of(path, user):
    """The id of a row `user` sees at the endpoint of `path` (/api/v1/<prefix>/{id}/…)."""
    prefix = path.split("/")[3]
    for registered, viewset, _ in router.registry:
        if registered == prefix:
            row = list_queryset(viewset, user).order_by("pk").first()
            return row.pk if row else None
    return None


# --------------------------------------------------------------------------- cursors, links


def _cursors():
    """Page cursors as clients could craft them: base64 of a query string whose offset,
    reverse flag and position are numbers, junk or missing; and plain junk."""
    import base64
    from urllib.parse import urlencode

    from hypothesis import strategies as st

    token = st.one_of(st.integers(-(10**20), 10**20).map(str), st.text(max_size=12))
    query = st.fixed_dictionaries(
        {}, optional={"o": token, "r": st.sampled_from(["0", "1", "x"]), "p": token}
    ).map(urlencode)
    return st.one_of(
        query.map(lambda q: base64.b64encode(q.encode()).decode()), st.text(max_size=30)
    )


schemathesis.openapi.format("cursor", _cursors())


def test_the_cursor_is_generated_as_clients_could_craft_it():
    parameters = schema["/api/v1/results/"]["GET"].query
    assert any(
        p.name == "cursor" and p.definition["schema"]["format"] == "cursor" for p in parameters
    )


@given(case=schema["/api/v1/results/"]["GET"].as_strategy(), cursor=_cursors())
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_results_answer_any_cursor_as_the_schema_says(world, case, cursor):
    case.query = {**(case.query or {}), "cursor": cursor}
    case.call_and_validate(headers={"Authorization": f"Bearer {key_for(world.bob)}"})


# Stateful sequences: schemathesis links the operations (a list's ids into its detail, a
# created object into its reads and actions) and walks chains of them as Bob.
Workflow = schema.as_state_machine()


class BobsWorkflow(Workflow):
    key = ""

    def get_call_kwargs(self, case):
        return {"headers": {"Authorization": f"Bearer {self.key}"}}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        # Bob's token rides on every step, so a replay with a generated (bad) session
        # cookie still carries it: the stateless test above checks authentication.
        from schemathesis.specs.openapi.checks import ignored_auth

        case.validate_response(
            response,
            additional_checks=additional_checks,
            excluded_checks=[ignored_auth],
            transport_kwargs={**self.get_call_kwargs(case), **kwargs},
            recorder=self.recorder,
        )


def test_chains_of_linked_operations_answer_as_the_schema_says(world):
    assert len(Workflow.bundles) > 5, "schemathesis found no links between operations"
    BobsWorkflow.key = key_for(world.bob)
    BobsWorkflow.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
