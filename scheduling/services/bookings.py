"""Booking, cancelling, rescheduling and no-shows."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from examens import authz, sql
from examens.audit import Actor, record_event
from examens.jobs import enqueue_on_commit
from examens.models import Candidate

from .. import permissions
from ..eligibility import (
    Inputs,
    assess,
    build_context,
    candidate_problems,
    load_inputs,
    payer_for,
)
from ..exceptions import (
    AlreadyBooked,
    BookingRefused,
    BookingStateError,
    IdempotencyConflict,
    SchedulingError,
)
from ..models import Booking, ExamSession
from ..selectors import policy_for
from ._common import (
    lock_booking,
    lock_session,
    lock_sessions,
    new_reference,
    take_seat,
    user_or_none,
)
from ._common import now as _now
from .offers import offer_freed_seat
from .outbox import queue_invitation

CLOSED_STATUSES = (Booking.Status.CANCELLED, Booking.Status.SESSION_CANCELLED)


def _replay(existing: Booking | None, *, session: ExamSession, candidate: Candidate):
    """The booking made earlier with the same key, or IdempotencyConflict for another one."""
    if existing is None:
        return None
    if existing.session_id != session.pk or existing.candidate_id != candidate.pk:
        raise IdempotencyConflict(field="idempotency_key")
    if existing.component_id == session.component_id and ExamSession.component.is_cached(session):
        existing.component = session.component
    existing.replayed = True
    return existing


def _existing_for_key(key: str, *, session: ExamSession, candidate: Candidate) -> Booking | None:
    existing = Booking.objects.select_related("component").filter(idempotency_key=key).first()
    return _replay(existing, session=session, candidate=candidate)


def _insert_conflict(error: IntegrityError, idempotency_key: str | None) -> SchedulingError:
    """A lost race on a unique index, as the refusal the client understands."""
    if idempotency_key and "idempotency" in str(error):
        return IdempotencyConflict(field="idempotency_key")
    return AlreadyBooked(field="candidate")


def book_locked(
    session: ExamSession,
    *,
    actor: Actor,
    candidate: Candidate,
    idempotency_key: str | None = None,
    context=None,
    skip_capacity: bool = False,
) -> Booking:
    """Book `candidate` into the already *locked* `session` (the caller holds the row lock).

    Runs every rule, raises the first failure, takes the seat and inserts the
    booking under a savepoint so that a lost race on the partial unique
    indexes becomes a clear AlreadyBooked, not an IntegrityError, and the
    caller's transaction stays usable.
    """
    context = context or build_context(candidate, session, now=_now())
    assessment = assess(candidate, session, context=context, include_capacity=not skip_capacity)
    if assessment.problems:
        raise assessment.problems[0]
    return _write_booking(
        session,
        actor=actor,
        candidate=candidate,
        idempotency_key=idempotency_key,
        assessment=assessment,
        attempts_so_far=context.attempts_so_far,
        savepoint=True,
    )


def _write_booking(
    session: ExamSession,
    *,
    actor,
    candidate: Candidate,
    idempotency_key: str | None,
    assessment,
    attempts_so_far: int,
    savepoint: bool,
    seat_taken: bool = False,
) -> Booking:
    """Insert the booking, take the seat and write the audit event (session row locked).

    Without `savepoint` a lost race raises out of the caller's transaction,
    which must then end (book_candidate); it saves two round trips. With
    `seat_taken` the caller has already counted the seat (`take_seat`).
    """
    moment = _now()
    component = session.component
    attempt = attempts_so_far + 1
    payer = payer_for(
        is_asylum_migrant=candidate.is_asylum_migrant,
        attempt_number=attempt,
        booked_level=session.level,
        plan_level=assessment.plan_level,
        fee_cents=component.fee_cents,
    )
    booking = Booking(
        session=session,
        candidate=candidate,
        component=component,
        level=session.level,
        status=Booking.Status.BOOKED,
        attempt_number=attempt,
        counts_as_attempt=True,
        payer=payer,
        fee_cents=component.fee_cents,
        slot_minutes=assessment.slot_minutes,
        accommodations=assessment.needs,
        outside_term=assessment.outside_term,
        idempotency_key=idempotency_key,
        reference=new_reference(),
        booked_by=user_or_none(actor),
        status_changed_at=moment,
    )
    try:
        if savepoint:
            with transaction.atomic():
                sql.insert(booking)
        else:
            sql.insert(booking)
    except IntegrityError as error:
        raise _insert_conflict(error, idempotency_key) from error
    if not seat_taken:
        session.booked_count += 1
        session.save(update_fields=["booked_count"])
    record_event(
        actor,
        "scheduling.booking.created",
        booking,
        data={
            "session": session.pk,
            "candidate": candidate.pk,
            "component": component.code,
            "level": session.level,
            "attempt_number": attempt,
            "payer": payer,
            "fee_cents": component.fee_cents,
            "slot_minutes": booking.slot_minutes,
            "accommodations": booking.accommodations,
            "outside_term": booking.outside_term,
            "warnings": assessment.warnings,
            "reference": booking.reference,
        },
    )
    queue_invitation(booking.pk)
    booking.replayed = False
    return booking


def book_candidate(
    session: ExamSession,
    *,
    actor: Actor,
    candidate: Candidate,
    idempotency_key: str | None = None,
    inputs: Inputs | None = None,
) -> Booking:
    """Book `candidate` into `session`: one seat, one attempt, under the session's row lock.

    Rules (each failure names itself in `code`): the route requires the
    component (`not_required_by_route`) at the session's level or the
    stepped-down level (`wrong_level`); no active exemption (`exempted`);
    rules registered by higher apps (`scheduling.eligibility.register_check`);
    no other open booking for the component (`already_booked`, also enforced
    by a partial unique index); the session is published
    (`session_not_open`) and before its booking deadline (`booking_closed`);
    accommodation needs and extra minutes are served
    (`accommodation_not_served`, `extra_time_not_available`); a seat is free
    (`session_full`). Outside the candidate's term the booking is allowed,
    flagged `outside_term` and the warning is in the audit data.

    Records attempt number (1 + earlier bookings that counted), payer and fee.
    Idempotent with `idempotency_key`: a retry returns the first booking with
    `booking.replayed = True` (also when the retry ran concurrently and lost
    the race on the key's unique index); the same key for another session or
    candidate raises IdempotencyConflict. `inputs`: what the rules read, when
    the caller has read it already (eligibility.load_inputs with the same
    key). Side effect: the invitation goes out through the outbox
    (outbox.queue_invitation). Raises BookingRefused (and subclasses),
    IdempotencyConflict.

    What the rules read is read in one statement, before the transaction
    (each statement sees the latest commits either way; the unique indexes
    settle races on the key and on open bookings). The candidate rules run
    before the session row is locked. Then one
    statement locks the row and takes a free seat (`take_seat`); the session
    rules are checked on the locked row, and the booking and its audit event
    are written: the lock is held for the seat only. When no seat could be
    taken the row is locked and every session rule decides the answer. Query
    budget pinned in tests/scheduling/test_booking_queries.py.
    """
    authz.require(permissions.can_book(actor, session, candidate))
    try:
        if inputs is None:
            inputs = load_inputs(candidate.pk, session.pk, idempotency_key)
        if idempotency_key:
            keyed = next((b for b in inputs.bookings if b.idempotency_key == idempotency_key), None)
            existing = _replay(keyed, session=session, candidate=candidate)
            if existing is not None:
                return existing
        with transaction.atomic():
            # Candidate rules first: the lock is held only for the session rules, the
            # seat, the booking, the audit event and the commit.
            context = build_context(candidate, session, inputs=inputs)
            problems = candidate_problems(context)
            if problems:
                raise problems[0]
            locked = take_seat(session)
            seat_taken = locked is not None
            if not seat_taken:
                # Full, or a rule refuses first, or a seat came free just now: the
                # locked row decides.
                locked = lock_session(session.pk)
            context.session = locked
            assessment = assess(
                candidate,
                locked,
                context=context,
                include_candidate_rules=False,
                include_capacity=not seat_taken,
            )
            if assessment.problems:
                raise assessment.problems[0]  # the rollback returns a taken seat
            return _write_booking(
                locked,
                actor=actor,
                candidate=candidate,
                idempotency_key=idempotency_key,
                assessment=assessment,
                attempts_so_far=context.attempts_so_far,
                savepoint=False,
                seat_taken=seat_taken,
            )
    except (AlreadyBooked, IdempotencyConflict):
        # A retry with the same key may have committed first (it held the lock).
        if idempotency_key:
            existing = _existing_for_key(idempotency_key, session=session, candidate=candidate)
            if existing is not None:
                return existing
        raise


def cancel_locked(
    booking: Booking, session: ExamSession, *, actor: Actor, reason: str, reason_accepted: bool
) -> Booking:
    moment = _now()
    if moment >= session.starts_at:
        raise BookingStateError(
            _("The session has started: mark a no-show instead of cancelling."), field="booking"
        )
    if reason_accepted and not reason.strip():
        raise SchedulingError(
            _("Give the reason you accept for a late cancellation."),
            code="reason_required",
            field="reason",
        )
    free_until = session.starts_at - datetime.timedelta(
        days=policy_for(session.component).free_cancellation_days
    )
    late = moment > free_until
    booking.status = Booking.Status.CANCELLED
    booking.counts_as_attempt = late and not reason_accepted
    booking.status_changed_at = moment
    booking.status_reason = reason.strip()
    booking.save(
        update_fields=["status", "counts_as_attempt", "status_changed_at", "status_reason"]
    )
    session.booked_count -= 1
    session.save(update_fields=["booked_count"])
    record_event(
        actor,
        "scheduling.booking.cancelled",
        booking,
        data={
            "session": session.pk,
            "late": late,
            "reason_accepted": reason_accepted,
            "counts_as_attempt": booking.counts_as_attempt,
            "reason": booking.status_reason,
        },
    )
    return booking


def cancel_booking(
    booking: Booking, *, actor: Actor, reason: str = "", reason_accepted: bool = False
) -> Booking:
    """Cancel an open booking before its session starts and free the seat.

    Free until the component policy's `free_cancellation_days` before the
    start; later it counts as an attempt unless `reason_accepted` (then a
    `reason` is required). The freed seat is offered to the waiting list.
    Idempotent: a cancelled booking is returned unchanged. Raises
    BookingStateError (checked in, no-show, session started), SchedulingError.
    Side effect: cancellation mail after commit.
    """
    authz.require(permissions.can_book(actor, booking.session, booking.candidate))
    with transaction.atomic():
        session = lock_session(booking.session_id)
        booking = lock_booking(booking.pk)
        if booking.status in CLOSED_STATUSES:
            return booking
        if booking.status != Booking.Status.BOOKED:
            raise BookingStateError(
                _("Only a booked seat can be cancelled (this one is %(status)s).")
                % {"status": booking.get_status_display()},
                field="booking",
            )
        cancel_locked(booking, session, actor=actor, reason=reason, reason_accepted=reason_accepted)
        offer_freed_seat(session, actor=actor)
        enqueue_on_commit("scheduling.tasks.send_booking_mail_task", booking.pk, "cancelled")
        return booking


def reschedule_booking(
    booking: Booking,
    *,
    actor: Actor,
    to_session: ExamSession,
    reason: str = "",
    reason_accepted: bool = False,
) -> Booking:
    """Move a booking to another session of the same component, in one transaction.

    The old booking is cancelled under the cancellation policy (a late move
    counts as an attempt unless the reason is accepted) and a new booking is
    made under every booking rule; if the new one is refused nothing changes.
    Both sessions are locked in primary-key order. Returns the new booking.
    Raises SchedulingError, BookingStateError, BookingRefused.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, booking.session))
    authz.require(permissions.can_plan_session(person, to_session))
    if to_session.component_id != booking.component_id:
        raise SchedulingError(
            _("A booking can only move to a session of the same component."),
            code="different_component",
            field="to_session",
        )
    if to_session.pk == booking.session_id:
        raise SchedulingError(
            _("The booking is already in this session."), code="same_session", field="to_session"
        )
    with transaction.atomic():
        sessions = lock_sessions(booking.session_id, to_session.pk)
        booking = lock_booking(booking.pk)
        if booking.status != Booking.Status.BOOKED:
            raise BookingStateError(
                _("Only a booked seat can be moved (this one is %(status)s).")
                % {"status": booking.get_status_display()},
                field="booking",
            )
        old_session = sessions[booking.session_id]
        cancel_locked(
            booking, old_session, actor=actor, reason=reason, reason_accepted=reason_accepted
        )
        new = book_locked(sessions[to_session.pk], actor=actor, candidate=booking.candidate)
        record_event(
            actor,
            "scheduling.booking.rescheduled",
            new,
            data={"from_booking": booking.pk, "from_session": old_session.pk},
        )
        offer_freed_seat(old_session, actor=actor)
        return new


def mark_no_show(booking: Booking, *, actor: Actor) -> Booking:
    """Mark a booked candidate who did not come, after the session started.

    The attempt counts. Idempotent (a no-show stays a no-show). Raises
    BookingStateError before the start or for another status.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, booking.session))
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if booking.status == Booking.Status.NO_SHOW:
            return booking
        if booking.status != Booking.Status.BOOKED:
            raise BookingStateError(
                _("Only a booked candidate who did not check in can be a no-show."),
                field="booking",
            )
        if _now() < booking.session.starts_at:
            raise BookingStateError(
                _("A no-show can only be marked after the session has started."),
                code="session_not_started",
                field="booking",
            )
        booking.status = Booking.Status.NO_SHOW
        booking.counts_as_attempt = True
        booking.status_changed_at = _now()
        booking.save(update_fields=["status", "counts_as_attempt", "status_changed_at"])
        record_event(actor, "scheduling.booking.no_show", booking, data={})
        return booking


__all__ = [
    "BookingRefused",
    "book_candidate",
    "book_locked",
    "cancel_booking",
    "cancel_locked",
    "mark_no_show",
    "reschedule_booking",
]
