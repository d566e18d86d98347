"""A PostgreSQL connection dropped mid-request: a clean 503 to try again, nothing
half-written, and the next request on the same thread (a server's worker) works.

The request is held at a known point, inside the booking's transaction, by the
session row the test has locked; then its database session is ended from outside
(`pg_terminate_backend`, what an administrator, a failover or a restart does).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from examens.audit import verify_chain
from examens.models import AuditEvent
from scheduling.models import Booking, ExamSession
from tests.conftest import login_verified, require_service
from tests.scheduling.factories import SessionFactory, candidate_for, planner_of
from tests.scheduling.test_api import token_client

from .conftest import backends_waiting_for_a_lock
from .processes import wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def terminate(pids: list[int]) -> None:
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def booking_request(via: str, session: ExamSession, candidate):
    """A planner's booking through the page, or a municipal system's through the API."""
    client = Client()
    if via == "page":
        login_verified(client, planner_of(session.centre.organisation))
        url = reverse("scheduling:session-book", args=[session.pk])
        return lambda: client.post(url, {"candidate": candidate.pk}), 302
    token_client(client, session.centre.organisation)
    url = reverse("api:scheduling-booking-create")
    body = {"session": session.pk, "candidate": candidate.pk}
    return (
        lambda: client.post(
            url, body, content_type="application/json", headers={"Idempotency-Key": "b-1"}
        ),
        201,
    )


@pytest.mark.parametrize("via", ["page", "api"])
def test_connection_dropped_mid_request_answers_503_writes_nothing_and_the_next_request_books(
    via, caplog
):
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    session = SessionFactory()
    candidate = candidate_for(session)
    send, booked = booking_request(via, session, candidate)

    # One thread for both requests: the second one reuses what the first left behind.
    with ThreadPoolExecutor(max_workers=1) as server_thread:
        with caplog.at_level(logging.WARNING, logger="examens.views.unavailable"):
            with transaction.atomic():
                ExamSession.objects.select_for_update().get(pk=session.pk)
                pending = server_thread.submit(send)
                waiting = wait_until(
                    backends_waiting_for_a_lock, timeout=30, what="the request in its booking"
                )
                terminate(waiting)
            dropped = pending.result(timeout=30)

        assert dropped.status_code == 503
        assert dropped["Retry-After"] == "5"
        assert b"Traceback" not in dropped.content
        if via == "api":
            assert dropped.json()["code"] == "database_unavailable"
        else:
            assert "Tijdelijk niet beschikbaar" in dropped.content.decode()
        assert "Database unavailable during POST" in caplog.text
        # Nothing of the booking: no row, no seat taken, no audit event.
        assert not Booking.objects.exists()
        assert ExamSession.objects.get(pk=session.pk).booked_count == 0
        assert not AuditEvent.objects.filter(action="scheduling.booking.created").exists()

        retry = server_thread.submit(send).result(timeout=30)
        server_thread.submit(connections.close_all).result(timeout=30)

    assert retry.status_code == booked
    assert Booking.objects.get().candidate == candidate
    assert ExamSession.objects.get(pk=session.pk).booked_count == 1
    assert AuditEvent.objects.filter(action="scheduling.booking.created").count() == 1
    assert verify_chain()[1] is None
