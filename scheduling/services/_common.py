"""Helpers shared by the scheduling services: row locks, references, actors."""

from __future__ import annotations

import secrets

from django.utils import timezone

from examens import sql
from examens.models import User

from ..models import Booking, ExamSession

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the door
assert len(REFERENCE_ALPHABET) == 32  # noqa: S101 - new_reference relies on it  # nosec B101


def new_reference() -> str:
    """`EB-7KQ2-M9XD`: random, unguessable enough to print on an invitation and scan.

    Eight random bytes, each taken modulo the 32-letter alphabet (uniform, as
    256 is a multiple of 32): one call to the system's randomness, not eight."""
    chars = "".join(REFERENCE_ALPHABET[byte % 32] for byte in secrets.token_bytes(8))
    return f"EB-{chars[:4]}-{chars[4:]}"


def lock_session(session_id: int) -> ExamSession:
    return (
        ExamSession.objects.select_for_update(of=("self",))
        .select_related("component", "centre")
        .get(pk=session_id)
    )


def take_seat(session: ExamSession) -> ExamSession | None:
    """Lock `session`'s row and take one free seat, in one statement; None when it is full.

    `UPDATE ... SET booked_count = booked_count + 1 WHERE <a seat is free>
    RETURNING *`: the database locks the row, re-evaluates the condition on
    its newest version (after waiting for any other booker) and writes, so
    the check and the write cannot be separated by another transaction.
    Returns the locked row, seat taken; the component already loaded on
    `session` is reused (reference data). The caller's transaction must end
    in a rollback if it refuses the booking after all.
    """
    locked = sql.take_one(
        ExamSession, session.pk, count="booked_count", held="held_count", limit="capacity"
    )
    if locked is None:
        return None
    if locked.component_id == session.component_id and ExamSession.component.is_cached(session):
        locked.component = session.component
    return locked


def lock_sessions(*session_ids: int) -> dict[int, ExamSession]:
    """Lock several sessions in primary-key order (no deadlock between two movers)."""
    return {pk: lock_session(pk) for pk in sorted(set(session_ids))}


def lock_booking(booking_id: int) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("candidate", "component")
        .get(pk=booking_id)
    )


def user_or_none(actor) -> User | None:
    return actor if isinstance(actor, User) else None


def now():
    return timezone.now()
