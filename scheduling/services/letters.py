"""Invitations by post: bookings whose candidate has no e-mail address.

The outbox would otherwise keep such a booking unsent for ever. A job marks
it "by post" (`invitation_by_post_at`), after which the outbox no longer looks
at it and the planner finds it on the letters page; printing the letter and
posting it ends with `mark_letter_sent`. Every mark is audited.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event

from .. import permissions
from ..exceptions import BookingStateError
from ..models import Booking
from ._common import lock_booking
from ._common import now as _now


def unreachable_by_mail() -> list[int]:
    """Ids of booked seats still to come whose invitation is unsent and whose candidate
    has no e-mail address, not yet routed to post."""
    return list(
        Booking.objects.filter(
            status=Booking.Status.BOOKED,
            invitation_sent_at__isnull=True,
            invitation_by_post_at__isnull=True,
            candidate__email="",
            session__starts_at__gt=_now(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def route_invitation_by_post(booking_id: int, *, actor: Actor) -> bool:
    """Mark one booking's invitation as going by post; False when nothing changed
    (sent already, routed already, an address was added since). Idempotent.
    Audit: `scheduling.booking.invitation_by_post`."""
    authz.require_job(actor)
    with transaction.atomic():
        booking = lock_booking(booking_id)
        if (
            booking.status != Booking.Status.BOOKED
            or booking.invitation_sent_at is not None
            or booking.invitation_by_post_at is not None
            or booking.candidate.email
        ):
            return False
        booking.invitation_by_post_at = _now()
        booking.save(update_fields=["invitation_by_post_at"])
        record_event(actor, "scheduling.booking.invitation_by_post", booking, data={})
        return True


def route_invitations_by_post(*, actor: Actor) -> int:
    """Route every unreachable invitation to post; how many were routed."""
    return sum(route_invitation_by_post(pk, actor=actor) for pk in unreachable_by_mail())


def letters_due(bookings):
    """Of `bookings` (already narrowed to what the user plans), those whose invitation
    letter is still to be posted, soonest session first."""
    return (
        bookings.filter(
            status=Booking.Status.BOOKED,
            invitation_sent_at__isnull=True,
            session__starts_at__gt=_now(),
        )
        .filter(Q(invitation_by_post_at__isnull=False) | Q(candidate__email=""))
        .select_related("candidate", "session", "session__centre", "session__room", "component")
        .order_by("session__starts_at", "candidate__family_name", "pk")
    )


def mark_letter_sent(booking: Booking, *, actor: Actor) -> Booking:
    """The planner posted the invitation letter: the booking's invitation is sent.

    Only the session's planners; only a booked seat whose invitation goes by
    post (routed, or the candidate has no e-mail address) and is unsent.
    Idempotent: a letter already marked is returned unchanged.
    Audit: `scheduling.booking.letter_sent`.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan(person, booking.session.centre))
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if booking.letter_sent_at is not None:
            return booking
        by_post = booking.invitation_by_post_at is not None or not booking.candidate.email
        if (
            not by_post
            or booking.status != Booking.Status.BOOKED
            or booking.invitation_sent_at is not None
        ):
            raise BookingStateError(
                _("This booking has no invitation letter to send."), field="booking"
            )
        moment = _now()
        booking.letter_sent_at = booking.invitation_sent_at = moment
        booking.invitation_by_post_at = booking.invitation_by_post_at or moment
        booking.save(
            update_fields=["letter_sent_at", "invitation_sent_at", "invitation_by_post_at"]
        )
        record_event(actor, "scheduling.booking.letter_sent", booking, data={})
        return booking
