"""Cancelling, rescheduling and no-shows (booking itself: services/book.py)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from examens.audit import record_event

from .. import tasks
from ..exceptions import BookingStateError, SchedulingError
from ..models import Booking, ExamSession
from ..selectors import policy_for
from ._common import lock_booking, lock_session, lock_sessions
from ._common import now as _now
from .book import book_locked
from .offers import offer_freed_seat

CLOSED_STATUSES = (Booking.Status.CANCELLED, Booking.Status.SESSION_CANCELLED)


def cancel_locked(
    booking: Booking, session: ExamSession, *, actor, reason: str, reason_accepted: bool
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
    booking: Booking, *, actor, reason: str = "", reason_accepted: bool = False
) -> Booking:
    """Cancel an open booking before its session starts and free the seat.

    Free until the component policy's `free_cancellation_days` before the
    start; later it counts as an attempt unless `reason_accepted` (then a
    `reason` is required). The freed seat is offered to the waiting list.
    Idempotent: a cancelled booking is returned unchanged. Raises
    BookingStateError (checked in, no-show, session started), SchedulingError.
    Side effect: cancellation mail after commit.
    """
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
        tasks.send_booking_mail_task.delay_on_commit(booking.pk, "cancelled")
        return booking


def reschedule_booking(
    booking: Booking,
    *,
    actor,
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


def mark_no_show(booking: Booking, *, actor) -> Booking:
    """Mark a booked candidate who did not come, after the session started.

    The attempt counts. Idempotent (a no-show stays a no-show). Raises
    BookingStateError before the start or for another status.
    """
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


def claim_invitation(booking: Booking, *, actor) -> bool:
    """Mark the invitation as sent (after it was sent: tasks.deliver_invitation); False
    when it already was."""
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if booking.invitation_sent_at is not None:
            return False
        booking.invitation_sent_at = _now()
        booking.save(update_fields=["invitation_sent_at"])
        record_event(actor, "scheduling.booking.invitation_sent", booking, data={})
        return True


def record_invitation_failure(booking: Booking, *, actor, error: str) -> Booking:
    """Count one failed attempt to send `booking`'s invitation (the outbox gives up
    after tasks.MAX_INVITATION_ATTEMPTS); `error` names the kind of failure."""
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        booking.invitation_failures += 1
        booking.save(update_fields=["invitation_failures"])
        record_event(
            actor,
            "scheduling.booking.invitation_failed",
            booking,
            data={"error": error, "failures": booking.invitation_failures},
        )
        return booking


def claim_reminder(booking: Booking, *, actor) -> bool:
    """Mark a booked seat's reminder as due and queue its mail after commit.

    Idempotent: False (nothing queued) when the reminder was already sent or
    the booking is no longer booked. Used by the periodic reminder job.
    """
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if booking.reminder_sent_at is not None or booking.status != Booking.Status.BOOKED:
            return False
        booking.reminder_sent_at = _now()
        booking.save(update_fields=["reminder_sent_at"])
        record_event(actor, "scheduling.booking.reminder_sent", booking, data={})
        tasks.send_booking_mail_task.delay_on_commit(booking.pk, "reminder")
        return True


__all__ = [
    "cancel_booking",
    "cancel_locked",
    "claim_invitation",
    "claim_reminder",
    "record_invitation_failure",
    "mark_no_show",
    "reschedule_booking",
]
