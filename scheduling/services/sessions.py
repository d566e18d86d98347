"""The session life cycle: plan, staff, publish, close, hold, complete."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.models import (
    Accommodation,
    ExamCentre,
    ExamVersion,
    Membership,
    Organisation,
    Role,
    Room,
    User,
)

from .. import permissions
from ..exceptions import SessionError
from ..models import ExamSession, SessionStaff
from ..selectors import policy_for
from ._common import lock_session
from ._common import now as _now

# What a room must offer for each accommodation a session claims to serve.
ROOM_FEATURE_FOR: dict[str, str] = {
    Accommodation.SEPARATE_ROOM: "separate_room",
    Accommodation.LARGE_SCREEN: "large_screen",
    Accommodation.STEP_FREE: "step_free",
    Accommodation.HEARING_LOOP: "hearing_loop",
}
LONGEST_SESSION = datetime.timedelta(hours=12)  # bounds the overlap scan


def _overlapping(qs, start: datetime.datetime, end: datetime.datetime):
    """Sessions in `qs` whose time overlaps [start, end) (duration is per row)."""
    nearby = qs.filter(starts_at__lt=end, starts_at__gt=start - LONGEST_SESSION).exclude(
        status=ExamSession.Status.CANCELLED
    )
    return [s for s in nearby if s.ends_at > start]


def create_session(
    *,
    actor: Actor,
    centre: ExamCentre,
    room: Room,
    exam_version: ExamVersion,
    starts_at: datetime.datetime,
    capacity: int,
    duration_minutes: int | None = None,
    accommodations: list[str] | tuple[str, ...] = (),
    max_extra_minutes: int = 0,
) -> ExamSession:
    """Plan a draft session in a room of `centre` for an active exam version.

    Rules: the room belongs to the centre (`room`); capacity 1..room capacity
    (`capacity`); the version is active (`exam_version`); the start lies in
    the future (`starts_at`); the room can serve each accommodation and
    extended time comes with extra minutes (`accommodations`); the room holds
    no overlapping session (`room_double_booked`, checked under the room's
    row lock). Booking closes `booking_closes_hours` (component policy)
    before the start. Not idempotent. Raises SessionError.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan(person, centre))
    duration = duration_minutes or exam_version.component.duration_minutes
    accommodations = sorted(set(accommodations))
    if room.centre_id != centre.pk:
        raise SessionError(_("The room is not in this exam centre."), field="room")
    if not 1 <= capacity <= room.capacity:
        raise SessionError(
            _("Capacity must be between 1 and the room's %(max)s seats.") % {"max": room.capacity},
            code="capacity_above_room",
            field="capacity",
        )
    if exam_version.status != ExamVersion.Status.ACTIVE:
        raise SessionError(
            _("This exam version has been withdrawn."),
            code="version_withdrawn",
            field="exam_version",
        )
    if duration < 1:
        raise SessionError(_("Give the duration in minutes."), field="duration_minutes")
    if starts_at <= _now():
        raise SessionError(_("A session must start in the future."), field="starts_at")
    unknown = set(accommodations) - set(Accommodation.values)
    if unknown:
        raise SessionError(_("Unknown accommodation."), field="accommodations")
    for need in accommodations:
        feature = ROOM_FEATURE_FOR.get(need)
        if feature and not getattr(room, feature):
            raise SessionError(
                _("Room %(room)s cannot serve “%(need)s”.")
                % {"room": room.name, "need": Accommodation(need).label},
                code="room_cannot_serve",
                field="accommodations",
            )
    if (Accommodation.EXTENDED_TIME in accommodations) != (max_extra_minutes > 0):
        raise SessionError(
            _("Extended time needs extra minutes, and extra minutes need extended time."),
            code="extended_time_mismatch",
            field="max_extra_minutes",
        )
    ends_at = starts_at + datetime.timedelta(minutes=duration + max_extra_minutes)
    policy = policy_for(exam_version.component)
    with transaction.atomic():
        Room.objects.select_for_update(of=("self",)).get(pk=room.pk)
        if _overlapping(ExamSession.objects.filter(room=room), starts_at, ends_at):
            raise SessionError(
                _("The room already holds a session at that time."),
                code="room_double_booked",
                field="starts_at",
            )
        session = ExamSession.objects.create(
            centre=centre,
            room=room,
            component=exam_version.component,
            exam_version=exam_version,
            level=exam_version.level,
            starts_at=starts_at,
            duration_minutes=duration,
            capacity=capacity,
            accommodations=accommodations,
            max_extra_minutes=max_extra_minutes,
            booking_closes_at=starts_at - datetime.timedelta(hours=policy.booking_closes_hours),
        )
        record_event(
            actor,
            "scheduling.session.created",
            session,
            data={
                "centre": centre.pk,
                "room": room.pk,
                "component": exam_version.component.code,
                "exam_version": exam_version.pk,
                "starts_at": starts_at,
                "duration_minutes": duration,
                "capacity": capacity,
                "accommodations": accommodations,
                "max_extra_minutes": max_extra_minutes,
            },
        )
        return session


