"""No role of another organisation reaches an object of this one: a generated matrix.

Every URL pattern of the product (pages, API, admin: walked from the resolver)
has its parameters filled with the objects of one organisation (the *home*
world, tests/access/world.py), and is requested with GET and POST by every
outsider: each role of another municipality and of a provider that municipality
contracted (planner, examiner, officer, admin, invigilator), logged in with a
verified and fresh second factor, and their API tokens, one per scope (on the
API) and one with every scope (on the API and the pages; the admin knows
sessions only). The agency (DUO) is no outsider: it sees every candidate by
design. The size of the matrix is printed (`pytest -s`).

A request that names one of home's objects must be refused (404, or 403, 401,
405, or a redirect to a login page); any answer, also of a page without
parameters, must not show any of home's markers (names, BSN, references,
serial, secrets, reasons); and nothing in the database may change (but what a
SELF_SERVICE page writes on the caller's own account). A pattern
whose parameters cannot be filled fails the test: new routes cannot slip past.
Exempt by design, each with its reason: EXEMPT_PUBLIC, NATIONAL, SHARED.
"""

from __future__ import annotations

import collections
import functools
import re

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from .routes import ROUTES, Unfillable, fill
from .snapshot import changes, last_audit_id, snapshot
from .traffic import client_for, leaked, refused, send, still_logged_in
from .world import SCOPES, build_outsiders

pytestmark = pytest.mark.django_db

# Public by design: whoever holds the link may use it (all in settings.PUBLIC_URL_NAMES).
EXEMPT_PUBLIC = {
    "scheduling:calendar-feed": "a secret feed link: the secret is the permission",
    "certificates:verify": "the QR code's page: anyone who holds the certificate may check it",
    "certificates:verify-json": "the same for machines",
    "certificates:candidate-download": "the holder's signed, expiring download link",
}
# Objects of no organisation: the national exam catalogue (scope catalogue:read).
NATIONAL = {
    "api:component-detail": "a component of the national catalogue",
    "api:examversion-detail": "an exam version of the national catalogue (without its cut-off)",
    "api:route-detail": "a learning route of the national catalogue",
}
# (route, object): an object of home's that every organisation may see, and why.
SHARED = {
    ("api:scheduling-session-seats", "published session"): (
        "published sessions are the national availability list: every municipality books "
        "its residents into any centre's published session"
    ),
}
# Pages that act on the caller's own account only: what they write is not checked.
SELF_SERVICE = {
    "examens:otp-enrol": "starts adding an authenticator app to the caller's own account",
    # An export is a POST because it writes its audit event; an outsider's export is of
    # the outsider's own municipality (or refused), so the event is all it writes.
    "monitoring:overview-export-csv": "exports the caller's own municipality's aggregates",
    "monitoring:overview-export-xlsx": "exports the caller's own municipality's aggregates",
}
METHODS = ("GET", "POST")
MIN_REQUESTS = 5_000


def plan(home):
    """[(route, label, path)] for every route that is not exempt."""
    return [
        (route, label, path)
        for route in ROUTES
        if route.key not in EXEMPT_PUBLIC and route.key not in NATIONAL
        for label, path in fill(route, home)
    ]


def tries(principal, route) -> bool:
    """Persons try every route. Tokens authenticate the API only: each tries the API, and
    the token with every scope the pages too (the admin knows sessions only)."""
    if principal.user is not None or route.is_api:
        return True
    return principal.scopes == SCOPES and not route.is_admin


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (path, method.upper())
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_route_is_filled_from_the_world_or_exempt_by_design(home):
    unfillable = []
    for route in ROUTES:
        try:
            fill(route, home)
        except Unfillable as error:
            unfillable.append(f"{route.template} ({route.key}): {error}")

    assert not unfillable, "teach tests/access/routes.py these parameters:\n" + "\n".join(
        unfillable
    )


def test_the_exemptions_are_few_exist_and_public_pages_are_in_the_public_list():
    keys = {route.key for route in ROUTES}

    assert set(EXEMPT_PUBLIC) <= settings.PUBLIC_URL_NAMES
    assert set(EXEMPT_PUBLIC) | set(NATIONAL) | {name for name, _ in SHARED} <= keys
    assert len(EXEMPT_PUBLIC) + len(NATIONAL) + len(SHARED) <= 8


def test_every_api_operation_of_the_schema_is_a_route_of_the_walk():
    """The API operations of the OpenAPI schema are routes of the walk, and each of their
    methods is one the matrix sends (NATIONAL routes aside, every route is in it)."""
    shape = functools.partial(re.sub, r"\{\w+\}", "{}")  # the schema calls `pk` `id`
    templates = {shape(route.template) for route in ROUTES}
    operations = schema_operations()

    assert operations
    assert {shape(path) for path, _ in operations} <= templates
    assert {method for _, method in operations} <= set(METHODS)


def test_no_outsider_reaches_an_object_of_the_home_organisation(home):
    outsiders = build_outsiders(home)
    requests = plan(home)
    counts: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    for principal in outsiders:
        client = client_for(principal)
        before, audit_from = snapshot(), last_audit_id()
        for route, label, path in requests:
            if not tries(principal, route):
                continue
            for method in METHODS:
                if route.key in SELF_SERVICE:  # what it writes is the caller's own
                    failures += changes(before, snapshot(), audit_from)
                response, sent = send(client, route, method, path, home)
                counts["requests"] += 1
                counts["by tokens" if principal.token else "by persons"] += 1
                counts[f"status {response.status_code}"] += 1
                where = f"{principal.label}: {method} {path} ({route.key}, {label})"
                shared = (route.key, label) in SHARED
                if route.params and not shared and not refused(response):
                    failures.append(f"{where} answered {response.status_code}")
                if markers := leaked(response, home, sent):
                    failures.append(f"{where} shows {markers}")
                if method == "POST":
                    still_logged_in(client, principal)
                if route.key in SELF_SERVICE:
                    before, audit_from = snapshot(), last_audit_id()
        if changed := changes(before, snapshot(), audit_from):
            failures.append(f"{principal.label} changed the database: {changed}")
    counts["routes"] = len({route.key for route, _, _ in requests})
    counts["urls"] = len(requests)
    counts["principals"] = len(outsiders)
    print(f"\naccess matrix: {dict(counts)}")

    assert not failures, f"{len(failures)} of {counts['requests']} requests:\n" + "\n".join(
        failures[:80]
    )
    assert counts["requests"] >= MIN_REQUESTS
