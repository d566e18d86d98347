"""Releasing sessions' results at once (PostgreSQL, one connection per thread).

A late result extends the candidate's term, which locks the candidate. Two
sessions released at once that share candidates lock them in primary-key
order, so they never deadlock.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import Decision
from grading.models import Result
from grading.services import release_session_results
from grading.services.results import create_scored_draft
from scheduling.models import ExamSession
from tests.conftest import agency_staff, fresh_factor, race, require_service
from tests.examens.factories import AgencyFactory, CandidateFactory
from tests.grading.factories import BookingFactory, SessionFactory, version

pytestmark = pytest.mark.services

ROUNDS = 4


def _late_session(code: str) -> ExamSession:
    return SessionFactory(
        exam_version=version(code), starts_at=timezone.now() - datetime.timedelta(days=60)
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sessions_sharing_candidates_release_at_once_without_deadlock():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    AgencyFactory()
    actors = [fresh_factor(agency_staff()), fresh_factor(agency_staff())]
    for _round in range(ROUNDS):
        first, second = CandidateFactory(), CandidateFactory()
        reading, writing = _late_session("LEZ-B1-2026A"), _late_session("SCH-B1-2026A")
        # Results in opposite candidate order: reading (first, second), writing (second, first).
        for session, candidates in ((reading, (first, second)), (writing, (second, first))):
            for candidate in candidates:
                booking = BookingFactory(session=session, candidate=candidate)
                with transaction.atomic():
                    create_scored_draft(booking, actor=SYSTEM, raw=30, source="test")

        results = race(
            [
                lambda s=session, a=actor: release_session_results(
                    ExamSession.objects.get(pk=s.pk), actor=a
                )
                for session, actor in zip((reading, writing), actors, strict=True)
            ]
        )

        assert not any(isinstance(r, Exception) for r in results), results
        released = Result.objects.filter(
            candidate__in=[first, second], status=Result.Status.RELEASED
        )
        assert released.count() == 4
        extensions = Decision.objects.filter(
            candidate__in=[first, second], ground=Decision.Ground.LATE_RESULT
        )
        assert extensions.count() == 4
