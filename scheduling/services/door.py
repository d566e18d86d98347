"""At the door: check-in with identity confirmed, refusal without an attempt, irregularities."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event

from .. import permissions
from ..exceptions import BookingStateError, SchedulingError
from ..models import Booking, ExamSession, IrregularityReport
from ._common import lock_booking, user_or_none
from ._common import now as _now

DOOR_OPENS = datetime.timedelta(hours=2)  # check-in opens this long before the start
DOOR_STATUSES = (ExamSession.Status.PUBLISHED, ExamSession.Status.CLOSED, ExamSession.Status.HELD)


def _require_door_open(booking: Booking) -> None:
    session = booking.session
    moment = _now()
    if session.status not in DOOR_STATUSES:
        raise BookingStateError(
            _("This session is not taking place."), code="session_not_open", field="booking"
        )
    if not session.starts_at - DOOR_OPENS <= moment <= session.ends_at:
        raise BookingStateError(
            _("Check-in is open from two hours before the start until the end."),
            code="door_closed",
            field="booking",
        )


def check_in_booking(booking: Booking, *, actor: Actor, identity_confirmed: bool) -> Booking:
    """Admit a booked candidate whose identity was checked against the ID document.

    Rules: identity confirmed (`identity_not_confirmed`); booked (not
    cancelled, rejected, no-show); check-in window open. Idempotent: a
    checked-in booking is returned unchanged.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_work_door(person, booking.session))
    if not identity_confirmed:
        raise SchedulingError(
            _("Confirm that the ID document matches the candidate."),
            code="identity_not_confirmed",
            field="identity_confirmed",
        )
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if booking.status == Booking.Status.CHECKED_IN:
            return booking
        if booking.status != Booking.Status.BOOKED:
            raise BookingStateError(
                _("This booking cannot be checked in (status: %(status)s).")
                % {"status": booking.get_status_display()},
                field="booking",
            )
        _require_door_open(booking)
        booking.status = Booking.Status.CHECKED_IN
        booking.status_changed_at = _now()
        booking.identity_confirmed_by = user_or_none(actor)
        booking.save(update_fields=["status", "status_changed_at", "identity_confirmed_by"])
        record_event(actor, "scheduling.booking.checked_in", booking, data={})
        return booking


def reject_at_door(booking: Booking, *, actor: Actor, reason: str) -> Booking:
    """Refuse a candidate at the door (e.g. identity mismatch) without consuming the attempt.

    The booking becomes `rejected` with `counts_as_attempt=False`; the seat
    stays taken (the session is under way). Rules: a reason; booked or just
    checked in; check-in window open. Idempotent for a rejected booking.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_work_door(person, booking.session))
    if not reason.strip():
        raise SchedulingError(_("Give the reason for refusing."), field="reason")
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if booking.status == Booking.Status.REJECTED:
            return booking
        if booking.status not in Booking.OPEN_STATUSES:
            raise BookingStateError(
                _("This booking cannot be refused (status: %(status)s).")
                % {"status": booking.get_status_display()},
                field="booking",
            )
        _require_door_open(booking)
        booking.status = Booking.Status.REJECTED
        booking.counts_as_attempt = False
        booking.status_changed_at = _now()
        booking.status_reason = reason.strip()
        booking.save(
            update_fields=["status", "counts_as_attempt", "status_changed_at", "status_reason"]
        )
        record_event(
            actor, "scheduling.booking.rejected", booking, data={"reason": booking.status_reason}
        )
        return booking


def report_irregularity(booking: Booking, *, actor: Actor, description: str) -> IrregularityReport:
    """Record what went wrong during a checked-in candidate's sitting. Not idempotent."""
    person = authz.require_person(actor)
    authz.require(permissions.can_work_door(person, booking.session))
    if not description.strip():
        raise SchedulingError(_("Describe what happened."), field="description")
    reporter = user_or_none(actor)
    if reporter is None:
        raise SchedulingError(_("An irregularity is reported by a person."), field="actor")
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if booking.status != Booking.Status.CHECKED_IN:
            raise BookingStateError(
                _("Only a checked-in candidate's sitting can have an irregularity report."),
                field="booking",
            )
        report = IrregularityReport.objects.create(
            booking=booking, reported_by=reporter, description=description.strip()
        )
        record_event(
            actor,
            "scheduling.booking.irregularity_reported",
            report,
            data={"booking": booking.reference, "description": report.description},
        )
        return report
