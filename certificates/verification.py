"""Checking a certificate token: one rule set for the online page and the offline verifier.

Pure: the caller supplies the published keys and the status of the serial
(from the database online, from the published JSON files offline). The
checks run in a fixed order and the first failure is the answer:

1. malformed           the token cannot be read at all
2. unknown_key         the key id in the payload is not a published key
3. forged              the signature does not match the payload (any changed byte)
4. key_outside_window  the issue date lies outside the key's validity window
5. unknown_serial      signed by us but not in our register (online only)
6. revoked / suspended the status list says so, with a reason code and date
7. valid
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .payload import (
    CertificateData,
    PayloadError,
    decode_token,
    public_key_from_text,
    signature_valid,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TOKEN_IN_URL = re.compile(r"/v/([A-Za-z0-9_-]+)")


class Outcome:
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    FORGED = "forged"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    KEY_OUTSIDE_WINDOW = "key_outside_window"
    UNKNOWN_SERIAL = "unknown_serial"


# Plain text for the offline verifier (no Django there); the web page translates its own.
MESSAGES = {
    Outcome.VALID: ("Geldig certificaat.", "Valid certificate."),
    Outcome.SUSPENDED: ("Certificaat geschorst.", "Certificate suspended."),
    Outcome.REVOKED: ("Certificaat ingetrokken.", "Certificate revoked."),
    Outcome.FORGED: (
        "Vervalst: de handtekening past niet bij de gegevens (gewijzigd of nagemaakt).",
        "Forged: the signature does not match the data (altered or counterfeit).",
    ),
    Outcome.MALFORMED: (
        "Onleesbaar: dit is geen certificaatcode.",
        "Unreadable: this is not a certificate code.",
    ),
    Outcome.UNKNOWN_KEY: (
        "Onbekende sleutel: de code is niet ondertekend met een gepubliceerde sleutel.",
        "Unknown key: the code is not signed with a published key.",
    ),
    Outcome.KEY_OUTSIDE_WINDOW: (
        "Sleutel buiten geldigheid: de uitgiftedatum valt buiten de geldigheid van de sleutel.",
        "Key outside its window: the issue date lies outside the key's validity.",
    ),
    Outcome.UNKNOWN_SERIAL: (
        "Onbekend serienummer: dit certificaat staat niet in het register.",
        "Unknown serial: this certificate is not in the register.",
    ),
}


# Why a certificate is suspended or revoked: the code the status list publishes, with its
# label (Dutch, English). The same labels as Certificate.ReasonCode's, here without Django
# for the offline verifier. Free text about a case never leaves the register.
REASON_LABELS = {
    "under_investigation": ("Onder onderzoek", "Under investigation"),
    "result_corrected": ("Een resultaat is gecorrigeerd", "A result was corrected"),
    "replaced": ("Vervangen door een nieuw certificaat", "Replaced by a new certificate"),
    "issued_in_error": ("Ten onrechte uitgegeven", "Issued in error"),
    "fraud": ("Fraude vastgesteld", "Fraud established"),
    "other": ("Andere reden", "Other reason"),
}
UNKNOWN_REASON = ("Onbekende reden", "Unknown reason")


def reason_label(code: str) -> dict[str, str]:
    """{"nl": ..., "en": ...} for a reason code (an unknown code gets "unknown reason")."""
    nl, en = REASON_LABELS.get(code, UNKNOWN_REASON)
    return {"nl": nl, "en": en}


@dataclass(frozen=True)
class PublishedKey:
    key_id: str
    public_key: Ed25519PublicKey
    valid_from: datetime.datetime
    valid_until: datetime.datetime | None

    def covers(self, day: datetime.date) -> bool:
        """Whether a certificate issued on `day` (Amsterdam) falls in this key's window."""
        if day < self.valid_from.astimezone(AMSTERDAM).date():
            return False
        return self.valid_until is None or day <= self.valid_until.astimezone(AMSTERDAM).date()


@dataclass(frozen=True)
class StatusEntry:
    status: str  # "suspended" | "revoked" (or "valid" online)
    reason: str = ""  # a code of REASON_LABELS
    since: datetime.date | None = None

    @property
    def reason_nl(self) -> str:
        return reason_label(self.reason)["nl"]

    @property
    def reason_en(self) -> str:
        return reason_label(self.reason)["en"]


@dataclass(frozen=True)
class VerificationResult:
    outcome: str
    data: CertificateData | None = None
    key: PublishedKey | None = None
    status: StatusEntry | None = None

    @property
    def is_valid(self) -> bool:
        return self.outcome == Outcome.VALID

    @property
    def message_nl(self) -> str:
        return MESSAGES[self.outcome][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.outcome][1]


def token_from_text(text: str) -> str:
    """The token from a scanned QR text: a verification URL or the bare token."""
    text = text.strip()
    match = TOKEN_IN_URL.search(text)
    return match.group(1) if match else text


def verify_token(
    token: str,
    *,
    keys: Mapping[str, PublishedKey],
    status_for: Mapping[str, StatusEntry] | None = None,
    register_lookup=None,
) -> VerificationResult:
    """Check `token` against the published `keys` and the status of its serial.

    Offline, `status_for` maps serials to entries of the status list (serials
    not in it are valid). Online, `register_lookup(serial)` returns the entry
    or None for a serial not in the register.
    """
    try:
        decoded = decode_token(token)
    except PayloadError:
        return VerificationResult(Outcome.MALFORMED)
    data = decoded.data
    key = keys.get(data.key_id)
    if key is None:
        return VerificationResult(Outcome.UNKNOWN_KEY, data=None)
    if not signature_valid(decoded.body, decoded.signature, key.public_key):
        # Never show data that the signature does not vouch for.
        return VerificationResult(Outcome.FORGED, key=key)
    if not key.covers(data.issued_on):
        return VerificationResult(Outcome.KEY_OUTSIDE_WINDOW, data=data, key=key)
    if register_lookup is not None:
        entry = register_lookup(data.serial)
        if entry is None:
            return VerificationResult(Outcome.UNKNOWN_SERIAL, data=data, key=key)
    else:
        entry = (status_for or {}).get(data.serial)
    if entry is not None and entry.status in (Outcome.REVOKED, Outcome.SUSPENDED):
        return VerificationResult(entry.status, data=data, key=key, status=entry)
    return VerificationResult(Outcome.VALID, data=data, key=key, status=entry)


# --- reading the published documents -----------------------------------------------------


def _parse_datetime(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("key windows must carry a time zone")
    return value


def _required_datetime(text: str | None, *, field: str) -> datetime.datetime:
    value = _parse_datetime(text)
    if value is None:
        raise ValueError(f"a published key needs {field}")
    return value


def keys_from_document(document: dict) -> dict[str, PublishedKey]:
    """The published key list (`/c/keys.json`) as PublishedKey objects by key id."""
    keys = {}
    for item in document.get("keys", []):
        keys[item["key_id"]] = PublishedKey(
            key_id=item["key_id"],
            public_key=public_key_from_text(item["public_key"]),
            valid_from=_required_datetime(item["valid_from"], field="valid_from"),
            valid_until=_parse_datetime(item.get("valid_until")),
        )
    return keys


def status_from_document(document: dict) -> dict[str, StatusEntry]:
    """The published status list (`/c/status.json`) by serial."""
    return {
        item["serial"]: StatusEntry(
            status=item["status"],
            reason=item.get("reason", ""),
            since=datetime.date.fromisoformat(item["since"]) if item.get("since") else None,
        )
        for item in document.get("entries", [])
    }
