"""The invitation outbox and reminders: claim a row with a lease, send, then mark it sent.

Delivery is at least once (docs/decisions/0008-outbox-lease.md). A run claims
a booking's invitation in a short committed transaction (a lease until
`invitation_lease_until`, taken with SELECT ... FOR UPDATE SKIP LOCKED), sends
the mail outside any transaction and without any row lock, then marks it sent.
A second run skips a row while its lease holds, so two runs never send one
invitation twice; a crash between the send and the mark leaves the lease to
expire, after which the invitation is sent once more.
"""

from __future__ import annotations

import datetime

from celery import current_app
from django.db import transaction
from django.db.models import Q

from examens import authz
from examens.audit import Actor, record_event
from examens.jobs import enqueue_on_commit

from ..letter_pdf import REMINDER
from ..models import Booking
from ._common import lock_booking
from ._common import now as _now
from .letters import route_by_post_locked

MAX_INVITATION_ATTEMPTS = 5
# Long enough for one send (SMTP timeouts included), short enough that a crashed
# run's invitations go out again soon.
INVITATION_LEASE = datetime.timedelta(minutes=5)
MAIL_TASK = "scheduling.tasks.send_booking_mail_task"


def queue_invitation(booking_id: int) -> None:
    """Invitations leave through the outbox: send_pending_invitations_task, on the beat
    every few seconds, sends every unsent invitation of a booked seat, so a booking
    request publishes nothing to the broker (docs/decisions/0006). Where tasks run
    in this process (embedded mode, the tests) no beat runs: the invitation is
    then delivered right after commit, through the same lease."""
    if current_app.conf.task_always_eager:
        enqueue_on_commit(MAIL_TASK, booking_id, "invitation")


def pending_invitations(*, limit: int) -> list[int]:
    """Ids of bookings whose invitation is due: booked, unsent, not given up, not leased,
    in a session still to come, with an address; oldest booking first. No lock."""
    moment = _now()
    return list(
        Booking.objects.filter(
            status=Booking.Status.BOOKED,
            invitation_sent_at__isnull=True,
            invitation_by_post_at__isnull=True,
            invitation_failures__lt=MAX_INVITATION_ATTEMPTS,
            session__starts_at__gt=moment,
        )
        .filter(Q(invitation_lease_until__isnull=True) | Q(invitation_lease_until__lte=moment))
        .exclude(candidate__email="")
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim_invitation(
    booking_id: int, *, actor: Actor, lease: datetime.timedelta = INVITATION_LEASE
) -> Booking | None:
    """Lease `booking_id`'s unsent invitation to the caller; the booking, or None.

    One short transaction that commits before the caller sends: the row is
    taken with FOR UPDATE SKIP LOCKED (a row another run is claiming is
    skipped) and only when its invitation is unsent, not given up and not
    leased (or the lease expired). Returns the booking with what the mail
    needs loaded, or None (nothing to send). A candidate without an e-mail
    address is not retried for ever: the booking is marked "invitation by
    post" (`invitation_by_post_at`, audit `scheduling.booking.invitation_by_post`)
    and the outbox never looks at it again. Idempotent while the lease
    holds. Audit: `scheduling.booking.invitation_claimed`.
    """
    authz.require_job(actor)
    with transaction.atomic():
        moment = _now()
        booking = (
            Booking.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related(
                "candidate", "session", "session__centre", "session__room", "session__component"
            )
            .filter(
                pk=booking_id,
                status=Booking.Status.BOOKED,
                invitation_sent_at__isnull=True,
                invitation_by_post_at__isnull=True,
                invitation_failures__lt=MAX_INVITATION_ATTEMPTS,
            )
            .filter(Q(invitation_lease_until__isnull=True) | Q(invitation_lease_until__lte=moment))
            .first()
        )
        if booking is None:
            return None
        if not booking.candidate.email:
            # Nobody to mail: the planner posts a letter instead (services/letters.py).
            booking.invitation_by_post_at = moment
            booking.save(update_fields=["invitation_by_post_at"])
            record_event(actor, "scheduling.booking.invitation_by_post", booking, data={})
            return None
        booking.invitation_lease_until = moment + lease
        booking.save(update_fields=["invitation_lease_until"])
        record_event(
            actor,
            "scheduling.booking.invitation_claimed",
            booking,
            data={"lease_until": booking.invitation_lease_until},
        )
        return booking


def mark_invitation_sent(booking_id: int, *, actor: Actor) -> bool:
    """Mark the invitation sent after the mail left; False when it already was.

    Locks the booking, re-checks, clears the lease. Idempotent. Audit:
    `scheduling.booking.invitation_sent`.
    """
    authz.require_job(actor)
    with transaction.atomic():
        booking = lock_booking(booking_id)
        if booking.invitation_sent_at is not None:
            return False
        booking.invitation_sent_at = _now()
        booking.invitation_lease_until = None
        booking.save(update_fields=["invitation_sent_at", "invitation_lease_until"])
        record_event(actor, "scheduling.booking.invitation_sent", booking, data={})
        return True


def release_invitation(booking_id: int, *, actor: Actor, error: str) -> Booking:
    """Give a claimed invitation back without counting a failure (the mail server was
    down): the next run retries it at once. `error` names the kind of failure.
    Audit: `scheduling.booking.invitation_released`."""
    authz.require_job(actor)
    with transaction.atomic():
        booking = lock_booking(booking_id)
        booking.invitation_lease_until = None
        booking.save(update_fields=["invitation_lease_until"])
        record_event(
            actor, "scheduling.booking.invitation_released", booking, data={"error": error}
        )
        return booking


def record_invitation_failure(booking_id: int, *, actor: Actor, error: str) -> Booking:
    """Count one failed attempt to send the invitation and give the lease back; the
    outbox gives up after MAX_INVITATION_ATTEMPTS. `error` names the kind of failure
    (never the address). Not idempotent: each call counts. Audit:
    `scheduling.booking.invitation_failed`."""
    authz.require_job(actor)
    with transaction.atomic():
        booking = lock_booking(booking_id)
        booking.invitation_failures += 1
        booking.invitation_lease_until = None
        booking.save(update_fields=["invitation_failures", "invitation_lease_until"])
        record_event(
            actor,
            "scheduling.booking.invitation_failed",
            booking,
            data={"error": error, "failures": booking.invitation_failures},
        )
        return booking


def claim_reminder(booking: Booking, *, actor: Actor) -> bool:
    """Mark a booked seat's reminder as due and queue its mail after commit.

    Idempotent: False (nothing queued) when the reminder was already sent or
    routed to post, or the booking is no longer booked. Used by the periodic
    reminder job. The mail leaves after commit, never under the row lock. The
    mark comes first, so a task lost after the commit loses that reminder (at
    most once; the invitation, which matters more, is leased: decision 0008).
    A candidate without an e-mail address gets a letter instead: the reminder
    is routed to post (`reminder_by_post_at`, audit
    `scheduling.booking.reminder_by_post`; the planner's letters page lists it)
    and False is returned.
    """
    authz.require_job(actor)
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        if (
            booking.reminder_sent_at is not None
            or booking.reminder_by_post_at is not None
            or booking.status != Booking.Status.BOOKED
        ):
            return False
        if not booking.candidate.email:
            route_by_post_locked(booking, REMINDER, actor=actor)
            return False
        booking.reminder_sent_at = _now()
        booking.save(update_fields=["reminder_sent_at"])
        record_event(actor, "scheduling.booking.reminder_sent", booking, data={})
        enqueue_on_commit(MAIL_TASK, booking.pk, "reminder")
        return True
