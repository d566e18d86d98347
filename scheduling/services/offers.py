"""Offering a freed seat to the first eligible waiting candidate (inside a caller's lock)."""

from __future__ import annotations

import datetime

from examens.audit import Actor, record_event

from .. import tasks
from ..eligibility import assess
from ..models import ExamSession, WaitingListEntry
from ..selectors import policy_for
from ._common import now as _now

SCAN_LIMIT = 50  # waiting entries looked at per freed seat; the rest wait for the next one


def offer_freed_seat(session: ExamSession, *, actor: Actor) -> WaitingListEntry | None:
    """Offer one free seat of the *locked* `session` to the first eligible waiting entry.

    The seat is held (`held_count`) until the offer is accepted or expires.
    Skips entries whose candidate is not eligible now (they keep their place).
    Returns the offered entry, or None when nothing was offered.
    """
    moment = _now()
    if session.status != ExamSession.Status.PUBLISHED or moment >= session.booking_closes_at:
        return None
    if session.seats_free <= 0:
        return None
    entries = (
        WaitingListEntry.objects.select_for_update(of=("self",))
        .filter(
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
        tasks.send_offer_mail_task.delay_on_commit(entry.pk)
        return entry
    return None
