"""Booking a candidate into a session: the rules, one seat, one attempt, one audit event."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from examens import authz, sql
from examens.audit import Actor, record_event
from examens.models import Candidate

from .. import permissions
from ..eligibility import (
    Assessment,
    EligibilityContext,
    assess,
    build_context,
    candidate_problems,
    inputs_for_booking,
    payer_for,
)
from ..exceptions import AlreadyBooked, IdempotencyConflict, SchedulingError
from ..models import Booking, ExamSession
from ..signals import MADE, send_booking_changed_on_commit
from ._common import lock_session, new_reference, take_seat, user_or_none
from ._common import now as _now
from .outbox import queue_invitation


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


def _insert(booking: Booking) -> Booking:
    """The booking's INSERT, one prepared statement (docs/decisions/0007 measured the
    ORM's `save(force_insert=True)` on the booking target); the related rows already
    loaded stay on the stored booking."""
    stored = sql.insert(booking)
    stored.session, stored.candidate = booking.session, booking.candidate
    stored.component, stored.booked_by = booking.component, booking.booked_by
    return stored


def book_locked(
    session: ExamSession,
    *,
    actor: Actor,
    candidate: Candidate,
    idempotency_key: str | None = None,
    context: EligibilityContext | None = None,
    skip_capacity: bool = False,
    announce: bool = True,
    moved_from: Booking | None = None,
) -> Booking:
    """Book `candidate` into the already *locked* `session` (the caller holds the row lock).

    Runs every rule, raises the first failure, takes the seat and inserts the
    booking under a savepoint so that a lost race on the partial unique
    indexes becomes a clear AlreadyBooked, not an IntegrityError, and the
    caller's transaction stays usable. With `announce` False the caller sends
    the `booking_changed` signal itself (a move is one change, not two).
    `moved_from` is the booking this one replaces (a move: its letter says so).
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
        announce=announce,
        moved_from=moved_from,
    )


def _write_booking(
    session: ExamSession,
    *,
    actor: Actor,
    candidate: Candidate,
    idempotency_key: str | None,
    assessment: Assessment,
    attempts_so_far: int,
    savepoint: bool,
    seat_taken: bool = False,
    announce: bool = True,
    moved_from: Booking | None = None,
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
        moved_from=moved_from,
    )
    try:
        if savepoint:
            with transaction.atomic():
                booking = _insert(booking)
        else:
            booking = _insert(booking)
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
    if announce:
        send_booking_changed_on_commit(booking, MADE)
    booking.replayed = False
    return booking


def book_candidate(
    session: ExamSession,
    *,
    actor: Actor,
    candidate: Candidate,
    idempotency_key: str | None = None,
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
    candidate raises IdempotencyConflict. Side effect: the invitation goes
    out through the outbox (outbox.queue_invitation). Raises BookingRefused
    (and subclasses), IdempotencyConflict.

    What the rules read about the candidate (requirement, decisions, the
    bookings of the component with the one made with the key) is read for
    this candidate and session before the transaction (each statement sees
    the latest commits either way; the unique indexes settle races on the key
    and on open bookings), and the candidate rules run before the session row
    is locked. Then one statement locks the row and takes a free seat
    (`take_seat`); the session rules are checked on the locked row, and the
    booking and its audit event are written: the lock is held for the seat
    only. When no seat could be taken the row is locked and every session
    rule decides the answer. Statement budget pinned in
    tests/scheduling/test_booking_queries.py. NotPermitted unless the actor may
    book this candidate into this session (permissions.can_book).
    """
    authz.require(permissions.can_book(actor, session, candidate))
    try:
        inputs = inputs_for_booking(candidate, session, idempotency_key)
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
            if locked is None:
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
