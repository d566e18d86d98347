"""Cancelling, rescheduling and no-shows (booking itself: services/book.py)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.jobs import enqueue_on_commit

from .. import permissions
from ..exceptions import BookingStateError, SchedulingError
from ..letter_pdf import CANCELLATION
from ..models import Booking, ExamSession
from ..selectors import policy_for
from ..signals import CANCELLED, MOVED, send_booking_changed_on_commit
from ._common import lock_booking, lock_session, lock_sessions
from ._common import now as _now
from .book import book_locked
from .letters import route_by_post_locked
from .offers import offer_freed_seat

CLOSED_STATUSES = (Booking.Status.CANCELLED, Booking.Status.SESSION_CANCELLED)


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
    Side effect: cancellation mail after commit; without an e-mail address the
    notice is routed to post (`cancellation_by_post_at`, audit
    `scheduling.booking.cancellation_by_post`) for the planner's letters page.
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
        send_booking_changed_on_commit(booking, CANCELLED)
        offer_freed_seat(session, actor=actor)
        if booking.candidate.email:
            enqueue_on_commit("scheduling.tasks.send_booking_mail_task", booking.pk, "cancelled")
        else:
            route_by_post_locked(booking, CANCELLATION, actor=actor)
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
    Both sessions are locked in primary-key order. Returns the new booking, whose
    `moved_from` is the old one (a letter by post then says the exam was moved).
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
        new = book_locked(
            sessions[to_session.pk],
            actor=actor,
            candidate=booking.candidate,
            announce=False,
            moved_from=booking,
        )
        send_booking_changed_on_commit(new, MOVED, previous=booking)
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
    "cancel_booking",
    "cancel_locked",
    "mark_no_show",
    "reschedule_booking",
]
