"""Helpers shared by the scheduling services: row locks, references, actors."""

from __future__ import annotations

import secrets

from django.utils import timezone

from examens.audit import SystemActor
from examens.models import User

from ..models import Booking, ExamSession

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the door


def new_reference() -> str:
    """`EB-7KQ2-M9XD`: random, unguessable enough to print on an invitation and scan."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"EB-{chars[:4]}-{chars[4:]}"


def lock_session(session_id: int) -> ExamSession:
    return (
        ExamSession.objects.select_for_update(of=("self",))
        .select_related("component", "centre")
        .get(pk=session_id)
    )


def relock_session(session: ExamSession) -> ExamSession:
    """Lock `session`'s row and return it fresh, without joins: the component already
    loaded on `session` is reused (components are reference data; the row is re-read)."""
    locked = ExamSession.objects.select_for_update().get(pk=session.pk)
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


def require_actor(actor) -> None:
    if not isinstance(actor, User | SystemActor):
        raise TypeError("scheduling services need an actor: a User or a SystemActor")


def now():
    return timezone.now()
