"""Retakes (decision 0026): a sat attempt stops blocking; its result must be released first."""

import pytest
from django.db import IntegrityError, transaction

from grading.eligibility import refuse_while_result_pending
from scheduling.eligibility import assess, build_context
from scheduling.exceptions import AlreadyBooked, BookingRefused
from scheduling.models import Booking
from scheduling.services import book_candidate
from tests.conftest import agency_staff
from tests.grading.factories import BookingFactory, sat_attempt
from tests.grading.factories import SessionFactory as HeldSessionFactory
from tests.scheduling.factories import SessionFactory, candidate_for

pytestmark = pytest.mark.django_db


def test_a_failed_candidate_books_a_retake_as_second_attempt():
    session = SessionFactory()
    candidate = candidate_for(session)
    sat_attempt(candidate)

    retake = book_candidate(session, actor=agency_staff(), candidate=candidate)

    assert retake.status == Booking.Status.BOOKED
    assert retake.attempt_number == 2


def test_a_retake_waits_for_the_result_of_the_sat_attempt():
    session = SessionFactory()
    candidate = candidate_for(session)
    sat_attempt(candidate, release=False)

    with pytest.raises(BookingRefused) as refused:
        book_candidate(session, actor=agency_staff(), candidate=candidate)

    assert refused.value.code == "result_pending"
    assert not Booking.objects.filter(session=session).exists()
    codes = [p.code for p in assess(candidate, session).problems]
    assert codes == ["result_pending"]


def test_a_checked_in_attempt_without_any_result_holds_the_retake():
    session = SessionFactory()
    candidate = candidate_for(session)
    BookingFactory(candidate=candidate, session=HeldSessionFactory())

    refusal = refuse_while_result_pending(build_context(candidate, session))

    assert refusal is not None
    assert refusal.code == "result_pending"


def test_a_no_show_may_book_again_at_once():
    session = SessionFactory()
    candidate = candidate_for(session)
    sat_attempt(candidate, status=Booking.Status.NO_SHOW)

    assert assess(candidate, session).problems == []
    assert book_candidate(session, actor=agency_staff(), candidate=candidate).pk


def test_a_passed_attempt_still_refuses_the_retake():
    session = SessionFactory()
    candidate = candidate_for(session)
    sat_attempt(candidate, raw=40)

    codes = [p.code for p in assess(candidate, session).problems]

    assert codes == ["already_passed"]


def test_a_booking_not_sat_yet_still_blocks_a_second_one():
    session = SessionFactory()
    other = SessionFactory(centre=session.centre)
    candidate = candidate_for(session)
    sat_attempt(candidate)
    book_candidate(session, actor=agency_staff(), candidate=candidate)

    with pytest.raises(AlreadyBooked):
        book_candidate(other, actor=agency_staff(), candidate=candidate)
    assert [p.code for p in assess(candidate, other).problems] == ["already_booked"]


def test_the_database_refuses_two_pending_bookings_of_one_component():
    session = SessionFactory()
    candidate = candidate_for(session)
    sat_attempt(candidate)
    book_candidate(session, actor=agency_staff(), candidate=candidate)
    duplicate = BookingFactory(
        candidate=candidate, session=SessionFactory(centre=session.centre), status="checked_in"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=duplicate.pk).update(status=Booking.Status.BOOKED)
