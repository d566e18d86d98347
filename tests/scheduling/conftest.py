"""The planner's page fixtures: a session to plan for, its centre's planner logged in with
a verified second factor, and a planner of another organisation.

A module that needs the session at another time overrides `session`; the planner and
the clients follow it.
"""

import datetime

import pytest
from django.utils import timezone

from examens.models import Role
from tests.conftest import login_verified
from tests.examens.factories import MembershipFactory
from tests.scheduling.factories import SessionFactory, planner_of


@pytest.fixture
def session():
    """A published session three days ahead, its booking still open."""
    return SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=3))


@pytest.fixture
def planner(session):
    return planner_of(session.centre.organisation)


@pytest.fixture
def planner_client(client, planner):
    login_verified(client, planner)
    return client


@pytest.fixture
def stranger_client(client):
    """A planner of another organisation: the session's pages are not theirs."""
    login_verified(client, MembershipFactory(role=Role.PLANNER).user)
    return client
