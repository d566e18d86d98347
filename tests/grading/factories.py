"""Factories for grading tests. Sessions and bookings are made directly (not through
scheduling's services) so that grading's tests stand on the stable model fields only."""

from __future__ import annotations

import datetime
import itertools

import factory
from django.db import transaction
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import ExamVersion, Membership, Organisation, Role
from grading.models import ExaminerQualification
from grading.services import release_result
from grading.services.results import create_scored_draft
from scheduling.models import Booking, ExamSession
from tests.conftest import agency_staff, fresh_factor
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    RoomFactory,
    UserFactory,
    component,
)

_reference = itertools.count(1)


def version(code: str) -> ExamVersion:
    return ExamVersion.objects.get(code=code)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExamSession

    room = factory.SubFactory(RoomFactory)
    centre = factory.LazyAttribute(lambda s: s.room.centre)
    exam_version = factory.LazyFunction(lambda: version("LEZ-B1-2026A"))
    component = factory.LazyAttribute(lambda s: s.exam_version.component)
    level = factory.LazyAttribute(lambda s: s.exam_version.level)
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=3))
    duration_minutes = 60
    capacity = 20
    status = ExamSession.Status.HELD
    booking_closes_at = factory.LazyAttribute(lambda s: s.starts_at - datetime.timedelta(days=2))


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    candidate = factory.SubFactory(CandidateFactory)
    component = factory.LazyAttribute(lambda b: b.session.component)
    level = factory.LazyAttribute(lambda b: b.session.level)
    status = Booking.Status.CHECKED_IN
    attempt_number = 1
    payer = Booking.Payer.CANDIDATE
    fee_cents = 5000
    slot_minutes = 60
    reference = factory.LazyFunction(lambda: f"EB-{next(_reference):08d}")


def examiner(
    organisation: Organisation,
    *,
    components: tuple[str, ...] = ("SPR",),
    level: str = "",
    role: str = Role.EXAMINER,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
):
    """A user with the examiner role in `organisation`, qualified for `components` today."""
    user = UserFactory()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    today = timezone.localdate()
    for code in components:
        ExaminerQualification.objects.create(
            user=user,
            component=component(code),
            level=level,
            organisation=organisation,
            valid_from=valid_from or today - datetime.timedelta(days=365),
            valid_until=valid_until or today + datetime.timedelta(days=365),
        )
    return user


def agency():
    return AgencyFactory()


def rated_booking(code: str = "SPR-B1-2026A", **kwargs) -> Booking:
    session = SessionFactory(exam_version=version(code))
    return BookingFactory(session=session, **kwargs)


def sat_attempt(candidate, *, raw=0, release=True, status=Booking.Status.CHECKED_IN):
    """A past LEZ B1 attempt of `candidate` (failed with raw 0), its result released."""
    booking = BookingFactory(candidate=candidate, session=SessionFactory(), status=status)
    if status == Booking.Status.CHECKED_IN:
        with transaction.atomic():
            result = create_scored_draft(booking, actor=SYSTEM, raw=raw, source="t")
        if release:
            release_result(result, actor=fresh_factor(agency_staff()))
    return booking
