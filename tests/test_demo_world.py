"""`manage.py seed_demo` builds the whole demo world, every app included, twice without change."""

import io

import pytest
from django.core.management import call_command

from certificates.models import Certificate
from examens.audit import verify_chain
from examens.models import AuditEvent
from grading.models import Rating, Result
from scheduling.models import Booking, ExamSession

pytestmark = pytest.mark.django_db


def test_demo_world_reaches_every_app_and_a_second_run_adds_nothing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--candidates", "120", stdout=io.StringIO())

    assert ExamSession.objects.filter(status="held").exists()
    assert Booking.objects.filter(status="checked_in").exists()
    assert Rating.objects.filter(kind="adjudication").exists()
    assert Result.objects.filter(status="released", outcome="passed").exists()
    assert Result.objects.filter(corrects__isnull=False).exists()
    assert Certificate.objects.filter(status="valid").exists()

    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("seed_demo", "--candidates", "120", stdout=out)
    assert "Nothing to create" in out.getvalue()
    assert AuditEvent.objects.count() == events
    assert verify_chain()[1] is None
