"""Letters by post: bookings whose candidate has no e-mail address.

The outbox would otherwise keep such a booking unsent for ever. When it
claims one (`claim_invitation`) or sweeps (`route_invitations_by_post`) it
marks it "by post" (`invitation_by_post_at`), after which the outbox no
longer looks at it and the planner finds it on the letters page. The reminder
job and the cancellations route theirs the same way (`route_by_post_locked`:
`reminder_by_post_at`, `cancellation_by_post_at`). Printing a letter
(`letter_for_booking`, a read) and posting it ends with `mark_letter_sent`.
Every mark is audited (decision 0029 and its amendment).

Which letter a booking is due follows from its state (`LETTER_DUE`), at most one
at a time: the invitation (or, when the booking replaced one whose time the
candidate was told, "your exam was moved"), the reminder, or the cancellation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event

from .. import permissions
from ..exceptions import BookingStateError, SchedulingError
from ..letter_pdf import CANCELLATION, INVITATION, KINDS, MOVE, REMINDER, Letter
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


# The mark each mail path sets when it finds no e-mail address, and its audit action.
ROUTED = {
    REMINDER: ("reminder_by_post_at", "scheduling.booking.reminder_by_post"),
    CANCELLATION: ("cancellation_by_post_at", "scheduling.booking.cancellation_by_post"),
}
CLOSED_STATUSES = (Booking.Status.CANCELLED, Booking.Status.SESSION_CANCELLED)


def route_by_post_locked(booking: Booking, kind: str, *, actor: Actor) -> bool:
    """Send `booking`'s reminder or cancellation notice by post: set the kind's routing
    mark and audit it; False when it was routed already. For the service that holds
    the booking's row lock and authorised its actor (claim_reminder, the
    cancellations) and for `route_letter_by_post`."""
    field, action = ROUTED[kind]
    if getattr(booking, field) is not None:
        return False
    setattr(booking, field, _now())
    booking.save(update_fields=[field])
    record_event(actor, action, booking, data={})
    return True


def route_letter_by_post(booking_id: int, *, actor: Actor, kind: str) -> bool:
    """The mail task found no e-mail address for a reminder or cancellation notice (it
    was removed after the mail was queued): route it to post instead of dropping it.

    Job only. Locks the booking and re-checks (still without an address, booked for a
    reminder, cancelled for a notice). Idempotent: False when nothing changed.
    Audit: `scheduling.booking.reminder_by_post` / `cancellation_by_post`."""
    authz.require_job(actor)
    if kind not in ROUTED:
        raise ValueError(kind)
    with transaction.atomic():
        booking = lock_booking(booking_id)
        wanted = (Booking.Status.BOOKED,) if kind == REMINDER else CLOSED_STATUSES
        if booking.candidate.email or booking.status not in wanted:
            return False
        return route_by_post_locked(booking, kind, actor=actor)


def _due_conditions(moment: datetime.datetime) -> dict[str, Q]:
    """Per kind, when its letter is due (INVITATION stands for MOVE too: `letter_kind`).

    - invitation: booked, invitation unsent, session to come, routed to post or
      (not swept yet) without an e-mail address;
    - reminder: booked, session to come, routed to post by the reminder job, unposted,
      and the invitation went out before that (an invitation posted later already
      gives the time);
    - cancellation: cancelled (alone, or with its session and not rebooked), routed
      to post, unposted, the session still to come, and the invitation had gone out
      (a candidate never told of the booking is not told it is off).
    """
    to_come = Q(session__starts_at__gt=moment)
    return {
        INVITATION: to_come
        & Q(status=Booking.Status.BOOKED, invitation_sent_at__isnull=True)
        & (Q(invitation_by_post_at__isnull=False) | Q(candidate__email="")),
        REMINDER: to_come
        & Q(
            status=Booking.Status.BOOKED,
            reminder_by_post_at__isnull=False,
            reminder_letter_sent_at__isnull=True,
            invitation_sent_at__lt=F("reminder_by_post_at"),
        ),
        CANCELLATION: to_come
        & Q(
            status__in=CLOSED_STATUSES,
            cancellation_by_post_at__isnull=False,
            cancellation_letter_sent_at__isnull=True,
            invitation_sent_at__isnull=False,
        ),
    }


def _with_due_kind(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    conditions = _due_conditions(_now())
    any_due = conditions[INVITATION] | conditions[REMINDER] | conditions[CANCELLATION]
    return bookings.filter(any_due).annotate(
        due_kind=Case(
            *(When(condition, then=Value(kind)) for kind, condition in conditions.items()),
            output_field=CharField(),
        )
    )


# The timestamp each kind's "mark sent" sets (a move is the booking's invitation).
SENT_FIELD = {
    INVITATION: "letter_sent_at",
    MOVE: "letter_sent_at",
    REMINDER: "reminder_letter_sent_at",
    CANCELLATION: "cancellation_letter_sent_at",
}
MAX_MOVES_FOLLOWED = 20


def announced_predecessor(booking: Booking) -> Booking | None:
    """The booking `booking` replaced whose time the candidate was told (its invitation
    went out), following moves back past bookings that were moved again before their
    letter was posted; None when there is none. A read."""
    previous = booking.moved_from
    for _hop in range(MAX_MOVES_FOLLOWED):
        if previous is None or previous.invitation_sent_at is not None:
            return previous
        previous = previous.moved_from
    return None


def _invitation_kind(booking: Booking) -> str:
    return MOVE if announced_predecessor(booking) is not None else INVITATION


@dataclass(frozen=True)
class LetterDue:
    booking: Booking
    kind: str  # one of KINDS
    previous: Booking | None  # a move: the booking whose time the candidate was told


def letters_due(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Of `bookings` (already narrowed to what the user plans), those with a letter still
    to be posted, soonest session first, each annotated `due_kind` (invitation,
    reminder or cancellation; `describe_letters` tells a move from an invitation)."""
    return (
        _with_due_kind(bookings)
        .select_related(
            "candidate",
            "candidate__municipality",
            "session",
            "session__centre",
            "session__room",
            "component",
            "moved_from",
            "moved_from__session",
        )
        .order_by("session__starts_at", "candidate__family_name", "pk")
    )


