"""A database that cannot be reached answers 503 with Retry-After, never a traceback.

Here the database fails by the driver raising what it raises when the connection is
gone; tests/faults/test_database_dropped.py ends a real PostgreSQL session instead.
"""

import contextlib

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

from examens.models import AuditEvent
from scheduling.models import Booking, ExamSession
from tests.conftest import login_verified
from tests.scheduling.factories import SessionFactory, candidate_for, planner_of
from tests.scheduling.test_api import token_client

pytestmark = pytest.mark.django_db

LOST = "server closed the connection unexpectedly"


WRITES = ("UPDATE", "INSERT", "PREPARE", "EXECUTE")  # on PostgreSQL the seat is prepared


@contextlib.contextmanager
def connection_lost_when_a_seat_is_taken():
    """The connection is lost at the first write inside the booking's transaction (taking
    the seat): inside the test's own transaction, the service's is the second level."""
    execute = CursorWrapper.execute

    def failing(self, sql, params=None):
        inside_service = len(connection.atomic_blocks) > 1
        if inside_service and sql.lstrip().upper().startswith(WRITES):
            raise OperationalError(LOST)
        return execute(self, sql, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", failing)
        yield


@pytest.fixture
def session():
    return SessionFactory()


def nothing_booked(session) -> bool:
    return (
        not Booking.objects.exists()
        and ExamSession.objects.get(pk=session.pk).booked_count == 0
        and not AuditEvent.objects.filter(action="scheduling.booking.created").exists()
    )


def test_a_page_answers_503_with_a_clear_message_and_books_nothing(client, session):
    login_verified(client, planner_of(session.centre.organisation))
    candidate = candidate_for(session)

    with connection_lost_when_a_seat_is_taken():
        response = client.post(
            reverse("scheduling:session-book", args=[session.pk]), {"candidate": candidate.pk}
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Tijdelijk niet beschikbaar" in page
    assert "probeer het over enkele seconden opnieuw" in page
    assert LOST not in page
    assert nothing_booked(session)


def test_the_api_answers_503_in_its_error_shape_and_books_nothing(client, session):
    api = token_client(client, session.centre.organisation)
    candidate = candidate_for(session)

    with connection_lost_when_a_seat_is_taken():
        response = api.post(
            reverse("api:scheduling-booking-create"),
            {"session": session.pk, "candidate": candidate.pk},
            content_type="application/json",
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "database_unavailable"
    assert LOST not in response.content.decode()
    assert nothing_booked(session)


def test_a_database_failing_before_the_view_answers_503_too(session, monkeypatch):
    client = Client(raise_request_exception=False)
    login_verified(client, planner_of(session.centre.organisation))

    def lost(self):
        raise OperationalError(LOST)

    monkeypatch.setattr(SessionStore, "load", lost)  # the session is read in a middleware
    response = client.get(reverse("scheduling:week"))

    assert response.status_code == 503
    assert "Tijdelijk niet beschikbaar" in response.content.decode()


def test_any_other_error_outside_a_view_stays_a_plain_500(session, monkeypatch):
    client = Client(raise_request_exception=False)
    login_verified(client, planner_of(session.centre.organisation))

    def broken(self):
        raise ValueError("not a database problem")

    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get(reverse("scheduling:week"))

    assert response.status_code == 500
    assert "Tijdelijk niet beschikbaar" not in response.content.decode()
