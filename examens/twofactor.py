"""Second factors for staff: TOTP enrolment, backup codes, verification.

Services here follow the house style: keyword-only, an `actor`, one transaction,
an audit event inside it, security mail queued on commit. Secrets (keys, codes,
tokens) never reach the audit data or the logs.
"""

from __future__ import annotations

import logging
import math

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import authz, throttle
from .audit import Actor, record_event
from .exceptions import ExamAdminError
from .jobs import enqueue_on_commit
from .models import User

logger = logging.getLogger("examens.auth")

BACKUP_DEVICE_NAME = "backup"
BACKUP_CODE_COUNT = 10
DEFAULT_TOTP_NAME = "Authenticator app"

EVENT_DEVICE_ADDED = "device_added"
EVENT_DEVICE_REMOVED = "device_removed"
EVENT_BACKUP_CODES_REGENERATED = "backup_codes_regenerated"
EVENT_CODE_FAILURES = "code_failures"
SECURITY_EVENTS = (
    EVENT_DEVICE_ADDED,
    EVENT_DEVICE_REMOVED,
    EVENT_BACKUP_CODES_REGENERATED,
    EVENT_CODE_FAILURES,
)


class TwoFactorError(ExamAdminError):
    code = "two_factor_error"


class InvalidToken(TwoFactorError):
    code = "invalid_token"
    default_message = _("This code is not valid. Check the code and try again.")


class TokenThrottled(TwoFactorError):
    """Too many wrong codes: the throttle (examens.throttle) refuses codes for a while."""

    code = "token_throttled"
    status = 429

    def __init__(self, *, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(wait_message(wait_seconds), details={"wait_seconds": wait_seconds})


class LastDevice(TwoFactorError):
    code = "last_device"
    default_message = _("You cannot remove your only authenticator app. Add another one first.")


class DeviceNotFound(TwoFactorError):
    code = "device_not_found"
    status = 404
    default_message = _("This authenticator app no longer exists.")


class AlreadyConfirmed(TwoFactorError):
    code = "already_confirmed"
    default_message = _("This authenticator app is already set up.")


def wait_message(wait_seconds: int) -> str:
    """'Too many wrong codes. Try again in N seconds/minutes.'"""
    if wait_seconds < 60:
        seconds = max(1, wait_seconds)
        return ngettext(
            "Too many wrong codes. Try again in %(count)d second.",
            "Too many wrong codes. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(wait_seconds / 60)
    return ngettext(
        "Too many wrong codes. Try again in %(count)d minute.",
        "Too many wrong codes. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


# --- Selectors and gates ---------------------------------------------------------


def has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user: User) -> TOTPDevice | None:
    """The user's unconfirmed TOTP device (an enrolment in progress), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_device_for_user(user: User, device_id: int) -> TOTPDevice:
    """The user's own confirmed TOTP device; the same 404 for 'absent' and 'not yours'."""
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=True).first()
    if device is None:
        raise Http404("No such device.")
    return device


def can_remove_device(device: TOTPDevice) -> bool:
    """Whether remove_device would take `device`: its owner has another confirmed app.

    A read for the page that asks; remove_device checks again under its lock."""
    return (
        TOTPDevice.objects.filter(user_id=device.user_id, confirmed=True)
        .exclude(pk=device.pk)
        .exists()
    )


def backup_codes_remaining(user: User) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=BACKUP_DEVICE_NAME, device__confirmed=True
    ).count()


# --- Services ----------------------------------------------------------------------


def _is_self(actor: Actor, user_id: int) -> bool:
    """Second factors are the person's own: nobody else enrols or removes them."""
    return authz.is_person(actor) and actor.pk == user_id


def start_totp_enrolment(user: User, *, actor: Actor, name: str = DEFAULT_TOTP_NAME) -> TOTPDevice:
    """Create an unconfirmed TOTP device whose secret the user scans.

    Idempotent: an enrolment already in progress is returned unchanged, so
    reloading the page shows the same secret. Writes `examens.otp.enrolment_started`.
    Authorised: only the user themselves (NotPermitted).
    """
    authz.require(_is_self(actor, user.pk))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        device = pending_totp_device(user)
        if device is not None:
            return device
        device = TOTPDevice.objects.create(user=user, name=name[:64], confirmed=False)
        record_event(actor, "examens.otp.enrolment_started", device, data={"name": device.name})
    return device


def confirm_totp_device(
    device: TOTPDevice, *, actor: Actor, token: str, name: str | None = None
) -> list[str]:
    """Confirm a pending TOTP device with a code from the app; return new backup codes.

    The first confirmed device also gets ten single-use backup codes (a
    StaticDevice named "backup"); they are returned once to be shown and are
    never logged. A later device returns an empty list: existing codes stay.
    Raises InvalidToken or AlreadyConfirmed. Not throttled: the person typing
    the code is shown the device's secret on the same page, so a guess would
    win nothing (decision 0012). Writes `examens.otp.device_added` and
    queues the security mail on commit. Authorised: only the device's owner,
    with a fresh second factor when they already have an app (NotPermitted).
    """
    authz.require(_is_self(actor, device.user_id))
    if has_confirmed_totp(device.user):
        authz.require_fresh_factor(device.user)
    token = normalise_token(token)
    codes: list[str] = []
    outcome: TwoFactorError | None = None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed:
            raise AlreadyConfirmed()
        if not device.verify_token(token):
            outcome = InvalidToken(field="token")
        else:
            device.confirmed = True
            if name:
                device.name = name[:64]
            device.save(update_fields=["confirmed", "name"])
            backup = StaticDevice.objects.filter(user=device.user, name=BACKUP_DEVICE_NAME).first()
            if backup is None:
                codes = _replace_backup_codes(device.user)
            record_event(
                actor,
                "examens.otp.device_added",
                device,
                data={"device_name": device.name, "backup_codes_created": len(codes)},
            )
            _queue_security_email(device.user_id, EVENT_DEVICE_ADDED)
    if outcome is not None:
        logger.warning("Enrolment code refused for user %s (%s)", device.user_id, outcome.code)
        raise outcome
    return codes


