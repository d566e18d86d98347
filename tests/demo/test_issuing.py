"""demo.issuing: a certificate for every complete route and no other, issued once."""

import io

import pytest
from django.core.management import call_command

from certificates.models import Certificate
from certificates.selectors import verify_online
from demo import issuing
from demo.world import DEMO_SYSTEM
from examens.audit import SystemActor
from examens.models import AuditEvent, Candidate
from grading.selectors import candidate_progress

pytestmark = pytest.mark.django_db


def test_issuing_demo_issues_for_complete_routes_only_as_the_system_and_is_idempotent():
    call_command("seed_demo", "--candidates", "60", stdout=io.StringIO())

    complete = {c.pk for c in Candidate.objects.all() if candidate_progress(c).complete}
    certificates = list(Certificate.objects.all())
    assert complete
    assert {certificate.candidate_id for certificate in certificates} == complete
    assert all(certificate.stored_at is not None for certificate in certificates)
    assert all(verify_online(c.payload)[0].outcome == "valid" for c in certificates)
    issued = AuditEvent.objects.filter(action__startswith="certificates.certificate.")
    assert issued.exists()
    assert not issued.filter(actor__isnull=False).exists()
    assert set(issued.values_list("actor_label", flat=True)) == {f"system:{DEMO_SYSTEM}"}
    assert isinstance(DEMO_SYSTEM, SystemActor)

    assert issuing.seed(users={}, stdout=io.StringIO()) == {}
    assert Certificate.objects.count() == len(certificates)
