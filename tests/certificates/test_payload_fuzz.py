"""Property tests of the QR payload decoder and the verifier's rules: any text or bytes give
a decoded payload or `PayloadError`, and any token gives one of the verdicts; never another
exception. Deterministic (derandomize) and bounded."""

import contextlib
import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates.payload import (
    COMPONENT_SEP,
    FIELD_SEP,
    FORMAT_VERSION,
    SIGNATURE_LENGTH,
    PayloadError,
    b64url_encode,
    decode_body,
    decode_token,
    encode_body,
    key_id_for,
    public_key_from_text,
)
from certificates.verification import (
    Outcome,
    PublishedKey,
    StatusEntry,
    token_from_text,
    verify_token,
)

FUZZ = settings(derandomize=True, deadline=None, max_examples=300, database=None)
KEY = Ed25519PrivateKey.generate()
KEY_ID = key_id_for(KEY.public_key())
KEYS = {
    KEY_ID: PublishedKey(
        key_id=KEY_ID,
        public_key=KEY.public_key(),
        valid_from=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        valid_until=None,
    )
}
OUTCOMES = {v for k, v in vars(Outcome).items() if k.isupper()}

# Field text as an attacker can write it: separators, control characters, digits of
# other scripts, spaces, and ordinary letters.
field_text = st.text(
    alphabet=st.one_of(
        st.sampled_from([FIELD_SEP, COMPONENT_SEP, " ", "\x00", "\n", "\x7f", "P", "E", "S"]),
        st.sampled_from("0123456789\u0660\u0663\u06f2\uff11\u00b2"),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=12,
)
dates = st.one_of(
    st.dates().map(lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}"),
    st.text(alphabet="0123456789\u0660\u0661\u0669\uff10\uff11\u00b2", min_size=8, max_size=8),
    field_text,
)
component = st.tuples(
    st.one_of(st.sampled_from(["LEZ", "KNM"]), field_text),
    st.one_of(st.sampled_from(["P", "E", "S"]), field_text),
    st.one_of(st.sampled_from(["", "B1"]), field_text),
).map(" ".join)
printed_fields = st.tuples(
    field_text,  # serial
    st.one_of(st.just(KEY_ID), field_text),
    field_text,
    field_text,
    dates,  # date of birth
    field_text,
    field_text,
    field_text,
    dates,  # issued on
    st.lists(component, max_size=3).map(COMPONENT_SEP.join),
).map(list)
bodies = st.one_of(
    st.binary(max_size=200),
    st.lists(field_text, min_size=8, max_size=12).map(
        lambda f: bytes([FORMAT_VERSION]) + FIELD_SEP.join(f).encode()
    ),
    printed_fields.map(lambda f: bytes([FORMAT_VERSION]) + FIELD_SEP.join(f).encode()),
)


def signed(body: bytes) -> str:
    return b64url_encode(body + KEY.sign(body))


def check(token: str) -> str:
    result = verify_token(token, keys=KEYS, register_lookup=lambda serial: None)
    assert result.outcome in OUTCOMES
    assert result.message_nl
    assert result.message_en
    if result.outcome in (Outcome.MALFORMED, Outcome.UNKNOWN_KEY, Outcome.FORGED):
        assert result.data is None  # never data that the signature does not vouch for
    return result.outcome


@FUZZ
@given(st.text(max_size=400))
def test_any_text_decodes_or_is_malformed(text):
    try:
        decoded = decode_token(text)
    except PayloadError:
        return
    assert encode_body(decoded.data) == decoded.body


@FUZZ
@given(bodies)
def test_any_body_decodes_to_what_it_encodes_or_is_malformed(body):
    try:
        data = decode_body(body)
    except PayloadError:
        return
    # What the decoder accepts is exactly what the encoder writes: one text per payload.
    assert encode_body(data) == body


@FUZZ
@given(st.one_of(st.text(max_size=400), st.binary(max_size=300).map(b64url_encode)))
def test_any_token_gets_a_verdict(token):
    check(token)


@FUZZ
@given(bodies)
def test_any_body_signed_with_a_published_key_gets_a_verdict(body):
    outcome = check(signed(body))
    assert outcome != Outcome.FORGED


@FUZZ
@given(st.text(max_size=300))
def test_any_scanned_text_yields_a_token_text(text):
    token = token_from_text(text)
    assert isinstance(token, str)
    check(token)


@pytest.mark.parametrize(
    "body",
    [
        # The same certificate in digits of other scripts: accepted before, now malformed.
        bytes([FORMAT_VERSION])
        + FIELD_SEP.join(
            ["S", KEY_ID, "A", "B", "\u0661\u0669\u0669\u0660\u0660\u0661\u0660\u0661"]
            + ["WI2021", "B1", "DUO", "20260301", ""]
        ).encode(),
        bytes([FORMAT_VERSION])
        + FIELD_SEP.join(
            ["S\x00", KEY_ID, "A", "B", "19900101", "WI2021", "B1", "DUO", "20260301", ""]
        ).encode(),
    ],
    ids=["arabic-indic digits", "NUL in the serial"],
)
def test_a_signed_body_the_encoder_cannot_write_is_malformed(body):
    with pytest.raises(PayloadError):
        decode_body(body)
    assert check(signed(body)) == Outcome.MALFORMED


@FUZZ
@given(st.text(max_size=100))
def test_any_published_key_text_reads_or_is_refused(text):
    with contextlib.suppress(PayloadError):
        public_key_from_text(text)


def test_a_signature_alone_is_too_short():
    with pytest.raises(PayloadError):
        decode_token(b64url_encode(b"\x01" * SIGNATURE_LENGTH))


def test_any_status_entry_kind_keeps_its_verdict():
    body = bytes([FORMAT_VERSION]) + FIELD_SEP.join(
        ["S", KEY_ID, "A", "B", "19900101", "WI2021", "B1", "DUO", "20260301", ""]
    ).encode("utf-8")
    token = signed(body)
    result = verify_token(
        token, keys=KEYS, register_lookup=lambda serial: StatusEntry(status="revoked")
    )
    assert result.outcome == Outcome.REVOKED
