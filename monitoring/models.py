"""Monitoring's own models: at-risk rules, suppression settings, webhook endpoints, deliveries."""

from .at_risk_models import AtRiskRule  # noqa: F401
from .figures_models import DemandCell, FigureCell, FigureRefresh, FigureSnapshot  # noqa: F401
from .webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent  # noqa: F401
