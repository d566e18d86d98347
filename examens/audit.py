"""The append-only, hash-chained audit trail.

Every service calls `record_event` inside its own transaction, so the change
and its event commit or roll back together.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEvent, User
from .privacy import mask_data

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_ID = 0x6578616D  # "exam": the PostgreSQL advisory lock serialising appends


class SystemActor:
    """The actor for scheduled jobs and signals: never None, always named."""

    pk = None
    is_authenticated = False

    def __init__(self, label: str = "system"):
        self.label = label

    def __str__(self) -> str:
        return self.label


SYSTEM = SystemActor()


def _canonical(value) -> object:
    """JSON-normalise `value` (dates, Decimals, UUIDs to strings) exactly as stored."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def compute_hash(
    *,
    prev_hash: str,
    created_at,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    data,
) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "actor": actor_label,
            "action": action,
            "type": object_type,
            "id": object_id,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _actor_label(actor) -> str:
    if isinstance(actor, SystemActor):
        return f"system:{actor.label}"
    if isinstance(actor, User):
        return f"user:{actor.pk}:{actor.get_username()}"
    raise TypeError("record_event needs an actor: a User or a SystemActor, never None")


def record_event(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    Raises RuntimeError when called outside a transaction: an event written
    on its own could survive a rolled-back change.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    clean = _canonical(mask_data(data or {}))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
    last = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
    prev_hash = last or GENESIS_HASH
    created_at = timezone.now()
    label = _actor_label(actor)
    event = AuditEvent(
        created_at=created_at,
        actor=actor if isinstance(actor, User) else None,
        actor_label=label,
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        data=clean,
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(
        prev_hash=prev_hash,
        created_at=created_at,
        actor_label=label,
        action=action,
        object_type=event.object_type,
        object_id=event.object_id,
        data=clean,
    )
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(*, batch_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain in order; return (events checked, first break or None)."""
    prev_hash = GENESIS_HASH
    checked = 0
    with transaction.atomic():
        events = AuditEvent.objects.order_by("pk").iterator(chunk_size=batch_size)
        for event in events:
            if event.prev_hash != prev_hash:
                return checked, ChainBreak(event.pk, "prev_hash does not match the event before")
            expected = compute_hash(
                prev_hash=event.prev_hash,
                created_at=event.created_at,
                actor_label=event.actor_label,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                data=event.data,
            )
            if expected != event.hash:
                return checked, ChainBreak(event.pk, "content does not match its hash")
            prev_hash = event.hash
            checked += 1
    return checked, None
