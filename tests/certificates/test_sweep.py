"""The certificate sweep: what a lost or failed issuing task left undone is finished from
the database, once, whatever the broker and storage did meanwhile.

The broker being down is the outside world: Celery's publish raises what it raises
when Redis refuses the connection. Services mode runs the same tests against S3.
"""

import datetime
import logging

import pytest
from botocore.exceptions import EndpointConnectionError
from celery.app.task import Task
from django.core.files.storage import default_storage, storages
from django.utils import timezone
from kombu.exceptions import OperationalError

from certificates.models import Certificate, IssuingSweep
from certificates.pdf import url_from_pdf
from certificates.selectors import issuing_sweep_mark
from certificates.services import (
    advance_issuing_sweep,
    issue_certificate,
    reevaluate_certificate,
)
from certificates.tasks import complete_pending_certificates_task
from examens.audit import SYSTEM
from examens.models import AuditEvent

pytestmark = pytest.mark.django_db

ISSUED = "certificates.certificate.issued"
STORED = "certificates.certificate.stored"


def broker_down(monkeypatch):
    def refused(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refused)


def storage_down(monkeypatch):
    def refused(storage, name, content, **kwargs):
        raise EndpointConnectionError(endpoint_url="http://s3.invalid")

    monkeypatch.setattr(type(storages["default"]), "save", refused)


def stored_pdf(certificate: Certificate) -> bytes:
    with default_storage.open(certificate.storage_key, "rb") as handle:
        return handle.read()


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_a_route_completed_while_the_broker_is_down_is_released_and_then_issued_by_the_sweep(
    candidate, grading, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as patched, caplog.at_level(logging.ERROR, "examens.jobs"):
        broker_down(patched)
        with django_capture_on_commit_callbacks(execute=True):
            grading.complete(candidate)  # no error: the releases stand
    assert "Broker unreachable, certificates.tasks.issue_certificate_task" in caplog.text
    assert not Certificate.objects.exists()

    assert complete_pending_certificates_task(grace_seconds=0) == 1

    certificate = Certificate.objects.get()
    assert certificate.stored_at is not None
    assert url_from_pdf(stored_pdf(certificate)).endswith(certificate.payload)
    assert complete_pending_certificates_task(grace_seconds=0) == 0
    assert Certificate.objects.count() == 1
    assert (events(ISSUED), events(STORED)) == (1, 1)


def test_the_sweep_leaves_a_fresh_certificate_to_its_task_then_stores_its_pdf(candidate, grading):
    grading.complete(candidate)
    certificate = issue_certificate(candidate, actor=SYSTEM)  # its task gave up storing

    assert complete_pending_certificates_task() == 0  # within the grace period
    certificate.refresh_from_db()
    assert certificate.stored_at is None

    assert complete_pending_certificates_task(grace_seconds=0) == 1
    certificate.refresh_from_db()
    assert certificate.stored_at is not None
    assert url_from_pdf(stored_pdf(certificate)).endswith(certificate.payload)
    assert (events(ISSUED), events(STORED)) == (1, 1)


def test_the_sweep_issues_while_storage_is_down_and_stores_when_it_is_back(
    candidate, grading, monkeypatch, caplog
):
    grading.complete(candidate)
    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING):
        storage_down(patched)
        assert complete_pending_certificates_task(grace_seconds=0) == 1
    certificate = Certificate.objects.get()
    assert certificate.stored_at is None  # issued, and verifiable; the PDF waits
    assert "Certificate storage unavailable (EndpointConnectionError)" in caplog.text

    assert complete_pending_certificates_task(grace_seconds=0) == 1
    certificate.refresh_from_db()
    assert certificate.stored_at is not None
    assert Certificate.objects.count() == 1
    assert (events(ISSUED), events(STORED)) == (1, 1)


def test_the_sweep_checks_each_release_once_and_issues_when_the_last_one_completes(
    candidate, grading
):
    grading.complete(candidate, skip=("LEZ",))

    assert complete_pending_certificates_task(grace_seconds=0) == 0
    mark = issuing_sweep_mark()
    assert mark is not None
    assert timezone.now() - mark < datetime.timedelta(minutes=1)
    assert not Certificate.objects.exists()

    grading.pass_component(candidate, "LEZ", level="B1")
    assert complete_pending_certificates_task(grace_seconds=0) == 1
    assert Certificate.objects.get().candidate == candidate


def test_the_sweep_leaves_a_revoked_certificate_without_its_pdf_and_issues_no_other(
    candidate, grading
):
    grading.complete(candidate)
    certificate = issue_certificate(candidate, actor=SYSTEM)
    grading.correct(candidate, "LEZ", passed=False)
    reevaluate_certificate(candidate, actor=SYSTEM, reason="LEZ corrected")

    assert complete_pending_certificates_task(grace_seconds=0) == 0
    certificate.refresh_from_db()
    assert (certificate.status, certificate.stored_at) == ("revoked", None)
    assert Certificate.objects.count() == 1


def test_the_mark_never_moves_back():
    later = timezone.now()
    advance_issuing_sweep(later, actor=SYSTEM)
    advance_issuing_sweep(later - datetime.timedelta(hours=1), actor=SYSTEM)

    assert IssuingSweep.objects.get().checked_until == later