def regenerate_backup_codes(user: User, *, actor: Actor) -> list[str]:
    """Replace all backup codes of `user` with ten new ones and return them once.

    Old codes stop working at once. Not idempotent by nature: each call makes
    new codes. Writes `examens.otp.backup_codes_regenerated`; queues the mail.
    Authorised: only the user themselves, with a fresh second factor (NotPermitted).
    """
    authz.require(_is_self(actor, user.pk))
    authz.require_fresh_factor(user)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        codes = _replace_backup_codes(user)
        backup = StaticDevice.objects.get(user=user, name=BACKUP_DEVICE_NAME)
        record_event(
            actor, "examens.otp.backup_codes_regenerated", backup, data={"count": len(codes)}
        )
        _queue_security_email(user.pk, EVENT_BACKUP_CODES_REGENERATED)
    return codes


def remove_device(device: TOTPDevice, *, actor: Actor) -> None:
    """Delete a confirmed TOTP device of its owner.

    Refuses (LastDevice) to remove the owner's last confirmed TOTP device, so
    nobody can drop to password-only. Locks the owner's devices in primary-key
    order and re-checks after the lock. Writes `examens.otp.device_removed`;
    queues the security mail. Authorised: only the owner, with a fresh second
    factor (NotPermitted).
    """
    authz.require(_is_self(actor, device.user_id))
    authz.require_fresh_factor(authz.require_person(actor))
    with transaction.atomic():
        devices = list(
            TOTPDevice.objects.select_for_update()
            .filter(user_id=device.user_id, confirmed=True)
            .order_by("pk")
        )
        locked = next((d for d in devices if d.pk == device.pk), None)
        if locked is None:
            raise DeviceNotFound()
        if len(devices) <= 1:
            raise LastDevice()
        record_event(
            actor,
            "examens.otp.device_removed",
            locked,
            data={"device_name": locked.name, "remaining": len(devices) - 1},
        )
        locked.delete()
        _queue_security_email(device.user_id, EVENT_DEVICE_REMOVED)


def verify_second_factor(
    user: User, *, token: str, address: str, known: bool = False
) -> TOTPDevice | StaticDevice:
    """Check a TOTP code or a backup code against the user's confirmed devices.

    Six digits go to the TOTP devices, anything else to the backup codes. A
    backup code is used up on success. Throttled per account and per client
    `address` (examens.throttle, step CODE; `known`: the browser is a known
    device of this account): a refused attempt raises TokenThrottled with the
    wait, before any device is consulted; a wrong code raises InvalidToken.
    The first wrong code beyond the account's free allowance queues a
    security mail: someone who knows the password is guessing codes.
    On success writes `examens.otp.verified` and returns the device for
    `django_otp.login`.
    """
    account = throttle.account_key(user.get_username())
    attempt = throttle.begin_attempt(
        throttle.SECOND_FACTOR, account=account, address=address, known=known
    )
    if attempt.refused:
        logger.warning("Second-factor code throttled for user %s from %s", user.pk, address)
        raise TokenThrottled(wait_seconds=attempt.wait_seconds)
    token = normalise_token(token)
    is_totp = token.isdigit() and len(token) == 6
    model = TOTPDevice if is_totp else StaticDevice
    matched = None
    with transaction.atomic():
        devices = model.objects.select_for_update().filter(user=user, confirmed=True)
        matched = next((d for d in devices.order_by("pk") if d.verify_token(token)), None)
        if matched is not None:
            record_event(
                user,
                "examens.otp.verified",
                matched,
                data={"kind": "totp" if is_totp else "backup"},
            )
    if matched is not None:
        throttle.attempt_succeeded(throttle.SECOND_FACTOR, account=account, address=address)
        return matched
    logger.warning("Second-factor code refused for user %s from %s", user.pk, address)
    if attempt.account_failures == throttle.policy(throttle.SECOND_FACTOR).account_free + 1:
        _queue_security_email(user.pk, EVENT_CODE_FAILURES)
    raise InvalidToken(field="token")


def normalise_token(token: str) -> str:
    """Codes are typed with spaces and in any case; backup codes are stored lower-case."""
    return "".join(str(token).split()).lower()


def _replace_backup_codes(user: User) -> list[str]:
    backup, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    backup.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    return codes


def _queue_security_email(user_id: int, event: str) -> None:
    enqueue_on_commit("examens.tasks.send_security_email_task", user_id, event)
