"""Property test of the public verification endpoint (page and JSON): any token, signed by
us or not, gets a verdict and a page, never a server error, and writes nothing.

Deterministic (derandomize) and bounded. The examples share one issued
certificate (the health check for function-scoped fixtures is suppressed on
purpose: verification must not change it).
"""

from urllib.parse import quote

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.keys import load_private_key
from certificates.models import Certificate
from certificates.payload import (
    COMPONENT_SEP,
    FIELD_SEP,
    FORMAT_VERSION,
    b64url_decode,
    b64url_encode,
)
from certificates.services import issue_certificate
from certificates.verification import Outcome
from examens.audit import SYSTEM
from examens.models import AuditEvent

FUZZ = settings(
    derandomize=True,
    deadline=None,
    max_examples=80,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OUTCOMES = {v for k, v in vars(Outcome).items() if k.isupper()}
pieces = st.text(
    alphabet=st.one_of(
        st.sampled_from([FIELD_SEP, COMPONENT_SEP, " ", "\x00", "'", '"', "<", "%", "P"]),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=10,
)


def database_state():
    return (
        AuditEvent.objects.count(),
        list(Certificate.objects.values_list("pk", "status", "verification_count")),
    )


def ask(token: str):
    """The JSON verdict and the page for `token` (in the URL as a browser sends it)."""
    client = Client()
    quoted = quote(token, safe="")
    as_json = client.get(f"/c/v/{quoted}.json")
    page = client.get(f"/c/v/{quoted}")
    return as_json, page


def fuzz_verification(certificate, settings, token_strategy):
    settings.CERTIFICATE_VERIFY_RATE_PER_MINUTE = 10**9
    before = database_state()

    @FUZZ
    @given(token_strategy)
    def run(token):
        as_json, page = ask(token)
        if "/" in token:  # not a token path at all
            assert as_json.status_code in (200, 404)
            return
        if "\x00" in token:  # refused before any view (examens.middleware.RefuseNulMiddleware)
            assert (as_json.status_code, page.status_code) == (400, 400)
            return
        assert as_json.status_code == 200, as_json.content[:300]
        assert as_json.json()["outcome"] in OUTCOMES
        assert page.status_code == 200
        assert certificate.candidate.bsn.encode() not in page.content

    run()
    assert database_state() == before


def issued(candidate, grading):
    grading.complete(candidate)
    return issue_certificate(candidate, actor=SYSTEM)


def test_any_text_as_a_token_gets_a_verdict_and_writes_nothing(candidate, grading, settings):
    certificate = issued(candidate, grading)
    fuzz_verification(certificate, settings, st.text(min_size=1, max_size=300))


def test_any_change_to_a_real_token_gets_a_verdict_and_writes_nothing(candidate, grading, settings):
    certificate = issued(candidate, grading)
    raw = b64url_decode(certificate.payload)

    @st.composite
    def changed(draw):
        data = bytearray(raw)
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            where = draw(st.integers(min_value=0, max_value=len(data) - 1))
            data[where] = draw(st.integers(min_value=0, max_value=255))
        cut = draw(st.integers(min_value=1, max_value=len(data)))
        return b64url_encode(bytes(data[:cut]) + draw(st.binary(max_size=8)))

    fuzz_verification(certificate, settings, changed())


def test_any_body_signed_with_our_key_gets_a_verdict_and_writes_nothing(
    candidate, grading, settings
):
    """The worst case: a body the signing key vouches for but the issuer never wrote
    (a stolen key, a bug). Its text reaches the register look-up and the page."""
    certificate = issued(candidate, grading)
    key = load_private_key(certificate.signing_key.private_key_file)
    key_id = certificate.signing_key.key_id
    date = st.one_of(st.just("20260301"), st.just("19900517"), pieces)

    bodies = st.tuples(
        st.one_of(st.just(certificate.serial), pieces),
        st.one_of(st.just(key_id), pieces),
        pieces,
        pieces,
        date,
        st.one_of(st.just("WI2021"), pieces),
        st.one_of(st.just("B1"), pieces),
        pieces,
        date,
        st.lists(
            st.tuples(pieces, st.sampled_from(["P", "E", "S", "X"]), pieces).map(" ".join),
            max_size=3,
        ).map(COMPONENT_SEP.join),
    ).map(lambda fields: bytes([FORMAT_VERSION]) + FIELD_SEP.join(fields).encode())

    fuzz_verification(
        certificate, settings, bodies.map(lambda body: b64url_encode(body + key.sign(body)))
    )


def test_a_signed_body_with_a_nul_is_malformed_not_a_database_error(candidate, grading, settings):
    """PostgreSQL refuses NUL in text: a serial or route holding one must not reach it."""
    certificate = issued(candidate, grading)
    key = load_private_key(certificate.signing_key.private_key_file)
    fields = [
        "S\x00",
        certificate.signing_key.key_id,
        "A",
        "B",
        "19900517",
        "WI2021",
        "B1\x00",
        "DUO",
        "20260301",
        "",
    ]
    body = bytes([FORMAT_VERSION]) + FIELD_SEP.join(fields).encode()
    before = database_state()

    as_json, page = ask(b64url_encode(body + key.sign(body)))

    assert as_json.json()["outcome"] == Outcome.MALFORMED
    assert page.status_code == 200
    assert database_state() == before
