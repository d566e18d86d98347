"""GET changes nothing: every URL, every kind of visitor, the database and the audit trail
compared before and after.

Every URL pattern (pages, API, admin, the public verification pages), its
parameters filled from the home world (tests/access/routes.py), is sent a GET
by an anonymous visitor, a person who has given only a password and has no
authenticator yet (the first login), each role of the owning organisation and
an outsider (verified, with a fresh code), and a platform superuser in the
admin. The whole database (every table's row count and a checksum of its rows,
the audit trail included; sessions aside, see snapshot.py) must be the same
afterwards.
"""

from __future__ import annotations

import collections

import pytest
from django.test import Client

from tests.conftest import login_verified, mark_fresh
from tests.examens.factories import UserFactory

from .routes import ROUTES, fill
from .snapshot import changes, last_audit_id, snapshot
from .world import ROLES, Home, build_outsiders

pytestmark = pytest.mark.django_db

MIN_REQUESTS = 1_500


def visitors(home: Home) -> dict[str, Client]:
    """Who sends the GETs, each with a client in the state that visitor has."""
    clients = {"anonymous": Client()}
    first_login = Client()
    first_login.force_login(UserFactory(username="first-login"))  # password only, no app
    clients["password only, no authenticator"] = first_login
    platform = UserFactory(username="platform-admin", is_staff=True, is_superuser=True)
    outsider = next(p.user for p in build_outsiders(home) if p.user is not None)
    people = {f"home {role}": home.staff[role] for role in ROLES}
    people |= {"platform superuser": platform, "outsider municipality planner": outsider}
    for label, user in people.items():
        client = Client()
        login_verified(client, user)
        mark_fresh(client)
        clients[label] = client
    return clients


# Who opens the admin: the platform superuser; anonymous is its one refused visitor here.
# Every organisation role is refused by the admin site's gate before an admin view runs
# (test_cross_organisation.py sends them every admin URL).
ADMIN_VISITORS = {"platform superuser", "anonymous"}


def paths(home: Home) -> list[tuple[bool, str, str, str]]:
    return [
        (route.is_admin, route.key, label, path)
        for route in ROUTES
        for label, path in fill(route, home)
    ]


def test_no_get_changes_the_database_or_the_audit_trail(home):
    requests = paths(home)
    counts: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    for visitor, client in visitors(home).items():
        before, audit_from = snapshot(), last_audit_id()
        for in_admin, key, label, path in requests:
            if in_admin and visitor not in ADMIN_VISITORS:
                continue
            response = client.get(path)
            counts["requests"] += 1
            counts[f"status {response.status_code}"] += 1
            if response.status_code >= 500:
                failures.append(f"{visitor}: GET {path} ({key}, {label}) answered 500")
        if changed := changes(before, snapshot(), audit_from):
            failures.append(f"{visitor}'s GETs changed the database: {changed}")
    print(f"\nGET sweep: {dict(counts)}")

    assert not failures, "\n".join(failures)
    assert counts["status 200"] > len(ROUTES)  # the pages were really shown, not refused
    assert counts["requests"] >= MIN_REQUESTS
