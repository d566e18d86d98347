"""The webhook signature: HMAC-SHA256 over the timestamp and the body. Pure functions.

What a receiver gets with every delivery (docs/readme-parts/m-webhooks.md):

    X-Webhook-Id: <event id, the same for every attempt of one event>
    X-Webhook-Timestamp: <unix seconds when this attempt was signed>
    X-Webhook-Signature: t=<the same timestamp>,v1=<hex HMAC-SHA256>

The signed message is `f"{timestamp}.".encode() + body` (the body's exact bytes),
keyed with the endpoint's secret as its UTF-8 bytes. A receiver recomputes it,
compares in constant time, and refuses a timestamp more than REPLAY_WINDOW_SECONDS
away from its own clock, so a captured request cannot be replayed later. Each
attempt is signed anew (a new timestamp), the body stays the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
EVENT_ID_HEADER = "X-Webhook-Id"
SCHEME = "v1"
REPLAY_WINDOW_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105 - a label, not a secret  # nosec B105


def derive_secret(key: str, *, endpoint_id: int, salt: str) -> str:
    """The endpoint's signing secret, from the server's key and the endpoint's salt.

    Never stored: the database holds only the salt, so a copy of the database alone
    does not let anyone sign as us. A new salt gives a new secret."""
    message = f"monitoring.webhook:{endpoint_id}:{salt}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_body(payload: dict) -> bytes:
    """The body's bytes: compact JSON with sorted keys, the same for every attempt."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `"<timestamp>." + body` under `secret`."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={int(timestamp)},{SCHEME}={signature(secret, timestamp, body)}"


def signed_headers(secret: str, *, timestamp: int, body: bytes, event_id: str) -> dict[str, str]:
    """The headers of one attempt."""
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(int(timestamp)),
        SIGNATURE_HEADER: signature_header(secret, timestamp, body),
    }


def verify_signature(
    secret: str,
    *,
    header: str,
    body: bytes,
    now: float,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """What a receiver does: True when `header` signs `body` with `secret` within `window`.

    The same function the README gives receivers (stdlib only). False for a header
    that cannot be read, a stale or future timestamp, or a signature that differs."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > window:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, parts.get(SCHEME, ""))
