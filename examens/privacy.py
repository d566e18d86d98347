"""Keeping BSNs and secrets out of sight: masking for display, logs and audit data."""

import hashlib
import logging
import re

from stdnum.nl import bsn as stdnum_bsn

_NINE_DIGITS = re.compile(r"(?<!\d)(\d{9})(?!\d)")
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
    """Mask every nine-digit run in `text` that passes the 11-check."""

    def replace(match: re.Match) -> str:
        digits = match.group(1)
        return mask_bsn(digits) if stdnum_bsn.is_valid(digits) else digits

    return _NINE_DIGITS.sub(replace, text)


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


class MaskBsnLogFilter(logging.Filter):
    """Rewrites every log record so that no valid BSN reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_bsns_in_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


def digest_secret(secret: str) -> str:
    """What the database keeps of a secret that is shown once (API tokens, feed URLs)."""
    return hashlib.sha256(secret.encode()).hexdigest()
