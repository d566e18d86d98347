"""Monitoring's own models: at-risk rules, suppression settings, webhook endpoints, deliveries."""

from .webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent  # noqa: F401
