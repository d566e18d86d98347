"""The shared cache in front of the register: live status for verifiers, counts kept exactly."""

import uuid

import pytest
import redis
from django.db import DatabaseError, transaction
from django.db.models.query import QuerySet

from certificates.models import Certificate
from certificates.selectors import verification_count, verify_online
from certificates.services import (
    count_verification,
    issue_certificate,
    reevaluate_certificate,
    reinstate_certificate,
    revoke_certificate,
    rotate_signing_key,
    suspend_certificate,
)
from certificates.tasks import flush_verification_counts_task
from certificates.verification import Outcome
from examens.audit import SYSTEM
from tests.conftest import agency_staff, require_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(candidate, grading, django_capture_on_commit_callbacks):
    grading.complete(candidate)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue_certificate(candidate, actor=SYSTEM)
    return certificate


def outcome(certificate: Certificate) -> str:
    return verify_online(certificate.payload)[0].outcome


def test_status_changes_are_seen_by_verifiers_as_soon_as_they_commit(
    certificate, django_capture_on_commit_callbacks
):
    assert outcome(certificate) == Outcome.VALID  # the entry is in the cache now

    with django_capture_on_commit_callbacks(execute=True):
        suspend_certificate(
            certificate, actor=agency_staff(), reason_code="under_investigation", reason="Onderzoek"
        )
    assert outcome(certificate) == Outcome.SUSPENDED

    with django_capture_on_commit_callbacks(execute=True):
        reinstate_certificate(certificate, actor=agency_staff(), reason="Onderzoek afgerond")
    assert outcome(certificate) == Outcome.VALID

    with django_capture_on_commit_callbacks(execute=True):
        revoke_certificate(
            certificate, actor=agency_staff(), reason_code="fraud", reason="Fraude vastgesteld"
        )
    result, _certificate_id = verify_online(certificate.payload)
    assert result.outcome == Outcome.REVOKED
    assert result.status.reason == "fraud"  # the code; the free text stays in the register


def test_status_change_rolled_back_never_reaches_verifiers(
    certificate, django_capture_on_commit_callbacks
):
    assert outcome(certificate) == Outcome.VALID

    def suspend_then_fail():
        with transaction.atomic():
            suspend_certificate(
                certificate,
                actor=agency_staff(),
                reason_code="under_investigation",
                reason="Onderzoek",
            )
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        suspend_then_fail()

    assert outcome(certificate) == Outcome.VALID


def test_revocation_by_a_correction_is_seen_at_once(
    certificate, candidate, grading, django_capture_on_commit_callbacks
):
    assert outcome(certificate) == Outcome.VALID
    grading.correct(candidate, "LEZ", passed=False)

    with django_capture_on_commit_callbacks(execute=True):
        reevaluate_certificate(candidate, actor=SYSTEM, reason="Resultaat gecorrigeerd")

    assert outcome(certificate) == Outcome.REVOKED


def test_replacement_after_a_changed_outcome_is_seen_at_once(
    certificate, candidate, grading, django_capture_on_commit_callbacks
):
    assert outcome(certificate) == Outcome.VALID
    grading.withdraw(candidate, "SPR")  # the exemption is withdrawn; SPR passed instead
    grading.pass_component(candidate, "SPR", level="B1")

    with django_capture_on_commit_callbacks(execute=True):
        replacement = issue_certificate(candidate, actor=SYSTEM)

    assert replacement.pk != certificate.pk
    assert outcome(certificate) == Outcome.REVOKED
    assert outcome(replacement) == Outcome.VALID


def test_certificate_signed_by_a_just_rotated_key_verifies_at_once(
    certificate, candidate, grading, django_capture_on_commit_callbacks
):
    assert outcome(certificate) == Outcome.VALID  # this process now holds the old key list
    grading.withdraw(candidate, "SPR")  # the exemption is withdrawn; SPR passed instead
    grading.pass_component(candidate, "SPR", level="B1")

    with django_capture_on_commit_callbacks(execute=True):
        rotate_signing_key(actor=SYSTEM)
        replacement = issue_certificate(candidate, actor=SYSTEM)

    assert outcome(replacement) == Outcome.VALID


def test_flush_run_twice_neither_loses_nor_doubles_counts(certificate):
    for _ in range(3):
        count_verification(certificate.serial)

    moved = [flush_verification_counts_task.delay().get() for _ in range(2)]
    certificate.refresh_from_db()

    assert moved == [3, 0]
    assert certificate.verification_count == 3
    assert verification_count(certificate) == 3

    for _ in range(2):
        count_verification(certificate.serial)
    assert verification_count(certificate) == 5
    flush_verification_counts_task.delay().get()
    certificate.refresh_from_db()
    assert certificate.verification_count == 5
    assert verification_count(certificate) == 5


def test_flush_whose_database_write_fails_keeps_the_counts_pending(certificate, monkeypatch):
    for _ in range(4):
        count_verification(certificate.serial)

    def fail(self, **kwargs):
        raise DatabaseError("connection lost")

    with monkeypatch.context() as patch:
        patch.setattr(QuerySet, "update", fail)
        with pytest.raises(DatabaseError):
            flush_verification_counts_task.delay().get()

    assert verification_count(certificate) == 4
    assert flush_verification_counts_task.delay().get() == 4
    certificate.refresh_from_db()
    assert certificate.verification_count == 4


@pytest.fixture
def redis_cache(settings):
    """The production cache: Redis at REDIS_URL under a prefix of this test's own.

    Without REDIS_URL the test is skipped, unless REQUIRE_SERVICES is set: then it
    fails, as it does when the Redis named there does not answer.
    """
    url = settings.REDIS_URL
    require_service("Redis (REDIS_URL)", bool(url))
    client = redis.Redis.from_url(url)
    client.ping()  # a configured Redis that does not answer is a failure, not a skip
    prefix = f"test-certificates-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    yield
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_on_redis_a_revocation_is_seen_at_once_and_scans_are_counted_once(
    redis_cache, certificate, client, django_capture_on_commit_callbacks
):
    for _ in range(3):
        client.get(f"/c/v/{certificate.payload}.json")
    with django_capture_on_commit_callbacks(execute=True):
        revoke_certificate(
            certificate, actor=agency_staff(), reason_code="fraud", reason="Fraude vastgesteld"
        )
    body = client.get(f"/c/v/{certificate.payload}.json").json()

    moved = [flush_verification_counts_task.delay().get() for _ in range(2)]
    certificate.refresh_from_db()

    assert body["outcome"] == "revoked"
    assert moved == [4, 0]
    assert certificate.verification_count == 4
    assert verification_count(certificate) == 4
