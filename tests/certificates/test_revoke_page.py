"""Revoking a certificate: confirmed on a page of its own, reason required on its field."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import issue_certificate
from examens.audit import SYSTEM
from examens.models import AuditEvent, Role
from tests.conftest import login_verified
from tests.examens.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(candidate, grading):
    grading.complete(candidate)
    return issue_certificate(candidate, actor=SYSTEM)


@pytest.fixture
def officer_client(client):
    login_verified(client, MembershipFactory(organisation=AgencyFactory(), role=Role.OFFICER).user)
    return client


def revoke_url(certificate):
    return reverse("certificates:revoke", args=[certificate.pk])


def test_the_detail_page_links_to_the_confirmation_page_and_has_no_revoke_form(
    officer_client, certificate
):
    page = officer_client.get(reverse("certificates:detail", args=[certificate.pk]))

    html = page.content.decode()
    assert f'class="button danger" href="{revoke_url(certificate)}"' in html
    assert '/revoke"' not in html  # no form posting to the old change-status revoke
    assert 'id="reason-revoke"' not in html


def test_get_of_the_confirmation_page_changes_nothing(officer_client, certificate):
    response = officer_client.get(revoke_url(certificate))

    certificate.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="button danger"' in html
    assert f'action="{revoke_url(certificate)}"' in html
    assert certificate.status == Certificate.Status.VALID
    assert not AuditEvent.objects.filter(action="certificates.certificate.revoked").exists()


def test_the_confirmation_post_revokes_and_is_audited(officer_client, certificate):
    response = officer_client.post(
        revoke_url(certificate), {"reason_code": "fraud", "reason": "Vervalst dossier"}
    )

    certificate.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:detail", args=[certificate.pk])
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.status_reason_code == "fraud"
    event = AuditEvent.objects.get(action="certificates.certificate.revoked")
    assert event.object_id == str(certificate.pk)


def test_a_missing_reason_is_shown_on_its_field_and_nothing_changes(officer_client, certificate):
    response = officer_client.post(revoke_url(certificate), {"reason_code": "fraud", "reason": " "})

    certificate.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert 'id="id_reason_error"' in response.content.decode()
    assert certificate.status == Certificate.Status.VALID


@pytest.mark.parametrize("code", ["", "under_investigation", "nonsense"])
def test_a_missing_or_wrong_reason_code_is_shown_on_its_field(officer_client, certificate, code):
    response = officer_client.post(revoke_url(certificate), {"reason_code": code, "reason": "x"})

    certificate.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["reason_code"]
    assert certificate.status == Certificate.Status.VALID


def test_the_old_status_action_no_longer_revokes(officer_client, certificate):
    response = officer_client.post(
        reverse("certificates:change-status", args=[certificate.pk, "revoke"]),
        {"reason_code": "fraud", "reason": "x"},
    )

    certificate.refresh_from_db()
    assert response.status_code == 404
    assert certificate.status == Certificate.Status.VALID


def test_a_municipality_may_not_open_or_post_the_revoke_page_of_a_duo_diploma(client, certificate):
    officer = MembershipFactory(
        organisation=certificate.candidate.municipality, role=Role.OFFICER
    ).user
    login_verified(client, officer)

    assert client.get(revoke_url(certificate)).status_code == 404
    response = client.post(revoke_url(certificate), {"reason_code": "fraud", "reason": "x"})

    certificate.refresh_from_db()
    assert response.status_code == 404
    assert certificate.status == Certificate.Status.VALID
