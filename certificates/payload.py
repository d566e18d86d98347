"""The signed certificate payload: a compact, versioned codec. Pure: no Django, no database.

What goes in is exactly what is printed on the certificate (holder, route,
components with their outcome, issue date, serial, issuer), never more, and
never a BSN. Wire format, version 1:

    token = base64url(body || signature)        (no padding)
    body  = 0x01 || UTF-8 text of fields joined by US (0x1F)
    fields: serial, key_id, given names, family name, date of birth (YYYYMMDD),
            regime code, route code, issuer, issued on (YYYYMMDD),
            components: code SP outcome SP level, joined by RS (0x1E)
    signature = Ed25519 over body (64 bytes)

The key id sits inside the signed body, so it cannot be swapped without
breaking the signature. A delimited body is about half the size of JSON,
which keeps the QR code at a version that survives print and phone cameras.

Also here: canonical JSON signing for the published documents (status list).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

FORMAT_VERSION = 1
SIGNATURE_LENGTH = 64
FIELD_SEP = "\x1f"
COMPONENT_SEP = "\x1e"
FIELD_COUNT = 10


class Outcome:
    """How a component was satisfied; one letter on the wire."""

    PASSED = "P"
    EXEMPTED = "E"
    STEPPED_DOWN_PASSED = "S"
    ALL = (PASSED, EXEMPTED, STEPPED_DOWN_PASSED)


class PayloadError(ValueError):
    """The token cannot be read: not base64url, too short, unknown version, bad fields.

    `code` is machine-readable. This is a codec error, not a domain error: the
    verifier turns it into the answer "malformed".
    """

    code = "malformed"


@dataclass(frozen=True)
class ComponentOutcome:
    code: str
    outcome: str  # Outcome.*
    level: str = ""  # "" for components without a language level (KNM, PVT, MAP)


@dataclass(frozen=True)
class CertificateData:
    """The printed facts that the QR code carries and the signature covers."""

    serial: str
    key_id: str
    given_names: str
    family_name: str
    date_of_birth: datetime.date
    regime: str
    route: str
    issuer: str
    issued_on: datetime.date
    components: tuple[ComponentOutcome, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DecodedToken:
    data: CertificateData
    body: bytes
    signature: bytes


# --- base64url ---------------------------------------------------------------------------


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.isascii():
        raise PayloadError("not base64url")
    stripped = text.strip()
    if any(ch in stripped for ch in "+/="):
        raise PayloadError("not base64url")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError) as error:
        raise PayloadError("not base64url") from error


# --- body --------------------------------------------------------------------------------


def _check_text(name: str, value: str, *, allow_space: bool = True) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(f"{name} contains a control character")
    if not allow_space and " " in value:
        raise ValueError(f"{name} must not contain a space")
    return value


def _date_text(value: datetime.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _parse_date(text: str) -> datetime.date:
    if len(text) != 8 or not text.isdigit():
        raise PayloadError("bad date")
    try:
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as error:
        raise PayloadError("bad date") from error


def encode_body(data: CertificateData) -> bytes:
    """The bytes that are signed. Raises ValueError for text the format cannot carry."""
    components = []
    for item in data.components:
        if item.outcome not in Outcome.ALL:
            raise ValueError(f"unknown outcome {item.outcome!r}")
        code = _check_text("component code", item.code, allow_space=False)
        level = _check_text("component level", item.level, allow_space=False)
        if not code:
            raise ValueError("component code is empty")
        components.append(f"{code} {item.outcome} {level}")
    fields = [
        _check_text("serial", data.serial),
        _check_text("key_id", data.key_id),
        _check_text("given_names", data.given_names),
        _check_text("family_name", data.family_name),
        _date_text(data.date_of_birth),
        _check_text("regime", data.regime),
        _check_text("route", data.route),
        _check_text("issuer", data.issuer),
        _date_text(data.issued_on),
        COMPONENT_SEP.join(components),
    ]
    return bytes([FORMAT_VERSION]) + FIELD_SEP.join(fields).encode("utf-8")


def decode_body(body: bytes) -> CertificateData:
    """Parse the signed bytes back into data. Raises PayloadError; does not check the signature.

    Accepts only what `encode_body` writes: a body it would not write the same
    way (a control character in a field, a date in other digits than 0-9) is
    malformed, so no text that the encoder refuses reaches a page, a database
    look-up or a verifier, whoever signed it.
    """
    data = _read_body(body)
    try:
        canonical = encode_body(data)
    except ValueError as error:
        raise PayloadError("a field the format cannot carry") from error
    if canonical != body:
        raise PayloadError("not in the canonical form")
    return data


def _read_body(body: bytes) -> CertificateData:
    if not body or body[0] != FORMAT_VERSION:
        raise PayloadError("unknown format version")
    try:
        text = body[1:].decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadError("not UTF-8") from error
    fields = text.split(FIELD_SEP)
    if len(fields) != FIELD_COUNT:
        raise PayloadError("wrong number of fields")
    serial, key_id, given, family, born, regime, route, issuer, issued, raw_components = fields
    components = []
    if raw_components:
        for chunk in raw_components.split(COMPONENT_SEP):
            parts = chunk.split(" ")
            if len(parts) != 3 or not parts[0] or parts[1] not in Outcome.ALL:
                raise PayloadError("bad component")
            components.append(ComponentOutcome(code=parts[0], outcome=parts[1], level=parts[2]))
    return CertificateData(
        serial=serial,
        key_id=key_id,
        given_names=given,
        family_name=family,
        date_of_birth=_parse_date(born),
        regime=regime,
        route=route,
        issuer=issuer,
        issued_on=_parse_date(issued),
        components=tuple(components),
    )


# --- tokens ------------------------------------------------------------------------------


def sign_payload(data: CertificateData, private_key: Ed25519PrivateKey) -> str:
    """The token for the QR code: body and signature, base64url."""
    body = encode_body(data)
    return b64url_encode(body + private_key.sign(body))


def decode_token(token: str) -> DecodedToken:
    """Split and parse a token without checking the signature. Raises PayloadError."""
    raw = b64url_decode(token)
    if len(raw) <= SIGNATURE_LENGTH + 1:
        raise PayloadError("too short")
    body, signature = raw[:-SIGNATURE_LENGTH], raw[-SIGNATURE_LENGTH:]
    return DecodedToken(data=decode_body(body), body=body, signature=signature)


def signature_valid(body: bytes, signature: bytes, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(signature, body)
    except InvalidSignature:
        return False
    return True


# --- keys --------------------------------------------------------------------------------


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A raw 32-byte Ed25519 public key, base64url. Raises PayloadError."""
    raw = b64url_decode(text)
    if len(raw) != 32:
        raise PayloadError("a public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_text(public_key: Ed25519PublicKey) -> str:
    return b64url_encode(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """A short, stable id derived from the public key (8 hex digits of its SHA-256)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:8]


# --- signed JSON documents (the status list) ---------------------------------------------


def canonical_json(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign_document(document: dict, *, key_id: str, private_key: Ed25519PrivateKey) -> dict:
    """`document` plus `key_id` and an Ed25519 `signature` over its canonical JSON."""
    unsigned = {**document, "key_id": key_id}
    unsigned.pop("signature", None)
    return {**unsigned, "signature": b64url_encode(private_key.sign(canonical_json(unsigned)))}


def document_signature_valid(document: dict, public_key: Ed25519PublicKey) -> bool:
    unsigned = dict(document)
    signature_text = unsigned.pop("signature", "")
    try:
        signature = b64url_decode(signature_text)
    except PayloadError:
        return False
    return signature_valid(canonical_json(unsigned), signature, public_key)
