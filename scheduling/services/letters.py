"""Invitations by post: bookings whose candidate has no e-mail address.

The outbox would otherwise keep such a booking unsent for ever. When it
claims one (`claim_invitation`) or sweeps (`route_invitations_by_post`) it
marks it "by post" (`invitation_by_post_at`), after which the outbox no
longer looks at it and the planner finds it on the letters page; printing
the letter (`letter_for_booking`, a read) and posting it ends with
`mark_letter_sent`. Every mark is audited (decision 0029).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event

from .. import permissions
from ..exceptions import BookingStateError
from ..letter_pdf import Letter
from ..models import Booking
from ._common import lock_booking
from ._common import now as _now


def unreachable_by_mail() -> list[int]:
    """Ids of booked seats still to come whose invitation is unsent and whose candidate
    has no e-mail address, not yet routed to post. No lock."""
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
    (sent already, routed already, no longer booked, an address was added since).
    Job only. Idempotent. Audit: `scheduling.booking.invitation_by_post`."""
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
    """Route every unreachable invitation to post (the outbox's sweep, e.g. for
    bookings made before this existed); how many were routed. Job only."""
    authz.require_job(actor)
    return sum(route_invitation_by_post(pk, actor=actor) for pk in unreachable_by_mail())


def letters_due(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Of `bookings` (already narrowed to what the user plans), those whose invitation
    letter is still to be posted, soonest session first: booked, unsent, in a session
    still to come, routed to post or (not swept yet) without an e-mail address."""
    return (
        bookings.filter(
            status=Booking.Status.BOOKED,
            invitation_sent_at__isnull=True,
            session__starts_at__gt=_now(),
        )
        .filter(Q(invitation_by_post_at__isnull=False) | Q(candidate__email=""))
        .select_related(
            "candidate",
            "candidate__municipality",
            "session",
            "session__centre",
            "session__room",
            "component",
        )
        .order_by("session__starts_at", "candidate__family_name", "pk")
    )


def _letter_due(booking: Booking) -> bool:
    by_post = booking.invitation_by_post_at is not None or not booking.candidate.email
    return (
        by_post and booking.status == Booking.Status.BOOKED and booking.invitation_sent_at is None
    )


def letter_for_booking(booking: Booking, *, actor: Actor) -> Letter:
    """What the invitation letter of `booking` prints (a read: nothing is locked or
    written; the caller renders the PDF). Only the session's planners.

    Raises BookingStateError (`no_postal_address`, field `postal_address`) when the
    candidate has no postal address, and (`booking_state`) when the booking has no
    letter to send. Never carries a BSN: Letter has no field for one.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, booking.session))
    booking = Booking.objects.select_related(
        "candidate", "session", "session__centre", "session__room", "session__component"
    ).get(pk=booking.pk)
    if not _letter_due(booking) and booking.letter_sent_at is None:
        raise BookingStateError(
            _("This booking has no invitation letter to send."), field="booking"
        )
    address = booking.candidate.postal_address.strip()
    if not address:
        raise BookingStateError(
            _("The candidate has no postal address: the letter cannot be printed."),
            code="no_postal_address",
            field="postal_address",
        )
    session = booking.session
    return Letter(
        candidate_name=booking.candidate.full_name,
        postal_address=address,
        component_nl=session.component.name_nl,
        component_en=session.component.name_en,
        starts_at=timezone.localtime(session.starts_at),
        duration_minutes=booking.slot_minutes,
        centre_name=session.centre.name,
        centre_address=", ".join(p for p in (session.centre.address, session.centre.city) if p),
        room=session.room.name,
        reference=booking.reference,
    )


def mark_letter_sent(booking: Booking, *, actor: Actor) -> Booking:
    """The planner posted the invitation letter: the booking's invitation is sent.

    Only the session's planners; only a booked seat whose invitation goes by
    post (routed, or the candidate has no e-mail address) and is unsent.
    Locks the booking and re-checks. Idempotent: a letter already marked is
    returned unchanged (no second audit event). Raises BookingStateError
    otherwise. Audit: `scheduling.booking.letter_sent`.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, booking.session))
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if booking.letter_sent_at is not None:
            return booking
        if not _letter_due(booking):
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
