"""The issuing task and the grading signals: queued on commit, retried, never issued twice."""

import pytest
from botocore.exceptions import EndpointConnectionError
from django.conf import settings as django_settings
from django.core.files.storage import default_storage, storages

from certificates.models import Certificate
from certificates.pdf import url_from_pdf
from certificates.receivers import ISSUE_TASK
from certificates.tasks import issue_certificate_task
from config.celery import app as celery_app
from examens.models import AuditEvent
from grading.signals import result_corrected, result_released
from tests.certificates.conftest import s3_client
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


def test_task_issues_and_stores_the_pdf_under_its_deterministic_key(candidate, grading):
    grading.complete(candidate)
    certificate_id = issue_certificate_task.delay(candidate.pk).get()

    certificate = Certificate.objects.get(pk=certificate_id)
    assert certificate.stored_at is not None
    with default_storage.open(certificate.storage_key, "rb") as handle:
        pdf = handle.read()
    assert url_from_pdf(pdf).endswith(certificate.payload)


def test_task_run_twice_issues_once_and_stores_once(candidate, grading):
    grading.complete(candidate)
    issue_certificate_task.delay(candidate.pk)
    issue_certificate_task.delay(candidate.pk)

    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="certificates.certificate.issued").count() == 1
    assert AuditEvent.objects.filter(action="certificates.certificate.stored").count() == 1


def test_storage_error_is_retried_and_never_issues_twice(candidate, grading, monkeypatch):
    grading.complete(candidate)
    calls = {"n": 0}
    storage_class = type(storages["default"])
    real_save = storage_class.save

    def flaky_save(storage, name, content, **kwargs):
        calls["n"] += 1
        if calls["n"] < 3:
            raise EndpointConnectionError(endpoint_url="http://s3.invalid")
        return real_save(storage, name, content, **kwargs)

    monkeypatch.setattr(storage_class, "save", flaky_save)
    # Eager mode re-runs a retried task in place only when errors do not propagate.
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        issue_certificate_task.delay(candidate.pk)
    finally:
        celery_app.conf.task_eager_propagates = propagates

    certificate = Certificate.objects.get()
    assert calls["n"] == 3
    assert certificate.stored_at is not None
    assert AuditEvent.objects.filter(action="certificates.certificate.issued").count() == 1


def test_task_does_nothing_when_the_route_is_not_complete(candidate, grading):
    grading.complete(candidate, skip=("LEZ",))

    assert issue_certificate_task.delay(candidate.pk).get() is None
    assert not Certificate.objects.exists()


def test_released_result_completing_the_route_queues_issuing_on_commit(
    candidate, grading, django_capture_on_commit_callbacks
):
    grading.complete(candidate)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result_released.send(sender=None, result_id=1, candidate_id=candidate.pk)

    # The issuing itself adds its own callbacks (the status entry for verifiers).
    queued = [cb for cb in callbacks if getattr(cb, "args", ())[:1] == (ISSUE_TASK,)]
    assert len(queued) == 1
    assert Certificate.objects.filter(candidate=candidate, status="valid").count() == 1


def test_released_result_with_route_incomplete_queues_nothing(
    candidate, grading, django_capture_on_commit_callbacks
):
    grading.complete(candidate, skip=("LEZ",))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result_released.send(sender=None, result_id=1, candidate_id=candidate.pk)

    assert callbacks == []


def test_correction_breaking_the_route_revokes_and_a_later_pass_issues_anew(
    candidate, grading, django_capture_on_commit_callbacks
):
    grading.complete(candidate)
    with django_capture_on_commit_callbacks(execute=True):
        result_released.send(sender=None, result_id=1, candidate_id=candidate.pk)
    first = Certificate.objects.get()
    grading.correct(candidate, "LEZ", passed=False)

    result_corrected.send(sender=None, result_id=2, previous_id=1, candidate_id=candidate.pk)

    first.refresh_from_db()
    assert first.status == "revoked"
    assert "no longer complete" in first.status_reason
    grading.correct(candidate, "LEZ", passed=True)
    with django_capture_on_commit_callbacks(execute=True):
        result_released.send(sender=None, result_id=3, candidate_id=candidate.pk)
    assert Certificate.objects.filter(status="valid").exclude(pk=first.pk).count() == 1


def test_pdf_is_stored_on_s3_over_http(candidate, grading):
    grading.complete(candidate)
    require_service("S3 storage", bool(django_settings.AWS_STORAGE_BUCKET_NAME))
    options = django_settings.STORAGES["default"]["OPTIONS"]
    s3 = s3_client(options)
    bucket = options["bucket_name"]

    certificate = Certificate.objects.get(pk=issue_certificate_task.delay(candidate.pk).get())
    issue_certificate_task.delay(candidate.pk)  # a retry overwrites the same key

    body = s3.get_object(Bucket=bucket, Key=certificate.storage_key)["Body"].read()
    assert body.startswith(b"%PDF")
    assert url_from_pdf(body).endswith(certificate.payload)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"certificates/{certificate.serial}")
    assert listed["KeyCount"] == 1
