"""Data for the at-risk tests: candidates with terms relative to today, failed sittings."""

from __future__ import annotations

import datetime

from django.utils import timezone

from grading.models import Result
from monitoring.at_risk import add_months
from scheduling.models import Booking
from tests.examens.factories import CandidateFactory
from tests.grading.factories import BookingFactory, SessionFactory


def today() -> datetime.date:
    return timezone.localdate()


def candidate(municipality, *, started_months_ago: int, ends_in_days: int, **kwargs):
    """A candidate whose term started `started_months_ago` and ends `ends_in_days` from
    today (negative: ended)."""
    return CandidateFactory(
        municipality=municipality,
        term_start=add_months(today(), -started_months_ago),
        term_end=today() + datetime.timedelta(days=ends_in_days),
        **kwargs,
    )


def sitting(candidate, *, days_ago: int, status=Booking.Status.NO_SHOW, outcome=None) -> Booking:
    """An attempt at LEZ `days_ago`; with `outcome`, a released current result."""
    starts_at = timezone.now() - datetime.timedelta(days=days_ago)
    booking = BookingFactory(
        candidate=candidate, session=SessionFactory(starts_at=starts_at), status=status
    )
    if outcome is not None:
        Result.objects.create(
            candidate=candidate,
            component_id=booking.component_id,
            level=booking.level,
            booking=booking,
            exam_version=booking.session.exam_version,
            outcome=outcome,
            raw_score=10,
            scale_score=300 if outcome == Result.Outcome.FAILED else 600,
            sat_on=timezone.localdate(starts_at),
            status=Result.Status.RELEASED,
        )
    return booking
