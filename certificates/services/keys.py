"""Signing keys: the current key, its first registration and rotation. One audit event each."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from certificates.cache import forget_keys_on_commit
from certificates.keys import bootstrap_key_file, generate_key_file, load_private_key
from certificates.models import SigningKey
from certificates.payload import key_id_for, public_key_text
from examens import authz
from examens.audit import Actor, record_event

_KEY_LOCK_ID = 0x63657274  # "cert": serialises key bootstrap and rotation on PostgreSQL


def _lock_keys() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_KEY_LOCK_ID])


def _register_key(path: str, *, actor, now) -> SigningKey:
    """Make the key in `path` the current one; close the window of the one before."""
    private_key = load_private_key(path)
    public_key = private_key.public_key()
    key_id = key_id_for(public_key)
    existing = SigningKey.objects.filter(key_id=key_id).first()
    if existing is not None and existing.valid_until is None:
        return existing
    previous = list(SigningKey.objects.select_for_update().filter(valid_until__isnull=True))
    for old in previous:
        old.valid_until = now
        old.save(update_fields=["valid_until"])
    if existing is not None:
        raise ValueError(f"key {key_id} was retired and cannot become current again")
    key = SigningKey.objects.create(
        key_id=key_id,
        public_key=public_key_text(public_key),
        private_key_file=str(path),
        valid_from=now,
    )
    forget_keys_on_commit()
    record_event(
        actor,
        "certificates.signing_key.activated",
        key,
        data={"key_id": key_id, "retired": [old.key_id for old in previous]},
    )
    return key


def current_signing_key(*, actor: Actor) -> SigningKey:
    """The key that signs now; on first use register the configured file or generate one.

    Idempotent: concurrent first uses end with one key (advisory lock on
    PostgreSQL, IMMEDIATE transactions on SQLite). Side effect on first use:
    writes a private key file (0600) into the key directory.
    """
    authz.require_job(actor)
    key = SigningKey.objects.filter(valid_until__isnull=True).order_by("-valid_from").first()
    if key is not None:
        return key
    with transaction.atomic():
        _lock_keys()
        key = SigningKey.objects.filter(valid_until__isnull=True).first()
        if key is not None:
            return key
        path = bootstrap_key_file() or str(generate_key_file())
        return _register_key(path, actor=actor, now=timezone.now())


def rotate_signing_key(*, actor: Actor, key_file: str | None = None) -> SigningKey:
    """Add a new current key (from `key_file`, or generated) and retire the current one.

    The retired key keeps verifying the certificates it signed: its window
    ends now instead of staying open. Not idempotent by design: each call is a
    rotation. Raises ValueError when `key_file` holds a retired key.
    """
    authz.require_job(actor)
    path = key_file or str(generate_key_file())
    with transaction.atomic():
        _lock_keys()
        return _register_key(path, actor=actor, now=timezone.now())
