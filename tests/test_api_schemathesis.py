"""Schemathesis against the product's own OpenAPI schema, in process.

The schema is the one `/api/schema/` serves (drf-spectacular). Every operation in
it is called through the WSGI application with a real API token that carries the
scope the operation's view asks for (one token per scope, of the agency, so that
the objects of the test world are visible). All of schemathesis' checks run, on
schema-valid and schema-violating requests (examples, coverage and fuzzing
phases), with a bounded, derandomised number of examples per operation, so a CI
run is reproducible. Any finding fails the test:

- a 5xx;
- a status code the operation does not document;
- a response that does not match its documented schema, content type or headers;
- a schema-violating request that is accepted, or a schema-valid one refused
  (except the import's 400 for bookings that do not exist: see CONFIG);
- an operation that answers without a token, or with a bad one.
"""

from __future__ import annotations

import collections
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.urls import resolve
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from examens.api_schema import required_scope
from examens.models import KNOWN_SCOPES
from examens.services import create_api_token
from grading.services import release_result
from grading.services.results import create_scored_draft
from tests.conftest import agency_staff, fresh_factor
from tests.examens.factories import AgencyFactory, CandidateFactory
from tests.grading.factories import BookingFactory
from tests.scheduling.factories import SessionFactory, candidate_for

# Examples per operation in the fuzzing phase; the coverage phase adds its own
# deterministic cases (boundaries, wrong types, missing fields) on top.
EXAMPLES_PER_OPERATION = 25
MIN_CASES_PER_OPERATION = 10
SCHEMA_PATH = "/api/schema/"
IMPORT_PATH = "/api/v1/results/imports/"
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261201,
        "generation": {
            "deterministic": True,
            "database": "none",
            # Every text input refuses NUL with a 400 naming the field (DRF's
            # ProhibitNullCharactersValidator; PostgreSQL cannot store it), which the
            # schema does not repeat on each string: a NUL is not schema-valid data here.
            "allow-x00": False,
        },
        "operations": [
            {
                # An import is all or nothing against the registry: a file that fits the
                # schema still names bookings that do not exist, and is refused with a 400
                # naming each bad line. Every other check runs on it as on the rest.
                "include-path": IMPORT_PATH,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
                    }
                },
            }
        ],
    }
)


def scope_of(method: str, path_template: str) -> str | None:
    """The scope the product's view asks of a token for this operation."""
    view = resolve(re.sub(r"\{[^}]+\}", "1", path_template)).func.cls
    return required_scope(view, method)


schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application, config=CONFIG)
# Cases are generated at collection time, before a database or token exists: they
# carry the scope's name, and the test swaps in the real secret before the call.
SCOPE_MARK = "scope:"


@schema.auth(refresh_interval=None)
class ScopedToken:
    """Authenticates each case with the token of the scope the operation's view asks for."""

    def get(self, case, ctx):
        return scope_of(case.operation.method, case.operation.path)

    def set(self, case, scope, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {SCOPE_MARK}{scope}"}


def with_real_token(case, tokens: dict[str, str]) -> None:
    credential = case.headers.get("Authorization", "") if case.headers else ""
    scope = credential.removeprefix(f"Bearer {SCOPE_MARK}")
    if scope != credential:
        case.headers["Authorization"] = f"Bearer {tokens[scope]}"


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Calls through the bare WSGI application end with `request_finished`, which
    closes the database connection (and with it the test's transaction on
    PostgreSQL). Django's test client unhooks the same handler around its calls."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(db, settings, wsgi_keeps_the_test_connection):
    """A little of everything, so that generated ids and references sometimes hit and
    every kind of body (a session, a booking, a released result) is validated."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
    agency = AgencyFactory()
    session = SessionFactory()
    candidate_for(session)
    staff = fresh_factor(agency_staff())
    with transaction.atomic():
        draft = create_scored_draft(
            BookingFactory(candidate=CandidateFactory()), actor=staff, raw=30, source="t"
        )
    release_result(draft, actor=staff)
    return {"agency": agency, "staff": staff}


@pytest.fixture
def scoped_tokens(api_world):
    """One token per scope the product knows, each carrying that scope alone."""
    agency, staff = api_world["agency"], api_world["staff"]
    return {
        scope: create_api_token(agency, actor=staff, name=scope, scopes=[scope])[1]
        for scope in sorted(KNOWN_SCOPES)
    }


@pytest.fixture
def cases_seen(request):
    """Counts the cases the operation was sent: none (a skip) or too few means the
    generator was starved, and fails the test here."""
    seen: collections.Counter[str] = collections.Counter()
    yield seen
    count = sum(seen.values())
    assert count >= MIN_CASES_PER_OPERATION, f"{request.node.name}: only {count} cases"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        # One world and one set of tokens per operation, shared by its examples.
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_operation_keeps_to_its_schema(case, scoped_tokens, cases_seen):
    cases_seen[case.operation.label] += 1
    with_real_token(case, scoped_tokens)
    case.call_and_validate()


def test_the_operations_ask_for_every_scope_a_token_can_have():
    """So the tokens above exercise every scope, and no operation is open to any token."""
    operations = [result.ok() for result in schema.get_all_operations()]
    scopes = {scope_of(operation.method, operation.path) for operation in operations}

    assert scopes == KNOWN_SCOPES
