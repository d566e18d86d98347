"""Grading under real concurrency (PostgreSQL, one connection per thread).

Each race releases its threads at once through a barrier; the services must
serialise on the booking or result row (lock, re-check, write) so that the
loser gets a domain error, never an IntegrityError, and nothing happens twice.
"""

import threading

import pytest
from django.db import connection, transaction

from examens.audit import SYSTEM
from examens.models import AuditEvent
from grading.exceptions import GradingError, RatingNotNeeded, ResultStateError
from grading.models import Rating, Result
from grading.services import correct_result, record_rating, release_result, release_session_results
from grading.services.results import create_scored_draft
from grading.signals import result_released
from scheduling.models import ExamSession
from tests.conftest import agency_staff, fresh_factor, race, require_service
from tests.grading.factories import BookingFactory, SessionFactory, examiner, rated_booking

ROUNDS = 5


@pytest.fixture
def released_signals():
    """Result ids of every `result_released` sent, from any thread."""
    seen: list[int] = []
    lock = threading.Lock()

    def receiver(sender, result_id, **kwargs):
        with lock:
            seen.append(result_id)

    result_released.connect(receiver, weak=False)
    yield seen
    result_released.disconnect(receiver)


def _draft(booking, raw=30):
    with transaction.atomic():
        return create_scored_draft(booking, actor=SYSTEM, raw=raw, source="test")


def points(task, vocabulary, grammar):
    return {"task": task, "vocabulary": vocabulary, "grammar": grammar}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_second_ratings_store_one_and_refuse_the_other():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    for _round in range(ROUNDS):
        booking = rated_booking()
        organisation = booking.session.centre.organisation
        first, *seconds = [examiner(organisation) for _ in range(3)]
        record_rating(booking, actor=first, scores=points(10, 8, 8))

        results = race(
            [
                lambda rater=rater, booking=booking: record_rating(
                    booking, actor=rater, scores=points(10, 9, 8)
                )
                for rater in seconds
            ]
        )

        stored = [r for r in results if isinstance(r, Rating)]
        refused = [r for r in results if isinstance(r, GradingError)]
        assert len(stored) == 1, results
        assert len(refused) == 1, results
        assert isinstance(refused[0], RatingNotNeeded)
        assert refused[0].code == "rating_not_needed"
        assert stored[0].kind == Rating.Kind.SECOND
        assert Rating.objects.filter(booking=booking).count() == 2
        assert Result.objects.filter(booking=booking).count() == 1
        assert (
            AuditEvent.objects.filter(
                action="grading.result.computed", data__booking=booking.pk
            ).count()
            == 1
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_releasing_a_session_twice_at_once_releases_each_result_once(released_signals):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    for _round in range(ROUNDS):
        session = SessionFactory()
        drafts = [_draft(BookingFactory(session=session)) for _ in range(8)]
        coordinators = [fresh_factor(agency_staff()), fresh_factor(agency_staff())]
        released_signals.clear()

        results = race(
            [
                lambda actor=actor, pk=session.pk: release_session_results(
                    ExamSession.objects.get(pk=pk), actor=actor
                )
                for actor in coordinators
            ]
        )

        assert all(isinstance(r, list) for r in results), results
        ids = sorted(d.pk for d in drafts)
        assert sorted(r.pk for batch in results for r in batch) == ids
        assert sorted(released_signals) == ids
        events = AuditEvent.objects.filter(action="grading.result.released")
        assert sorted(int(e.object_id) for e in events.filter(object_id__in=ids)) == ids
        assert Result.objects.filter(pk__in=ids, status=Result.Status.RELEASED).count() == 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_releasing_one_result_alone_and_with_its_session_at_once_releases_it_once(
    released_signals,
):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    for _round in range(ROUNDS):
        session = SessionFactory()
        draft = _draft(BookingFactory(session=session))
        released_signals.clear()
        releaser = fresh_factor(agency_staff())

        results = race(
            [
                lambda pk=session.pk, actor=releaser: release_session_results(
                    ExamSession.objects.get(pk=pk), actor=actor
                ),
                lambda pk=draft.pk, actor=releaser: release_result(
                    Result.objects.get(pk=pk), actor=actor
                ),
            ]
        )

        assert not [r for r in results if isinstance(r, Exception)], results
        assert released_signals == [draft.pk]
        assert (
            AuditEvent.objects.filter(
                action="grading.result.released", object_id=str(draft.pk)
            ).count()
            == 1
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_corrections_make_one_new_version_and_refuse_the_other():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    for _round in range(ROUNDS):
        result = release_result(_draft(BookingFactory()), actor=fresh_factor(agency_staff()))
        correctors = [fresh_factor(agency_staff()), fresh_factor(agency_staff())]

        results = race(
            [
                lambda actor=actor, raw=raw, pk=result.pk: correct_result(
                    Result.objects.get(pk=pk), actor=actor, reason="key error", raw_score=raw
                )
                for actor, raw in zip(correctors, (10, 12), strict=True)
            ]
        )

        corrected = [r for r in results if isinstance(r, Result)]
        refused = [r for r in results if isinstance(r, GradingError)]
        assert len(corrected) == 1, results
        assert len(refused) == 1, results
        assert isinstance(refused[0], ResultStateError)
        assert refused[0].code == "invalid_result_state"
        versions = Result.objects.filter(booking_id=result.booking_id).order_by("version")
        assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
        assert (
            AuditEvent.objects.filter(
                action="grading.result.corrected", data__previous=result.pk
            ).count()
            == 1
        )
