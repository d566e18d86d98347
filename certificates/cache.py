"""The shared cache in front of the register, for the public verification endpoint.

Two kinds of entries, both in Django's default cache (Redis in production, so
every worker sees the same values):

- the status entry of a serial (certificate id, status, reason code, date), written
  by the services on commit of every status change, so a verifier sees a
  suspension or revocation as soon as it is committed;
- the pending verification count of a certificate, incremented per scan and
  moved to the database by `flush_verification_counts` (the periodic task).

On Redis the hot path talks to the server through the process's one client
(`examens.cache_scripts`), with keys made by the cache and values stored the
way Django's serializer stores them (integers plain, the rest pickled), so
`cache.get`, `get_many`, `incr` and `set` read and write the same entries.
"""

from __future__ import annotations

import datetime
import pickle  # reads entries that Django's Redis cache pickled  # nosec B403
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from examens.cache_scripts import redis_client, run_script

from .models import Certificate
from .verification import StatusEntry

KEYS_KEY = "certificates:published-keys:v1"
# v2: the entry holds the reason code (v1 held the internal free text).
STATUS_KEY = "certificates:status:v2:{serial}"
# Bounds the damage of a lost write (cache down during a commit): the entry is
# reread from the database at the latest after this long.
STATUS_SECONDS = 3600
COUNT_KEY = "certificates:verified:v1:{serial}"


# Increment, and give a new counter its expiry, in one round trip.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def hit_window(key: str, seconds: int) -> int:
    """Count one hit on the counter `key`, created to expire after `seconds`; the new count."""
    client = redis_client()
    if client is not None:
        return run_script(
            client, HIT_SCRIPT, keys=[cache.make_and_validate_key(key)], args=[seconds]
        )
    try:
        return cache.incr(key)
    except ValueError:  # the first hit
        if cache.add(key, 1, seconds):
            return 1
        return cache.incr(key)


@dataclass(frozen=True)
class RegisterEntry:
    certificate_id: int
    status: StatusEntry


def _status_key(serial: str) -> str:
    return STATUS_KEY.format(serial=serial)


def _as_row(certificate: Certificate) -> tuple:
    changed = certificate.status_changed_at
    since = timezone.localdate(changed).isoformat() if changed else None
    return (certificate.pk, certificate.status, certificate.status_reason_code, since)


def _from_row(row: tuple) -> RegisterEntry:
    pk, status, reason_code, since = row
    return RegisterEntry(
        certificate_id=pk,
        status=StatusEntry(
            status=status,
            reason=reason_code,
            since=datetime.date.fromisoformat(since) if since else None,
        ),
    )


# Read a status entry and, when it is there and the scan counts, count it: one round trip.
LOOKUP_SCRIPT = """
local row = redis.call('GET', KEYS[1])
if row and ARGV[1] == '1' then redis.call('INCR', KEYS[2]) end
return row
"""


def register_entry(serial: str, *, count: bool = False) -> RegisterEntry | None:
    """The serial's entry from the cache, or from the database on a miss (then cached).

    With `count`, a serial found in the register gets one more pending
    verification (see `add_pending_verification`). A miss fills the cache
    with `add`, never `set`: when a status change commits between our read
    and our write, its on-commit `set` wins and our older row is dropped.
    """
    key = _status_key(serial)
    counted = False
    client = redis_client()
    if client is not None:
        keys = [cache.make_and_validate_key(key), cache.make_and_validate_key(_count_key(serial))]
        raw = run_script(client, LOOKUP_SCRIPT, keys=keys, args=[1 if count else 0])
        row = pickle.loads(raw) if raw is not None else None  # noqa: S301 - our own cache  # nosec B301
        counted = count and row is not None
    else:
        row = cache.get(key)
    if row is None:
        certificate = (
            Certificate.objects.filter(serial=serial)
            .only("pk", "serial", "status", "status_reason_code", "status_changed_at")
            .first()
        )
        if certificate is None:
            return None
        row = _as_row(certificate)
        cache.add(key, row, STATUS_SECONDS)
    if count and not counted:
        add_pending_verification(serial)
    return _from_row(row)


def publish_status_on_commit(certificate: Certificate) -> None:
    """After the surrounding transaction commits, put the certificate's status in the cache."""
    key, row = _status_key(certificate.serial), _as_row(certificate)
    transaction.on_commit(lambda: cache.set(key, row, STATUS_SECONDS))


def forget_keys_on_commit() -> None:
    """After a key is added or retired, drop the shared copy of the published keys."""
    transaction.on_commit(lambda: cache.delete(KEYS_KEY))


# --- verification counts -----------------------------------------------------------------


def _count_key(serial: str) -> str:
    return COUNT_KEY.format(serial=serial)


def add_pending_verification(serial: str) -> None:
    """One more scan of the certificate, kept in the cache until the next flush."""
    key = _count_key(serial)
    client = redis_client()
    if client is not None:
        client.incr(cache.make_and_validate_key(key))  # creates the counter, without expiry
        return
    try:
        cache.incr(key)
    except ValueError:  # the first scan since the last flush (or since a cache restart)
        if not cache.add(key, 1, None):
            cache.incr(key)


def pending_verifications(serials: list[str]) -> dict[str, int]:
    """The counts not yet in the database, by serial (absent: none pending)."""
    found = cache.get_many([_count_key(serial) for serial in serials])
    return {
        serial: found[_count_key(serial)] for serial in serials if found.get(_count_key(serial))
    }


def take_pending_verifications(serial: str) -> int:
    """Subtract what is pending now from the cache and return it (0 when nothing is).

    Subtracting (rather than deleting) keeps the scans that arrive between the
    read and the write: they stay pending for the next flush.
    """
    key = _count_key(serial)
    pending = cache.get(key) or 0
    if pending:
        try:
            cache.incr(key, -pending)
        except ValueError:  # evicted since the read: nothing left to move
            return 0
    return pending


def restore_pending_verifications(serial: str, count: int) -> None:
    """Put back counts taken for a database write that did not commit."""
    key = _count_key(serial)
    try:
        cache.incr(key, count)
    except ValueError:
        if not cache.add(key, count, None):
            cache.incr(key, count)
