"""Public verification, published documents, downloads and status changes through the client."""

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from certificates.payload import (
    b64url_decode,
    b64url_encode,
    document_signature_valid,
    public_key_from_text,
)
from certificates.selectors import verification_count
from certificates.services import (
    issue_certificate,
    reinstate_certificate,
    revoke_certificate,
    suspend_certificate,
)
from certificates.tasks import flush_verification_counts_task
from certificates.verification import REASON_LABELS
from certificates.views import DOWNLOAD_SALT, candidate_download_url
from examens.audit import SYSTEM
from examens.models import AuditEvent, Organisation, Role
from tests.conftest import agency_staff, login_verified
from tests.examens.factories import AgencyFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(candidate, grading):
    grading.complete(candidate)
    return issue_certificate(candidate, actor=SYSTEM)


def verify_json(client, token):
    return client.get(reverse("certificates:verify-json", args=[token]))


def test_verification_page_needs_no_login_and_shows_the_printed_data(client, certificate):
    response = client.get(reverse("certificates:verify", args=[certificate.payload]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Geldig certificaat." in html
    assert "Valid certificate." in html
    assert "Amira Haddad" in html
    assert certificate.serial in html
    assert certificate.signing_key.key_id in html
    assert certificate.candidate.bsn not in html


def test_verification_page_is_available_in_english(client, certificate):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("certificates:verify", args=[certificate.payload]))

    assert '<html lang="en"' in response.content.decode()


def test_verification_json_reports_valid_with_key_window_and_data(client, certificate):
    body = verify_json(client, certificate.payload).json()

    assert body["outcome"] == "valid"
    assert body["key"]["key_id"] == certificate.signing_key.key_id
    assert body["key"]["valid_until"] is None
    assert body["certificate"]["serial"] == certificate.serial
    assert body["certificate"]["date_of_birth"] == "1990-05-17"
    assert "bsn" not in {key.lower() for key in body["certificate"]}
    assert certificate.candidate.bsn not in str(body)  # a random serial may spell "BSN"


def test_revoked_certificate_shows_reason_code_label_and_date_never_the_note(client, certificate):
    revoke_certificate(
        certificate,
        actor=agency_staff(),
        reason_code="issued_in_error",
        reason="Dossier Zwaluw: uitslag verwisseld met die van een ander",
    )

    body = verify_json(client, certificate.payload).json()
    page = client.get(reverse("certificates:verify", args=[certificate.payload])).content.decode()

    assert body["outcome"] == "revoked"
    assert body["status"]["reason"] == "issued_in_error"
    assert body["status"]["reason_label"] == {
        "nl": "Ten onrechte uitgegeven",
        "en": "Issued in error",
    }
    assert body["status"]["since"] == timezone.localdate().isoformat()
    assert "Ten onrechte uitgegeven" in page
    assert "<code>issued_in_error</code>" in page
    for output in (str(body), page):
        assert "Zwaluw" not in output  # not a number: a random key id or serial may hold one
        assert "verwisseld" not in output


def test_a_bsn_in_the_internal_note_never_reaches_a_public_page(client, certificate):
    """The probe's finding: a BSN typed into a suspension reason showed on the public page
    and in the status list. The note is internal now; only the code is published."""
    bsn = certificate.candidate.bsn
    suspend_certificate(
        certificate,
        actor=agency_staff(),
        reason_code="under_investigation",
        reason=f"Melding over BSN {bsn[:4]}.{bsn[4:6]}.{bsn[6:]} ({bsn})",
    )

    outputs = [
        client.get(reverse("certificates:verify", args=[certificate.payload])).content.decode(),
        verify_json(client, certificate.payload).content.decode(),
        client.get(reverse("certificates:status-list")).content.decode(),
    ]

    for output in outputs:
        assert bsn not in output
        assert bsn[6:] not in output
        assert "Melding" not in output
    assert "Onder onderzoek" in outputs[0]


def test_the_reason_label_follows_the_page_language(client, certificate):
    suspend_certificate(
        certificate, actor=agency_staff(), reason_code="under_investigation", reason="x"
    )
    url = reverse("certificates:verify", args=[certificate.payload])

    dutch = client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": url})
    english = client.get(url).content.decode()

    assert "Onder onderzoek" in dutch
    assert "Under investigation" in english


def test_suspended_certificate_is_reported_as_suspended(client, certificate):
    suspend_certificate(
        certificate, actor=agency_staff(), reason_code="under_investigation", reason="Onderzoek"
    )

    assert verify_json(client, certificate.payload).json()["outcome"] == "suspended"


def test_tampered_token_is_forged_and_shows_no_data(client, certificate):
    raw = bytearray(b64url_decode(certificate.payload))
    raw[raw.index(b"Haddad")] = ord("K")

    body = verify_json(client, b64url_encode(bytes(raw))).json()
    page = client.get(reverse("certificates:verify", args=[b64url_encode(bytes(raw))]))

    assert body["outcome"] == "forged"
    assert "certificate" not in body
    assert "Kaddad" not in page.content.decode()


def test_garbage_token_is_malformed(client, db):
    assert verify_json(client, "nonsense").json()["outcome"] == "malformed"


def test_each_verification_is_counted_without_who(client, certificate):
    before = AuditEvent.objects.count()
    for _ in range(3):
        verify_json(client, certificate.payload)
    client.get(reverse("certificates:verify", args=[certificate.payload]))

    certificate.refresh_from_db()
    assert verification_count(certificate) == 4
    assert AuditEvent.objects.count() == before


def test_verification_is_rate_limited_per_ip(client, certificate, settings, throttle_clock):
    settings.CERTIFICATE_VERIFY_RATE_PER_MINUTE = 3
    throttle_clock.now = 60 * 1_000_000 + 15  # 15 s into a minute
    statuses = [verify_json(client, certificate.payload).status_code for _ in range(4)]
    refused = verify_json(client, certificate.payload)
    other_ip = client.get(
        reverse("certificates:verify-json", args=[certificate.payload]), REMOTE_ADDR="10.0.0.9"
    )
    throttle_clock.advance(45)
    next_minute = verify_json(client, certificate.payload)

    assert statuses == [200, 200, 200, 429]
    assert refused["Retry-After"] == "45"
    assert other_ip.status_code == 200
    assert next_minute.status_code == 200


def test_verification_limit_counts_the_client_behind_a_trusted_proxy(
    client, certificate, settings, throttle_clock
):
    settings.CERTIFICATE_VERIFY_RATE_PER_MINUTE = 2
    url = reverse("certificates:verify-json", args=[certificate.payload])

    def through_proxy(client_ip):
        return client.get(url, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=client_ip).status_code

    settings.TRUSTED_PROXIES = []
    shared = [through_proxy(f"203.0.113.{n}") for n in range(3)]
    throttle_clock.advance(60)
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    one_client = [through_proxy("203.0.113.1") for _ in range(3)]
    another_client = through_proxy("203.0.113.2")

    assert shared == [200, 200, 429]  # the header ignored: everyone is the proxy
    assert one_client == [200, 200, 429]
    assert another_client == 200


def test_public_keys_are_published_with_their_windows(client, certificate):
    body = client.get(reverse("certificates:public-keys")).json()

    assert body["keys"] == [
        {
            "key_id": certificate.signing_key.key_id,
            "alg": "Ed25519",
            "public_key": certificate.signing_key.public_key,
            "valid_from": certificate.signing_key.valid_from.isoformat(),
            "valid_until": None,
        }
    ]


def test_status_list_is_signed_and_reflects_a_revocation_at_once(client, certificate):
    assert client.get(reverse("certificates:status-list")).json()["entries"] == []
    revoke_certificate(certificate, actor=agency_staff(), reason_code="fraud", reason="Fraude")

    body = client.get(reverse("certificates:status-list")).json()

    assert body["entries"] == [
        {
            "serial": certificate.serial,
            "status": "revoked",
            "reason": "fraud",
            "reason_label": {"nl": "Fraude vastgesteld", "en": "Fraud established"},
            "since": timezone.localdate().isoformat(),
        }
    ]
    key = public_key_from_text(certificate.signing_key.public_key)
    assert document_signature_valid(body, key)


def test_qr_url_in_the_rendered_pdf_opens_the_right_status(client, certificate):
    from certificates.pdf import url_from_pdf
    from certificates.storage import certificate_pdf

    url = url_from_pdf(certificate_pdf(certificate))
    path = url.removeprefix("https://examens.example.nl")

    assert path.startswith("/c/v/")
    assert "Geldig certificaat." in client.get(path).content.decode()


# --- downloads and status changes ---------------------------------------------------------


def officer_of(organisation, role=Role.OFFICER):
    return MembershipFactory(organisation=organisation, role=role).user


def test_holders_municipality_officer_downloads_the_pdf(client, certificate):
    login_verified(client, officer_of(certificate.candidate.municipality))

    response = client.get(reverse("certificates:download", args=[certificate.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_agency_officer_downloads_the_pdf(client, certificate):
    login_verified(client, officer_of(AgencyFactory()))

    assert client.get(reverse("certificates:download", args=[certificate.pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.PLANNER, Role.EXAMINER])
def test_other_roles_of_the_municipality_get_404(client, certificate, role):
    login_verified(client, officer_of(certificate.candidate.municipality, role))

    assert client.get(reverse("certificates:download", args=[certificate.pk])).status_code == 404


def test_officer_of_another_municipality_gets_404(client, certificate):
    other = OrganisationFactory(kind=Organisation.Kind.MUNICIPALITY)
    login_verified(client, officer_of(other))

    assert client.get(reverse("certificates:download", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("certificates:detail", args=[certificate.pk])).status_code == 404


def test_candidate_download_link_works_without_login_and_expires(client, certificate, settings):
    url = candidate_download_url(certificate)
    path = url.removeprefix(settings.SITE_URL)

    assert certificate.candidate.bsn not in url
    assert client.get(path).status_code == 200
    settings.CERTIFICATE_DOWNLOAD_LINK_SECONDS = -1
    assert client.get(path).status_code == 404


def test_candidate_download_link_stops_while_suspended_and_when_revoked(
    client, certificate, settings
):
    """The probe's finding: the holder's link still served a suspended certificate."""
    path = candidate_download_url(certificate).removeprefix(settings.SITE_URL)
    officer = agency_staff()
    assert client.get(path).status_code == 200

    suspend_certificate(certificate, actor=officer, reason_code="under_investigation", reason="x")
    assert client.get(path).status_code == 404
    reinstate_certificate(certificate, actor=officer, reason="Onderzoek afgerond")
    assert client.get(path).status_code == 200
    revoke_certificate(certificate, actor=officer, reason_code="fraud", reason="x")
    assert client.get(path).status_code == 404


def test_reason_labels_of_the_offline_verifier_are_the_translated_choices():
    assert set(REASON_LABELS) == set(Certificate.ReasonCode.values)
    for code, label in Certificate.ReasonCode.choices:
        with translation.override("nl"):
            dutch = str(label)
        with translation.override("en"):
            english = str(label)
        assert REASON_LABELS[code] == (dutch, english)


def test_candidate_download_link_cannot_be_forged(client, certificate):
    forged = signing.TimestampSigner(salt="other").sign(certificate.serial)

    assert client.get(reverse("certificates:candidate-download", args=[forged])).status_code == 404
    assert DOWNLOAD_SALT != "other"


def test_detail_shows_the_verification_count_to_the_municipality(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(verification_count=7)
    login_verified(client, officer_of(certificate.candidate.municipality))

    response = client.get(reverse("certificates:detail", args=[certificate.pk]))

    assert response.status_code == 200
    assert "<dd>7</dd>" in response.content.decode()


def test_detail_shows_database_and_pending_counts_to_the_municipality(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(verification_count=7)
    for _ in range(2):
        verify_json(client, certificate.payload)
    login_verified(client, officer_of(certificate.candidate.municipality))

    before_flush = client.get(reverse("certificates:detail", args=[certificate.pk]))
    flush_verification_counts_task.delay().get()
    after_flush = client.get(reverse("certificates:detail", args=[certificate.pk]))

    assert "<dd>9</dd>" in before_flush.content.decode()
    assert "<dd>9</dd>" in after_flush.content.decode()


def test_agency_officer_suspends_with_a_reason(client, certificate):
    officer = officer_of(AgencyFactory())
    login_verified(client, officer)

    response = client.post(
        reverse("certificates:change-status", args=[certificate.pk, "suspend"]),
        {"reason_code": "under_investigation", "reason": "Onderzoek naar fraude"},
    )

    certificate.refresh_from_db()
    assert response.status_code == 302
    assert certificate.status == "suspended"
    assert certificate.status_reason_code == "under_investigation"
    assert certificate.status_reason == "Onderzoek naar fraude"


def test_a_suspension_needs_a_listed_reason_code(client, certificate):
    login_verified(client, officer_of(AgencyFactory()))
    url = reverse("certificates:change-status", args=[certificate.pk, "suspend"])

    for code in ("", "fraud", "something else"):  # fraud is a reason to revoke, not suspend
        response = client.post(url, {"reason_code": code, "reason": "Onderzoek"}, follow=True)
        assert response.status_code == 200
        assert "Kies een van de genoemde redenen" in response.content.decode()

    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_the_staff_page_offers_the_reason_codes_and_shows_the_note(client, certificate):
    suspend_certificate(
        certificate, actor=agency_staff(), reason_code="under_investigation", reason="Tip 12"
    )
    login_verified(client, officer_of(AgencyFactory()))

    page = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    revoking = client.get(reverse("certificates:revoke", args=[certificate.pk])).content.decode()

    assert 'name="reason_code"' in page
    assert '<option value="issued_in_error">Ten onrechte uitgegeven</option>' in revoking
    assert "Onder onderzoek" in page
    assert "Tip 12" in page


def test_municipality_cannot_change_the_status_of_a_duo_diploma(client, certificate):
    login_verified(client, officer_of(certificate.candidate.municipality))

    response = client.post(reverse("certificates:revoke", args=[certificate.pk]), {"reason": "x"})

    assert response.status_code == 404
    certificate.refresh_from_db()
    assert certificate.status == "valid"
