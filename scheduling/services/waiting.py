"""The waiting list: join, offers that hold a seat, accept, expire, withdraw."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from examens.audit import record_event
from examens.models import Candidate, Component, ExamCentre, RouteRequirement

from ..exceptions import SchedulingError
from ..models import Booking, ExamSession, WaitingListEntry
from ._common import lock_session
from ._common import now as _now
from .book import book_locked
from .offers import offer_freed_seat

ACTIVE = (WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED)


def add_to_waiting_list(
    candidate: Candidate, *, actor, centre: ExamCentre, component: Component, level: str = ""
) -> WaitingListEntry:
    """Put a candidate on the waiting list of a centre for a component (and level).

    Rules: the route requires the component (`not_required_by_route`); one
    active entry per candidate, component and centre (`already_waiting`, also
    a partial unique index). Not idempotent: a second call raises. When a seat
    frees up, the first eligible entry gets an offer (see `offer_freed_seat`).
    """
    if not RouteRequirement.objects.filter(
        route_id=candidate.route_id, component=component
    ).exists():
        raise SchedulingError(
            _("The candidate's learning route does not include this component."),
            code="not_required_by_route",
            field="component",
        )
    already = SchedulingError(
        _("The candidate is already on this waiting list."),
        code="already_waiting",
        field="candidate",
    )
    with transaction.atomic():
        if WaitingListEntry.objects.filter(
            candidate=candidate, component=component, centre=centre, status__in=ACTIVE
        ).exists():
            raise already
        try:
            with transaction.atomic():
                entry = WaitingListEntry.objects.create(
                    candidate=candidate, component=component, centre=centre, level=level
                )
        except IntegrityError as error:
            raise already from error
        record_event(
            actor,
            "scheduling.waiting.added",
            entry,
            data={
                "candidate": candidate.pk,
                "centre": centre.pk,
                "component": component.code,
                "level": level,
            },
        )
        return entry


def _lock_entry(entry_id: int) -> WaitingListEntry:
    return (
        WaitingListEntry.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .get(pk=entry_id)
    )


def accept_offer(entry: WaitingListEntry, *, actor) -> Booking:
    """Turn an outstanding offer into a booking in the held seat.

    Rules: the offer is outstanding (`offer_not_outstanding`) and not expired
    (`offer_expired`); then every booking rule except the seat, which was
    held for this offer. Idempotent: an accepted offer returns its booking.
    """
    if entry.offered_session_id is None:
        if entry.status == WaitingListEntry.Status.ACCEPTED and entry.booking_id:
            return entry.booking
        raise SchedulingError(
            _("There is no outstanding offer."), code="offer_not_outstanding", field="entry"
        )
    with transaction.atomic():
        session = lock_session(entry.offered_session_id)
        entry = _lock_entry(entry.pk)
        if entry.status == WaitingListEntry.Status.ACCEPTED and entry.booking_id:
            return entry.booking
        if (
            entry.status != WaitingListEntry.Status.OFFERED
            or entry.offered_session_id != session.pk
        ):
            raise SchedulingError(
                _("There is no outstanding offer."), code="offer_not_outstanding", field="entry"
            )
        if _now() >= entry.offer_expires_at:
            raise SchedulingError(_("The offer has expired."), code="offer_expired", field="entry")
        # Release the held seat first, then take it as a booking: the row is locked.
        session.held_count -= 1
        session.save(update_fields=["held_count"])
        booking = book_locked(session, actor=actor, candidate=entry.candidate)
        entry.status = WaitingListEntry.Status.ACCEPTED
        entry.booking = booking
        entry.save(update_fields=["status", "booking"])
        record_event(
            actor,
            "scheduling.waiting.accepted",
            entry,
            data={"session": session.pk, "booking": booking.reference},
        )
        return booking


def _release_offer(
    entry: WaitingListEntry, session: ExamSession, *, actor, status: str, action: str
):
    entry.status = status
    entry.save(update_fields=["status"])
    session.held_count -= 1
    session.save(update_fields=["held_count"])
    record_event(actor, action, entry, data={"session": session.pk})
    offer_freed_seat(session, actor=actor)


def expire_offer(entry: WaitingListEntry, *, actor) -> WaitingListEntry:
    """Expire an offer past its deadline and offer the seat to the next in line.

    Idempotent and safe to run twice or concurrently (lock the session, then
    the entry, then re-check): an entry not outstanding or not yet due is
    returned unchanged.
    """
    if entry.offered_session_id is None:
        return entry
    with transaction.atomic():
        session = (
            ExamSession.objects.select_for_update(of=("self",))
            .select_related("component")
            .get(pk=entry.offered_session_id)
        )
        entry = _lock_entry(entry.pk)
        if (
            entry.status != WaitingListEntry.Status.OFFERED
            or entry.offered_session_id != session.pk
        ):
            return entry
        if _now() < entry.offer_expires_at:
            return entry
        _release_offer(
            entry,
            session,
            actor=actor,
            status=WaitingListEntry.Status.EXPIRED,
            action="scheduling.waiting.offer_expired",
        )
        return entry


def withdraw_from_waiting_list(entry: WaitingListEntry, *, actor) -> WaitingListEntry:
    """Take a candidate off the waiting list; a held seat goes to the next. Idempotent."""
    with transaction.atomic():
        session = lock_session(entry.offered_session_id) if entry.offered_session_id else None
        entry = _lock_entry(entry.pk)
        if entry.status not in ACTIVE:
            return entry
        if entry.status == WaitingListEntry.Status.OFFERED and session is not None:
            _release_offer(
                entry,
                session,
                actor=actor,
                status=WaitingListEntry.Status.WITHDRAWN,
                action="scheduling.waiting.withdrawn",
            )
            return entry
        entry.status = WaitingListEntry.Status.WITHDRAWN
        entry.save(update_fields=["status"])
        record_event(actor, "scheduling.waiting.withdrawn", entry, data={})
        return entry
