"""Listening to grading, certificates and scheduling: each change becomes a webhook event.

The lower apps send their signals on commit with ids only; each receiver queues one
event (monitoring.services.enqueue_webhook_event), which writes nothing when no
entitled endpoint subscribes to it.
"""

from __future__ import annotations

from examens.audit import SystemActor

from .services import enqueue_webhook_event
from .webhook_models import WebhookEvent

WEBHOOKS = SystemActor("monitoring-webhooks")


def on_result_released(sender, *, result_id: int, candidate_id: int, **kwargs) -> None:
    enqueue_webhook_event(
        WebhookEvent.RESULT_RELEASED,
        actor=WEBHOOKS,
        candidate_id=candidate_id,
        objects={"result_id": result_id},
    )


def on_result_corrected(
    sender, *, result_id: int, candidate_id: int, previous_id: int | None = None, **kwargs
) -> None:
    enqueue_webhook_event(
        WebhookEvent.RESULT_CORRECTED,
        actor=WEBHOOKS,
        candidate_id=candidate_id,
        objects={"result_id": result_id, "previous_result_id": previous_id},
    )


CERTIFICATE_EVENTS = {
    "issued": WebhookEvent.CERTIFICATE_ISSUED,
    "suspended": WebhookEvent.CERTIFICATE_SUSPENDED,
    "reinstated": WebhookEvent.CERTIFICATE_REINSTATED,
    "revoked": WebhookEvent.CERTIFICATE_REVOKED,
}


def on_certificate_changed(
    sender, *, certificate_id: int, serial: str, candidate_id: int, change: str, **kwargs
) -> None:
    enqueue_webhook_event(
        CERTIFICATE_EVENTS[change],
        actor=WEBHOOKS,
        candidate_id=candidate_id,
        objects={"certificate_id": certificate_id, "certificate_serial": serial},
    )


BOOKING_EVENTS = {
    "made": WebhookEvent.BOOKING_MADE,
    "moved": WebhookEvent.BOOKING_MOVED,
    "cancelled": WebhookEvent.BOOKING_CANCELLED,
}


def on_booking_changed(
    sender,
    *,
    booking_id: int,
    reference: str,
    candidate_id: int,
    change: str,
    previous_id: int | None = None,
    previous_reference: str | None = None,
    **kwargs,
) -> None:
    """The booking's reference too: the API looks a booking up by it."""
    objects: dict[str, object] = {"booking_id": booking_id, "booking_reference": reference}
    if change == "moved":
        objects["previous_booking_id"] = previous_id
        objects["previous_booking_reference"] = previous_reference
    enqueue_webhook_event(
        BOOKING_EVENTS[change], actor=WEBHOOKS, candidate_id=candidate_id, objects=objects
    )
