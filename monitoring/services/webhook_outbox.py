"""The webhook outbox: queue an event for its endpoints, claim a delivery, record the answer.

At least once (docs/decisions/0008-outbox-lease.md, 0017-webhooks.md): a worker
claims a delivery in a short committed transaction (a lease, taken with SELECT ...
FOR UPDATE SKIP LOCKED, and a token that names this claim), sends the request
outside any transaction and without any row lock, then records the answer under
the same token. A second worker skips a delivery while its lease holds; a worker
that dies between the send and the record leaves the lease to expire, and the
delivery is sent once more. Receivers are told so, and de-duplicate on the event id.
"""

from __future__ import annotations

import secrets
import uuid

from celery import current_app
from django.db import transaction
from django.db.models import Q, Subquery

from examens import authz
from examens.audit import Actor, record_event
from examens.jobs import enqueue_on_commit
from examens.models import Candidate, Organisation

from .. import webhook_policy as policy
from ..webhook_http import Answer
from ..webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from ._webhook_common import disable_locked

DELIVER_TASK = "monitoring.tasks.deliver_webhook_task"
GONE = 410


def entitled_endpoints(candidate_id: int, event_type: str) -> list[WebhookEndpoint]:
    """The active endpoints subscribed to `event_type` of the organisations entitled to
    see the candidate's affairs: the candidate's municipality, and the agency (DUO),
    which sees every candidate. Never another municipality, never a provider. One query."""
    municipality = Candidate.objects.filter(pk=candidate_id).values("municipality_id")[:1]
    endpoints = WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE).filter(
        Q(organisation_id=Subquery(municipality)) | Q(organisation__kind=Organisation.Kind.AGENCY)
    )
    return [e for e in endpoints.order_by("pk") if event_type in e.event_types]


def enqueue_webhook_event(
    event_type: str, *, actor: Actor, candidate_id: int, objects: dict[str, object]
) -> list[WebhookDelivery]:
    """Queue one event for every entitled, subscribed, active endpoint (entitled_endpoints).

    The body holds ids only: the event's id and type, when it happened, and
    `objects` (the ids of what changed) with the candidate's id; the receiver fetches
    the details through the API. Nothing is written when no endpoint subscribes.
    Where tasks run in this process (embedded mode, tests) no beat runs, so each
    delivery is attempted right after commit, through the same lease. Not
    idempotent: each call is one more event (signals are sent once per commit).
    Raises ValueError for an unknown event type. Audit:
    `monitoring.webhook_event.queued` (one per event, with the endpoints).
    """
    authz.require_job(actor)
    if event_type not in WebhookEvent.values:
        raise ValueError(event_type)
    endpoints = entitled_endpoints(candidate_id, event_type)
    if not endpoints:
        return []
    moment = policy.now()
    event_id = uuid.uuid4()
    data: dict[str, object] = {"candidate_id": candidate_id, **objects}
    payload = {
        "id": str(event_id),
        "type": event_type,
        "occurred_at": moment.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                next_attempt_at=moment,
                give_up_at=moment + policy.RETRY_FOR,
                created_at=moment,
            )
            for endpoint in endpoints
        )
        record_event(
            actor,
            "monitoring.webhook_event.queued",
            object_type="monitoring.webhookevent",
            object_id=str(event_id),
            data={"type": event_type, "endpoints": [e.pk for e in endpoints], **data},
        )
        if current_app.conf.task_always_eager:
            for delivery in deliveries:
                enqueue_on_commit(DELIVER_TASK, delivery.pk)
    return deliveries


def _due() -> Q:
    moment = policy.now()
    return Q(
        status=WebhookDelivery.Status.PENDING,
        endpoint__status=WebhookEndpoint.Status.ACTIVE,
        next_attempt_at__lte=moment,
    ) & (Q(lease_until__isnull=True) | Q(lease_until__lte=moment))


