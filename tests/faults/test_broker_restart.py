"""Redis restarted with tasks queued: no promised task is lost.

Production runs the broker with the append-only file (docs/decisions/
0013-task-delivery.md): what was queued before a crash is there after it, and a
worker that was connected reconnects by itself. A Redis without persistence loses
its queue on a restart by design, and a broker that is down refuses new messages;
the certificate does not depend on either: the release stands, and the sweep
issues from the database.
"""

from __future__ import annotations

import logging

import pytest

from certificates.models import Certificate
from certificates.tasks import complete_pending_certificates_task
from grading.models import Result

from .conftest import (
    assert_issued_once_and_stored,
    complete_the_route,
    mails_sent,
    publishing_to,
    stored_keys,
)
from .processes import RedisServer, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def stored(candidate) -> bool:
    return Certificate.objects.filter(candidate=candidate, stored_at__isnull=False).exists()


def released(candidate) -> int:
    return Result.objects.filter(candidate=candidate, status=Result.Status.RELEASED).count()


def test_tasks_queued_before_a_redis_crash_run_after_it_with_the_append_only_file(
    grading, new_candidate, broker, s3, workers, tmp_path
):
    first = new_candidate(email="eerste@example.nl")
    second = new_candidate(email="tweede@example.nl")
    keys_before = stored_keys(s3)
    complete_the_route(grading, first, broker.url)  # the issuing and a mail per result
    queued = broker.queued()
    assert queued >= released(first) + 1

    broker.crash_and_start()  # SIGKILL, then started again from its files
    assert broker.queued() == queued

    worker = workers(broker.url)
    wait_until(lambda: stored(first), timeout=60, what="the first certificate stored")
    wait_until(lambda: mails_sent(tmp_path) == released(first), timeout=30, what="the mails")

    # Restarted while the worker is connected: it reconnects, and new work runs. (Once
    # every message is acknowledged: a message whose acknowledgement the restart swallowed
    # is delivered again, and its mail goes twice: at least once, decision 0013.)
    wait_until(lambda: broker.unacknowledged() == 0, timeout=30, what="all acknowledged")
    broker.restart()  # an orderly restart, as a service manager does it
    complete_the_route(grading, second, broker.url)
    wait_until(lambda: stored(second), timeout=90, what="the second certificate stored")
    wait_until(
        lambda: mails_sent(tmp_path) == released(first) + released(second),
        timeout=30,
        what="the mails of the second candidate",
    )
    assert "Connection to broker lost" in worker.log()
    for candidate in (first, second):
        assert_issued_once_and_stored(candidate, s3, keys_before=keys_before)


def test_without_persistence_the_queue_is_lost_and_the_sweep_issues_anyway(
    grading, new_candidate, s3, workers, tmp_path, caplog
):
    volatile = RedisServer(tmp_path / "volatile", appendonly=False)
    volatile.start()
    try:
        first, second = new_candidate(), new_candidate()
        keys_before = stored_keys(s3)
        complete_the_route(grading, first, volatile.url)
        assert volatile.queued() > 0
        volatile.restart()  # even an orderly restart: nothing was kept
        assert volatile.queued() == 0  # the issuing of the first route is gone

        volatile.kill()  # down: the second route completes all the same
        with caplog.at_level(logging.ERROR, logger="examens.jobs"):
            complete_the_route(grading, second, volatile.url)
        assert "Broker unreachable, certificates.tasks.issue_certificate_task" in caplog.text
        assert not Certificate.objects.exists()

        volatile.start()
        workers(volatile.url)
        with publishing_to(volatile.url):
            complete_pending_certificates_task.delay(grace_seconds=0)  # as the beat would
        wait_until(
            lambda: stored(first) and stored(second), timeout=60, what="the sweep issuing both"
        )
        for candidate in (first, second):
            assert_issued_once_and_stored(candidate, s3, keys_before=keys_before)
    finally:
        volatile.kill()
