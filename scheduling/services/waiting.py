"""The waiting list: join, offers that hold a seat, accept, expire, withdraw."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.models import Candidate, Component, ExamCentre, RouteRequirement

from .. import permissions
from ..exceptions import SchedulingError
from ..models import Booking, ExamSession, WaitingListEntry
from ._common import lock_session
from ._common import now as _now
from .book import book_locked
from .offers import offer_freed_seat

ACTIVE = (WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED)


def add_to_waiting_list(
    candidate: Candidate, *, actor: Actor, centre: ExamCentre, component: Component, level: str = ""
) -> WaitingListEntry:
    """Put a candidate on the waiting list of a centre for a component (and level).

    Rules: the route requires the component (`not_required_by_route`); one
    active entry per candidate, component and centre (`already_waiting`, also
    a partial unique index). Not idempotent: a second call raises. When a seat
    frees up, the first eligible entry gets an offer (see `offer_freed_seat`).
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan(person, centre))
    authz.require(permissions.can_book_for(person, candidate))
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


def accept_offer(entry: WaitingListEntry, *, actor: Actor) -> Booking:
    """Turn an outstanding offer into a booking in the held seat.

    Rules: the offer is outstanding (`offer_not_outstanding`) and not expired
    (`offer_expired`); then every booking rule except the seat, which was
    held for this offer. Idempotent: an accepted offer returns its booking.
    Decides from the locked rows (session, then entry), not from `entry` as loaded.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan(person, entry.centre))
    with transaction.atomic():
        session, entry = _lock_session_and_entry(entry.pk)
        if entry.status == WaitingListEntry.Status.ACCEPTED and entry.booking is not None:
            return entry.booking
        if entry.status != WaitingListEntry.Status.OFFERED or session is None:
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


def expire_offer(entry: WaitingListEntry, *, actor: Actor) -> WaitingListEntry:
    """Expire an offer past its deadline and offer the seat to the next in line.

    Idempotent and safe to run twice or concurrently (lock the session, then
    the entry, then re-check): an entry not outstanding or not yet due is
    returned unchanged.
    """
    authz.require_job(actor)
    with transaction.atomic():
        session, entry = _lock_session_and_entry(entry.pk)
        if entry.status != WaitingListEntry.Status.OFFERED or session is None:
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


def _lock_session_and_entry(entry_id: int) -> tuple[ExamSession | None, WaitingListEntry]:
    """Lock the entry's offered session (if any), then the entry, deciding from the database.

    The session to lock is read from the entry's current row, never from the
    caller's copy (an offer may have been made since it was loaded); after
    both locks the entry must still point at that session, else it changed
    in between (at most once: an offer is made only to a waiting entry) and
    the locks are taken again. Call inside the caller's transaction.
    """
    while True:
        session_id = (
            WaitingListEntry.objects.filter(pk=entry_id)
            .values_list("offered_session_id", flat=True)
            .get()
        )
        session = lock_session(session_id) if session_id else None
        entry = _lock_entry(entry_id)
        if entry.offered_session_id == session_id:
            return session, entry


def withdraw_from_waiting_list(entry: WaitingListEntry, *, actor: Actor) -> WaitingListEntry:
    """Take a candidate off the waiting list; a held seat goes to the next. Idempotent.

    Decides from the locked rows (session, then entry), not from `entry` as
    the caller loaded it: an offer made meanwhile is released with its seat.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_plan(person, entry.centre))
    with transaction.atomic():
        session, entry = _lock_session_and_entry(entry.pk)
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
