"""Management commands of certificates."""

import io

import pytest
from django.core.management import call_command

from certificates.models import SigningKey
from certificates.selectors import verify_online
from certificates.services import current_signing_key, issue_certificate
from examens.audit import SYSTEM

pytestmark = pytest.mark.django_db


def test_rotate_signing_key_adds_a_key_and_old_certificates_still_verify(candidate, grading):
    grading.complete(candidate)
    certificate = issue_certificate(candidate, actor=SYSTEM)
    out = io.StringIO()

    call_command("rotate_signing_key", stdout=out)

    assert SigningKey.objects.count() == 2
    assert current_signing_key(actor=SYSTEM).key_id in out.getvalue()
    assert verify_online(certificate.payload)[0].outcome == "valid"
