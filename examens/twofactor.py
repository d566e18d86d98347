"""Second factors for staff: TOTP enrolment, backup codes, verification, login throttling.

Services here follow the house style: keyword-only, an `actor`, one transaction,
an audit event inside it, security mail queued on commit. Secrets (keys, codes,
tokens) never reach the audit data or the logs.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import authz
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
SECURITY_EVENTS = (EVENT_DEVICE_ADDED, EVENT_DEVICE_REMOVED, EVENT_BACKUP_CODES_REGENERATED)


class TwoFactorError(ExamAdminError):
    code = "two_factor_error"


class InvalidToken(TwoFactorError):
    code = "invalid_token"
    default_message = _("This code is not valid. Check the code and try again.")


class TokenThrottled(TwoFactorError):
    """Too many wrong codes: django-otp's own back-off refuses verification for a while."""

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
    """'Too many wrong codes. Try again in N seconds/minutes.' for the django-otp back-off."""
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
    Raises TokenThrottled, InvalidToken or AlreadyConfirmed; a wrong code still
    counts for django-otp's throttling. Writes `examens.otp.device_added` and
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
        allowed, info = device.verify_is_allowed()
        if not allowed:
            outcome = TokenThrottled(wait_seconds=_seconds_until(info))
        elif not device.verify_token(token):
            outcome = InvalidToken(field="token")  # the throttle increment must commit
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


def verify_second_factor(user: User, *, token: str) -> TOTPDevice | StaticDevice:
    """Check a TOTP code or a backup code against the user's confirmed devices.

    Six digits go to the TOTP devices, anything else to the backup codes, so a
    normal login never counts as a failure on the backup device. A backup
    code is used up on success. django-otp's per-device throttling applies:
    when every candidate device is locked, raises TokenThrottled with the
    wait; a wrong code raises InvalidToken (the failure is counted).
    On success writes `examens.otp.verified` and returns the device for
    `django_otp.login`.
    """
    token = normalise_token(token)
    is_totp = token.isdigit() and len(token) == 6
    model = TOTPDevice if is_totp else StaticDevice
    matched = None
    wait: int | None = None
    with transaction.atomic():
        devices = list(
            model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk")
        )
        failed: list[tuple[TOTPDevice | StaticDevice, int, object]] = []
        for device in devices:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                seconds = _seconds_until(info)
                wait = seconds if wait is None else min(wait, seconds)
                continue
            before = (device.throttling_failure_count, device.throttling_failure_timestamp)
            if device.verify_token(token):
                matched = device
                break
            failed.append((device, *before))
        if matched is not None:
            # The code was right for one device: the others did not see a guess.
            for other, count, stamp in failed:
                other.throttling_failure_count = count
                other.throttling_failure_timestamp = stamp
                other.save(
                    update_fields=["throttling_failure_count", "throttling_failure_timestamp"]
                )
            record_event(
                user,
                "examens.otp.verified",
                matched,
                data={"kind": "totp" if is_totp else "backup"},
            )
    if matched is not None:
        return matched
    logger.warning("Second-factor code refused for user %s", user.pk)
    if wait is not None and not failed:
        raise TokenThrottled(wait_seconds=wait)
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


def _seconds_until(info: dict | None) -> int:
    locked_until = (info or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def _queue_security_email(user_id: int, event: str) -> None:
    enqueue_on_commit("examens.tasks.send_security_email_task", user_id, event)


# --- Password attempt throttling (cache counters) ----------------------------------


@dataclass(frozen=True)
class LoginBlock:
    wait_seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.wait_seconds / 60))

    @property
    def message(self) -> str:
        return ngettext(
            "Too many failed attempts. Try again in %(count)d minute.",
            "Too many failed attempts. Try again in %(count)d minutes.",
            self.minutes,
        ) % {"count": self.minutes}


def _account_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _keys(username: str, ip: str) -> list[tuple[str, int]]:
    return [
        (f"login-fail:account:{_account_key(username)}", settings.LOGIN_FAILURE_LIMIT_ACCOUNT),
        (f"login-fail:ip:{ip}", settings.LOGIN_FAILURE_LIMIT_IP),
    ]


def login_block(*, username: str, ip: str) -> LoginBlock | None:
    """The block on password attempts for this account or this address, if any."""
    now = time.time()
    waits = []
    for key, _limit in _keys(username, ip):
        until = cache.get(f"{key}:until")
        if until is not None and until > now:
            waits.append(until - now)
    return LoginBlock(wait_seconds=math.ceil(max(waits))) if waits else None


def record_login_failure(*, username: str, ip: str) -> LoginBlock | None:
    """Count a failed password attempt per account and per address; block at the limit.

    Counters live for LOGIN_FAILURE_WINDOW_SECONDS from the first failure; at
    the limit the account or address is refused for a full window. Logs the
    failure with a fingerprint of the username and never the password.
    """
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, limit in _keys(username, ip):
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
        if count >= limit:
            cache.set(f"{key}:until", time.time() + window, timeout=window)
    logger.warning("Password login failed for account %s from %s", _account_key(username)[:12], ip)
    return login_block(username=username, ip=ip)


def clear_login_failures(*, username: str) -> None:
    """A correct password resets the account's counter (the address keeps its count)."""
    key = _keys(username, "")[0][0]
    cache.delete_many([key, f"{key}:until"])
