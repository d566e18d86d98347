"""Cancelling a session (rebooking its candidates) and withdrawing an exam version."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.jobs import enqueue_on_commit
from examens.models import (
    ExamVersion,
)

from .. import permissions
from ..exceptions import BookingRefused, SessionError
from ..letter_pdf import CANCELLATION
from ..models import Booking, ExamSession, WaitingListEntry
from ..selectors import LIVE_STATUSES
from ..signals import CANCELLED, MOVED, send_booking_changed_on_commit
from ._common import lock_sessions
from ._common import now as _now
from .book import book_locked
from .letters import route_by_post_locked


def _cancel_locked(
    session: ExamSession, *, actor, reason: str, rebook_into: ExamSession | None
) -> list[tuple[Booking, Booking | None]]:
    """Cancel the locked `session`; returns (old booking, new booking or None) pairs."""
    moment = _now()
    open_bookings = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(session=session, status__in=Booking.OPEN_STATUSES)
        .select_related("candidate")
        .order_by("pk")
    )
    released = WaitingListEntry.objects.filter(
        offered_session=session, status=WaitingListEntry.Status.OFFERED
    ).update(status=WaitingListEntry.Status.WAITING, offered_session=None, offer_expires_at=None)
    session.status = ExamSession.Status.CANCELLED
    session.cancel_reason = reason
    session.booked_count = 0
    session.held_count = 0
    session.save(update_fields=["status", "cancel_reason", "booked_count", "held_count"])
    outcome: list[tuple[Booking, Booking | None]] = []
    for booking in open_bookings:
        booking.status = Booking.Status.SESSION_CANCELLED
        booking.counts_as_attempt = False
        booking.status_changed_at = moment
        booking.status_reason = reason
        booking.save(
            update_fields=["status", "counts_as_attempt", "status_changed_at", "status_reason"]
        )
        new = None
        if rebook_into is not None:
            try:
                with transaction.atomic():
                    new = book_locked(
                        rebook_into,
                        actor=actor,
                        candidate=booking.candidate,
                        announce=False,
                        moved_from=booking,
                    )
            except BookingRefused:
                new = None
        if new is not None:
            send_booking_changed_on_commit(new, MOVED, previous=booking)
        else:
            send_booking_changed_on_commit(booking, CANCELLED)
            if booking.candidate.email:
                enqueue_on_commit(
                    "scheduling.tasks.send_booking_mail_task", booking.pk, "session_cancelled"
                )
            else:  # a letter instead (services/letters.py)
                route_by_post_locked(booking, CANCELLATION, actor=actor)
        outcome.append((booking, new))
    record_event(
        actor,
        "scheduling.session.cancelled",
        session,
        data={
            "reason": reason,
            "rebook_into": rebook_into.pk if rebook_into else None,
            "bookings": [
                {"booking": old.reference, "rebooked_as": new.reference if new else None}
                for old, new in outcome
            ],
            "offers_returned_to_queue": released,
        },
    )
    return outcome


def cancel_session(
    session: ExamSession, *, actor: Actor, reason: str, rebook_into: ExamSession | None = None
) -> ExamSession:
    """Cancel a session before it is held, with a reason.

    Every open booking becomes `session_cancelled` (not an attempt); with
    `rebook_into` each candidate is booked into that session under every
    booking rule (invitation mail; the new booking's `moved_from` is the old
    one), and whoever cannot be rebooked is sent a cancellation notice, as is
    everyone when there is no `rebook_into` (by post without an e-mail address:
    routed for the planner's letters page).
    Outstanding waiting-list offers go back to the queue. Idempotent for a
    cancelled session. Raises SessionError (held or later, no reason).
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan_session(person, session))
    authz.require(rebook_into is None or permissions.can_plan_session(person, rebook_into))
    if not reason.strip():
        raise SessionError(_("Give the reason for cancelling."), field="reason")
    if rebook_into is not None and rebook_into.pk == session.pk:
        raise SessionError(_("Choose another session to rebook into."), field="rebook_into")
    with transaction.atomic():
        ids = [session.pk] + ([rebook_into.pk] if rebook_into else [])
        locked = lock_sessions(*ids)
        session = locked[session.pk]
        if session.status == ExamSession.Status.CANCELLED:
            return session
        if session.status not in LIVE_STATUSES:
            raise SessionError(
                _("A session that has been held can no longer be cancelled."), field="session"
            )
        target = locked[rebook_into.pk] if rebook_into else None
        if target is not None and target.component_id != session.component_id:
            raise SessionError(
                _("Rebook into a session of the same component."), field="rebook_into"
            )
        _cancel_locked(session, actor=actor, reason=reason.strip(), rebook_into=target)
        return session


