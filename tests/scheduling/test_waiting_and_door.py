"""Waiting list offers, check-in at the door, refusals and irregularities."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import AuditEvent
from scheduling.exceptions import BookingStateError, SchedulingError
from scheduling.models import ExamSession, WaitingListEntry
from scheduling.services import (
    accept_offer,
    add_to_waiting_list,
    book_candidate,
    cancel_booking,
    check_in_booking,
    expire_offer,
    reject_at_door,
    report_irregularity,
    withdraw_from_waiting_list,
)
from scheduling.tasks import expire_offers_task
from tests.conftest import agency_staff
from tests.examens.factories import component, route
from tests.scheduling.factories import SessionFactory, candidate_for

pytestmark = pytest.mark.django_db


def committed():
    """Run what the block queues for after commit, as the real commit would (the seat is
    offered after the transaction that freed it)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def actor():
    return agency_staff()


def offered_seat(actor, *, waiting=2):
    """A full one-seat session whose booking is cancelled: the seat goes to the queue."""
    session = SessionFactory(capacity=1)
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    entries = [
        add_to_waiting_list(
            candidate_for(session), actor=actor, centre=session.centre, component=session.component
        )
        for _ in range(waiting)
    ]
    with committed():
        cancel_booking(booking, actor=actor)
    for entry in entries:
        entry.refresh_from_db()
    session.refresh_from_db()
    return session, entries


def test_waiting_list_refuses_a_component_outside_the_route(actor):
    session = SessionFactory()
    with pytest.raises(SchedulingError) as info:
        add_to_waiting_list(
            candidate_for(session, route=route("Z")),
            actor=actor,
            centre=session.centre,
            component=component("KNM"),
        )
    assert info.value.code == "not_required_by_route"


def test_waiting_list_refuses_a_second_entry(actor):
    session = SessionFactory()
    candidate = candidate_for(session)
    add_to_waiting_list(candidate, actor=actor, centre=session.centre, component=session.component)
    with pytest.raises(SchedulingError) as info:
        add_to_waiting_list(
            candidate, actor=actor, centre=session.centre, component=session.component
        )
    assert info.value.code == "already_waiting"


def test_freed_seat_is_offered_to_the_first_in_line_and_held(actor):
    session, (first, second) = offered_seat(actor)

    assert (first.status, second.status) == ("offered", "waiting")
    assert first.offer_expires_at > timezone.now() + datetime.timedelta(hours=47)
    assert session.held_count == 1
    assert session.seats_free == 0


def test_a_held_seat_cannot_be_booked_by_someone_else(actor):
    session, _entries = offered_seat(actor)
    with pytest.raises(SchedulingError) as info:
        book_candidate(session, actor=actor, candidate=candidate_for(session))
    assert info.value.code == "session_full"


def test_accepting_an_offer_books_the_held_seat(actor):
    session, (first, _second) = offered_seat(actor)

    booking = accept_offer(first, actor=actor)
    again = accept_offer(first, actor=actor)

    session.refresh_from_db()
    first.refresh_from_db()
    assert again.pk == booking.pk
    assert (session.booked_count, session.held_count) == (1, 0)
    assert first.status == "accepted"
    assert first.booking == booking


def test_an_expired_offer_cannot_be_accepted(actor):
    _session, (first, _second) = offered_seat(actor)
    WaitingListEntry.objects.filter(pk=first.pk).update(offer_expires_at=timezone.now())
    first.refresh_from_db()

    with pytest.raises(SchedulingError) as info:
        accept_offer(first, actor=actor)
    assert info.value.code == "offer_expired"


