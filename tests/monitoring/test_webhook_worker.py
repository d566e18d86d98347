"""The webhook outbox on a real Celery worker over Redis (services mode)."""

from __future__ import annotations

import logging
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app
from monitoring.services import enqueue_webhook_event
from monitoring.tasks import send_due_webhooks_task
from monitoring.webhook_models import WebhookDelivery, WebhookEvent
from monitoring.webhook_receivers import WEBHOOKS
from tests.conftest import require_service
from tests.examens.factories import CandidateFactory

from .factories import endpoint_for

CI_QUEUE = "examenbeheer-ci-webhooks"


@pytest.fixture
def keep_root_logger():
    """The embedded worker sets up Celery logging on the root logger; put it back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.services
@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_beat_job_and_the_delivery_task_run_on_a_real_worker(keep_root_logger, clock, receiver):
    require_service("Celery broker (CELERY_BROKER_URL)", bool(settings.CELERY_BROKER_URL))
    candidate = CandidateFactory()
    _endpoint, secret = endpoint_for(candidate.municipality, receiver.url)
    (delivery,) = enqueue_webhook_event(
        WebhookEvent.BOOKING_MADE, actor=WEBHOOKS, candidate_id=candidate.pk, objects={}
    )
    assert receiver.requests == []  # nothing sent on commit in services mode

    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        queues=[CI_QUEUE, app.conf.task_default_queue],
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        send_due_webhooks_task.apply_async(queue=CI_QUEUE)
        for _ in range(300):
            delivery.refresh_from_db()
            if delivery.status == WebhookDelivery.Status.DELIVERED:
                break
            threading.Event().wait(0.1)

    assert delivery.status == WebhookDelivery.Status.DELIVERED
    (request,) = receiver.requests
    assert receiver.verify(request, secret, now=clock())
