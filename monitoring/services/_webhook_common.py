"""Shared by the webhook services: the derived secret and the audited disabling."""

from __future__ import annotations

from django.conf import settings

from examens.audit import Actor, record_event

from .. import webhook_policy as policy
from ..webhook_models import WebhookEndpoint
from ..webhook_signing import derive_secret


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    """The endpoint's signing secret, derived again (never stored)."""
    return derive_secret(
        settings.WEBHOOK_SECRET_KEY, endpoint_id=endpoint.pk, salt=endpoint.secret_salt
    )


def disable_locked(
    endpoint: WebhookEndpoint, *, actor: Actor, reason: str, data: dict | None = None
) -> WebhookEndpoint:
    """Disable the locked, active `endpoint` for `reason`, with its audit event."""
    endpoint.status = WebhookEndpoint.Status.DISABLED
    endpoint.disabled_reason = reason
    endpoint.disabled_at = policy.now()
    endpoint.save(update_fields=["status", "disabled_reason", "disabled_at"])
    record_event(
        actor,
        "monitoring.webhook_endpoint.disabled",
        endpoint,
        data={"organisation": endpoint.organisation_id, "reason": reason, **(data or {})},
    )
    return endpoint
