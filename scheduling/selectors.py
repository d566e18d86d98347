"""Reads of scheduling that views, the API, tasks and higher apps rely on."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from examens.models import (
    Candidate,
    Component,
    ExamCentre,
    ExamVersion,
    Membership,
    Organisation,
    Role,
    User,
)
from examens.search import name_filter

from .models import Booking, ComponentPolicy, ExamSession, WaitingListEntry
from .permissions import bookable_candidates

BOOKABLE_STATUSES = (ExamSession.Status.PUBLISHED,)
LIVE_STATUSES = (
    ExamSession.Status.DRAFT,
    ExamSession.Status.PUBLISHED,
    ExamSession.Status.CLOSED,
)


def policy_for(component: Component) -> ComponentPolicy:
    """The component's scheduling policy, or an unsaved one with the defaults."""
    policy = ComponentPolicy.objects.filter(component=component).first()
    return policy or ComponentPolicy(component=component)


def sessions_between(
    centres: QuerySet[ExamCentre], start: datetime.datetime, end: datetime.datetime
) -> QuerySet[ExamSession]:
    """Sessions of `centres` starting in [start, end), with what a list needs (fixed queries)."""
    return (
        ExamSession.objects.filter(centre__in=centres, starts_at__gte=start, starts_at__lt=end)
        .select_related("centre", "room", "component", "exam_version")
        .order_by("starts_at", "pk")
    )


def bookings_of(session: ExamSession) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(session=session)
        .select_related("candidate", "candidate__municipality")
        .order_by("candidate__family_name", "candidate__given_names", "pk")
    )


def find_bookings(session: ExamSession, *, words: Sequence[str] = ()) -> QuerySet[Booking]:
    """Bookings of `session` matching a booking reference or every one of `words` in the
    candidate's names (check-in at the door). One statement per look-up, whatever the
    number of words (examens.search); callers cap the words with `name_query`."""
    qs = bookings_of(session).exclude(
        status__in=[Booking.Status.CANCELLED, Booking.Status.SESSION_CANCELLED]
    )
    if not words:
        return qs
    if len(words) == 1:
        by_reference = qs.filter(reference__iexact=words[0])
        if by_reference.exists():
            return by_reference
    return qs.filter(name_filter(words, "candidate__family_name", "candidate__given_names"))


def candidates_to_book(user: User, *, words: Sequence[str]) -> QuerySet[Candidate]:
    """Candidates `user` may book whose names hold every one of `words` (one statement
    whatever the number of words: examens.search); never by BSN here."""
    return (
        bookable_candidates(user)
        .filter(name_filter(words, "family_name", "given_names"))
        .select_related("municipality")
        .order_by("family_name", "given_names", "pk")
    )


def assignable_staff(session: ExamSession) -> QuerySet[User]:
    """Examiner members of the session centre's organisation or of the agency."""
    members = Membership.objects.filter(role=Role.EXAMINER).filter(
        Q(organisation_id=session.centre.organisation_id)
        | Q(organisation__kind=Organisation.Kind.AGENCY)
    )
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by(
        "last_name", "first_name", "username"
    )


def reschedule_targets(booking: Booking, centres: QuerySet[ExamCentre]) -> QuerySet[ExamSession]:
    """Other published sessions of the booking's component at `centres`, still open."""
    return (
        ExamSession.objects.filter(
            centre__in=centres,
            component_id=booking.component_id,
            status=ExamSession.Status.PUBLISHED,
            booking_closes_at__gt=timezone.now(),
        )
        .exclude(pk=booking.session_id)
        .select_related("centre", "room")
        .order_by("starts_at", "pk")
    )


def late_move(booking: Booking, *, now: datetime.datetime | None = None) -> bool:
    """Whether cancelling or moving `booking` now falls after the free-cancellation window."""
    session = booking.session
    free_until = session.starts_at - datetime.timedelta(
        days=policy_for(session.component).free_cancellation_days
    )
    return (now or timezone.now()) > free_until


def withdrawal_preview(version: ExamVersion) -> QuerySet[Booking]:
    """The open bookings of `version`'s future live sessions: who a withdrawal touches."""
    return (
        Booking.objects.filter(
            session__exam_version=version,
            session__status__in=LIVE_STATUSES,
            session__starts_at__gt=timezone.now(),
            status__in=Booking.OPEN_STATUSES,
        )
        .select_related("candidate", "session", "session__centre")
        .order_by("session__starts_at", "session_id", "candidate__family_name", "pk")
    )


def waiting_list_of(centres: QuerySet[ExamCentre]) -> QuerySet[WaitingListEntry]:
    return (
        WaitingListEntry.objects.filter(
            centre__in=centres,
            status__in=[WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED],
        )
        .select_related("candidate", "component", "centre", "offered_session")
        .order_by("component__code", "created_at", "pk")
    )


def available_sessions(
    *,
    component: str | None = None,
    level: str | None = None,
    region: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    accommodations: list[str] | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[ExamSession]:
    """Published sessions still open for booking with at least one free seat.

    `region` matches the centre's city or the name of its organisation (a
    municipality), case-insensitively. `accommodations` must all be served.
    One query, whatever the filters.
    """
    now = now or timezone.now()
    qs = ExamSession.objects.filter(
        status=ExamSession.Status.PUBLISHED,
        booking_closes_at__gt=now,
        booked_count__lt=_capacity_minus_held(),
    )
    if component:
        qs = qs.filter(component__code=component)
    if level is not None:
        qs = qs.filter(level=level)
    if region:
        qs = qs.filter(
            Q(centre__city__iexact=region) | Q(centre__organisation__name__iexact=region)
        )
    if date_from:
        qs = qs.filter(starts_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(starts_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    for need in accommodations or []:
        if _json_contains_ok():
            qs = qs.filter(accommodations__contains=[need])
        else:  # SQLite: the codes are quoted words in the stored JSON text
            qs = qs.filter(accommodations__icontains=f'"{need}"')
    return qs.select_related("centre", "component", "room").order_by("starts_at", "pk")


def _capacity_minus_held():
    return F("capacity") - F("held_count")


def _json_contains_ok() -> bool:
    return connection.features.supports_json_field_contains


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