def describe_letters(bookings) -> list[LetterDue]:
    """Each of `bookings` (from `letters_due`, e.g. one page of it) with its letter's kind
    and, for a move, the booking it replaced. A read."""
    rows = []
    for booking in bookings:
        kind, previous = booking.due_kind, None
        if kind == INVITATION:
            previous = announced_predecessor(booking)
            kind = MOVE if previous is not None else INVITATION
        rows.append(LetterDue(booking=booking, kind=kind, previous=previous))
    return rows


def letter_kind(booking: Booking) -> str | None:
    """The kind of letter `booking` is due now, or None. A read (one query, more for a
    booking that replaced another)."""
    rows = describe_letters(
        _with_due_kind(Booking.objects.filter(pk=booking.pk)).select_related("moved_from")
    )
    return rows[0].kind if rows else None


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise SchedulingError(
            _("Unknown kind of letter: choose invitation, move, reminder or cancellation."),
            code="bad_letter_kind",
            field="kind",
        )


def _nothing_to_send(kind: str) -> BookingStateError:
    return BookingStateError(
        _("This booking has no letter of this kind (%(kind)s) to send.") % {"kind": kind},
        field="kind",
    )


def _sendable(booking: Booking, kind: str) -> bool:
    """Due now, or posted already (printed again) and of this kind."""
    if getattr(booking, SENT_FIELD[kind]) is None:
        return letter_kind(booking) == kind
    return kind not in (INVITATION, MOVE) or _invitation_kind(booking) == kind


def letter_for_booking(booking: Booking, *, actor: Actor, kind: str) -> Letter:
    """What the letter of `kind` for `booking` prints (a read: nothing is locked or
    written; the caller renders the PDF). Only the session's planners.

    The letter must be due (`letter_kind`) or already posted (a reprint). Raises
    SchedulingError (`bad_letter_kind`, field `kind`) for an unknown kind,
    BookingStateError (`no_postal_address`, field `postal_address`) when the
    candidate has no postal address, and (`booking_state`) when the booking has no
    such letter to send. Never carries a BSN: Letter has no field for one.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, booking.session))
    _check_kind(kind)
    booking = Booking.objects.select_related(
        "candidate",
        "session",
        "session__centre",
        "session__room",
        "session__component",
        "moved_from",
        "moved_from__session",
    ).get(pk=booking.pk)
    if not _sendable(booking, kind):
        raise _nothing_to_send(kind)
    address = booking.candidate.postal_address.strip()
    if not address:
        raise BookingStateError(
            _("The candidate has no postal address: the letter cannot be printed."),
            code="no_postal_address",
            field="postal_address",
        )
    session = booking.session
    previous = announced_predecessor(booking) if kind == MOVE else None
    cancelled_session = kind == CANCELLATION and booking.status == Booking.Status.SESSION_CANCELLED
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
        kind=kind,
        previous_starts_at=timezone.localtime(previous.session.starts_at) if previous else None,
        session_cancelled=cancelled_session,
        reason=session.cancel_reason.strip() if cancelled_session else "",
    )


def mark_letter_sent(booking: Booking, *, actor: Actor, kind: str) -> Booking:
    """The planner posted the letter of `kind`: set that kind's timestamp.

    Only the session's planners. Locks the booking, then re-checks that this kind
    is due (`letter_kind`). An invitation or move letter also marks the invitation
    sent; a reminder letter the reminder. Idempotent: a letter already marked is
    returned unchanged (no second audit event). Raises SchedulingError
    (`bad_letter_kind`) for an unknown kind, BookingStateError when the booking has
    no such letter to send. Audit: `scheduling.booking.letter_sent`, data {"kind"}.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, booking.session))
    _check_kind(kind)
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        field = SENT_FIELD[kind]
        if getattr(booking, field) is not None:
            if not _sendable(booking, kind):
                raise _nothing_to_send(kind)
            return booking
        if letter_kind(booking) != kind:
            raise _nothing_to_send(kind)
        moment = _now()
        setattr(booking, field, moment)
        fields = [field]
        if kind in (INVITATION, MOVE):
            booking.invitation_sent_at = moment
            booking.invitation_by_post_at = booking.invitation_by_post_at or moment
            fields += ["invitation_sent_at", "invitation_by_post_at"]
        elif kind == REMINDER:
            booking.reminder_sent_at = booking.reminder_sent_at or moment
            fields.append("reminder_sent_at")
        booking.save(update_fields=fields)
        record_event(actor, "scheduling.booking.letter_sent", booking, data={"kind": kind})
        return booking
