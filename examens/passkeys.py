"""Passkeys (WebAuthn, django-otp-webauthn) as a second factor beside TOTP.

A passkey is a django-otp device (`WebAuthnCredential`), so `user.is_verified()`
holds after one is used. The package checks the ceremonies (challenge, origin,
RP ID, signature, sign count); these services add what the project demands of
every second factor (decision 0023): only the owner, with a fresh factor,
enrols or removes one; every change and every use leaves an audit event; a
failed passkey counts as a failed code in the throttle (examens.throttle,
step CODE); the security mail goes out on commit.
"""

from __future__ import annotations

import logging

import pyasn1.debug  # noqa: F401  # its import adds a handler, taken off below
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions

from . import authz, throttle
from .audit import Actor, record_event
from .jobs import enqueue_on_commit
from .models import User
from .twofactor import EVENT_CODE_FAILURES, DeviceNotFound, InvalidToken, TokenThrottled

logger = logging.getLogger("examens.auth")


def _detach_pyasn1_handler() -> None:
    """pyasn1 (which webauthn imports) adds an unmasked StreamHandler of its own to the
    `pyasn1` logger at import. Take it off, so its records, if any, reach the masking
    handlers of LOGGING like every other logger's."""
    pyasn1_logger = logging.getLogger("pyasn1")
    for handler in list(pyasn1_logger.handlers):
        pyasn1_logger.removeHandler(handler)
    pyasn1_logger.setLevel(logging.NOTSET)


_detach_pyasn1_handler()

DEFAULT_PASSKEY_NAME = "Passkey"
NAME_MAX_LENGTH = 64
EVENT_PASSKEY_ADDED = "passkey_added"
EVENT_PASSKEY_REMOVED = "passkey_removed"


class PasskeyRefused(InvalidToken):
    code = "passkey_refused"
    default_message = _("This passkey could not be verified. Try again or enter a code.")


def passkeys_for_user(user: User) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk"))


def has_passkey(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def passkey_for_user(user: User, passkey_id: int) -> WebAuthnCredential:
    """The user's own passkey; the same 404 for 'absent' and 'not yours'."""
    passkey = WebAuthnCredential.objects.filter(pk=passkey_id, user=user, confirmed=True).first()
    if passkey is None:
        raise Http404("No such passkey.")
    return passkey


def _is_self(actor: Actor, user_id: int) -> bool:
    return authz.is_person(actor) and actor.pk == user_id


def add_passkey(user: User, *, actor: Actor, helper, state: dict, data: dict, name: str):
    """Finish a registration ceremony: check it (the package's helper) and keep the key.

    `helper`, `state` and `data` are django-otp-webauthn's WebAuthnHelper, the
    state its begin step left in the session, and the browser's answer; the
    helper raises the package's errors when the answer does not hold, and then
    nothing is written. Writes `examens.otp.passkey_added` (the name, never the
    key) and queues the security mail. Authorised: only the user themselves,
    with a fresh second factor (NotPermitted).
    """
    authz.require(_is_self(actor, user.pk))
    authz.require_fresh_factor(user)
    name = (name or DEFAULT_PASSKEY_NAME).strip()[:NAME_MAX_LENGTH] or DEFAULT_PASSKEY_NAME
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        with rewrite_exceptions():
            passkey = helper.register_complete(user=user, state=state, data=data)
        passkey.name = name
        passkey.save(update_fields=["name"])
        record_event(actor, "examens.otp.passkey_added", passkey, data={"device_name": name})
        enqueue_on_commit("examens.tasks.send_security_email_task", user.pk, EVENT_PASSKEY_ADDED)
    return passkey


def remove_passkey(passkey: WebAuthnCredential, *, actor: Actor) -> None:
    """Delete a passkey of its owner (their authenticator app stays; it is never the last).

    Locks the row first and re-reads it. Writes `examens.otp.passkey_removed`
    and queues the security mail. Authorised: only the owner, with a fresh
    second factor (NotPermitted).
    """
    authz.require(_is_self(actor, passkey.user_id))
    authz.require_fresh_factor(authz.require_person(actor))
    with transaction.atomic():
        locked = (
            WebAuthnCredential.objects.select_for_update()
            .filter(pk=passkey.pk, user_id=passkey.user_id)
            .first()
        )
        if locked is None:
            raise DeviceNotFound()
        record_event(
            actor, "examens.otp.passkey_removed", locked, data={"device_name": locked.name}
        )
        locked.delete()
        enqueue_on_commit(
            "examens.tasks.send_security_email_task", passkey.user_id, EVENT_PASSKEY_REMOVED
        )


def verify_passkey(
    user: User, *, helper, state: dict, data: dict, address: str, known: bool = False
) -> WebAuthnCredential:
    """Check a passkey's answer to the challenge for `user`, throttled like a code.

    The attempt is counted (examens.throttle, step CODE, the same counts as
    codes) before the helper checks it: a refused attempt raises TokenThrottled
    and nothing is checked; an answer that does not hold (wrong key, another
    user's key, a replayed or forged answer) raises PasskeyRefused and counts
    as a wrong code, with the same security mail beyond the free allowance.
    On success writes `examens.otp.verified` (kind "passkey"), which makes the
    factor fresh for services, and returns the device for `django_otp.login`.
    """
    account = throttle.account_key(user.get_username())
    attempt = throttle.begin_attempt(
        throttle.SECOND_FACTOR, account=account, address=address, known=known
    )
    if attempt.refused:
        logger.warning("Passkey throttled for user %s from %s", user.pk, address)
        raise TokenThrottled(wait_seconds=attempt.wait_seconds)
    try:
        with transaction.atomic(), rewrite_exceptions():
            passkey = helper.authenticate_complete(user=user, state=state, data=data)
            if not passkey.confirmed or not user.is_active:
                raise PasskeyRefused()
            record_event(user, "examens.otp.verified", passkey, data={"kind": "passkey"})
    except (OTPWebAuthnApiError, PasskeyRefused, KeyError, TypeError, ValueError) as error:
        logger.warning(
            "Passkey refused for user %s from %s (%s)", user.pk, address, type(error).__name__
        )
        if attempt.account_failures == throttle.policy(throttle.SECOND_FACTOR).account_free + 1:
            enqueue_on_commit(
                "examens.tasks.send_security_email_task", user.pk, EVENT_CODE_FAILURES
            )
        raise PasskeyRefused() from error
    throttle.attempt_succeeded(throttle.SECOND_FACTOR, account=account, address=address)
    return passkey
