"""Known devices: browsers that completed a login for an account (decision 0012).

After both factors the browser gets a signed cookie naming the account (by
its throttle key, a digest of the username; at most five accounts per
browser). The throttle never holds a known device back by the failures that
others caused for its account (examens.throttle), so an attacker cannot lock
the owner out of their own browser. The cookie proves only that this browser
logged in as the account before: it skips no factor and no other limit.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .. import throttle

COOKIE_NAME = "eb_known_device"
SALT = "examens.known-device"
MAX_AGE = 180 * 24 * 3600
KEEP = 5


def known_accounts(request: HttpRequest) -> list[str]:
    value = request.get_signed_cookie(COOKIE_NAME, default="", salt=SALT, max_age=MAX_AGE)
    return [key for key in value.split("-") if key] if value else []


def is_known_device(request: HttpRequest, username: str) -> bool:
    return throttle.account_key(username) in known_accounts(request)


def remember_device(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """Add the account to this browser's known accounts (the newest first)."""
    key = throttle.account_key(username)
    accounts = [key, *(other for other in known_accounts(request) if other != key)][:KEEP]
    response.set_signed_cookie(
        COOKIE_NAME,
        "-".join(accounts),
        salt=SALT,
        max_age=MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
