"""Everything that changes monitoring's own models. Each service is one transaction with
its audit event."""

from ._webhook_common import endpoint_secret
from .at_risk import AtRiskRuleError, record_at_risk_export, update_at_risk_rule
from .figures import refresh_figures
from .webhook_outbox import (
    claim_webhook_delivery,
    due_webhook_deliveries,
    enqueue_webhook_event,
    entitled_endpoints,
    record_webhook_attempt,
)
from .webhooks import (
    WebhookError,
    delete_webhook_endpoint,
    disable_webhook_endpoint,
    enable_webhook_endpoint,
    register_webhook_endpoint,
)

__all__ = [
    "AtRiskRuleError",
    "WebhookError",
    "claim_webhook_delivery",
    "delete_webhook_endpoint",
    "disable_webhook_endpoint",
    "due_webhook_deliveries",
    "enable_webhook_endpoint",
    "endpoint_secret",
    "enqueue_webhook_event",
    "entitled_endpoints",
    "record_at_risk_export",
    "record_webhook_attempt",
    "refresh_figures",
    "register_webhook_endpoint",
    "update_at_risk_rule",
]
