"""Webhook endpoints of organisations and their deliveries (the webhook outbox).

An endpoint is an HTTPS URL an organisation registered, with the event types it
subscribes to. Its signing secret is never stored: it is derived from
`settings.WEBHOOK_SECRET_KEY` and the endpoint's random `secret_salt`, shown once
when the endpoint is created (docs/decisions/0017-webhooks.md). A delivery is one
event for one endpoint: an outbox row, leased by the worker that sends it, at least
once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from examens.models import Organisation


class WebhookEvent(models.TextChoices):
    """The event types an endpoint may subscribe to (the `type` of a delivery's body)."""

    RESULT_RELEASED = "result.released", _("Result released")
    RESULT_CORRECTED = "result.corrected", _("Result corrected")
    CERTIFICATE_ISSUED = "certificate.issued", _("Certificate issued")
    CERTIFICATE_SUSPENDED = "certificate.suspended", _("Certificate suspended")
    CERTIFICATE_REINSTATED = "certificate.reinstated", _("Certificate reinstated")
    CERTIFICATE_REVOKED = "certificate.revoked", _("Certificate revoked")
    BOOKING_MADE = "booking.made", _("Booking made")
    BOOKING_MOVED = "booking.moved", _("Booking moved")
    BOOKING_CANCELLED = "booking.cancelled", _("Booking cancelled")


class WebhookEndpoint(models.Model):
    """An organisation's HTTPS receiver of webhook events."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DISABLED = "disabled", _("Disabled")

    class DisabledReason(models.TextChoices):
        GONE = "gone", _("The receiver answered 410 Gone")
        FAILING = "failing", _("Every delivery failed for a day")
        BY_ADMIN = "by_admin", _("Disabled by an administrator")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list)
    secret_salt = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    disabled_reason = models.CharField(
        _("reason disabled"), max_length=10, choices=DisabledReason.choices, blank=True
    )
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # The first failure of the current run of failures; cleared by a success, and
    # started afresh when the last failure is older than webhook_policy.STREAK_GAP.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", disabled_reason="", disabled_at__isnull=True)
                | (Q(status="disabled") & ~Q(disabled_reason="") & Q(disabled_at__isnull=False)),
                name="webhook_endpoint_disabled_has_reason",
            )
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="webhook_endpoint_org")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row, sent at least once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("event type"), max_length=40, choices=WebhookEvent.choices)
    # Ids only: the receiver fetches the details through the API.
    payload = models.JSONField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    give_up_at = models.DateTimeField(_("give up at"))
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
