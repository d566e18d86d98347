"""The payload codec: pure, no database. Round trip, and any changed byte is caught."""

import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates.payload import (
    CertificateData,
    ComponentOutcome,
    Outcome,
    PayloadError,
    b64url_decode,
    b64url_encode,
    decode_token,
    document_signature_valid,
    encode_body,
    key_id_for,
    sign_document,
    sign_payload,
    signature_valid,
)

KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
KEY_ID = key_id_for(KEY.public_key())

text = st.text(
    alphabet=st.characters(
        min_codepoint=0x20, exclude_characters="\x7f", exclude_categories=["Cs"]
    ),
    max_size=40,
)
word = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=6
)
level = st.sampled_from(["", "A1", "A2", "B1", "B2"])
dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2999, 12, 31))
components = st.lists(
    st.builds(ComponentOutcome, code=word, outcome=st.sampled_from(Outcome.ALL), level=level),
    max_size=8,
).map(tuple)
certificates = st.builds(
    CertificateData,
    serial=text,
    key_id=st.just(KEY_ID),
    given_names=text,
    family_name=text,
    date_of_birth=dates,
    regime=text,
    route=text,
    issuer=text,
    issued_on=dates,
    components=components,
)


def sample() -> CertificateData:
    return CertificateData(
        serial="7KM2-9QX4-TZ",
        key_id=KEY_ID,
        given_names="Amira Fatima",
        family_name="Al-Haddad",
        date_of_birth=datetime.date(1990, 5, 17),
        regime="WI2021",
        route="B1",
        issuer="DUO",
        issued_on=datetime.date(2026, 3, 1),
        components=(
            ComponentOutcome("LEZ", Outcome.PASSED, "B1"),
            ComponentOutcome("SCH", Outcome.STEPPED_DOWN_PASSED, "A2"),
            ComponentOutcome("KNM", Outcome.EXEMPTED, ""),
        ),
    )


@given(certificates)
def test_payload_round_trips_whatever_is_printed(data):
    token = sign_payload(data, KEY)
    decoded = decode_token(token)

    assert decoded.data == data
    assert signature_valid(decoded.body, decoded.signature, KEY.public_key())


@settings(max_examples=300)
@given(certificates, st.data())
def test_any_changed_byte_fails_verification(data, draw):
    raw = bytearray(b64url_decode(sign_payload(data, KEY)))
    position = draw.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    flip = draw.draw(st.integers(min_value=1, max_value=255))
    raw[position] ^= flip

    try:
        decoded = decode_token(b64url_encode(bytes(raw)))
    except PayloadError:
        return  # unreadable is refused as well
    assert not signature_valid(decoded.body, decoded.signature, KEY.public_key())


def test_signature_of_another_key_fails():
    decoded = decode_token(sign_payload(sample(), OTHER_KEY))

    assert not signature_valid(decoded.body, decoded.signature, KEY.public_key())


def test_payload_carries_the_format_version_first():
    assert encode_body(sample())[0] == 1


def test_unknown_format_version_is_malformed():
    raw = bytearray(b64url_decode(sign_payload(sample(), KEY)))
    raw[0] = 2

    with pytest.raises(PayloadError):
        decode_token(b64url_encode(bytes(raw)))


@pytest.mark.parametrize("token", ["", "abc", "not base64!", "A" * 40, "éé", "ab+/cd=="])
def test_garbage_is_malformed(token):
    with pytest.raises(PayloadError):
        decode_token(token)


def test_control_characters_cannot_be_encoded():
    bad = CertificateData(**{**sample().__dict__, "family_name": "Haddad\x1fDUO"})

    with pytest.raises(ValueError, match="control character"):
        encode_body(bad)


def test_token_is_small_enough_for_a_robust_qr_code():
    """Seven components and long names stay short: the QR code is sized in test_pdf."""
    data = CertificateData(
        **{
            **sample().__dict__,
            "given_names": "Mohammed Abdirahman Ahmad Shah",
            "family_name": "Al-Khatib Ghebremedhin",
            "components": tuple(
                ComponentOutcome(code, Outcome.PASSED, "B1")
                for code in ["LEZ", "LUI", "SCH", "SPR", "KNM", "PVT", "MAP"]
            ),
        }
    )

    assert len(sign_payload(data, KEY)) < 340


def test_payload_never_holds_more_than_the_printed_fields():
    fields = set(CertificateData.__dataclass_fields__)

    assert fields == {
        "serial",
        "key_id",
        "given_names",
        "family_name",
        "date_of_birth",
        "regime",
        "route",
        "issuer",
        "issued_on",
        "components",
    }


def test_signed_document_verifies_and_detects_changes():
    document = sign_document(
        {"entries": [{"serial": "X", "status": "revoked"}]}, key_id="k", private_key=KEY
    )

    assert document_signature_valid(document, KEY.public_key())
    document["entries"][0]["status"] = "valid"
    assert not document_signature_valid(document, KEY.public_key())
