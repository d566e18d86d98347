"""The S3 endpoint down while issuing: the task retries with backoff and completes when
the endpoint is back; nothing is issued twice, and in the end the PDF is there.

The worker reaches S3 only through a proxy the test controls: first the port is
closed (connection refused), then connections hang without an answer (each attempt
ends at the client's timeout, not minutes later), then it forwards again.
"""

from __future__ import annotations

import pytest

from certificates.models import Certificate

from .conftest import assert_issued_once_and_stored, complete_the_route, stored_keys
from .processes import wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RETRY = r"issue_certificate_task\[[0-9a-f-]+\] retry: Retry in {}s"


def test_s3_down_while_issuing_is_retried_with_backoff_and_completes_when_it_is_back(
    grading, new_candidate, broker, s3_proxy, s3, workers
):
    candidate = new_candidate()
    keys_before = stored_keys(s3)
    s3_proxy.down()
    complete_the_route(grading, candidate, broker.url)
    worker = workers(
        broker.url, s3_url=s3_proxy.url, AWS_S3_CONNECT_TIMEOUT="1", AWS_S3_READ_TIMEOUT="1"
    )

    # Refused: the task tries again after 2 s, then after 4 s.
    worker.wait_for_log(RETRY.format(2), timeout=30)
    worker.wait_for_log(RETRY.format(4), timeout=30)
    certificate = Certificate.objects.get(candidate=candidate)
    assert certificate.stored_at is None  # issued (it verifies), its PDF not yet stored
    # Hanging: the attempt ends at the client's timeout; the next one waits 8 s.
    s3_proxy.hang()
    worker.wait_for_log(RETRY.format(8), timeout=40)
    assert s3_proxy.accepted > 0
    s3_proxy.forward()

    wait_until(
        lambda: Certificate.objects.filter(pk=certificate.pk, stored_at__isnull=False).exists(),
        timeout=40,
        what="the PDF stored once S3 is back",
    )
    assert assert_issued_once_and_stored(candidate, s3, keys_before=keys_before) == certificate
    assert len(Certificate.objects.filter(candidate=candidate)) == 1
