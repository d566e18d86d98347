"""The password step of the staff login, throttled per account and per address.

The rules are examens.throttle's (step FIRST_FACTOR) and decision 0012's.
"""

from __future__ import annotations

import logging
import math

from django.contrib import auth
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import throttle
from .exceptions import ExamAdminError
from .models import User

logger = logging.getLogger("examens.auth")


class InvalidCredentials(ExamAdminError):
    code = "invalid_credentials"
    default_message = _("The username or password is not correct.")


class LoginThrottled(ExamAdminError):
    """Too many failed passwords for this account or from this address: wait."""

    code = "login_throttled"
    status = 429

    def __init__(self, *, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(
            password_wait_message(wait_seconds), details={"wait_seconds": wait_seconds}
        )


def password_wait_message(wait_seconds: int) -> str:
    """'Too many failed attempts. Try again in N seconds/minutes.'"""
    if wait_seconds < 60:
        seconds = max(1, wait_seconds)
        return ngettext(
            "Too many failed attempts. Try again in %(count)d second.",
            "Too many failed attempts. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(wait_seconds / 60)
    return ngettext(
        "Too many failed attempts. Try again in %(count)d minute.",
        "Too many failed attempts. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def authenticate_password(
    request: HttpRequest, *, username: str, password: str, address: str, known: bool = False
) -> User:
    """The user whose password this is, unless the throttle refuses the attempt first.

    Raises LoginThrottled (nothing is checked, the wait is told) or
    InvalidCredentials. `address` is the client's bucket
    (examens.addresses.client_address), `known` whether this browser is a known
    device of the account (examens.views.known). Logs a failure with a
    fingerprint of the username, never the username or the password.
    """
    account = throttle.account_key(username)
    attempt = throttle.begin_attempt(
        throttle.FIRST_FACTOR, account=account, address=address, known=known
    )
    if attempt.refused:
        logger.warning("Password login throttled for account %s from %s", account[:12], address)
        raise LoginThrottled(wait_seconds=attempt.wait_seconds)
    user = auth.authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        logger.warning("Password login failed for account %s from %s", account[:12], address)
        raise InvalidCredentials()
    throttle.attempt_succeeded(throttle.FIRST_FACTOR, account=account, address=address)
    return user
