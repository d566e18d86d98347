"""Data for the capacity tests: sessions in a given ISO week, sat bookings with a wait."""

from __future__ import annotations

import datetime

from django.utils import timezone

from monitoring.demand import monday_of
from scheduling.models import Booking, ExamSession
from tests.grading.factories import BookingFactory
from tests.scheduling.factories import SessionFactory


def this_monday() -> datetime.date:
    return monday_of(timezone.localdate())


def at(week: int, *, day: int = 2, hour: int = 10) -> datetime.datetime:
    """A local time in the `week`-th ISO week from the current one (Wednesday 10:00)."""
    moment = datetime.datetime.combine(
        this_monday() + datetime.timedelta(weeks=week, days=day), datetime.time(hour)
    )
    return timezone.make_aware(moment)


def session_in(week: int, *, day: int = 2, hour: int = 10, **kwargs) -> ExamSession:
    starts_at = at(week, day=day, hour=hour)
    kwargs.setdefault("booking_closes_at", starts_at - datetime.timedelta(hours=48))
    return SessionFactory(starts_at=starts_at, **kwargs)


def sitting(session: ExamSession, *, waited_days: int, **kwargs) -> Booking:
    """A checked-in booking of `session` made `waited_days` before it started."""
    booking = BookingFactory(session=session, **kwargs)
    Booking.objects.filter(pk=booking.pk).update(
        created_at=session.starts_at - datetime.timedelta(days=waited_days)
    )
    return booking
