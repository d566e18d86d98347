"""Grading's and certificates' changes become webhook events for the entitled receivers."""

from __future__ import annotations

from certificates.services import issue_certificate, revoke_certificate
from examens.audit import SYSTEM
from tests.certificates.conftest import Grading, key_and_file_storage  # noqa: F401 - autouse
from tests.conftest import agency_staff, fresh_factor
from tests.examens.factories import CandidateFactory

from .factories import endpoint_for


def test_released_results_and_an_issued_then_revoked_certificate_are_sent(
    db, clock, receiver, django_capture_on_commit_callbacks
):
    candidate = CandidateFactory()
    _endpoint, secret = endpoint_for(
        candidate.municipality,
        receiver.url,
        events=["result.released", "certificate.issued", "certificate.revoked"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        Grading().complete(candidate)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue_certificate(candidate, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        revoke_certificate(
            certificate, actor=fresh_factor(agency_staff()), reason_code="fraud", reason="test"
        )

    types = [r.json["type"] for r in receiver.requests]
    assert "result.released" in types
    assert types[-2:] == ["certificate.issued", "certificate.revoked"]
    assert receiver.requests[-1].json["data"] == {
        "candidate_id": candidate.pk,
        "certificate_id": certificate.pk,
        "certificate_serial": certificate.serial,
    }
    assert all(receiver.verify(r, secret, now=clock()) for r in receiver.requests)
