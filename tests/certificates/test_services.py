"""Issuing, suspending, revoking and keys, against the database."""

import threading

import pytest
from django.db import close_old_connections, connection

from certificates.exceptions import (
    CertificateRevoked,
    ReasonCodeRequired,
    ReasonRequired,
    RouteNotComplete,
)
from certificates.models import Certificate, SigningKey
from certificates.payload import decode_token
from certificates.selectors import status_list_document, verify_online
from certificates.services import (
    current_signing_key,
    issue_certificate,
    reevaluate_certificate,
    reinstate_certificate,
    revoke_certificate,
    rotate_signing_key,
    suspend_certificate,
)
from certificates.verification import Outcome
from examens.audit import SYSTEM
from examens.models import AuditEvent, Organisation
from tests.conftest import agency_staff, require_service
from tests.examens.factories import CandidateFactory, OrganisationFactory, route

pytestmark = pytest.mark.django_db


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_issue_certificate_signs_what_is_printed_and_records_the_event(candidate, grading):
    grading.complete(candidate)
    certificate = issue_certificate(candidate, actor=SYSTEM)

    data = decode_token(certificate.payload).data
    assert certificate.status == Certificate.Status.VALID
    assert data.serial == certificate.serial
    assert (data.given_names, data.family_name) == ("Amira", "Haddad")
    assert (data.regime, data.route, data.issuer) == ("WI2021", "B1", "DUO")
    assert [(c.code, c.outcome, c.level) for c in data.components] == [
        ("KNM", "P", ""),
        ("LEZ", "P", "B1"),
        ("LUI", "P", "B1"),
        ("MAP", "P", ""),
        ("PVT", "P", ""),
        ("SCH", "S", "A2"),
        ("SPR", "E", ""),
    ]
    assert candidate.bsn not in certificate.payload
    assert candidate.bsn.encode() not in decode_token(certificate.payload).body
    assert certificate.storage_key == f"certificates/{certificate.serial}.pdf"
    assert events("certificates.certificate.issued") == 1


def test_issue_certificate_twice_yields_one_certificate(candidate, grading):
    grading.complete(candidate)
    first = issue_certificate(candidate, actor=SYSTEM)
    second = issue_certificate(candidate, actor=SYSTEM)

    assert first.pk == second.pk
    assert Certificate.objects.count() == 1
    assert events("certificates.certificate.issued") == 1


def test_issue_refused_when_route_not_complete(candidate, grading):
    grading.complete(candidate, skip=("LEZ",))

    with pytest.raises(RouteNotComplete):
        issue_certificate(candidate, actor=SYSTEM)
    assert not Certificate.objects.exists()


def test_optional_components_not_taken_are_not_printed(grading):
    candidate = CandidateFactory(route=route("Z"))
    grading.complete(candidate, skip=("LEZ", "LUI"))  # optional on the Z route

    certificate = issue_certificate(candidate, actor=SYSTEM)

    printed = [c.code for c in decode_token(certificate.payload).data.components]
    assert printed == ["EIND", "MAP", "PVT", "SCH", "SPR"]


def test_z_route_certificate_is_issued_by_the_municipality(grading):
    municipality = OrganisationFactory(name="Zeist", kind=Organisation.Kind.MUNICIPALITY)
    candidate = CandidateFactory(route=route("Z"), municipality=municipality)
    grading.complete(candidate)

    certificate = issue_certificate(candidate, actor=SYSTEM)

    assert decode_token(certificate.payload).data.issuer == "Zeist"


def test_changed_content_revokes_the_old_certificate_and_issues_a_new_one(candidate, grading):
    grading.complete(candidate)
    old = issue_certificate(candidate, actor=SYSTEM)
    grading.withdraw(candidate, "SPR")  # the exemption is withdrawn; SPR passed instead
    grading.pass_component(candidate, "SPR", level="B1")

    new = issue_certificate(candidate, actor=SYSTEM)

    old.refresh_from_db()
    assert new.pk != old.pk
    assert new.serial != old.serial
    assert old.status == Certificate.Status.REVOKED
    assert old.status_reason_code == Certificate.ReasonCode.REPLACED
    assert "correction" in old.status_reason


def test_suspended_certificate_is_not_replaced_by_issuing(candidate, grading):
    grading.complete(candidate)
    certificate = issue_certificate(candidate, actor=SYSTEM)
    suspend_certificate(
        certificate,
        actor=agency_staff(),
        reason_code="under_investigation",
        reason="Fraudeonderzoek",
    )

    again = issue_certificate(candidate, actor=SYSTEM)

    assert again.pk == certificate.pk
    assert again.status == Certificate.Status.SUSPENDED


