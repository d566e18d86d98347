"""The demo accounts' passwords and TOTP keys: known under DEBUG, random otherwise.

Under DEBUG (`make run` on a laptop) every account has the README's password
and a TOTP key derived from its username, so the printed table and the README
stay true run after run. Anywhere else (`seed_demo --outside-debug`) each
account gets a fresh random password and a fresh random TOTP key from the
`secrets` module: shown once on the console of the person who ran the
command, stored only as a password hash and an OTP device, never logged,
never in the audit trail, and never derivable from the username.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

DEMO_PASSWORD = "demo-wachtwoord"  # noqa: S105 - the README's login, used under DEBUG only  # nosec B105
TOTP_KEY_BYTES = 20  # 160 bits, the RFC 4226 recommendation; stored as 40 hex digits
RANDOM_PASSWORD_BYTES = 15  # 20 URL-safe characters


@dataclass(frozen=True)
class Credentials:
    password: str
    totp_key: str  # hex, as django-otp's TOTPDevice stores it


def known_totp_key_for(username: str) -> str:
    """The fixed demo TOTP key (40 hex digits) for `username`: for DEBUG only."""
    digest = hashlib.sha1(b"demo-totp:" + username.encode(), usedforsecurity=False)
    return digest.hexdigest()[: TOTP_KEY_BYTES * 2]


def known_credentials(username: str) -> Credentials:
    """The README's password and the username's fixed TOTP key (DEBUG only)."""
    return Credentials(password=DEMO_PASSWORD, totp_key=known_totp_key_for(username))


def random_credentials(username: str) -> Credentials:
    """A fresh random password and TOTP key; nothing about them depends on `username`."""
    return Credentials(
        password=secrets.token_urlsafe(RANDOM_PASSWORD_BYTES),
        totp_key=secrets.token_hex(TOTP_KEY_BYTES),
    )
