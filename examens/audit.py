"""The append-only, hash-chained audit trail.

Every service calls `record_event` inside its own transaction, so the change
and its event commit or roll back together.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEvent, User
from .privacy import mask_data

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_ID = 0x6578616D  # "exam": with the chain number, the advisory lock of a chain tail


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
    chain: int = 0,
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
            "chain": chain,
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


def _lock_chain() -> int:
    """Pick this connection's chain and lock its tail until the transaction ends.

    On PostgreSQL each connection appends to chain `backend pid % AUDIT_CHAINS`,
    so concurrent transactions on different connections rarely wait for each
    other, while one transaction always stays on one chain (no lock-order
    deadlocks). SQLite serialises writers already and uses chain 0.
    """
    if connection.vendor != "postgresql":
        return 0
    chain = getattr(connection, "_audit_chain", None)
    with connection.cursor() as cursor:
        if chain is None:
            cursor.execute("SELECT pg_backend_pid()")
            chain = cursor.fetchone()[0] % settings.AUDIT_CHAINS
            connection._audit_chain = chain
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_CHAIN_LOCK_ID, chain])
    return chain


def _chain_tail(chain: int) -> str | None:
    """The hash of the chain's last event: the ORM query
    `AuditEvent.objects.filter(chain=chain).order_by("-pk").values_list("hash")[:1]`
    written out once, as every service's transaction runs it (index auditevent_chain_tail)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT hash FROM {table} WHERE chain = %s ORDER BY id DESC LIMIT 1",  # noqa: S608
            [chain],
        )
        row = cursor.fetchone()
    return row[0] if row else None


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
    chain = _lock_chain()
    prev_hash = _chain_tail(chain) or GENESIS_HASH
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
        chain=chain,
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(
        chain=chain,
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
    """Walk every chain in order; return (events checked, first break or None).

    Events are read once in id order; within a chain ids only grow, because
    an event is inserted while its chain's tail is locked.
    """
    tails: dict[int, str] = {}
    checked = 0
    with transaction.atomic():
        events = AuditEvent.objects.order_by("pk").iterator(chunk_size=batch_size)
        for event in events:
            if event.prev_hash != tails.get(event.chain, GENESIS_HASH):
                return checked, ChainBreak(
                    event.pk, f"prev_hash does not match the event before it in chain {event.chain}"
                )
            expected = compute_hash(
                chain=event.chain,
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
            tails[event.chain] = event.hash
            checked += 1
    return checked, None