def test_correction_that_breaks_the_route_revokes_with_reason_and_a_later_pass_reissues(
    candidate, grading
):
    grading.complete(candidate)
    certificate = issue_certificate(candidate, actor=SYSTEM)
    grading.correct(candidate, "LEZ", passed=False)

    revoked = reevaluate_certificate(candidate, actor=SYSTEM, reason="LEZ gecorrigeerd")

    assert revoked.pk == certificate.pk
    assert revoked.status == Certificate.Status.REVOKED
    assert revoked.status_reason_code == Certificate.ReasonCode.RESULT_CORRECTED
    assert revoked.status_reason == "LEZ gecorrigeerd"
    assert revoked.status_changed_at is not None
    assert reevaluate_certificate(candidate, actor=SYSTEM, reason="again") is None
    grading.correct(candidate, "LEZ", passed=True)
    new = issue_certificate(candidate, actor=SYSTEM)
    assert new.pk != certificate.pk
    assert Certificate.objects.filter(candidate=candidate).count() == 2
    entries = {e["serial"]: e for e in status_list_document()["entries"]}
    assert entries[certificate.serial]["status"] == "revoked"
    assert new.serial not in entries


def test_reevaluation_keeps_a_certificate_whose_route_is_still_complete(candidate, grading):
    grading.complete(candidate)
    issue_certificate(candidate, actor=SYSTEM)

    assert reevaluate_certificate(candidate, actor=SYSTEM, reason="x") is None
    assert Certificate.objects.get().status == Certificate.Status.VALID


def test_suspend_and_reinstate_are_status_changes_with_reasons(candidate, grading):
    grading.complete(candidate)
    certificate = issue_certificate(candidate, actor=SYSTEM)

    suspend_certificate(
        certificate, actor=agency_staff(), reason_code="under_investigation", reason="Onderzoek"
    )
    suspend_certificate(
        certificate, actor=agency_staff(), reason_code="under_investigation", reason="Tweede keer"
    )
    certificate.refresh_from_db()
    assert (certificate.status, certificate.status_reason) == ("suspended", "Onderzoek")
    reinstate_certificate(certificate, actor=agency_staff(), reason="Onderzoek afgerond")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    assert (certificate.status_reason_code, certificate.status_reason) == ("", "")
    assert events("certificates.certificate.suspended") == 1
    assert events("certificates.certificate.reinstated") == 1


def test_revoke_needs_a_reason_and_is_final(candidate, grading):
    grading.complete(candidate)
    certificate = issue_certificate(candidate, actor=SYSTEM)

    with pytest.raises(ReasonRequired):
        revoke_certificate(certificate, actor=agency_staff(), reason_code="fraud", reason="  ")
    for code in ("", "replaced", "under_investigation", "Fraud"):  # not a person's to revoke
        with pytest.raises(ReasonCodeRequired):
            revoke_certificate(certificate, actor=agency_staff(), reason_code=code, reason="x")
    assert events("certificates.certificate.revoked") == 0
    revoke_certificate(certificate, actor=agency_staff(), reason_code="fraud", reason="Fraude")
    revoke_certificate(certificate, actor=agency_staff(), reason_code="fraud", reason="Nogmaals")
    with pytest.raises(CertificateRevoked):
        suspend_certificate(
            certificate, actor=agency_staff(), reason_code="under_investigation", reason="x"
        )
    certificate.refresh_from_db()
    assert certificate.status_reason == "Fraude"
    assert events("certificates.certificate.revoked") == 1
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_first_use_generates_one_key_into_the_key_directory(settings):
    key = current_signing_key(actor=SYSTEM)

    assert current_signing_key(actor=SYSTEM).pk == key.pk
    assert key.valid_until is None
    assert key.private_key_file.startswith(settings.CERTIFICATE_SIGNING_KEY_DIR)
    assert SigningKey.objects.count() == 1


def test_key_file_named_in_settings_is_used_on_first_use(settings, tmp_path):
    from certificates.keys import generate_key_file

    path = generate_key_file()
    settings.CERTIFICATE_SIGNING_KEY_FILE = str(path)

    assert current_signing_key(actor=SYSTEM).private_key_file == str(path)


def test_rotation_keeps_old_certificates_verifying(candidate, grading):
    grading.complete(candidate)
    old = issue_certificate(candidate, actor=SYSTEM)
    old_key = old.signing_key

    new_key = rotate_signing_key(actor=SYSTEM)
    other_candidate = CandidateFactory()
    grading.complete(other_candidate)
    other = issue_certificate(other_candidate, actor=SYSTEM)

    old_key.refresh_from_db()
    assert old_key.valid_until is not None
    assert other.signing_key_id == new_key.pk != old_key.pk
    assert verify_online(old.payload)[0].outcome == Outcome.VALID
    assert verify_online(other.payload)[0].outcome == Outcome.VALID
    assert events("certificates.signing_key.activated") == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issuing_yields_one_certificate(grading):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    candidate = CandidateFactory()
    grading.complete(candidate)
    current_signing_key(actor=SYSTEM)
    barrier = threading.Barrier(6)
    serials, errors = [], []

    def worker():
        try:
            barrier.wait()
            serials.append(issue_certificate(candidate, actor=SYSTEM).serial)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(set(serials)) == 1
    assert Certificate.objects.filter(candidate=candidate).count() == 1
    assert events("certificates.certificate.issued") == 1
