"""Celery tasks of monitoring: the webhook outbox, and counting the figures ahead.

`send_due_webhooks_task` (on the beat every ten seconds, config/settings.py) selects
the due deliveries cheaply and sends each through `deliver_webhook_task`, which
claims it (a lease), sends outside any transaction and lock, and records the answer.
Safe to run twice or concurrently: a delivery whose lease holds is skipped.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings

from examens.audit import SystemActor

from .services import (
    claim_webhook_delivery,
    due_webhook_deliveries,
    endpoint_secret,
    record_webhook_attempt,
    refresh_figures,
)
from .webhook_http import Answer, post
from .webhook_policy import now
from .webhook_receivers import WEBHOOKS
from .webhook_signing import encode_body, signed_headers

FIGURES = SystemActor("monitoring-figures")


def deliver_webhook(delivery_id: int) -> Answer | None:
    """Claim, send and record one delivery; the answer it got, or None (not due, or
    leased by another worker). At least once: a crash between the send and the record
    leaves the lease to expire, and the delivery goes once more."""
    delivery = claim_webhook_delivery(delivery_id, actor=WEBHOOKS)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    body = encode_body(delivery.payload)
    headers = signed_headers(
        endpoint_secret(endpoint),
        timestamp=int(now().timestamp()),
        body=body,
        event_id=str(delivery.event_id),
    )
    answer = post(
        endpoint.url,
        body,
        headers,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK,
    )
    record_webhook_attempt(
        delivery_id, actor=WEBHOOKS, lease_token=delivery.lease_token, answer=answer
    )
    return answer


@shared_task
def deliver_webhook_task(delivery_id: int) -> None:
    """Send one webhook delivery if it is due (deliver_webhook). Its retries are the
    outbox's (next_attempt_at, picked up by send_due_webhooks_task), not Celery's."""
    deliver_webhook(delivery_id)


@shared_task
def send_due_webhooks_task(limit: int = 500) -> int:
    """Queue a delivery task for every due delivery, oldest due first; how many.

    Cheap: one indexed select, no lock. Running it twice queues a delivery twice at
    most, and its lease sends it once."""
    due = due_webhook_deliveries(limit=limit)
    for delivery_id in due:
        deliver_webhook_task.delay(delivery_id)
    return len(due)


@shared_task
def refresh_figures_task(day: str | None = None) -> int | None:
    """Count the overview's and national view's figures for `day` (ISO; today) unless
    a fresh snapshot is there (refresh_figures); the snapshot's id, or None when another
    worker is counting. On the beat every 15 minutes; pages ask for it when stale."""
    snapshot = refresh_figures(actor=FIGURES, day=datetime.date.fromisoformat(day) if day else None)
    return snapshot.pk if snapshot else None
