"""Capacity and one-open-booking under real concurrency (PostgreSQL, separate connections)."""

import pytest
from django.db import connection

from examens.models import Candidate
from scheduling.exceptions import AlreadyBooked, SessionFull
from scheduling.models import Booking, ExamSession
from scheduling.services import book_candidate
from tests.conftest import agency_staff, race, require_service
from tests.grading.factories import sat_attempt
from tests.scheduling.factories import SessionFactory, candidate_for

THREADS = 60


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixty_simultaneous_bookings_at_the_last_seats_never_overbook():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    session = SessionFactory(capacity=40)
    actor = agency_staff()
    for _ in range(37):  # three seats left
        book_candidate(session, actor=actor, candidate=candidate_for(session))
    candidates = [candidate_for(session) for _ in range(THREADS)]

    def job(candidate):
        return lambda: book_candidate(
            ExamSession.objects.get(pk=session.pk), actor=actor, candidate=candidate
        )

    results = race([job(Candidate.objects.get(pk=c.pk)) for c in candidates])

    booked = [r for r in results if isinstance(r, Booking)]
    full = [r for r in results if isinstance(r, SessionFull)]
    assert len(booked) == 3
    assert len(full) == THREADS - 3, [
        r for r in results if not isinstance(r, Booking | SessionFull)
    ]
    assert all(r.code == "session_full" for r in full)
    session.refresh_from_db()
    assert session.booked_count == 40
    assert Booking.objects.filter(session=session, status="booked").count() == 40


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_planners_booking_one_candidate_into_two_sessions_one_wins():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    first = SessionFactory()
    second = SessionFactory(centre=first.centre)
    candidate = candidate_for(first)
    planners = [agency_staff(), agency_staff()]

    for _round in range(5):
        Booking.objects.filter(candidate=candidate).update(status="cancelled")
        ExamSession.objects.filter(pk__in=[first.pk, second.pk]).update(booked_count=0)
        results = race(
            [
                lambda s=s, p=p: book_candidate(
                    ExamSession.objects.get(pk=s.pk), actor=p, candidate=candidate
                )
                for s, p in zip((first, second), planners, strict=True)
            ]
        )

        winners = [r for r in results if isinstance(r, Booking)]
        losers = [r for r in results if isinstance(r, AlreadyBooked)]
        assert len(winners) == 1
        assert len(losers) == 1, results
        assert losers[0].code == "already_booked"
        assert (
            Booking.objects.filter(candidate=candidate, status__in=["booked", "checked_in"]).count()
            == 1
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_retries_with_one_idempotency_key_book_once():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    session = SessionFactory()
    candidate = candidate_for(session)
    actor = agency_staff()

    def job():
        return book_candidate(
            ExamSession.objects.get(pk=session.pk),
            actor=actor,
            candidate=Candidate.objects.get(pk=candidate.pk),
            idempotency_key="retry-1",
        )

    results = race([job for _ in range(8)])

    assert all(isinstance(r, Booking) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    session.refresh_from_db()
    assert session.booked_count == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_retake_bookings_after_a_failed_attempt_one_wins():
    """Decision 0026: a sat attempt no longer blocks, so only the partial unique index on
    pending bookings stops two simultaneous retakes (the rules read before it commits)."""
    require_service("PostgreSQL", connection.vendor == "postgresql")
    first = SessionFactory()
    second = SessionFactory(centre=first.centre)
    candidate = candidate_for(first)
    sat_attempt(candidate)
    planners = [agency_staff(), agency_staff()]

    for _round in range(5):
        Booking.objects.filter(candidate=candidate, status="booked").update(
            status="cancelled", counts_as_attempt=False
        )
        ExamSession.objects.filter(pk__in=[first.pk, second.pk]).update(booked_count=0)
        results = race(
            [
                lambda s=s, p=p: book_candidate(
                    ExamSession.objects.get(pk=s.pk), actor=p, candidate=candidate
                )
                for s, p in zip((first, second), planners, strict=True)
            ]
        )

        winners = [r for r in results if isinstance(r, Booking)]
        losers = [r for r in results if isinstance(r, AlreadyBooked)]
        assert len(winners) == 1, results
        assert len(losers) == 1, results
        assert winners[0].attempt_number == 2
        assert Booking.objects.filter(candidate=candidate, status="booked").count() == 1
