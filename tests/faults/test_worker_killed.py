"""A Celery worker killed with SIGKILL while issuing a certificate: the task runs again,
and afterwards there is exactly one certificate and one stored PDF.

The kill lands at a known moment, held there by the outside world: the candidate's
row locked by the test (the worker waits inside the issuing transaction), or the S3
endpoint hanging (the certificate is committed, its PDF not yet stored). Killing the
pool process is what the OOM killer does: the worker's parent re-queues the message
at once (acks_late, reject_on_worker_lost). Killing the whole worker, parent and all,
is a machine gone: its message waits in Redis for the visibility timeout, and the
certificate sweep finishes the work long before; the late redelivery adds nothing.
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from kombu import Connection

from certificates.models import Certificate
from certificates.tasks import complete_pending_certificates_task
from examens.models import Candidate

from .conftest import (
    assert_issued_once_and_stored,
    backends_waiting_for_a_lock,
    complete_the_route,
    publishing_to,
    stored_keys,
)
from .processes import wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECEIVED = r"issue_certificate_task\[[0-9a-f-]+\] received"
SUCCEEDED = r"issue_certificate_task\[[0-9a-f-]+\] succeeded"
KILLED = r"signal 9 \(SIGKILL\)"


def issued(candidate) -> Certificate | None:
    return Certificate.objects.filter(candidate=candidate).first()


def stored(candidate) -> bool:
    return Certificate.objects.filter(candidate=candidate, stored_at__isnull=False).exists()


def test_pool_process_killed_inside_the_issuing_transaction_runs_again_and_issues_once(
    grading, new_candidate, broker, s3_proxy, s3, workers
):
    candidate = new_candidate()
    keys_before = stored_keys(s3)
    complete_the_route(grading, candidate, broker.url)

    with transaction.atomic():
        Candidate.objects.select_for_update().get(pk=candidate.pk)  # the worker waits on it
        worker = workers(broker.url, s3_url=s3_proxy.url)
        wait_until(backends_waiting_for_a_lock, timeout=30, what="the worker inside issuing")
        killed = worker.kill_pool_process()
        worker.wait_for_log(KILLED, timeout=30)
        # The message is back, and a fresh pool process runs it: it waits for the same row.
        worker.wait_for_log(RECEIVED, timeout=30, count=2)
    # The lock is released; what the killed process had begun was never committed.

    wait_until(lambda: stored(candidate), timeout=60, what="the certificate stored")
    assert killed not in worker.pool_processes()
    assert_issued_once_and_stored(candidate, s3, keys_before=keys_before)


def test_pool_process_killed_while_storing_the_pdf_runs_again_and_stores_once(
    grading, new_candidate, broker, s3_proxy, s3, workers
):
    candidate = new_candidate()
    keys_before = stored_keys(s3)
    complete_the_route(grading, candidate, broker.url)
    s3_proxy.hang()  # the upload waits for an answer that does not come
    worker = workers(broker.url, s3_url=s3_proxy.url)

    certificate = wait_until(lambda: issued(candidate), timeout=30, what="the certificate issued")
    wait_until(lambda: s3_proxy.accepted, timeout=30, what="the worker talking to S3")
    assert isinstance(certificate, Certificate)
    assert certificate.stored_at is None
    worker.kill_pool_process()
    worker.wait_for_log(KILLED, timeout=30)
    s3_proxy.forward()

    worker.wait_for_log(RECEIVED, timeout=30, count=2)
    wait_until(lambda: stored(candidate), timeout=60, what="the certificate stored")
    assert assert_issued_once_and_stored(candidate, s3, keys_before=keys_before) == certificate


def test_whole_worker_killed_while_storing_is_finished_by_the_sweep_and_redelivery_adds_nothing(
    grading, new_candidate, broker, s3_proxy, s3, workers
):
    candidate = new_candidate()
    keys_before = stored_keys(s3)
    complete_the_route(grading, candidate, broker.url)
    s3_proxy.hang()
    worker = workers(broker.url, s3_url=s3_proxy.url)
    wait_until(lambda: issued(candidate), timeout=30, what="the certificate issued")
    wait_until(lambda: s3_proxy.accepted, timeout=30, what="the worker talking to S3")
    worker.kill_everything()
    s3_proxy.forward()
    # Nobody acknowledged the message: Redis keeps it aside for the visibility timeout.
    assert broker.unacknowledged() == 1

    replacement = workers(broker.url, s3_url=s3_proxy.url)
    with publishing_to(broker.url):
        complete_pending_certificates_task.delay(grace_seconds=0)  # as the beat would
    wait_until(lambda: stored(candidate), timeout=60, what="the sweep storing the PDF")
    certificate = assert_issued_once_and_stored(candidate, s3, keys_before=keys_before)
    assert not re.search(RECEIVED, replacement.log())  # the old message still waits

    # The visibility timeout passes: Redis hands the old message out again.
    with Connection(broker.url, transport_options={"visibility_timeout": 0}) as conn:
        conn.default_channel.qos.restore_visible(num=10)
    replacement.wait_for_log(SUCCEEDED, timeout=30)
    assert broker.unacknowledged() == 0
    assert assert_issued_once_and_stored(candidate, s3, keys_before=keys_before) == certificate
