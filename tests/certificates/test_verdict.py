"""The employer's verdict banner: one colour class per state, always with words, the time
of the check and what to do next (decision 0020)."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from certificates.services import issue_certificate, revoke_certificate, suspend_certificate
from examens.audit import SYSTEM
from tests.conftest import agency_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(candidate, grading):
    grading.complete(candidate)
    return issue_certificate(candidate, actor=SYSTEM)


def banner(client, token: str) -> str:
    # English: the Dutch of these strings arrives with the merged catalogue.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("certificates:verify", args=[token])).content.decode()
    match = re.search(r'<section class="verdict (verdict--\w+)".*?</section>', html, re.S)
    assert match, html
    return match.group(0)


def test_a_valid_certificate_gets_the_green_banner_with_time_and_next_step(client, certificate):
    section = banner(client, certificate.payload)
    assert "verdict--valid" in section
    assert "Verdict: valid" in section
    assert "Checked on" in section
    assert "identity document" in section


def test_a_suspended_certificate_gets_the_amber_banner(client, certificate):
    suspend_certificate(
        certificate, actor=agency_staff(), reason_code="under_investigation", reason="x"
    )
    section = banner(client, certificate.payload)
    assert "verdict--suspended" in section
    assert "Verdict: suspended" in section


def test_a_revoked_certificate_gets_the_red_banner(client, certificate):
    revoke_certificate(certificate, actor=agency_staff(), reason_code="issued_in_error", reason="x")
    section = banner(client, certificate.payload)
    assert "verdict--invalid" in section
    assert "Verdict: not valid" in section


def test_a_forged_certificate_gets_the_red_banner_not_the_green_one(client, certificate):
    token = certificate.payload
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    section = banner(client, forged)
    assert "verdict--invalid" in section
    assert "verdict--valid" not in section


def test_the_banner_speaks_the_page_language_and_marks_the_other(client, certificate):
    section = banner(client, certificate.payload)
    assert '<span lang="en">Valid certificate.</span>' in section
    assert '<p lang="nl">Geldig certificaat.</p>' in section
