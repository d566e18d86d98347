"""The whole journey of design.md, through the real services of every app:

registry -> a session and a booking -> check-in -> a machine score imported and
released -> the route completes -> a certificate is issued, signed, rendered and
stored -> an employer opens the QR URL from the PDF and sees "valid" -> a
correction fails the component -> the certificate is revoked and the same QR
URL now says so, with the reason.
"""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from certificates.models import Certificate
from certificates.pdf import url_from_pdf
from certificates.storage import open_certificate_pdf
from examens.audit import verify_chain
from examens.models import ExamVersion, Role
from examens.services import record_decision
from grading.models import Result
from grading.services import correct_result, release_session_results, sign_off_component
from grading.services.imports import import_machine_scores
from grading.services.ratings import grant_qualification
from scheduling.models import Booking, ExamSession
from scheduling.services.book import book_candidate
from scheduling.services.door import check_in_booking
from scheduling.services.sessions import create_session, mark_session_held, publish_session
from tests.conftest import fresh_factor, login_verified
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    CentreFactory,
    MembershipFactory,
    OrganisationFactory,
    RoomFactory,
    component,
)

pytestmark = pytest.mark.django_db


def _evidence(hours: int) -> dict:
    today = timezone.localdate()
    return {
        "hours": hours,
        "started_on": (today - datetime.timedelta(days=90)).isoformat(),
        "ended_on": today.isoformat(),
        "declaration_reference": "PVT-2026-0042",
    }


def test_from_booking_to_a_verified_and_then_revoked_certificate(
    client, django_capture_on_commit_callbacks
):
    agency = AgencyFactory()
    utrecht = OrganisationFactory(name="Utrecht", cbs_code="0344")
    officer = MembershipFactory(organisation=agency, role=Role.OFFICER).user
    planner = MembershipFactory(organisation=agency, role=Role.PLANNER).user
    municipal_examiner = MembershipFactory(organisation=utrecht, role=Role.EXAMINER).user
    candidate = CandidateFactory(municipality=utrecht)

    # DUO exempts four components; the candidate sits reading (LEZ) at B1.
    for code in ("LUI", "SCH", "SPR", "KNM"):
        record_decision(
            candidate,
            actor=officer,
            organisation=agency,
            kind="exemption",
            ground="diploma",
            component=component(code),
            reason="NT2 diploma",
        )

    centre = CentreFactory(organisation=agency, kind="central")
    room = RoomFactory(centre=centre, capacity=10)
    version = ExamVersion.objects.get(code="LEZ-B1-2026A")
    session = create_session(
        actor=planner,
        centre=centre,
        room=room,
        exam_version=version,
        starts_at=timezone.now() + datetime.timedelta(days=10),
        capacity=10,
    )
    publish_session(session, actor=planner)
    booking = book_candidate(session, actor=planner, candidate=candidate)
    assert (booking.attempt_number, booking.level) == (1, "B1")

    # Time passes (the outside world): the session starts now.
    start = timezone.now() - datetime.timedelta(minutes=5)
    ExamSession.objects.filter(pk=session.pk).update(
        starts_at=start, booking_closes_at=start - datetime.timedelta(days=2)
    )
    session.refresh_from_db()
    check_in_booking(booking, actor=planner, identity_confirmed=True)
    mark_session_held(session, actor=planner)

    # The central delivery sends the raw score; the coordinator releases it.
    csv = f"booking_reference,component,raw_score\n{booking.reference},LEZ,30\n".encode()
    coordinator = fresh_factor(MembershipFactory(organisation=agency, role=Role.EXAMINER).user)
    import_machine_scores(csv, actor=coordinator, filename="lez.csv")
    with django_capture_on_commit_callbacks(execute=True):
        release_session_results(session, actor=coordinator)
    lez = Result.objects.get(booking=booking, is_current=True)
    assert (lez.outcome, lez.status) == ("passed", "released")
    assert lez.scale_score >= 500
    assert not Certificate.objects.exists()  # PVT and MAP are still outstanding

    # The municipality signs off the participation components; the route completes.
    for code in ("PVT", "MAP"):
        grant_qualification(
            municipal_examiner,
            actor=fresh_factor(MembershipFactory(organisation=utrecht, role=Role.ADMIN).user),
            component=component(code),
            organisation=utrecht,
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() + datetime.timedelta(days=365),
        )
    with django_capture_on_commit_callbacks(execute=True):
        sign_off_component(
            candidate,
            actor=fresh_factor(municipal_examiner),
            component=component("PVT"),
            completed=True,
            evidence=_evidence(0),
        )
    with django_capture_on_commit_callbacks(execute=True):
        sign_off_component(
            candidate,
            actor=fresh_factor(municipal_examiner),
            component=component("MAP"),
            completed=True,
            evidence=_evidence(48),
        )

    certificate = Certificate.objects.get(candidate=candidate)
    assert certificate.status == "valid"
    assert default_storage.exists(certificate.storage_key)
    pdf = open_certificate_pdf(certificate)
    assert candidate.bsn.encode() not in pdf

    # The officer finds the certificate and the progress from the candidate's page.
    login_verified(client, officer)
    page = client.get(f"/candidates/{candidate.pk}/").content.decode()
    assert f"/c/{certificate.pk}/" in page
    assert f"/beoordeling/kandidaten/{candidate.pk}/voortgang/" in page
    client.logout()

    # The employer scans the QR code of the PDF.
    url = url_from_pdf(pdf)
    assert url is not None
    assert "/c/v/" in url
    assert candidate.bsn not in url
    path = url[url.index("/c/v/") :]
    verdict = client.get(f"{path}.json").json()
    assert verdict["outcome"] == "valid"
    assert verdict["certificate"]["family_name"] == candidate.family_name
    assert {c["code"] for c in verdict["certificate"]["components"]} >= {"LEZ", "PVT", "MAP"}

    # 2019 again: the reading result was wrong. The correction fails it.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        correct_result(lez, actor=coordinator, reason="Wrong answer key", raw_score=10)
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    verdict = client.get(f"{path}.json").json()
    assert verdict["outcome"] == "revoked"
    assert verdict["status"]["reason"]
    page = client.get(path)
    assert page.status_code == 200

    # Every step left its trace, and the trail is intact.
    assert Booking.objects.get(pk=booking.pk).status == "checked_in"
    checked, broken = verify_chain()
    assert broken is None
    assert checked > 15
