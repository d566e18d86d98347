"""Factories for scheduling. Sessions are made directly (any time, any status) for tests."""

import datetime

import factory
from django.utils import timezone

from examens.models import ExamVersion, Role
from scheduling.models import ExamSession
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    CentreFactory,
    MembershipFactory,
    RoomFactory,
    component,
)


def version(code: str = "LEZ-B1-2026A") -> ExamVersion:
    return ExamVersion.objects.get(code=code)


class SessionFactory(factory.django.DjangoModelFactory):
    """A published LEZ B1 session a week ahead, open for booking."""

    class Meta:
        model = ExamSession

    centre = factory.SubFactory(CentreFactory)
    room = factory.LazyAttribute(lambda s: RoomFactory(centre=s.centre, capacity=30))
    exam_version = factory.LazyFunction(version)
    component = factory.LazyAttribute(lambda s: s.exam_version.component)
    level = factory.LazyAttribute(lambda s: s.exam_version.level)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    duration_minutes = 65
    capacity = 10
    status = ExamSession.Status.PUBLISHED
    booking_closes_at = factory.LazyAttribute(lambda s: s.starts_at - datetime.timedelta(hours=48))


def session_now(**kwargs) -> ExamSession:
    """A session that started a few minutes ago (the door is open)."""
    start = timezone.now() - datetime.timedelta(minutes=5)
    return SessionFactory(starts_at=start, booking_closes_at=start, **kwargs)


def candidate_for(session: ExamSession, **kwargs):
    """A B1-route candidate living in the session centre's municipality."""
    kwargs.setdefault("municipality", session.centre.organisation)
    return CandidateFactory(**kwargs)


def planner_of(organisation, role=Role.PLANNER):
    return MembershipFactory(organisation=organisation, role=role).user


def agency_examiner():
    return MembershipFactory(organisation=AgencyFactory(), role=Role.EXAMINER).user


__all__ = ["SessionFactory", "candidate_for", "component", "planner_of", "session_now", "version"]
