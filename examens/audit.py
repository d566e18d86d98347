"""The append-only, hash-chained audit trail.

Every service calls `record_event` inside its own transaction, so the change
and its event commit or roll back together.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import TypeAlias

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from . import sql
from .models import AuditEvent, User
from .privacy import mask_data

GENESIS_HASH = sql.GENESIS_HASH


class SystemActor:
    """The actor for scheduled jobs and signals: never None, always named."""

    pk = None
    is_authenticated = False

    def __init__(self, label: str = "system"):
        self.label = label

    def __str__(self) -> str:
        return self.label


SYSTEM = SystemActor()

# Who acts in a service: a person (User) or, for scheduled jobs only, a SystemActor.
Actor: TypeAlias = User | SystemActor


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


class _ChainState:
    """The chain this database connection owns, and the hash it last appended to it."""

    def __init__(self, raw, chain: int):
        self.raw = raw  # the DB-API connection: a reconnect means a new claim
        self.chain = chain
        self.tail: str | None = None  # a hint; the insert checks it (see _append)


def _owned_chain() -> _ChainState:
    """The chain this connection appends to, claimed once per database session.

    On PostgreSQL a connection claims the lowest free chain number with a
    session-level advisory lock (0x6578616D, n) and keeps it until it
    disconnects, so exactly one connection appends to a chain at a time:
    appends need no lock of their own, and concurrent transactions never wait
    for each other's audit events (docs/decisions/0006). SQLite serialises
    writers already and uses chain 0.
    """
    connection.ensure_connection()
    state = getattr(connection, "_audit_chain_state", None)
    if state is not None and state.raw is connection.connection:
        return state
    chain = 0
    if connection.vendor == "postgresql":
        claimed = sql.claim_chain(settings.AUDIT_MAX_CHAINS)
        if claimed is None:
            raise RuntimeError(
                f"all {settings.AUDIT_MAX_CHAINS} audit chains are claimed: "
                "raise AUDIT_MAX_CHAINS above the number of database connections"
            )
        chain = claimed
    state = _ChainState(connection.connection, chain)
    # Per-connection state kept on Django's connection object, which the stubs cannot declare.
    connection._audit_chain_state = state  # type: ignore[attr-defined]
    return state


def _append(event: AuditEvent, state: _ChainState) -> AuditEvent:
    """Link `event` to the tail of its chain and insert it, in one statement.

    The tail this connection appended last is used without reading it: the
    INSERT checks it against the chain's real tail and inserts nothing when
    it is stale (the transaction that appended it rolled back, or the table
    was emptied); then the tail is read and the insert repeated. As the
    connection owns the chain, nobody else can move its tail in between.
    """
    prev_hash = state.tail
    for _attempt in range(2):
        if prev_hash is None:
            prev_hash = sql.chain_tail(state.chain)
        event.prev_hash = prev_hash
        event.hash = compute_hash(
            chain=event.chain,
            prev_hash=prev_hash,
            created_at=event.created_at,
            actor_label=event.actor_label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            data=event.data,
        )
        stored = sql.append_event(event, tail=prev_hash)
        if stored is not None:
            state.tail = stored.hash
            return stored
        prev_hash = None
    raise RuntimeError(f"audit chain {state.chain} moved while this connection owned it")


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
    state = _owned_chain()
    label = _actor_label(actor)
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor if isinstance(actor, User) else None,
        actor_label=label,
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        data=clean,
        chain=state.chain,
    )
    return _append(event, state)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(*, batch_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk every chain in order; return (events checked, first break or None).

    Events are read once in id order; within a chain ids only grow, because
    one connection at a time appends to a chain.
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