def due_webhook_deliveries(*, limit: int) -> list[int]:
    """Ids of deliveries due now (pending, endpoint active, not leased), oldest due first.
    No lock."""
    return list(
        WebhookDelivery.objects.filter(_due())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim_webhook_delivery(delivery_id: int, *, actor: Actor) -> WebhookDelivery | None:
    """Lease the due delivery `delivery_id` to the caller; the delivery, or None.

    One short transaction that commits before the caller sends: the row is taken
    with FOR UPDATE SKIP LOCKED (a row another worker is claiming is skipped) and only
    while due (pending, endpoint active, its time come, no lease or the lease
    expired). Counts the attempt, sets `lease_until` (now + policy.LEASE) and a new
    `lease_token`, which the caller hands back to record_webhook_attempt. Returns
    the delivery with its endpoint loaded, or None (nothing to send). Idempotent
    while the lease holds. Audit: `monitoring.webhook_delivery.claimed`.
    """
    authz.require_job(actor)
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("endpoint")
            .filter(_due(), pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        moment = policy.now()
        delivery.attempts += 1
        delivery.lease_until = moment + policy.LEASE
        delivery.lease_token = secrets.token_hex(16)
        delivery.last_attempt_at = moment
        delivery.save(update_fields=["attempts", "lease_until", "lease_token", "last_attempt_at"])
        record_event(
            actor,
            "monitoring.webhook_delivery.claimed",
            delivery,
            data={"attempt": delivery.attempts, "lease_until": delivery.lease_until},
        )
        return delivery


def _failed(delivery: WebhookDelivery, endpoint: WebhookEndpoint, answer: Answer, *, actor):
    """A failed attempt: retry with backoff within the day, else give up; disable the
    endpoint after a 410 or a day in which every attempt failed."""
    moment = policy.now()
    gone = answer.status == GONE
    if gone or moment >= delivery.give_up_at:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = moment + policy.backoff(delivery.attempts)
    quiet = (
        endpoint.last_failure_at is None or moment - endpoint.last_failure_at > policy.STREAK_GAP
    )
    if endpoint.failing_since is None or quiet:
        endpoint.failing_since = moment
    endpoint.last_failure_at = moment
    endpoint.save(update_fields=["failing_since", "last_failure_at"])
    if endpoint.is_active and gone:
        disable_locked(endpoint, actor=actor, reason=WebhookEndpoint.DisabledReason.GONE)
    elif endpoint.is_active and moment - endpoint.failing_since >= policy.RETRY_FOR:
        disable_locked(
            endpoint,
            actor=actor,
            reason=WebhookEndpoint.DisabledReason.FAILING,
            data={"failing_since": endpoint.failing_since},
        )


def record_webhook_attempt(
    delivery_id: int, *, actor: Actor, lease_token: str, answer: Answer
) -> WebhookDelivery | None:
    """Record what the attempt under `lease_token` got, and give the lease back.

    2xx: delivered (the endpoint's run of failures ends). Anything else (another
    status, a redirect, no answer): retried after policy.backoff, until a day after
    the event, then given up (`failed`). A 410 Gone gives up at once and disables
    the endpoint; so does a day in which every attempt to the endpoint failed.
    Locks the endpoint, then the delivery. Returns None, changing nothing, when
    the lease is no longer this caller's (it expired and another worker claimed
    the delivery: that worker records its own answer) or the delivery is gone.
    Audit: `monitoring.webhook_delivery.delivered` or `.failed` (and
    `monitoring.webhook_endpoint.disabled`).
    """
    authz.require_job(actor)
    with transaction.atomic():
        endpoint_id = (
            WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True)
        ).first()
        if endpoint_id is None:
            return None
        endpoint = WebhookEndpoint.objects.select_for_update(of=("self",)).get(pk=endpoint_id)
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .filter(pk=delivery_id, lease_token=lease_token, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None or not lease_token:
            return None
        delivery.lease_until = None
        delivery.lease_token = ""  # the lease released, not a password  # nosec B105
        delivery.last_status_code = answer.status
        delivery.last_error = answer.error[:200]
        if answer.delivered:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = policy.now()
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since"])
        else:
            _failed(delivery, endpoint, answer, actor=actor)
        delivery.save(
            update_fields=[
                "status",
                "lease_until",
                "lease_token",
                "last_status_code",
                "last_error",
                "delivered_at",
                "next_attempt_at",
            ]
        )
        record_event(
            actor,
            "monitoring.webhook_delivery." + ("delivered" if answer.delivered else "failed"),
            delivery,
            data={
                "attempt": delivery.attempts,
                "status_code": answer.status,
                "error": delivery.last_error,
                "outcome": delivery.status,
                "next_attempt_at": delivery.next_attempt_at
                if delivery.status == WebhookDelivery.Status.PENDING
                else None,
            },
        )
        return delivery
