"""Keeping BSNs and secrets out of sight: masking for display, logs and audit data."""

import hashlib
import logging
import re

from django.utils.log import AdminEmailHandler
from stdnum.nl import bsn as stdnum_bsn

# A BSN as people write it: nine digits plain (123456782), or grouped 4-2-3 (1234.56.782,
# 1234 56 782) or 3-3-3 (123.456.782, 123 456 782), the groups split by one dot, space,
# no-break space or hyphen, the same one throughout.
_SEPARATOR = r"[.\- \u00a0]"
_BSN_WRITTEN = re.compile(
    r"(?<!\d)("
    r"\d{9}"
    rf"|\d{{4}}(?P<s1>{_SEPARATOR})\d{{2}}(?P=s1)\d{{3}}"
    rf"|\d{{3}}(?P<s2>{_SEPARATOR})\d{{3}}(?P=s2)\d{{3}}"
    r")(?!\d)"
)
# Secrets by their real names. A bare `code` is not one: catalogue rows (components,
# routes, versions) are identified by their code, and the audit trail must keep it.
_SECRET_KEYS = {
    "password",
    "secret",
    "token",
    "otp",
    "key",
    "key_hash",
    "totp_key",
    "backup_codes",
    "recovery_codes",
    "static_tokens",
    "otp_code",
    "verification_code",
    "one_time_code",
}
_SECRET_SUFFIXES = ("password", "_secret", "_token", "_tokens", "_otp", "_key", "_key_hash")
_SECRET_PREFIXES = ("otp_", "totp_", "password_")
_NOT_SECRET = {"key_id", "public_key"}


def _is_secret_key(key: str) -> bool:
    """`password`, `otp_token`, `otp_code`, `api_key`, `totp_key` are secrets;
    `code`, `cbs_code`, `component_code`, `key_id`, `public_key` are not."""
    lowered = key.lower()
    if lowered in _NOT_SECRET:
        return False
    return (
        lowered in _SECRET_KEYS
        or lowered.endswith(_SECRET_SUFFIXES)
        or lowered.startswith(_SECRET_PREFIXES)
    )


def mask_bsn(value: str) -> str:
    """`123456782` -> `*****6782`: enough for a person to recognise, not to use."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) < 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_bsns_in_text(text: str) -> str:
    """Mask every BSN in `text`: nine digits, plain, dotted or spaced (see `_BSN_WRITTEN`),
    that pass the 11-check. `1234.56.782` becomes `*****6782`."""

    def replace(match: re.Match) -> str:
        written = match.group(1)
        digits = re.sub(r"\D", "", written)
        return mask_bsn(digits) if stdnum_bsn.is_valid(digits) else written

    return _BSN_WRITTEN.sub(replace, text)


def mask_data(value):
    """Mask BSNs and secrets anywhere in a JSON-like structure (for audit data)."""
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            lowered = str(key).lower()
            if "bsn" in lowered:
                masked[key] = mask_bsn(item) if item else item
            elif _is_secret_key(lowered) and isinstance(item, str | list):
                masked[key] = "***"
            else:
                masked[key] = mask_data(item)
        return masked
    if isinstance(value, list | tuple):
        return [mask_data(item) for item in value]
    if isinstance(value, str):
        return mask_bsns_in_text(value)
    return value


_TRACEBACKS = logging.Formatter()


class MaskBsnLogFilter(logging.Filter):
    """Rewrites a log record so that no valid BSN reaches the handler: its message, its
    exception's traceback and its stack. On every handler (settings.LOGGING), the access
    log `django.server` and the admin mail included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_bsns_in_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: they print the masked one.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_bsns_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_bsns_in_text(record.stack_info)
        return True


class MaskingAdminEmailHandler(AdminEmailHandler):
    """Django's error mail to the admins, masked whole: the report it attaches holds the
    request (GET and POST data, e.g. a BSN typed into the look-up form), which the
    record's own filter never sees."""

    def send_mail(self, subject, message, *args, **kwargs):
        if kwargs.get("html_message"):
            kwargs["html_message"] = mask_bsns_in_text(kwargs["html_message"])
        super().send_mail(mask_bsns_in_text(subject), mask_bsns_in_text(message), *args, **kwargs)


def mask_every_handler(loggers=None) -> int:
    """Give every handler of every logger (and the root's) the BSN mask, if it lacks one.

    For handlers configured outside settings.LOGGING: Celery's worker installs its own
    (config/celery.py calls this after it does). Returns how many were added."""
    if loggers is None:
        manager = logging.Logger.manager
        loggers = [logging.getLogger()] + [
            item for item in manager.loggerDict.values() if isinstance(item, logging.Logger)
        ]
    added = 0
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, MaskBsnLogFilter) for f in handler.filters):
                handler.addFilter(MaskBsnLogFilter())
                added += 1
    return added


def digest_secret(secret: str) -> str:
    """What the database keeps of a secret that is shown once (API tokens, feed URLs)."""
    return hashlib.sha256(secret.encode()).hexdigest()