def test_expiry_job_moves_the_offer_to_the_next_and_is_safe_to_run_twice(actor):
    session, (first, second) = offered_seat(actor)
    WaitingListEntry.objects.filter(pk=first.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    with committed():
        assert expire_offers_task() == 1
    with committed():
        assert expire_offers_task() == 0

    first.refresh_from_db()
    second.refresh_from_db()
    session.refresh_from_db()
    assert (first.status, second.status) == ("expired", "offered")
    assert session.held_count == 1
    assert AuditEvent.objects.filter(action="scheduling.waiting.offer_expired").count() == 1


def test_expiry_before_the_deadline_changes_nothing(actor):
    _session, (first, _second) = offered_seat(actor)
    assert expire_offer(first, actor=SYSTEM).status == "offered"


def test_last_offer_expiring_releases_the_seat(actor):
    session, (only,) = offered_seat(actor, waiting=1)
    WaitingListEntry.objects.filter(pk=only.pk).update(offer_expires_at=timezone.now())

    with committed():
        expire_offers_task()

    session.refresh_from_db()
    assert session.held_count == 0
    assert session.seats_free == 1


def test_withdrawing_an_offered_entry_passes_the_seat_on(actor):
    _session, (first, second) = offered_seat(actor)

    with committed():
        withdraw_from_waiting_list(first, actor=actor)

    second.refresh_from_db()
    assert second.status == "offered"


def test_ineligible_waiting_candidate_is_skipped(actor):
    session = SessionFactory(capacity=1)
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    busy = candidate_for(session)
    book_candidate(SessionFactory(centre=session.centre), actor=actor, candidate=busy)
    skipped = add_to_waiting_list(
        busy, actor=actor, centre=session.centre, component=session.component
    )
    next_one = add_to_waiting_list(
        candidate_for(session), actor=actor, centre=session.centre, component=session.component
    )

    with committed():
        cancel_booking(booking, actor=actor)

    skipped.refresh_from_db()
    next_one.refresh_from_db()
    assert (skipped.status, next_one.status) == ("waiting", "offered")


# --- the door ----------------------------------------------------------------------------


def booked_now(actor):
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=5))
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    ExamSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    booking.session.refresh_from_db()
    return booking


def test_check_in_needs_confirmed_identity(actor):
    booking = booked_now(actor)
    with pytest.raises(SchedulingError) as info:
        check_in_booking(booking, actor=actor, identity_confirmed=False)
    assert info.value.code == "identity_not_confirmed"


def test_check_in_admits_and_is_idempotent(actor):
    booking = booked_now(actor)

    check_in_booking(booking, actor=actor, identity_confirmed=True)
    check_in_booking(booking, actor=actor, identity_confirmed=True)

    booking.refresh_from_db()
    assert booking.status == "checked_in"
    assert booking.identity_confirmed_by == actor
    assert AuditEvent.objects.filter(action="scheduling.booking.checked_in").count() == 1


def test_check_in_refused_days_before_the_session(actor):
    session = SessionFactory()
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    with pytest.raises(BookingStateError) as info:
        check_in_booking(booking, actor=actor, identity_confirmed=True)
    assert info.value.code == "door_closed"


def test_rejection_at_the_door_does_not_consume_the_attempt(actor):
    booking = booked_now(actor)

    reject_at_door(booking, actor=actor, reason="ID does not match")

    booking.refresh_from_db()
    assert booking.status == "rejected"
    assert booking.counts_as_attempt is False
    retry = SessionFactory(centre=booking.session.centre)
    assert book_candidate(retry, actor=actor, candidate=booking.candidate).attempt_number == 1


def test_rejection_needs_a_reason(actor):
    with pytest.raises(SchedulingError):
        reject_at_door(booked_now(actor), actor=actor, reason="")


def test_irregularity_is_reported_for_a_checked_in_candidate(actor):
    booking = booked_now(actor)
    with pytest.raises(BookingStateError):
        report_irregularity(booking, actor=actor, description="phone")
    check_in_booking(booking, actor=actor, identity_confirmed=True)

    report = report_irregularity(booking, actor=actor, description="Phone on the desk")

    assert report.reported_by == actor
    assert AuditEvent.objects.filter(action="scheduling.booking.irregularity_reported").exists()


def test_door_refuses_a_cancelled_session(actor):
    booking = booked_now(actor)
    ExamSession.objects.filter(pk=booking.session_id).update(status="cancelled")
    booking.session.refresh_from_db()

    with pytest.raises(BookingStateError) as info:
        check_in_booking(booking, actor=actor, identity_confirmed=True)
    assert info.value.code == "session_not_open"
