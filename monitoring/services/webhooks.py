"""An organisation's webhook endpoints: register, disable, enable again, delete.

Each service is one transaction with its audit event, authorised inside: the
organisation's admins (and platform superusers), as for API tokens. Registering
creates a signing secret, so it also needs a second factor entered in the last
few minutes (examens.authz.require_fresh_factor).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.exceptions import ExamAdminError
from examens.models import Organisation

from .. import webhook_policy as policy
from ..webhook_access import can_manage_webhooks
from ..webhook_http import check_url
from ..webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from ._webhook_common import disable_locked, endpoint_secret

MAX_URL_LENGTH = 500
MAX_NAME_LENGTH = 100


class WebhookError(ExamAdminError):
    code = "webhook_error"


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise WebhookError(_("Give the endpoint a name of at most 100 characters."), field="name")
    return name


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > MAX_URL_LENGTH:
        raise WebhookError(_("The address is longer than 500 characters."), field="url")
    check_url(url, allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK)
    return url


def _clean_events(event_types) -> list[str]:
    chosen = sorted(set(event_types or ()))
    if not chosen or not set(chosen) <= set(WebhookEvent.values):
        raise WebhookError(_("Choose at least one event."), field="event_types")
    return chosen


def register_webhook_endpoint(
    organisation: Organisation, *, actor: Actor, name: str, url: str, event_types: list[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an HTTPS endpoint for `organisation`; returns it with its signing secret.

    The secret is shown once: it is not stored, only the random salt it is derived
    from. Rules: a name; an https:// URL of a public host (examens refuses user
    names, private, loopback and reserved addresses; `WEBHOOK_ALLOW_LOOPBACK` lets
    tests use 127.0.0.1); at least one known event type. Not idempotent (each call
    registers one more endpoint). Raises NotPermitted (not an admin of the
    organisation, or no fresh second factor), WebhookError, WebhookUrlRefused.
    Audit: `monitoring.webhook_endpoint.created` (never the secret).
    """
    person = authz.require_person(actor)
    authz.require(can_manage_webhooks(person, organisation))
    authz.require_fresh_factor(person)
    name, url, chosen = _clean_name(name), _clean_url(url), _clean_events(event_types)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            organisation=organisation,
            name=name,
            url=url,
            event_types=chosen,
            secret_salt=secrets.token_hex(16),
            created_by=person,
            created_at=policy.now(),
        )
        record_event(
            actor,
            "monitoring.webhook_endpoint.created",
            endpoint,
            data={
                "organisation": organisation.pk,
                "name": name,
                "url": url,
                "event_types": chosen,
            },
        )
    return endpoint, endpoint_secret(endpoint)


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return (
        WebhookEndpoint.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=endpoint.pk)
    )


def disable_webhook_endpoint(endpoint: WebhookEndpoint, *, actor: Actor) -> WebhookEndpoint:
    """Stop sending to `endpoint` (its waiting deliveries wait; nothing is lost).

    Idempotent: a disabled endpoint keeps its first reason. Raises NotPermitted.
    Audit: `monitoring.webhook_endpoint.disabled` with reason `by_admin`.
    """
    person = authz.require_person(actor)
    authz.require(can_manage_webhooks(person, endpoint.organisation))
    with transaction.atomic():
        endpoint = _locked(endpoint)
        if not endpoint.is_active:
            return endpoint
        return disable_locked(endpoint, actor=actor, reason=WebhookEndpoint.DisabledReason.BY_ADMIN)


def enable_webhook_endpoint(endpoint: WebhookEndpoint, *, actor: Actor) -> WebhookEndpoint:
    """Send to a disabled endpoint again, from now on.

    The deliveries that waited are due at once and get a new day of retries; the
    run of failures starts afresh. Idempotent for an active endpoint. Raises
    NotPermitted. Audit: `monitoring.webhook_endpoint.enabled` (with how many
    deliveries were waiting).
    """
    person = authz.require_person(actor)
    authz.require(can_manage_webhooks(person, endpoint.organisation))
    with transaction.atomic():
        endpoint = _locked(endpoint)
        if endpoint.is_active:
            return endpoint
        moment = policy.now()
        previous = endpoint.disabled_reason
        endpoint.status = WebhookEndpoint.Status.ACTIVE
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
        endpoint.failing_since = None
        endpoint.save(update_fields=["status", "disabled_reason", "disabled_at", "failing_since"])
        waiting = WebhookDelivery.objects.filter(
            endpoint=endpoint, status=WebhookDelivery.Status.PENDING
        ).update(next_attempt_at=moment, give_up_at=moment + policy.RETRY_FOR)
        record_event(
            actor,
            "monitoring.webhook_endpoint.enabled",
            endpoint,
            data={"organisation": endpoint.organisation_id, "was": previous, "waiting": waiting},
        )
        return endpoint


def delete_webhook_endpoint(endpoint: WebhookEndpoint, *, actor: Actor) -> None:
    """Delete `endpoint` with its delivery log; the audit trail keeps what it was.

    Idempotent (an endpoint already deleted is left alone, no second event).
    Raises NotPermitted. Audit: `monitoring.webhook_endpoint.deleted`.
    """
    person = authz.require_person(actor)
    authz.require(can_manage_webhooks(person, endpoint.organisation))
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update(of=("self",)).filter(pk=endpoint.pk)
        found = locked.first()
        if found is None:
            return
        record_event(
            actor,
            "monitoring.webhook_endpoint.deleted",
            found,
            data={
                "organisation": found.organisation_id,
                "name": found.name,
                "url": found.url,
                "deliveries": found.deliveries.count(),
            },
        )
        found.delete()
