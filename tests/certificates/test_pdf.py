"""The PDF renderer: pure and deterministic, bilingual, QR with the verification URL, no BSN."""

import base64
import datetime
import re
import zlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.payload import (
    CertificateData,
    ComponentOutcome,
    Outcome,
    key_id_for,
    sign_payload,
)
from certificates.pdf import (
    QR_MASK_PATTERN,
    PrintedCertificate,
    outcome_texts,
    qr_matrix,
    render_certificate_pdf,
    url_from_pdf,
)

KEY = Ed25519PrivateKey.generate()
CODES = ["LEZ", "LUI", "SCH", "SPR", "KNM", "PVT", "MAP"]


def printed(*, family_name="Haddad", municipal=False) -> PrintedCertificate:
    data = CertificateData(
        serial="7KM2-9QX4-TZ",
        key_id=key_id_for(KEY.public_key()),
        given_names="Mohammed Abdirahman Ahmad Shah",
        family_name=family_name,
        date_of_birth=datetime.date(1990, 5, 17),
        regime="WI2021",
        route="Z" if municipal else "B1",
        issuer="Utrecht" if municipal else "DUO",
        issued_on=datetime.date(2026, 3, 1),
        components=tuple(ComponentOutcome(code, Outcome.PASSED, "B1") for code in CODES),
    )
    url = "https://examenbeheer.inburgering.example.nl/c/v/" + sign_payload(data, KEY)
    return PrintedCertificate(
        data=data,
        verification_url=url,
        regime_name_nl="Wet inburgering 2021",
        regime_name_en="Civic Integration Act 2021",
        route_name_nl="B1-route",
        route_name_en="B1 route",
        component_names=tuple((code, f"{code} nl", f"{code} en") for code in CODES),
        issued_by_municipality=municipal,
    )


def page_text(pdf: bytes) -> str:
    """The text operators of the (compressed) page streams, good enough to search."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        if data.endswith(b"~>"):  # reportlab wraps Flate in ASCII85
            data = base64.a85decode(data[:-2])
        try:
            chunks.append(zlib.decompress(data).decode("latin-1"))
        except zlib.error:
            chunks.append(data.decode("latin-1"))
    return "\n".join(chunks)


def test_same_data_renders_the_same_bytes():
    assert render_certificate_pdf(printed()) == render_certificate_pdf(printed())


def test_different_data_renders_different_bytes():
    assert render_certificate_pdf(printed()) != render_certificate_pdf(printed(family_name="X"))


def test_pdf_is_one_a4_page():
    pdf = render_certificate_pdf(printed())

    assert pdf.startswith(b"%PDF-")
    assert (
        pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") >= 1
    )
    assert b"/Count 1" in pdf
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf


def test_verification_url_can_be_read_back_from_the_pdf():
    doc = printed()

    assert url_from_pdf(render_certificate_pdf(doc)) == doc.verification_url


def test_pdf_shows_dutch_and_english_with_every_printed_fact():
    text = page_text(render_certificate_pdf(printed()))

    for snippet in [
        "Diploma inburgering",
        "Civic integration diploma",
        "Naam / Name",
        "Mohammed Abdirahman Ahmad Shah Haddad",
        "17-05-1990",
        "B1-route",
        "Wet inburgering 2021",
        "Behaald op niveau B1",
        "Passed at level B1",
        "7KM2-9QX4-TZ",
        "01-03-2026",
        "DUO",
    ]:
        assert snippet in text, snippet


def test_z_route_certificate_names_the_municipality_as_issuer():
    text = page_text(render_certificate_pdf(printed(municipal=True)))

    assert "Certificaat inburgering" in text
    assert r"Utrecht \(gemeente\)" in text  # parentheses are escaped in PDF strings


def test_pdf_never_contains_a_bsn():
    """The data has no BSN field; and no nine-digit number appears anywhere in the text."""
    text = page_text(render_certificate_pdf(printed()))

    assert not re.search(r"(?<!\d)\d{9}(?!\d)", re.sub(r"[\d.]+ [\d.]+ [\d.]+ [\d.]+ re", "", text))


def test_qr_code_uses_error_correction_m_a_fixed_mask_and_a_moderate_version():
    doc = printed()
    matrix = qr_matrix(doc.verification_url)
    version = (len(matrix) - 17) // 4

    assert QR_MASK_PATTERN in range(8)
    assert version <= 15  # 77 modules: at 42 mm each module is > 0.5 mm


def test_outcomes_are_printed_in_both_languages():
    assert outcome_texts(Outcome.EXEMPTED, "") == ("Ontheffing / vrijstelling", "Exempted")
    assert outcome_texts(Outcome.STEPPED_DOWN_PASSED, "A2") == (
        "Behaald op niveau A2 na afschaling",
        "Passed at level A2 after step-down",
    )