@dataclass
class WithdrawalOutcome:
    """What withdrawing a version did, for the planner to follow up."""

    version: ExamVersion
    switched_sessions: list[ExamSession] = field(default_factory=list)
    cancelled_sessions: list[ExamSession] = field(default_factory=list)
    affected_bookings: list[Booking] = field(default_factory=list)


def withdraw_exam_version(
    version: ExamVersion, *, actor: Actor, reason: str, replacement: ExamVersion | None = None
) -> WithdrawalOutcome:
    """Withdraw an exam version (leaked items) and move its future sessions in one action.

    With an active `replacement` of the same component and level, every
    future live session switches to it (bookings stay, listed as affected);
    without one, every such session is cancelled and its candidates are
    notified. Sessions already started keep the version. Idempotent: a
    withdrawn version returns an empty outcome. Raises SessionError.
    """
    authz.require(permissions.may_withdraw_versions(authz.require_person(actor)))
    if not reason.strip():
        raise SessionError(_("Give the reason for withdrawing."), field="reason")
    if replacement is not None and (
        replacement.pk == version.pk
        or replacement.component_id != version.component_id
        or replacement.level != version.level
        or replacement.status != ExamVersion.Status.ACTIVE
    ):
        raise SessionError(
            _("The replacement must be another active version of the same component and level."),
            code="bad_replacement",
            field="replacement",
        )
    with transaction.atomic():
        # Lock both versions in primary-key order and re-check the replacement on its
        # locked row: a concurrent withdrawal of the replacement must not be missed.
        ids = sorted({version.pk, *([replacement.pk] if replacement else [])})
        versions = {
            locked.pk: locked
            for locked in ExamVersion.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
        }
        version = versions[version.pk]
        outcome = WithdrawalOutcome(version=version)
        if version.status == ExamVersion.Status.WITHDRAWN:
            return outcome
        if replacement is not None:
            replacement = versions[replacement.pk]
            if replacement.status != ExamVersion.Status.ACTIVE:
                raise SessionError(
                    _(
                        "The replacement must be another active version of the same "
                        "component and level."
                    ),
                    code="bad_replacement",
                    field="replacement",
                )
        version.status = ExamVersion.Status.WITHDRAWN
        version.save(update_fields=["status"])
        ids = list(
            ExamSession.objects.filter(
                exam_version=version, status__in=LIVE_STATUSES, starts_at__gt=_now()
            ).values_list("pk", flat=True)
        )
        for session in lock_sessions(*ids).values():
            if replacement is not None:
                session.exam_version = replacement
                session.save(update_fields=["exam_version"])
                record_event(
                    actor,
                    "scheduling.session.version_switched",
                    session,
                    data={"from": version.pk, "to": replacement.pk, "reason": reason},
                )
                outcome.switched_sessions.append(session)
                outcome.affected_bookings.extend(
                    session.bookings.filter(status__in=Booking.OPEN_STATUSES).select_related(
                        "candidate"
                    )
                )
            else:
                pairs = _cancel_locked(
                    session,
                    actor=actor,
                    reason=_("Exam version withdrawn: %(reason)s") % {"reason": reason},
                    rebook_into=None,
                )
                outcome.cancelled_sessions.append(session)
                outcome.affected_bookings.extend(old for old, _new in pairs)
        record_event(
            actor,
            "scheduling.exam_version.withdrawn",
            version,
            data={
                "reason": reason,
                "replacement": replacement.pk if replacement else None,
                "switched_sessions": [s.pk for s in outcome.switched_sessions],
                "cancelled_sessions": [s.pk for s in outcome.cancelled_sessions],
                "affected_bookings": [b.reference for b in outcome.affected_bookings],
            },
        )
        return outcome
