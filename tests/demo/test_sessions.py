"""demo.sessions: past sessions went through the door, so grading has attempts to grade."""

import io

import pytest
from django.core.management import call_command

from demo.waiting import rated_before
from scheduling.models import Booking, ExamSession

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--candidates", "60", stdout=out)
    return out.getvalue()


def test_demo_holds_past_sessions_with_door_outcomes_and_is_idempotent():
    seed()
    # The sittings of the last days wait for the examiners (tests/demo/test_first_start.py).
    past = ExamSession.objects.filter(starts_at__lt=rated_before())
    statuses = list(Booking.objects.filter(session__in=past).values_list("status", flat=True))
    before = (ExamSession.objects.count(), Booking.objects.count())

    output = seed()

    assert past.count() == 5
    assert set(past.values_list("status", flat=True)) <= {"held", "results_complete"}
    assert statuses.count(Booking.Status.CHECKED_IN) == 30
    assert statuses.count(Booking.Status.NO_SHOW) == 2
    assert statuses.count(Booking.Status.REJECTED) == 1
    sat_everything = (
        Booking.objects.filter(session__in=past, status=Booking.Status.CHECKED_IN)
        .values("candidate")
        .distinct()
        .count()
    )
    assert sat_everything == 6
    assert (ExamSession.objects.count(), Booking.objects.count()) == before
    assert "Nothing to create" in output
