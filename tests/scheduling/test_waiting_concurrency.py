"""The waiting list under real concurrency (PostgreSQL, one connection per thread).

Services decide from the locked rows, never from the caller's copy: an entry
loaded before an offer was made is withdrawn with its held seat released. A
freed seat's candidate is picked without a lock, then locked and re-checked.
"""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from scheduling.eligibility import register_check, unregister_check
from scheduling.exceptions import BookingRefused
from scheduling.models import Booking, ExamSession, WaitingListEntry
from scheduling.services import (
    accept_offer,
    add_to_waiting_list,
    book_candidate,
    cancel_booking,
    withdraw_from_waiting_list,
)
from scheduling.services.offers import offer_seat
from tests.conftest import agency_staff, race, require_service
from tests.scheduling.factories import SessionFactory, candidate_for

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_withdrawing_a_copy_loaded_before_the_offer_releases_the_held_seat():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor = agency_staff()
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


def _waiting(session, actor, count):
    return [
        add_to_waiting_list(
            candidate_for(session), actor=actor, centre=session.centre, component=session.component
        )
        for _ in range(count)
    ]


def _session_is_locked(session_id) -> bool:
    """Ask from another connection whether the session's row is locked right now."""

    def probe():
        with transaction.atomic():
            ExamSession.objects.select_for_update(nowait=True).get(pk=session_id)

    (outcome,) = race([probe])
    return isinstance(outcome, OperationalError)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_freed_seat_is_chosen_outside_the_session_lock():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor = agency_staff()
    session = SessionFactory(capacity=1)
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    *refused, eligible = _waiting(session, actor, 3)
    refused_ids = {entry.candidate_id for entry in refused}
    locked_while_assessing = []

    def higher_app_rule(ctx):
        locked_while_assessing.append(_session_is_locked(session.pk))
        if ctx.candidate.pk in refused_ids:
            return BookingRefused("not now", code="not_now")
        return None

    register_check(higher_app_rule)
    try:
        cancel_booking(Booking.objects.get(pk=booking.pk), actor=actor)
    finally:
        unregister_check(higher_app_rule)

    eligible.refresh_from_db()
    assert eligible.status == "offered"
    assert [
        entry.status for entry in WaitingListEntry.objects.filter(pk__in=[r.pk for r in refused])
    ] == ["waiting", "waiting"]
    # Three entries assessed without the lock, then only the chosen one re-checked under it.
    assert locked_while_assessing == [False, False, False, True]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_candidate_withdrawn_while_chosen_passes_the_seat_to_the_next():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor = agency_staff()
    session = SessionFactory(capacity=1)
    first, second = _waiting(session, actor, 2)
    withdrawing = threading.Event()

    def withdraw_first():
        with transaction.atomic():  # holds the entry's lock while the seat is offered
            withdraw_from_waiting_list(first, actor=actor)
            withdrawing.set()
            time.sleep(0.5)

    def offer():
        assert withdrawing.wait(timeout=10)
        return offer_seat(session.pk, actor=actor)

    results = race([withdraw_first, offer])

    assert isinstance(results[1], WaitingListEntry), results
    assert results[1].pk == second.pk
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("withdrawn", "offered")
    assert ExamSession.objects.get(pk=session.pk).held_count == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_offers_for_one_freed_seat_at_once_hold_it_once():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor = agency_staff()
    session = SessionFactory(capacity=1)
    _waiting(session, actor, 2)

    results = race([lambda: offer_seat(session.pk, actor=actor) for _ in range(2)])

    assert sum(isinstance(r, WaitingListEntry) for r in results) == 1, results
    assert results.count(None) == 1
    assert ExamSession.objects.get(pk=session.pk).held_count == 1
    assert WaitingListEntry.objects.filter(status="offered").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_accepting_with_a_copy_loaded_before_the_offer_books_the_held_seat():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor = agency_staff()
    session = SessionFactory(capacity=1)
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    (entry,) = _waiting(session, actor, 1)
    loaded = WaitingListEntry.objects.get(pk=entry.pk)  # loaded before the seat came free
    cancelled = threading.Event()

    def cancel():
        try:
            return cancel_booking(Booking.objects.get(pk=booking.pk), actor=actor)
        finally:
            cancelled.set()

    def accept():
        assert cancelled.wait(timeout=30)
        return accept_offer(loaded, actor=actor)

    results = race([cancel, accept])

    assert isinstance(results[1], Booking), results
    entry.refresh_from_db()
    session = ExamSession.objects.get(pk=session.pk)
    assert entry.status == "accepted"
    assert (session.booked_count, session.held_count) == (1, 0)
