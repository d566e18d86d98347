"""The waiting list under real concurrency (PostgreSQL, one connection per thread).

Services decide from the locked rows, never from the caller's copy: an entry
loaded before an offer was made is withdrawn with its held seat released.
"""

import threading

import pytest
from django.db import connection

from scheduling.models import Booking, ExamSession, WaitingListEntry
from scheduling.services import (
    add_to_waiting_list,
    book_candidate,
    cancel_booking,
    withdraw_from_waiting_list,
)
from tests.conftest import race, require_service
from tests.examens.factories import UserFactory
from tests.scheduling.factories import SessionFactory, candidate_for

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_withdrawing_a_copy_loaded_before_the_offer_releases_the_held_seat():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor = UserFactory()
    session = SessionFactory(capacity=1)
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    entry = add_to_waiting_list(
        candidate_for(session), actor=actor, centre=session.centre, component=session.component
    )
    loaded = WaitingListEntry.objects.get(pk=entry.pk)  # the page shows "waiting"
    cancelled = threading.Event()

    def cancel():
        try:
            return cancel_booking(Booking.objects.get(pk=booking.pk), actor=actor)
        finally:
            cancelled.set()

    def withdraw():
        assert cancelled.wait(timeout=30)
        return withdraw_from_waiting_list(loaded, actor=actor)

    results = race([cancel, withdraw])

    assert not any(isinstance(r, Exception) for r in results), results
    entry.refresh_from_db()
    session = ExamSession.objects.get(pk=session.pk)
    assert entry.status == "withdrawn"
    assert (session.booked_count, session.held_count) == (0, 0)
    assert session.seats_free == 1
