"""Signals that tell higher apps (monitoring's webhooks) what happened to a booking.

Sent on commit by the booking services, with ids only:
`booking_changed(sender=Booking, booking_id=..., reference=..., candidate_id=..., change=...,
previous_id=..., previous_reference=...)`,
`change` one of CHANGES: `made` (a new booking: booked directly, from the waiting
list), `moved` (a new booking that replaces `previous_id`: rescheduled, or rebooked
when its session was cancelled), `cancelled` (by a cancellation, or with its session).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import Signal

from .models import Booking

booking_changed = Signal()

MADE, MOVED, CANCELLED = "made", "moved", "cancelled"
CHANGES = (MADE, MOVED, CANCELLED)


def _send(ids: dict) -> None:
    booking_changed.send(sender=Booking, **ids)


def send_booking_changed_on_commit(
    booking: Booking, change: str, *, previous: Booking | None = None
) -> None:
    """Send `booking_changed` once the current transaction commits (nothing on rollback)."""
    if change not in CHANGES:
        raise ValueError(change)
    ids = {
        "booking_id": booking.pk,
        "reference": booking.reference,
        "candidate_id": booking.candidate_id,
        "change": change,
        "previous_id": previous.pk if previous else None,
        "previous_reference": previous.reference if previous else None,
    }
    transaction.on_commit(partial(_send, ids))
