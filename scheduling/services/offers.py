"""Offering a freed seat to the first eligible waiting candidate (after the freeing commits)."""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction

from examens.audit import Actor, record_event
from examens.jobs import enqueue_on_commit

from ..eligibility import assess
from ..models import ExamSession, WaitingListEntry
from ..selectors import policy_for
from ._common import lock_session
from ._common import now as _now

SCAN_LIMIT = 50  # waiting entries looked at per freed seat; the rest wait for the next one
_SEAT_GONE = object()


def offer_freed_seat(session: ExamSession, *, actor: Actor) -> None:
    """Offer a seat of `session` freed by the caller, once the caller's transaction commits.

    The callers (cancel, reschedule, an offer released) hold the session's row
    lock; choosing the candidate means running the booking rules for up to
    SCAN_LIMIT waiting entries, which must not happen under that lock. So the
    offer is made after commit (at once outside a transaction) by
    `offer_seat`, which picks without a lock and re-checks under it. A failure
    there is logged and leaves the seat free; it never undoes the caller's
    commit.
    """
    transaction.on_commit(partial(offer_seat, session.pk, actor=actor), robust=True)


def _open_with_free_seat(session: ExamSession, moment: datetime.datetime) -> bool:
    return (
        session.status == ExamSession.Status.PUBLISHED
        and moment < session.booking_closes_at
        and session.seats_free > 0
    )


def offer_seat(session_id: int, *, actor: Actor) -> WaitingListEntry | None:
    """Offer one free seat of session `session_id` to the first eligible waiting entry.

    Picks outside any lock: reads the session and the first SCAN_LIMIT
    waiting entries (same component, centre and level, oldest first) and runs
    the booking rules for each without a lock. Then, for the first eligible
    one, locks the session and the entry (in that order, one short
    transaction) and re-checks: the session is still open with a free seat,
    the entry still waiting, its candidate still eligible. If the entry fails
    the re-check, the next eligible entry is tried; if the seat is gone,
    nothing is offered. The seat is held (`held_count`) until the offer is
    accepted or expires; entries not eligible now keep their place.
    Returns the offered entry, or None. Safe to run twice or concurrently (a
    second run finds no free seat). Side effect: the offer mail after commit.
    """
    moment = _now()
    session = ExamSession.objects.select_related("component", "centre").get(pk=session_id)
    if not _open_with_free_seat(session, moment):
        return None
    entries = (
        WaitingListEntry.objects.filter(
            component_id=session.component_id,
            centre_id=session.centre_id,
            status=WaitingListEntry.Status.WAITING,
            level__in=["", session.level],
        )
        .select_related("candidate")
        .order_by("created_at", "pk")[:SCAN_LIMIT]
    )
    for entry in entries:
        if not assess(entry.candidate, session, include_capacity=False, now=moment).ok:
            continue
        offered = _offer_if_still_free(session_id, entry.pk, actor=actor)
        if offered is _SEAT_GONE:
            return None
        if offered is not None:
            return offered
    return None


def _offer_if_still_free(session_id: int, entry_id: int, *, actor: Actor):
    """Lock the session, then the entry; re-check both and offer. The entry, None when
    the entry no longer qualifies, or _SEAT_GONE."""
    with transaction.atomic():
        session = lock_session(session_id)
        moment = _now()
        if not _open_with_free_seat(session, moment):
            return _SEAT_GONE
        entry = (
            WaitingListEntry.objects.select_for_update(of=("self",))
            .select_related("candidate")
            .get(pk=entry_id)
        )
        if entry.status != WaitingListEntry.Status.WAITING:
            return None
        if not assess(entry.candidate, session, include_capacity=False, now=moment).ok:
            return None
        hours = policy_for(session.component).offer_hours
        entry.status = WaitingListEntry.Status.OFFERED
        entry.offered_session = session
        entry.offer_expires_at = moment + datetime.timedelta(hours=hours)
        entry.save(update_fields=["status", "offered_session", "offer_expires_at"])
        session.held_count += 1
        session.save(update_fields=["held_count"])
        record_event(
            actor,
            "scheduling.waiting.offered",
            entry,
            data={
                "session": session.pk,
                "candidate": entry.candidate_id,
                "expires_at": entry.offer_expires_at,
            },
        )
        enqueue_on_commit("scheduling.tasks.send_offer_mail_task", entry.pk)
        return entry