def assign_staff(session: ExamSession, *, actor: Actor, user: User, role: str) -> SessionStaff:
    """Assign an examiner or invigilator to a session.

    Rules: the person is an examiner member of the centre's organisation or
    of the agency (`not_examiner`; component qualifications are grading's,
    added later); not assigned to an overlapping session (`staff_double_booked`,
    checked under the person's row lock). Idempotent for the same role.
    Raises SessionError.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, session))
    if role not in SessionStaff.Role.values:
        raise SessionError(_("Unknown role."), field="role")
    with transaction.atomic():
        session = lock_session(session.pk)
        User.objects.select_for_update(of=("self",)).get(pk=user.pk)
        existing = SessionStaff.objects.filter(session=session, user=user).first()
        if existing is not None and existing.role == role:
            return existing
        if session.status in (ExamSession.Status.CANCELLED, ExamSession.Status.RESULTS_COMPLETE):
            raise SessionError(_("This session can no longer be staffed."), field="session")
        member = Membership.objects.filter(user=user, role=Role.EXAMINER).filter(
            Q(organisation_id=session.centre.organisation_id)
            | Q(organisation__kind=Organisation.Kind.AGENCY)
        )
        if not member.exists():
            raise SessionError(
                _("%(name)s is not an examiner of this centre's organisation or of the agency.")
                % {"name": user.get_full_name() or user.get_username()},
                code="not_examiner",
                field="user",
            )
        others = ExamSession.objects.filter(assignments__user=user).exclude(pk=session.pk)
        end = session.ends_at + datetime.timedelta(minutes=session.max_extra_minutes)
        if _overlapping(others, session.starts_at, end):
            raise SessionError(
                _("%(name)s is already assigned to a session at that time.")
                % {"name": user.get_full_name() or user.get_username()},
                code="staff_double_booked",
                field="user",
            )
        if existing is not None:
            existing.role = role
            existing.save(update_fields=["role"])
            assignment = existing
        else:
            assignment = SessionStaff.objects.create(session=session, user=user, role=role)
        record_event(
            actor,
            "scheduling.session.staff_assigned",
            session,
            data={"user": user.pk, "role": role},
        )
        return assignment


def publish_session(session: ExamSession, *, actor: Actor) -> ExamSession:
    """Open a draft session for booking. Idempotent. Raises SessionError when the
    session is not a draft, its version is withdrawn or its booking window has passed."""
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, session))
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.status == ExamSession.Status.PUBLISHED:
            return session
        if session.status != ExamSession.Status.DRAFT:
            raise SessionError(_("Only a draft session can be published."), field="session")
        if session.exam_version.status != ExamVersion.Status.ACTIVE:
            raise SessionError(
                _("The exam version has been withdrawn."),
                code="version_withdrawn",
                field="exam_version",
            )
        if _now() >= session.booking_closes_at:
            raise SessionError(
                _("The booking window of this session has already passed."),
                code="booking_window_passed",
                field="starts_at",
            )
        session.status = ExamSession.Status.PUBLISHED
        session.save(update_fields=["status"])
        record_event(actor, "scheduling.session.published", session, data={})
        return session


def close_booking(
    session: ExamSession, *, actor: Actor, only_when_due: bool = False
) -> ExamSession:
    """Close a published session for booking (the periodic job passes `only_when_due`,
    which leaves a session alone until its `booking_closes_at`). Idempotent."""
    authz.require_job(actor)
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.status != ExamSession.Status.PUBLISHED:
            return session
        if only_when_due and _now() < session.booking_closes_at:
            return session
        session.status = ExamSession.Status.CLOSED
        session.save(update_fields=["status"])
        record_event(actor, "scheduling.session.booking_closed", session, data={})
        return session


def mark_session_held(session: ExamSession, *, actor: Actor) -> ExamSession:
    """Record that a published or closed session took place (after its start). Idempotent."""
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, session))
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.status == ExamSession.Status.HELD:
            return session
        if session.status not in (ExamSession.Status.PUBLISHED, ExamSession.Status.CLOSED):
            raise SessionError(_("Only a published or closed session can be held."))
        if _now() < session.starts_at:
            raise SessionError(
                _("A session is held only after it started."), code="session_not_started"
            )
        session.status = ExamSession.Status.HELD
        session.save(update_fields=["status"])
        record_event(actor, "scheduling.session.held", session, data={})
        return session


def complete_session_results(session: ExamSession, *, actor: Actor) -> ExamSession:
    """Mark a held session's results complete (grading calls this). Idempotent."""
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, session))
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.status == ExamSession.Status.RESULTS_COMPLETE:
            return session
        if session.status != ExamSession.Status.HELD:
            raise SessionError(_("Only a held session can have complete results."))
        session.status = ExamSession.Status.RESULTS_COMPLETE
        session.save(update_fields=["status"])
        record_event(actor, "scheduling.session.results_complete", session, data={})
        return session
